//! `ocgen env NAME`: the env file of one gateway.

use std::io::Write;

use clap::Args;
use clap_complete::engine::ArgValueCandidates;

use super::input::{find_gateway, gateway_candidates, load_view, parse_target};
use super::{Ctx, ExitStatus, Outcome, TemplateArgs, emit};
use crate::render;
use crate::target::Target;

/// The arguments of `ocgen env`.
#[derive(Debug, Args)]
pub(crate) struct EnvArgs {
    #[command(flatten)]
    tpl: TemplateArgs,
    /// Gateway name.
    #[arg(add = ArgValueCandidates::new(gateway_candidates))]
    name: String,
    /// Show the environment this target's gateway gets (host, systemd,
    /// nixos, compose, kubernetes, launchd) [default: the file's only
    /// target, else host].
    #[arg(long, value_name = "TARGET", value_parser = parse_target)]
    target: Option<Target>,
}

pub(crate) fn run(args: &EnvArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (plan, target) = load_view(ctx, args.target)?;
    let g = find_gateway(&plan, &args.name)?;
    let site = plan.site(target);
    let text = if site.in_container() {
        render::env::render_container(&g.runtime(site)?)
    } else {
        // The env file `install` and `generate` write, which systemd,
        // NixOS and launchd read as well.
        let t = args.tpl.load()?;
        render::env::render(g, &t)?
    };
    emit(out, &text)?;
    Ok(ExitStatus::Success)
}
