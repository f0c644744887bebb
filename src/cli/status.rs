//! `ocgen status`: every gateway probed on 127.0.0.1 (the work is
//! `host::status`), as a table or JSON.

use std::io::Write;

use clap::Args;

use super::input::load_plan_for;
use super::{Ctx, ExitStatus, Format, Outcome, emit, report};
use crate::host::State;
use crate::target::Target;

/// The arguments of `ocgen status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub(crate) fn run(args: &StatusArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let (_, plan) = load_plan_for(ctx, Some(Target::Host))?;
    let all = crate::host::status(&plan);
    emit(
        out,
        &match args.format {
            Format::Table => report::status_table(&plan, &all),
            Format::Json => report::status_json(&all),
        },
    )?;
    let well = all
        .iter()
        .all(|g| g.state == State::Healthy && g.config_drift.is_empty());
    Ok(if well {
        ExitStatus::Success
    } else {
        ExitStatus::Differs
    })
}
