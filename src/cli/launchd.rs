//! `ocgen launchd NAME`: the macOS LaunchAgent of one gateway.

use std::io::Write;

use clap::Args;
use clap_complete::engine::ArgValueCandidates;

use super::input::{find_gateway, gateway_candidates, load_plan_for};
use super::{Ctx, ExitStatus, Outcome, emit};
use crate::render;
use crate::target::Target;

/// The arguments of `ocgen launchd`.
#[derive(Debug, Args)]
pub(crate) struct LaunchdArgs {
    /// Gateway name.
    #[arg(add = ArgValueCandidates::new(gateway_candidates))]
    name: String,
}

pub(crate) fn run(args: &LaunchdArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan_for(ctx, Some(Target::Launchd))?;
    let g = find_gateway(&plan, &args.name)?;
    emit(out, &render::launchd::render(&plan, g)?)?;
    Ok(ExitStatus::Success)
}
