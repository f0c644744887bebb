//! `ocgen status`: every gateway (or the named ones) probed on 127.0.0.1
//! (the work is `host::status`), as a table or JSON; with `--wait`, probed
//! again until all are healthy or the deadline passes (`host::wait`).

use std::io::Write;
use std::time::Duration;

use clap::Args;
use clap_complete::engine::ArgValueCandidates;

use super::input::{find_gateway, gateway_candidates, load_plan_for};
use super::{Ctx, ExitStatus, Format, Outcome, emit, report};
use crate::host::{State, format_duration, parse_duration, wait_healthy};
use crate::plan::Plan;
use crate::target::Target;

/// How long `--wait` waits without `--timeout`.
const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// The arguments of `ocgen status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Only these gateways (default: every gateway of the file).
    #[arg(value_name = "GATEWAY", add = ArgValueCandidates::new(gateway_candidates))]
    names: Vec<String>,
    /// Wait until every gateway (or each one named) is healthy, printing
    /// each as it turns healthy; exit 1 naming the others at the deadline.
    #[arg(long)]
    wait: bool,
    /// With --wait: how long to wait, e.g. `90s`, `5m`, `1h` [default: 5m].
    #[arg(long, requires = "wait", value_parser = parse_duration, value_name = "DURATION")]
    timeout: Option<Duration>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub(crate) fn run(args: &StatusArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    // Probes need ports only: a file without the host target (compose or
    // Kubernetes only, gateways reached on their published ports) is read
    // for its own targets rather than refused for lacking host paths.
    let plan = match load_plan_for(ctx, Some(Target::Host)) {
        Ok((_, plan)) => plan,
        Err(host) => match load_plan_for(ctx, None) {
            Ok((_, plan)) if !plan.has_target(Target::Host) => plan,
            _ => return Err(host),
        },
    };
    let plan = only(&plan, &args.names)?;
    let all = if args.wait {
        let timeout = args.timeout.unwrap_or(DEFAULT_WAIT);
        // Progress goes where the table goes; beside JSON, to stderr.
        let mut err = std::io::stderr();
        let progress: &mut dyn Write = match args.format {
            Format::Table => &mut *out,
            Format::Json => &mut err,
        };
        let n = plan.gateways.len();
        let _ = writeln!(
            progress,
            "waiting up to {} for {n} gateway{} to turn healthy",
            format_duration(timeout),
            if n == 1 { "" } else { "s" }
        );
        let waited = wait_healthy(&plan, timeout, &mut |g, after| {
            let _ = writeln!(
                progress,
                "{}: healthy after {:.1}s",
                g.name,
                after.as_secs_f64()
            );
            let _ = progress.flush();
        });
        if waited.healthy {
            let _ = writeln!(progress, "all {n} healthy");
        } else {
            let late: Vec<String> = waited
                .all
                .iter()
                .filter(|g| g.state != State::Healthy)
                .map(|g| match &g.detail {
                    Some(d) => format!("{} ({}: {d})", g.name, g.state.as_str()),
                    None => format!("{} ({})", g.name, g.state.as_str()),
                })
                .collect();
            let _ = writeln!(
                progress,
                "not healthy after {}: {}",
                format_duration(timeout),
                late.join(", ")
            );
        }
        let _ = writeln!(progress);
        waited.all
    } else {
        crate::host::status(&plan)
    };
    emit(
        out,
        &match args.format {
            Format::Table => report::status_table(&plan, &all),
            Format::Json => report::status_json(&all),
        },
    )?;
    // Waiting asks about health only; a plain status also about drift.
    let well = all
        .iter()
        .all(|g| g.state == State::Healthy && (args.wait || g.config_drift.is_empty()));
    Ok(if well {
        ExitStatus::Success
    } else {
        ExitStatus::Differs
    })
}

/// The plan cut down to the gateways named (all of them when none is).
fn only(plan: &Plan, names: &[String]) -> Result<Plan, super::Failure> {
    if names.is_empty() {
        return Ok(plan.clone());
    }
    let mut gateways = Vec::new();
    for n in names {
        let g = find_gateway(plan, n)?;
        if !gateways
            .iter()
            .any(|x: &crate::plan::Gateway| x.name == g.name)
        {
            gateways.push(g.clone());
        }
    }
    Ok(Plan {
        gateways,
        ..plan.clone()
    })
}
