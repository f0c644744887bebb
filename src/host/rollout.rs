//! `ocgen rollout`: a new OpenClaw executable rolled out gateway by
//! gateway (the first is the canary). For each: an archive with the
//! version it runs now, a switch (stop, start with the new executable),
//! a wait until it is healthy within a deadline. On failure: the previous
//! executable back and the state restored from that archive (the new
//! version may have migrated the databases, which the old one refuses),
//! a wait until the old gateway is healthy again, and the rollout stops:
//! the gateways after it are never touched.
//!
//! What each gateway runs is recorded beside its state
//! ([`running_record`]); a journal per gateway
//! (`<state_dir>.ocgen-rollout.json`) says how far a rollout got, so a
//! re-run after a kill says what it found and finishes the switch or the
//! rollback. One gateway at a time: never two gateways of one state dir.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::service::{Manager, healthy};
use crate::plan::Gateway;
use crate::write::{abort_point, write_atomic};

/// The file beside the state dir naming the `openclaw` the gateway runs.
pub(crate) fn running_record(state_dir: &str) -> PathBuf {
    PathBuf::from(format!("{state_dir}.ocgen-openclaw"))
}

/// Where a rollout runs gateways: what it switches ("version": an
/// `openclaw` executable on a bare host, an image on Compose) and how.
/// The rollout's logic ([`rollout`]) is the same for every site.
pub(crate) trait Site {
    /// The version the gateway should run after the rollout.
    fn target(&self, g: &Gateway) -> String;
    /// The version the gateway runs now, when the site knows it.
    fn current(&self, g: &Gateway) -> Option<String>;
    /// Records that the gateway now runs `version`.
    fn record(&self, g: &Gateway, version: &str) -> Result<(), String>;
    /// The gateway's rollout journal.
    fn journal(&self, g: &Gateway) -> Result<PathBuf, String>;
    /// One verified archive made with `version`; its path.
    fn backup(&self, g: &Gateway, version: &str) -> Result<String, String>;
    /// Stops the gateway (running `version`).
    fn stop(&self, g: &Gateway, version: &str) -> Result<(), String>;
    /// Starts the gateway on `version`.
    fn start(&self, g: &Gateway, version: &str) -> Result<(), String>;
    /// Whether the gateway answers healthy now.
    fn healthy(&self, g: &Gateway) -> bool;
    /// Restores `archive` and starts the gateway on `version`, healthy
    /// within `deadline`; where the replaced state was set aside.
    fn restore(
        &self,
        g: &Gateway,
        archive: &Path,
        version: &str,
        deadline: Duration,
    ) -> Result<Vec<String>, String>;
}

/// A bare host: `openclaw` executables, started and stopped by a [`Manager`].
pub(crate) struct HostSite<'a> {
    /// The executable to roll out.
    pub to: &'a str,
    /// How gateways are stopped and started.
    pub manager: &'a Manager,
}

fn state_of(g: &Gateway) -> Result<String, String> {
    g.host_paths()
        .map(|p| p.state_dir.clone())
        .map_err(|e| e.to_string())
}

impl Site for HostSite<'_> {
    fn target(&self, _: &Gateway) -> String {
        self.to.to_string()
    }
    fn current(&self, g: &Gateway) -> Option<String> {
        std::fs::read_to_string(running_record(&state_of(g).ok()?))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }
    fn record(&self, g: &Gateway, version: &str) -> Result<(), String> {
        write_atomic(&running_record(&state_of(g)?), version, false).map_err(|e| e.to_string())
    }
    fn journal(&self, g: &Gateway) -> Result<PathBuf, String> {
        Ok(PathBuf::from(format!(
            "{}.ocgen-rollout.json",
            state_of(g)?
        )))
    }
    fn backup(&self, g: &Gateway, version: &str) -> Result<String, String> {
        super::backup::backup(g, version)
            .map(|m| m.archive.display().to_string())
            .map_err(|e| e.to_string())
    }
    fn stop(&self, g: &Gateway, version: &str) -> Result<(), String> {
        self.manager.stop(g, version).map_err(|e| e.to_string())
    }
    fn start(&self, g: &Gateway, version: &str) -> Result<(), String> {
        self.manager.start(g, version).map_err(|e| e.to_string())
    }
    fn healthy(&self, g: &Gateway) -> bool {
        healthy(g)
    }
    fn restore(
        &self,
        g: &Gateway,
        archive: &Path,
        version: &str,
        deadline: Duration,
    ) -> Result<Vec<String>, String> {
        super::restore::restore(g, archive, version, self.manager, deadline)
            .map(super::restore::Restored::set_aside_to)
            .map_err(|e| e.to_string())
    }
}

/// Probes until the gateway is healthy, at most `deadline`.
fn wait(site: &dyn Site, g: &Gateway, deadline: Duration) -> bool {
    let start = Instant::now();
    loop {
        if site.healthy(g) {
            return true;
        }
        if start.elapsed() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The journal of one gateway's switch.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Journal {
    from: String,
    to: String,
    /// `backup`, `switch` (archive made), `rollback`.
    stage: String,
    archive: Option<String>,
}

/// What happened to one gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Already on the new executable.
    Current,
    /// Switched and healthy.
    Switched {
        /// The archive taken before.
        archive: String,
        /// Seconds from the stop to the first healthy answer.
        downtime: Duration,
        /// Seconds for the whole gateway.
        took: Duration,
    },
    /// Not healthy on the new version: the old one and its state are back.
    RolledBack {
        /// Why the switch failed.
        why: String,
        /// The archive restored.
        archive: String,
        /// Where the migrated state was set aside.
        aside: Vec<String>,
        /// Seconds from the stop to the old gateway's first healthy answer.
        downtime: Duration,
    },
    /// Neither the switch nor the rollback worked: needs a person.
    Failed {
        /// What went wrong.
        why: String,
    },
    /// Not reached: the rollout stopped before it.
    Untouched,
}

/// One gateway's line in the report.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// The gateway.
    pub gateway: String,
    /// What the run found from an earlier, interrupted one.
    pub found: Option<String>,
    /// What happened.
    pub outcome: Outcome,
}

/// Why a rollout could not start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum RolloutError {
    /// Nothing says what a gateway runs now.
    #[error("gateway `{0}`: ocgen does not know which `openclaw` it runs now")]
    #[diagnostic(help(
        "pass --from PATH (the executable the gateways run now, which must stay installed): ocgen records it for later rollouts"
    ))]
    UnknownFrom(String),
    /// The site cannot say where the gateway's journal goes.
    #[error("gateway `{0}`: {1}")]
    Site(String, String),
}

fn save(path: &Path, j: &Journal) -> Result<(), String> {
    let text = serde_json::to_string_pretty(j).map_err(|e| e.to_string())?;
    write_atomic(path, &text, true).map_err(|e| e.to_string())
}

/// Rolls each gateway's [`Site::target`] out over `gateways`, in order;
/// stops at the first rollback.
pub(crate) fn rollout(
    gateways: &[&Gateway],
    from: Option<&str>,
    site: &dyn Site,
    deadline: Duration,
) -> Result<Vec<Step>, RolloutError> {
    // Every gateway's current version is known before anything is touched.
    let mut plan = Vec::new();
    for g in gateways {
        let jpath = site
            .journal(g)
            .map_err(|e| RolloutError::Site(g.name.clone(), e))?;
        let journal: Option<Journal> = std::fs::read_to_string(&jpath)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let current = journal
            .as_ref()
            .map(|j| j.from.clone())
            .or_else(|| site.current(g))
            .or_else(|| from.map(str::to_string))
            .ok_or_else(|| RolloutError::UnknownFrom(g.name.clone()))?;
        plan.push((*g, jpath, current, journal));
    }
    let mut steps = Vec::new();
    let mut stopped = false;
    for (g, jpath, current, journal) in plan {
        if stopped {
            steps.push(Step {
                gateway: g.name.clone(),
                found: None,
                outcome: Outcome::Untouched,
            });
            continue;
        }
        let found = journal
            .as_ref()
            .map(|j| format!("an interrupted rollout to {} at stage `{}`", j.to, j.stage));
        let to = site.target(g);
        let outcome = one(g, &jpath, &current, &to, journal, site, deadline);
        stopped = !matches!(outcome, Outcome::Current | Outcome::Switched { .. });
        steps.push(Step {
            gateway: g.name.clone(),
            found,
            outcome,
        });
    }
    Ok(steps)
}

/// One gateway: backup, switch, wait; or roll back.
fn one(
    g: &Gateway,
    jpath: &Path,
    from: &str,
    to: &str,
    journal: Option<Journal>,
    site: &dyn Site,
    deadline: Duration,
) -> Outcome {
    let started = Instant::now();
    let mut j = match journal {
        // An interrupted rollback is finished whatever this run asks.
        Some(j) if j.stage == "rollback" => {
            return rollback(g, &j, "interrupted".into(), site, deadline, jpath);
        }
        Some(j) if j.to == to => j,
        _ => {
            if from == to {
                return Outcome::Current;
            }
            Journal {
                from: from.to_string(),
                to: to.to_string(),
                stage: "backup".into(),
                archive: None,
            }
        }
    };
    if j.stage == "backup" {
        if let Err(e) = save(jpath, &j) {
            return Outcome::Failed { why: e };
        }
        abort_point("rollout-begun");
        // The archive is made by the version that wrote the state.
        match site.backup(g, &j.from) {
            Ok(archive) => {
                j.archive = Some(archive);
                j.stage = "switch".into();
                if let Err(e) = save(jpath, &j) {
                    return Outcome::Failed { why: e };
                }
            }
            Err(e) => {
                let _ = std::fs::remove_file(jpath);
                return Outcome::Failed {
                    why: format!("no backup, nothing switched: {e}"),
                };
            }
        }
    }
    abort_point("rollout-backed-up");
    let archive = j.archive.clone().unwrap_or_default();
    let down = Instant::now();
    if let Err(e) = site.stop(g, &j.from) {
        return rollback(g, &j, e, site, deadline, jpath);
    }
    abort_point("rollout-stopped");
    if let Err(e) = site.start(g, &j.to) {
        return rollback(g, &j, e, site, deadline, jpath);
    }
    abort_point("rollout-switched");
    if wait(site, g, deadline) {
        let downtime = down.elapsed();
        if let Err(e) = site.record(g, &j.to) {
            return Outcome::Failed { why: e };
        }
        let _ = std::fs::remove_file(jpath);
        Outcome::Switched {
            archive,
            downtime,
            took: started.elapsed(),
        }
    } else {
        rollback(
            g,
            &j,
            format!("not healthy on {} within {deadline:?}", j.to),
            site,
            deadline,
            jpath,
        )
    }
}

/// Puts back the previous version and the state of the archive.
fn rollback(
    g: &Gateway,
    j: &Journal,
    why: String,
    site: &dyn Site,
    deadline: Duration,
    jpath: &Path,
) -> Outcome {
    let down = Instant::now();
    let mut j = j.clone();
    let Some(archive) = j.archive.clone() else {
        return Outcome::Failed { why };
    };
    if j.stage != "rollback" {
        j.stage = "rollback".into();
        if let Err(e) = save(jpath, &j) {
            return Outcome::Failed {
                why: format!("{why}; then: {e}"),
            };
        }
    }
    abort_point("rollout-rolling-back");
    // The new version is stopped first (the restore stops the gateway).
    // The old version gets at least five minutes: it is the way back.
    let back = deadline.max(Duration::from_secs(300));
    match site.restore(g, Path::new(&archive), &j.from, back) {
        Ok(aside) => {
            let _ = site.record(g, &j.from);
            let _ = std::fs::remove_file(jpath);
            Outcome::RolledBack {
                why,
                archive,
                aside,
                downtime: down.elapsed(),
            }
        }
        Err(e) => Outcome::Failed {
            why: format!("{why}; the rollback failed too: {e}"),
        },
    }
}
