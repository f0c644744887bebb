//! `ocgen config NAME`: the openclaw.json of one gateway, as installed on
//! the host or (`--service`) as its systemd unit reads it.

use std::io::Write;

use clap::Args;
use clap_complete::engine::ArgValueCandidates;

use super::input::{find_gateway, gateway_candidates, load_plan_for};
use super::{Ctx, ExitStatus, Outcome, emit};
use crate::render;
use crate::target::Target;

/// The arguments of `ocgen config`.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    /// Gateway name.
    #[arg(add = ArgValueCandidates::new(gateway_candidates))]
    name: String,
    /// The config as the systemd unit sees it (an `auth.file` secret
    /// read from its credentials directory), as in `systemd/config/`.
    #[arg(long)]
    service: bool,
    /// With --service: for a user unit.
    #[arg(long, requires = "service")]
    user: bool,
}

pub(crate) fn run(args: &ConfigArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let only = if args.service {
        Target::Systemd
    } else {
        Target::Host
    };
    // A unit reads the very config `ocgen install` writes, whatever its
    // scope: `--service` and `--user` name the target, nothing else.
    let (_, plan) = load_plan_for(ctx, Some(only))?;
    let g = find_gateway(&plan, &args.name)?;
    let rt = g.runtime(plan.site(only))?;
    emit(out, &render::openclaw::render(&rt))?;
    Ok(ExitStatus::Success)
}
