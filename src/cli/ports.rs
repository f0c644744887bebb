//! `ocgen ports`: the port plan, every range each gateway reserves.

use std::io::Write;

use clap::Args;

use super::input::load_plan;
use super::{Ctx, ExitStatus, Format, Outcome, emit, report};

/// The arguments of `ocgen ports`.
#[derive(Debug, Args)]
pub(crate) struct PortsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub(crate) fn run(args: &PortsArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan(ctx)?;
    emit(out, &report::ports(&plan, args.format))?;
    Ok(ExitStatus::Success)
}
