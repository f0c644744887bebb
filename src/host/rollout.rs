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

use super::service::{Manager, wait_healthy};
use crate::plan::Gateway;
use crate::write::{abort_point, write_atomic};

/// The file beside the state dir naming the `openclaw` the gateway runs.
pub(crate) fn running_record(state_dir: &str) -> PathBuf {
    PathBuf::from(format!("{state_dir}.ocgen-openclaw"))
}

fn journal_path(state_dir: &str) -> PathBuf {
    PathBuf::from(format!("{state_dir}.ocgen-rollout.json"))
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
}

fn save(path: &Path, j: &Journal) -> Result<(), String> {
    let text = serde_json::to_string_pretty(j).map_err(|e| e.to_string())?;
    write_atomic(path, &text, true).map_err(|e| e.to_string())
}

fn read_record(state_dir: &str) -> Option<String> {
    std::fs::read_to_string(running_record(state_dir))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Rolls `to` out over `gateways`, in order; stops at the first rollback.
pub(crate) fn rollout(
    gateways: &[&Gateway],
    from: Option<&str>,
    to: &str,
    manager: &Manager,
    deadline: Duration,
) -> Result<Vec<Step>, RolloutError> {
    // Every gateway's current executable is known before anything is touched.
    let mut plan = Vec::new();
    for g in gateways {
        let state = &g
            .host_paths()
            .map_err(|_| RolloutError::UnknownFrom(g.name.clone()))?
            .state_dir;
        let journal: Option<Journal> = std::fs::read_to_string(journal_path(state))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let current = journal
            .as_ref()
            .map(|j| j.from.clone())
            .or_else(|| read_record(state))
            .or_else(|| from.map(str::to_string))
            .ok_or_else(|| RolloutError::UnknownFrom(g.name.clone()))?;
        plan.push((*g, state.clone(), current, journal));
    }
    let mut steps = Vec::new();
    let mut stopped = false;
    for (g, state, current, journal) in plan {
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
        let outcome = one(g, &state, &current, to, journal, manager, deadline);
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
    state: &str,
    from: &str,
    to: &str,
    journal: Option<Journal>,
    manager: &Manager,
    deadline: Duration,
) -> Outcome {
    let started = Instant::now();
    let jpath = journal_path(state);
    let mut j = match journal {
        // An interrupted rollback is finished whatever this run asks.
        Some(j) if j.stage == "rollback" => {
            return rollback(
                g,
                state,
                &j,
                "interrupted".into(),
                manager,
                deadline,
                &jpath,
            );
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
        if let Err(e) = save(&jpath, &j) {
            return Outcome::Failed { why: e };
        }
        abort_point("rollout-begun");
        // The archive is made by the version that wrote the state.
        match super::backup::backup(g, &j.from) {
            Ok(m) => {
                j.archive = Some(m.archive.display().to_string());
                j.stage = "switch".into();
                if let Err(e) = save(&jpath, &j) {
                    return Outcome::Failed { why: e };
                }
            }
            Err(e) => {
                let _ = std::fs::remove_file(&jpath);
                return Outcome::Failed {
                    why: format!("no backup, nothing switched: {e}"),
                };
            }
        }
    }
    abort_point("rollout-backed-up");
    let archive = j.archive.clone().unwrap_or_default();
    let down = Instant::now();
    if let Err(e) = manager.stop(g, &j.from) {
        return rollback(g, state, &j, e.to_string(), manager, deadline, &jpath);
    }
    abort_point("rollout-stopped");
    if let Err(e) = manager.start(g, &j.to) {
        return rollback(g, state, &j, e.to_string(), manager, deadline, &jpath);
    }
    abort_point("rollout-switched");
    match wait_healthy(g, deadline) {
        Some(_) => {
            let downtime = down.elapsed();
            if let Err(e) = write_atomic(&running_record(state), &j.to, false) {
                return Outcome::Failed { why: e.to_string() };
            }
            let _ = std::fs::remove_file(&jpath);
            Outcome::Switched {
                archive,
                downtime,
                took: started.elapsed(),
            }
        }
        None => rollback(
            g,
            state,
            &j,
            format!("not healthy on {} within {deadline:?}", j.to),
            manager,
            deadline,
            &jpath,
        ),
    }
}

/// Puts back the previous executable and the state of the archive.
fn rollback(
    g: &Gateway,
    state: &str,
    j: &Journal,
    why: String,
    manager: &Manager,
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
    // The new version is stopped first (restore stops it with the manager).
    // The old version gets at least five minutes: it is the way back.
    let back = deadline.max(Duration::from_secs(300));
    match super::restore::restore(g, Path::new(&archive), &j.from, manager, back) {
        Ok(r) => {
            let _ = write_atomic(&running_record(state), &j.from, false);
            let _ = std::fs::remove_file(jpath);
            Outcome::RolledBack {
                why,
                archive,
                aside: r.set_aside.into_iter().map(|(_, a)| a).collect(),
                downtime: down.elapsed(),
            }
        }
        Err(e) => Outcome::Failed {
            why: format!("{why}; the rollback failed too: {e}"),
        },
    }
}
