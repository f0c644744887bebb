//! `ocgen restore GATEWAY ARCHIVE` on this machine: OpenClaw's own
//! `backup verify`, then the gateway stopped, the archive extracted by
//! `openclaw backup restore --target` into a fresh directory beside the
//! state ([`restore_staging`]), each live path renamed aside
//! ([`set_aside_path`], never deleted) and its restored copy renamed into
//! place, `openclaw doctor` run as OpenClaw asks, the gateway started and
//! waited for.
//!
//! Journaled: `<state_dir>.ocgen-restore.json` says how far a run got. A
//! run that finds one (a kill -9, a crash) says so and finishes it; every
//! step is re-runnable (a swap looks at which of live, aside and restored
//! exist).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::backup::openclaw;
use super::service::{Manager, ManagerError, utc_stamp, wait_healthy};
use crate::plan::{Gateway, restore_staging, set_aside_path};
use crate::write::{abort_point, write_atomic};

/// The journal of a restore, beside the state dir.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Journal {
    /// The gateway.
    pub gateway: String,
    /// The archive being restored (absolute).
    pub archive: String,
    /// The time in the names of what is set aside.
    pub stamp: String,
    /// `begin` (verified, stopping), `extracted` (swaps known), `swapped`.
    pub stage: String,
    /// (live path, restored copy) pairs, once extracted.
    pub swaps: Vec<(String, String)>,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub(crate) struct Restored {
    /// The stage an unfinished earlier run had reached, when this run finished it.
    pub resumed: Option<String>,
    /// (live path, where its previous contents now are).
    pub set_aside: Vec<(String, String)>,
    /// Restored paths ocgen could not place (the staging dir is kept).
    pub unplaced: Vec<String>,
    /// `openclaw doctor`'s exit status and last lines.
    pub doctor: (bool, String),
    /// How long the gateway took to answer /healthz after its start.
    pub healthy_after: Duration,
}

impl Restored {
    /// Where the replaced contents went, one entry per live path.
    pub(crate) fn set_aside_to(self) -> Vec<String> {
        self.set_aside.into_iter().map(|(_, aside)| aside).collect()
    }
}

/// Why a restore stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum RestoreError {
    /// OpenClaw refused the archive; nothing was touched.
    #[error("gateway `{gateway}`: OpenClaw does not accept {archive}; nothing was changed:\n{why}")]
    Verify {
        /// The gateway.
        gateway: String,
        /// The archive.
        archive: String,
        /// What `openclaw backup verify` said.
        why: String,
    },
    /// An earlier restore of another archive is unfinished.
    #[error("gateway `{gateway}`: a restore of {archive} was interrupted (journal {journal})")]
    #[diagnostic(help("run `ocgen restore {gateway} {archive}` to finish it first"))]
    Unfinished {
        /// The gateway.
        gateway: String,
        /// Its archive.
        archive: String,
        /// The journal.
        journal: String,
    },
    /// A step failed; the journal says where, a re-run continues.
    #[error("gateway `{gateway}`: {step}: {why}")]
    #[diagnostic(help(
        "fix the cause and run the same `ocgen restore` again: it continues from its journal"
    ))]
    Step {
        /// The gateway.
        gateway: String,
        /// What ocgen was doing.
        step: String,
        /// Why it failed.
        why: String,
    },
    /// The gateway was restored but did not become healthy in time.
    #[error(
        "gateway `{gateway}`: restored, but not healthy within {deadline:?}; the replaced state is at {aside}"
    )]
    NotHealthy {
        /// The gateway.
        gateway: String,
        /// The deadline.
        deadline: Duration,
        /// Where the replaced state went.
        aside: String,
    },
}

fn step_err(g: &Gateway, step: &str) -> impl FnOnce(String) -> RestoreError {
    let gateway = g.name.clone();
    let step = step.to_string();
    move |why| RestoreError::Step { gateway, step, why }
}

/// The journal's path for a gateway.
pub(crate) fn journal_path(state_dir: &str) -> PathBuf {
    PathBuf::from(format!("{state_dir}.ocgen-restore.json"))
}

pub(crate) fn save(path: &Path, j: &Journal) -> Result<(), String> {
    let text = serde_json::to_string_pretty(j).map_err(|e| e.to_string())?;
    write_atomic(path, &text, true).map_err(|e| e.to_string())
}

/// Reads a journal, if one is there.
pub(crate) fn load(path: &Path) -> Result<Option<Journal>, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => serde_json::from_str(&t)
            .map(Some)
            .map_err(|e| format!("{}: not a journal ocgen wrote: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// `openclaw backup verify` of an archive, as the gateway sees it.
pub(crate) fn verify(g: &Gateway, bin: &str, archive: &Path) -> Result<(), String> {
    let out = openclaw(g, bin)
        .map_err(|e| e.to_string())?
        .args(["backup", "verify", "--json"])
        .arg(archive)
        .output()
        .map_err(|e| format!("cannot run {bin}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The journal of a restore of `archive` into `g` at `jpath`: the one a
/// killed run left (it must name the same archive), else a new one once
/// `verify` accepts the archive. Returns it past its `new` stage (saved),
/// with the stage a killed run had reached.
pub(crate) fn begin(
    g: &Gateway,
    jpath: &Path,
    archive: &str,
    verify: impl FnOnce() -> Result<(), String>,
) -> Result<(Journal, Option<String>), RestoreError> {
    let mut j = match load(jpath).map_err(step_err(g, "journal"))? {
        Some(j) if j.archive != archive => {
            return Err(RestoreError::Unfinished {
                gateway: g.name.clone(),
                archive: j.archive,
                journal: jpath.display().to_string(),
            });
        }
        Some(j) => j,
        None => {
            verify().map_err(|why| RestoreError::Verify {
                gateway: g.name.clone(),
                archive: archive.to_string(),
                why,
            })?;
            Journal {
                gateway: g.name.clone(),
                archive: archive.to_string(),
                stamp: utc_stamp(),
                stage: "new".into(),
                swaps: Vec::new(),
            }
        }
    };
    let resumed = (j.stage != "new").then(|| j.stage.clone());
    if j.stage == "new" {
        j.stage = "begin".into();
        save(jpath, &j).map_err(step_err(g, "journal"))?;
    }
    Ok((j, resumed))
}

/// Restores `archive` into gateway `g`: see the module's doc.
pub(crate) fn restore(
    g: &Gateway,
    archive: &Path,
    bin: &str,
    manager: &Manager,
    deadline: Duration,
) -> Result<Restored, RestoreError> {
    let paths = g
        .host_paths()
        .map_err(|e| step_err(g, "paths")(e.to_string()))?;
    let archive =
        std::path::absolute(archive).map_err(|e| step_err(g, "archive")(e.to_string()))?;
    let archive_s = archive.display().to_string();
    let jpath = journal_path(&paths.state_dir);
    let (mut j, resumed) = begin(g, &jpath, &archive_s, || verify(g, bin, &archive))?;
    abort_point("restore-begun");
    manager
        .stop(g, bin)
        .map_err(|e: ManagerError| step_err(g, "stop")(e.to_string()))?;
    let staging = PathBuf::from(restore_staging(&paths.state_dir));
    if j.stage == "begin" {
        // An extraction a kill interrupted: a partial copy of the archive.
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .map_err(|e| step_err(g, "staging")(format!("{}: {e}", staging.display())))?;
        }
        let out = openclaw(g, bin)
            .map_err(|e| step_err(g, "restore")(e.to_string()))?
            .args(["backup", "restore", "--json", "--target"])
            .arg(&staging)
            .arg(&archive)
            .output()
            .map_err(|e| step_err(g, "restore")(e.to_string()))?;
        if !out.status.success() {
            return Err(step_err(g, "openclaw backup restore")(format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let r: serde_json::Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| step_err(g, "openclaw backup restore")(e.to_string()))?;
        let root = staging.join(r["archiveRoot"].as_str().unwrap_or_default());
        let manifest: serde_json::Value = std::fs::read(root.join("manifest.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| {
                step_err(g, "manifest")(format!("no manifest.json in {}", root.display()))
            })?;
        j.swaps = swaps_of(&manifest, &staging, paths);
        j.stage = "extracted".into();
        save(&jpath, &j).map_err(step_err(g, "journal"))?;
    }
    abort_point("restore-extracted");
    let mut set_aside = Vec::new();
    for (live, restored) in &j.swaps {
        let aside = set_aside_path(live, &j.stamp);
        let (live_p, aside_p, restored_p) =
            (Path::new(live), Path::new(&aside), Path::new(restored));
        if restored_p.exists() {
            if live_p.symlink_metadata().is_ok() && aside_p.symlink_metadata().is_err() {
                std::fs::rename(live_p, aside_p)
                    .map_err(|e| step_err(g, "set aside")(format!("{live}: {e}")))?;
            }
            abort_point("restore-set-aside");
            if live_p.symlink_metadata().is_err() {
                std::fs::rename(restored_p, live_p)
                    .map_err(|e| step_err(g, "swap in")(format!("{restored}: {e}")))?;
            }
        }
        if aside_p.symlink_metadata().is_ok() {
            set_aside.push((live.clone(), aside));
        }
    }
    if j.stage != "swapped" {
        j.stage = "swapped".into();
        save(&jpath, &j).map_err(step_err(g, "journal"))?;
    }
    abort_point("restore-swapped");
    let unplaced = leftovers(&staging);
    if unplaced.is_empty() && staging.exists() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    let doctor = doctor(g, bin);
    manager
        .start(g, bin)
        .map_err(|e| step_err(g, "start")(e.to_string()))?;
    let _ = std::fs::remove_file(&jpath);
    let Some(healthy_after) = wait_healthy(g, deadline) else {
        return Err(RestoreError::NotHealthy {
            gateway: g.name.clone(),
            deadline,
            aside: set_aside
                .iter()
                .map(|(_, a)| a.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    Ok(Restored {
        resumed,
        set_aside,
        unplaced,
        doctor,
        healthy_after,
    })
}

/// Which restored asset replaces which live path: the state dir, and the
/// workspace and config when they lie outside it (inside, the state's
/// copy holds them).
fn swaps_of(
    manifest: &serde_json::Value,
    staging: &Path,
    paths: &crate::plan::HostPaths,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for a in manifest["assets"].as_array().into_iter().flatten() {
        let live = match a["kind"].as_str() {
            Some("state") => &paths.state_dir,
            Some("workspace") => &paths.workspace,
            Some("config") => &paths.config_path,
            _ => continue,
        };
        let Some(rel) = a["archivePath"].as_str() else {
            continue;
        };
        out.push((live.clone(), staging.join(rel).display().to_string()));
    }
    outermost(out)
}

/// The (live, restored) pairs whose live path lies inside no other's:
/// the outer copy holds the inner one.
pub(crate) fn outermost(mut out: Vec<(String, String)>) -> Vec<(String, String)> {
    let lives: Vec<String> = out.iter().map(|(l, _)| l.clone()).collect();
    out.retain(|(l, _)| {
        !lives.iter().any(|o| {
            o != l
                && l.strip_prefix(o.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
    });
    out
}

/// Regular files left in the staging dir besides the manifest.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(_) if p.file_name().is_some_and(|n| n == "manifest.json") => {}
                Ok(_) => out.push(p.display().to_string()),
                Err(_) => {}
            }
        }
    }
    out.sort();
    out
}

/// `openclaw doctor --non-interactive`, as OpenClaw asks after a restore,
/// told that another supervisor owns the gateway's service.
fn doctor(g: &Gateway, bin: &str) -> (bool, String) {
    let Ok(mut c) = openclaw(g, bin) else {
        return (false, String::new());
    };
    match c
        .args(["doctor", "--non-interactive"])
        .env("OPENCLAW_SERVICE_REPAIR_POLICY", "external")
        .output()
    {
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr);
            let lines: Vec<&str> = text.lines().collect();
            (
                o.status.success(),
                lines[lines.len().saturating_sub(5)..].join("\n"),
            )
        }
        Err(e) => (false, e.to_string()),
    }
}
