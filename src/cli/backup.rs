//! `ocgen backup [GATEWAY...]`: one archive of each gateway now, on this
//! machine (the work is `host::backup`), and where it went.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::input::{find_gateway, load_plan_for};
use super::{Ctx, ExitStatus, Failure, Outcome, emit};
use crate::plan::{Gateway, Plan};
use crate::target::Target;

/// The arguments of `ocgen backup`.
#[derive(Debug, Args)]
pub(crate) struct BackupArgs {
    /// The gateways to back up [default: all].
    #[arg(value_name = "GATEWAY", add = clap_complete::ArgValueCandidates::new(super::input::gateway_candidates))]
    gateways: Vec<String>,
    /// The `openclaw` to run [default: `systemd.openclaw`].
    #[arg(long, value_name = "PATH")]
    openclaw: Option<PathBuf>,
    /// The deployment was installed with `ocgen install --root DIR`.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

/// The plan of a live command: the host's, relocated under `--root`.
pub(crate) fn host_plan(ctx: &Ctx, root: Option<&PathBuf>) -> Result<Plan, Failure> {
    let (_, plan) = load_plan_for(ctx, Some(Target::Host))?;
    Ok(match root {
        Some(dir) => plan.rooted(&crate::host::root_prefix(dir)?),
        None => plan,
    })
}

/// The gateways named, or all.
pub(crate) fn selected<'p>(plan: &'p Plan, names: &[String]) -> Result<Vec<&'p Gateway>, Failure> {
    if names.is_empty() {
        return Ok(plan.gateways.iter().collect());
    }
    names.iter().map(|n| find_gateway(plan, n)).collect()
}

/// The `openclaw` executable to run.
pub(crate) fn openclaw_bin(plan: &Plan, flag: Option<&PathBuf>) -> String {
    flag.map_or_else(|| plan.openclaw_bin.clone(), |p| p.display().to_string())
}

pub(crate) fn run(args: &BackupArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let plan = host_plan(ctx, args.root.as_ref())?;
    let bin = openclaw_bin(&plan, args.openclaw.as_ref());
    let mut failed = false;
    for g in selected(&plan, &args.gateways)? {
        match crate::host::backup(g, &bin) {
            Ok(m) => {
                let mut line = format!(
                    "{}: {} ({} bytes, verified)",
                    m.gateway,
                    m.archive.display(),
                    m.bytes
                );
                if !m.pruned.is_empty() {
                    line.push_str(&format!(
                        "; removed {} older (keep {}): {}",
                        m.pruned.len(),
                        g.backup.keep,
                        m.pruned.join(", ")
                    ));
                }
                line.push('\n');
                emit(out, &line)?;
            }
            Err(e) => {
                failed = true;
                emit(out, &format!("{}: FAILED: {e}\n", g.name))?;
            }
        }
    }
    Ok(if failed {
        ExitStatus::Failed
    } else {
        ExitStatus::Success
    })
}
