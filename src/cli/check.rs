//! `ocgen check`: validate the file and print one line per gateway; with
//! `--host`, also the reserved ports in use here and seeded-config drift.

use std::io::Write;

use clap::Args;

use super::input::{load_checked, load_plan_for};
use super::{Ctx, ExitStatus, Format, Outcome, emit, report};
use crate::target::Target;

/// The arguments of `ocgen check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Also report reserved ports that are already in use on this host
    /// (reads /proc/net/tcp: Linux only, skipped elsewhere); exit 1 if any.
    /// Warns when the gateways' memory limits add up to more than the
    /// host's memory.
    #[arg(long, conflicts_with = "format")]
    host: bool,
    /// Output format: a table and diagnostics, or one JSON document on
    /// standard output (`{"valid", "file", "gateways", "problems"}`).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub(crate) fn run(args: &CheckArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let only = args.host.then_some(Target::Host);
    if args.format == Format::Json {
        let (input, planned) = load_checked(ctx, |doc| crate::plan::plan_for(doc, only))?;
        let (json, status) = match &planned {
            Ok(plan) => (report::check_json(&input, plan), ExitStatus::Success),
            Err(problems) => (
                serde_json::json!({
                    "valid": false,
                    "file": input.name,
                    "gateways": [],
                    "problems": crate::diag::to_json(problems, &input.name, &input.text),
                }),
                ExitStatus::Invalid,
            ),
        };
        emit(out, &format!("{json:#}\n"))?;
        return Ok(status);
    }
    let (input, plan) = load_plan_for(ctx, only)?;
    emit(out, &report::check_summary(&input, &plan))?;
    if !args.host {
        return Ok(ExitStatus::Success);
    }
    let used = crate::host::reserved_ports_in_use(&plan);
    let drift = crate::host::check_configs(&plan);
    emit(out, &report::host_check(&plan, used.as_deref(), &drift))?;
    // A warning only: limits are ceilings, not what the gateways use.
    if let Some(w) = crate::host::memory_warning(&plan) {
        emit(out, &w)?;
    }
    let clean = used.is_none_or(|u| u.is_empty()) && drift.is_empty();
    Ok(if clean {
        ExitStatus::Success
    } else {
        ExitStatus::Differs
    })
}
