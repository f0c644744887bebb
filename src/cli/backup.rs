//! `ocgen backup [GATEWAY...]`: one archive of each gateway now, on this
//! machine (the work is `host::backup`), and where it went.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::input::{find_gateway, load_plan_for, load_plan_shared};
use super::{Ctx, ExitStatus, Failure, Outcome, emit};
use crate::host::ComposeSite;
use crate::plan::{Gateway, Plan, Site};
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
    #[command(flatten)]
    compose: ComposeDirArg,
}

/// Where a Compose deployment's `compose.yaml` is.
#[derive(Debug, Args)]
pub(crate) struct ComposeDirArg {
    /// Compose deployments: the directory of the generated `compose.yaml`
    /// (archives go to `backup.dir`, default `./backups`, beside it).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub compose_dir: PathBuf,
}

impl ComposeDirArg {
    /// The Compose deployment when the file's gateways run on Compose
    /// (the plan's primary site), with its plan.
    pub(crate) fn site(&self, ctx: &Ctx) -> Result<Option<(Plan, ComposeSite)>, Failure> {
        let (_, shared) = load_plan_shared(ctx)?;
        if shared.primary_site() != Site::Compose {
            return Ok(None);
        }
        let (_, plan) = load_plan_for(ctx, Some(Target::Compose))?;
        Ok(Some((
            plan,
            ComposeSite {
                dir: self.compose_dir.clone(),
            },
        )))
    }
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
    let (plan, compose) = match args.compose.site(ctx)? {
        Some((plan, site)) => (plan, Some(site)),
        None => (host_plan(ctx, args.root.as_ref())?, None),
    };
    let bin = openclaw_bin(&plan, args.openclaw.as_ref());
    let mut failed = false;
    for g in selected(&plan, &args.gateways)? {
        let started = std::time::Instant::now();
        let made = match &compose {
            // The image the gateway runs now makes it (the compose file's when none runs).
            Some(site) => site.backup(g, site.running_image(g).as_deref()),
            None => crate::host::backup(g, &bin),
        };
        match made {
            Ok(m) => {
                let mut line = format!(
                    "{}: {} ({} bytes, verified, {:.1} s)",
                    m.gateway,
                    m.archive.display(),
                    m.bytes,
                    started.elapsed().as_secs_f64()
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
