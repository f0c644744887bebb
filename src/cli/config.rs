//! `ocgen config NAME`: the openclaw.json of one gateway as one target's
//! gateway reads it (`--target`; by default the file's only target, else
//! the host's, which systemd, NixOS and launchd read too).

use std::io::Write;

use clap::Args;
use clap_complete::engine::ArgValueCandidates;

use super::input::{find_gateway, gateway_candidates, load_view, parse_target};
use super::{Ctx, ExitStatus, Outcome, emit};
use crate::render;
use crate::target::Target;

/// The arguments of `ocgen config`.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    /// Gateway name.
    #[arg(add = ArgValueCandidates::new(gateway_candidates))]
    name: String,
    /// Show the config as this target's gateway reads it (host, systemd,
    /// nixos, compose, kubernetes, launchd) [default: the file's only
    /// target, else host].
    #[arg(long, value_name = "TARGET", value_parser = parse_target)]
    target: Option<Target>,
}

pub(crate) fn run(args: &ConfigArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    // One config serves every way a gateway runs on the machine itself
    // (install, systemd, NixOS, launchd); a container reads its own.
    let (plan, target) = load_view(ctx, args.target)?;
    let g = find_gateway(&plan, &args.name)?;
    let rt = g.runtime(plan.site(target))?;
    emit(out, &render::openclaw::render(&rt))?;
    Ok(ExitStatus::Success)
}
