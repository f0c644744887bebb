//! `ocgen backup` on this machine: one archive per gateway made by
//! OpenClaw's own `openclaw backup create --verify`, in the directory the
//! plan gives it (created 0700), then retention ([`archives_to_prune`]).
//!
//! Kill-safe without a journal: OpenClaw publishes an archive only once it
//! is complete (a hard link of a finished temporary file), and retention
//! only removes archives beyond `keep`, so a re-run after a kill finishes
//! what the killed run left.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::plan::{BACKUP_TZ, Gateway, archives_to_prune, create_args};

/// One archive made.
#[derive(Debug, Clone)]
pub(crate) struct Made {
    /// The gateway.
    pub gateway: String,
    /// The archive.
    pub archive: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Older archives removed by retention.
    pub pruned: Vec<String>,
}

/// Why no archive was made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum BackupError {
    /// The gateway has no archive directory on this machine.
    #[error("gateway `{0}` has no place for archives on this machine")]
    #[diagnostic(help("give it `home` or `state_dir`, or set `backup.dir`"))]
    NoDir(String),
    /// A directory could not be made or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `openclaw` could not be started.
    #[error("cannot run {bin}: {source}")]
    #[diagnostic(help(
        "install OpenClaw there, or point `systemd.openclaw` (or --openclaw) at it"
    ))]
    Spawn {
        /// The executable.
        bin: String,
        /// Why.
        source: std::io::Error,
    },
    /// `openclaw backup create` failed.
    #[error("gateway `{gateway}`: `openclaw backup create` failed ({status}):\n{stderr}")]
    Failed {
        /// The gateway.
        gateway: String,
        /// Its exit status.
        status: String,
        /// What it said.
        stderr: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `dir` and its parent 0700 (as far as they are missing).
pub(crate) fn private_dir(dir: &Path) -> Result<(), BackupError> {
    if let Some(parent) = dir.parent()
        && !parent.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(io(parent))?;
    }
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(dir)
            .map_err(io(dir))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io(dir))
}

/// The `openclaw` command of a gateway on this machine: its environment
/// as its unit has it (the runtime's variables; secrets come from the
/// state dir's `.env`, which OpenClaw loads itself), PATH and HOME kept.
pub(crate) fn openclaw(g: &Gateway, bin: &str) -> Result<Command, BackupError> {
    let rt = g
        .host_runtime()
        .map_err(|_| BackupError::NoDir(g.name.clone()))?;
    let mut c = Command::new(bin);
    c.env_clear();
    for k in ["PATH", "HOME", "LANG"] {
        if let Some(v) = std::env::var_os(k) {
            c.env(k, v);
        }
    }
    c.envs(rt.environment());
    c.env("TZ", BACKUP_TZ);
    c.stdin(Stdio::null());
    Ok(c)
}

/// Makes one archive of `g` with the `openclaw` at `bin`, then applies retention.
pub(crate) fn backup(g: &Gateway, bin: &str) -> Result<Made, BackupError> {
    let dir = g
        .backup
        .host_dir
        .as_deref()
        .ok_or_else(|| BackupError::NoDir(g.name.clone()))?;
    let dir_path = Path::new(dir);
    private_dir(dir_path)?;
    let out = openclaw(g, bin)?
        .args(create_args(dir))
        .current_dir(dir_path)
        .output()
        .map_err(|source| BackupError::Spawn {
            bin: bin.to_string(),
            source,
        })?;
    let json: Option<serde_json::Value> = serde_json::from_slice(&out.stdout).ok();
    let archive = json
        .as_ref()
        .and_then(|j| j["archivePath"].as_str())
        .map(PathBuf::from);
    let verified = json.as_ref().is_some_and(|j| j["verified"] == true);
    let (Some(archive), true, true) = (archive, verified, out.status.success()) else {
        return Err(BackupError::Failed {
            gateway: g.name.clone(),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    };
    let bytes = std::fs::metadata(&archive).map_err(io(&archive))?.len();
    let pruned = prune(dir_path, g.backup.keep)?;
    Ok(Made {
        gateway: g.name.clone(),
        archive,
        bytes,
        pruned,
    })
}

/// Removes the archives of `dir` beyond the newest `keep`.
pub(crate) fn prune(dir: &Path, keep: u32) -> Result<Vec<String>, BackupError> {
    let names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let old = archives_to_prune(&names, keep);
    for n in &old {
        let p = dir.join(n);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&p)(e)),
        }
    }
    Ok(old)
}
