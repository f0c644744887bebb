//! `ocgen check`: validate the file and print one line per gateway; with
//! `--host`, also the reserved ports in use here and seeded-config drift.

use std::io::Write;

use clap::Args;

use super::ExitStatus;
use super::input::load_plan_for;
use super::{Ctx, Failure, emit, report};
use crate::target::Target;

/// The arguments of `ocgen check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Also report reserved ports that are already in use on this host
    /// (reads /proc/net/tcp: Linux only, skipped elsewhere); exit 1 if any.
    #[arg(long)]
    host: bool,
}

/// The fix for a seeded config that strays from what ocgen pins.
const DRIFT_HELP: &str = "help: a seeded config is OpenClaw's to edit, but ocgen pins these keys through the environment and arguments: set them back (`openclaw config set KEY VALUE`), or move the gateway in ocgen.yaml and install again\n";

pub(crate) fn run(args: &CheckArgs, ctx: &Ctx, out: &mut dyn Write) -> Result<ExitStatus, Failure> {
    let only = args.host.then_some(Target::Host);
    let (input, plan) = load_plan_for(ctx, only)?;
    emit(out, &report::check_summary(&input, &plan))?;
    if !args.host {
        return Ok(ExitStatus::Success);
    }
    let used = crate::host::reserved_ports_in_use(&plan);
    emit(out, &report::ports_in_use(&plan, used.as_deref()))?;
    let drift = crate::host::check_configs(&plan);
    for d in &drift {
        emit(out, &format!("{d}\n"))?;
    }
    if !drift.is_empty() {
        emit(out, DRIFT_HELP)?;
    }
    if used.is_some_and(|u| !u.is_empty()) {
        return Ok(ExitStatus::Differs);
    }
    if !drift.is_empty() {
        return Ok(ExitStatus::Differs);
    }
    Ok(ExitStatus::Success)
}
