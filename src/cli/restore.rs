//! `ocgen restore GATEWAY ARCHIVE`: one gateway brought back from an
//! archive on this machine (the work is `host::restore`), and a report of
//! what was set aside.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::backup::{host_plan, openclaw_bin};
use super::input::find_gateway;
use super::{Ctx, ExitStatus, Failure, Outcome, emit};
use crate::host::Manager;

/// How gateways are stopped and started, for `restore` and `rollout`.
#[derive(Debug, Args)]
pub(crate) struct ManagerArgs {
    /// Shell command that stops a gateway [default: `systemctl stop "$OCGEN_UNIT"`].
    /// It gets OCGEN_GATEWAY, OCGEN_UNIT, OCGEN_ENV_FILE, OCGEN_STATE_DIR and OCGEN_OPENCLAW.
    #[arg(long, value_name = "COMMAND")]
    stop: Option<String>,
    /// Shell command that starts a gateway with `$OCGEN_OPENCLAW`
    /// [default: `systemctl start "$OCGEN_UNIT"`].
    #[arg(long, value_name = "COMMAND")]
    start: Option<String>,
    /// How long a gateway may take to answer /healthz after its start, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    deadline: u64,
}

impl ManagerArgs {
    /// The manager: the commands given, else systemctl (`--user` for user units).
    pub(crate) fn manager(&self, user_units: bool) -> Manager {
        let d = Manager::systemd(user_units);
        Manager {
            stop: self.stop.clone().unwrap_or(d.stop),
            start: self.start.clone().unwrap_or(d.start),
        }
    }

    /// The per-gateway deadline.
    pub(crate) fn deadline(&self) -> Duration {
        Duration::from_secs(self.deadline)
    }
}

/// The arguments of `ocgen restore`.
#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    /// The gateway to restore.
    #[arg(value_name = "GATEWAY", add = clap_complete::ArgValueCandidates::new(super::input::gateway_candidates))]
    gateway: String,
    /// The archive (`ocgen backup` prints where each went).
    #[arg(value_name = "ARCHIVE")]
    archive: PathBuf,
    #[command(flatten)]
    manager: ManagerArgs,
    /// The `openclaw` to run [default: `systemd.openclaw`].
    #[arg(long, value_name = "PATH")]
    openclaw: Option<PathBuf>,
    /// The deployment was installed with `ocgen install --root DIR`.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

pub(crate) fn run(args: &RestoreArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    let plan = host_plan(ctx, args.root.as_ref())?;
    let g = find_gateway(&plan, &args.gateway)?;
    let bin = openclaw_bin(&plan, args.openclaw.as_ref());
    let manager = args.manager.manager(plan.user_units);
    match crate::host::restore(g, &args.archive, &bin, &manager, args.manager.deadline()) {
        Ok(r) => {
            let mut text = String::new();
            if let Some(stage) = &r.resumed {
                text.push_str(&format!(
                    "{}: found an interrupted restore (stage `{stage}`): finished it\n",
                    g.name
                ));
            }
            text.push_str(&format!(
                "{}: restored from {}; healthy {:.1} s after its start\n",
                g.name,
                args.archive.display(),
                r.healthy_after.as_secs_f64()
            ));
            for (live, aside) in &r.set_aside {
                text.push_str(&format!("  {live}: previous contents kept at {aside}\n"));
            }
            for u in &r.unplaced {
                text.push_str(&format!("  not placed (kept in the staging dir): {u}\n"));
            }
            text.push_str(&format!(
                "  openclaw doctor: {}\n",
                if r.doctor.0 {
                    "ok"
                } else {
                    "reported problems (see `openclaw doctor`)"
                }
            ));
            emit(out, &text)?;
            Ok(ExitStatus::Success)
        }
        Err(e) => {
            emit(out, &format!("{}: restore FAILED\n", g.name))?;
            Err(Failure::from(e))
        }
    }
}
