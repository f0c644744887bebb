//! `ocgen ports`: the port plan, every range each gateway reserves.

use std::io::Write;

use clap::Args;

use super::input::load_plan_shared;
use super::{Ctx, ExitStatus, Format, Outcome, emit, report};

/// The arguments of `ocgen ports`.
#[derive(Debug, Args)]
pub(crate) struct PortsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub(crate) fn run(args: &PortsArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    // The ports depend on no target: only the rules every target shares.
    let (_, plan) = load_plan_shared(ctx)?;
    emit(out, &report::ports(&plan, args.format))?;
    Ok(ExitStatus::Success)
}
