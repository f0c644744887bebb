//! `ocgen rollout [GATEWAY...]`: the `openclaw` of `systemd.openclaw` (or
//! `--to`) rolled out gateway by gateway on this machine, with a backup
//! before each switch and a rollback of version and state on failure (the
//! work is `host::rollout`), and a report of what was done to each.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::backup::{host_plan, openclaw_bin, selected};
use super::restore::ManagerArgs;
use super::{Ctx, ExitStatus, Failure, Outcome, emit};
use crate::host::RolloutOutcome;

/// The arguments of `ocgen rollout`.
#[derive(Debug, Args)]
pub(crate) struct RolloutArgs {
    /// The gateways, in order (the first is the canary) [default: all, in file order].
    #[arg(value_name = "GATEWAY", add = clap_complete::ArgValueCandidates::new(super::input::gateway_candidates))]
    gateways: Vec<String>,
    /// The `openclaw` the gateways run now, when ocgen has not recorded it
    /// (the first rollout). It must stay installed: it is what a rollback
    /// starts again.
    #[arg(long, value_name = "PATH")]
    from: Option<PathBuf>,
    /// The `openclaw` to roll out [default: `systemd.openclaw`].
    #[arg(long, value_name = "PATH")]
    to: Option<PathBuf>,
    #[command(flatten)]
    manager: ManagerArgs,
    /// The deployment was installed with `ocgen install --root DIR`.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

pub(crate) fn run(args: &RolloutArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let plan = host_plan(ctx, args.root.as_ref())?;
    let to = openclaw_bin(&plan, args.to.as_ref());
    let from = args.from.as_ref().map(|p| p.display().to_string());
    let gateways = selected(&plan, &args.gateways)?;
    let manager = args.manager.manager(plan.user_units);
    let steps = crate::host::rollout(
        &gateways,
        from.as_deref(),
        &to,
        &manager,
        args.manager.deadline(),
    )
    .map_err(|e| Failure::io("rollout", e))?;
    let mut text = format!("rollout to {to}:\n");
    let mut ok = true;
    for s in &steps {
        if let Some(f) = &s.found {
            text.push_str(&format!("{}: found {f}\n", s.gateway));
        }
        let line = match &s.outcome {
            RolloutOutcome::Current => "already on it, untouched".to_string(),
            RolloutOutcome::Switched {
                archive,
                downtime,
                took,
            } => format!(
                "switched, healthy (down {:.1} s, {:.1} s in all); backup before: {archive}",
                downtime.as_secs_f64(),
                took.as_secs_f64()
            ),
            RolloutOutcome::RolledBack {
                why,
                archive,
                aside,
                downtime,
            } => {
                ok = false;
                format!(
                    "ROLLED BACK: {why}; previous version and the state of {archive} are back, healthy (down {:.1} s); the state the new version left is kept at {}",
                    downtime.as_secs_f64(),
                    aside.join(", ")
                )
            }
            RolloutOutcome::Failed { why } => {
                ok = false;
                format!("FAILED, needs attention: {why}")
            }
            RolloutOutcome::Untouched => "untouched (the rollout stopped before it)".to_string(),
        };
        text.push_str(&format!("{}: {line}\n", s.gateway));
    }
    emit(out, &text)?;
    Ok(if ok {
        ExitStatus::Success
    } else {
        ExitStatus::Failed
    })
}
