//! `ocgen systemd NAME`: the systemd unit of one gateway.

use std::io::Write;

use clap::Args;
use clap_complete::engine::ArgValueCandidates;

use super::input::{find_gateway, gateway_candidates, load_plan_for};
use super::{Ctx, ExitStatus, Outcome, TemplateArgs, emit};
use crate::render;
use crate::target::Target;

/// The arguments of `ocgen systemd`.
#[derive(Debug, Args)]
pub(crate) struct SystemdArgs {
    #[command(flatten)]
    tpl: TemplateArgs,
    /// Gateway name.
    #[arg(add = ArgValueCandidates::new(gateway_candidates))]
    name: String,
    /// Write a user unit (`systemctl --user`) even if ocgen.yaml asks for system units.
    #[arg(long)]
    user: bool,
}

pub(crate) fn run(args: &SystemdArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan_for(ctx, Some(Target::Systemd))?;
    let t = args.tpl.load()?;
    let g = find_gateway(&plan, &args.name)?;
    let scope = render::systemd::scope(&plan, args.user);
    let text = render::systemd::render(&plan, g, scope, &t)?;
    emit(out, &text)?;
    Ok(ExitStatus::Success)
}
