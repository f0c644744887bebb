//! The journal that makes one replacement of a set of files safe to kill:
//! staging, the commit point, recovery.

use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{IoError, io_err};

/// Name of the journal of an unfinished `generate` in its output directory.
pub const JOURNAL: &str = ".ocgen-journal";
/// Name of the journal of an unfinished `install`.
pub const INSTALL_JOURNAL: &str = ".ocgen-install-journal";

/// One replacement of a set of files that a kill at any moment cannot
/// leave half done:
///
/// 1. a journal in state `stage` names every directory and temporary file
///    the run is about to create, then they are created;
/// 2. the journal is rewritten (atomically, by rename) in state `commit`,
///    naming every rename and deletion: this rename is the commit point;
/// 3. the renames and deletions happen, then the journal is removed.
///
/// [`recover`] reads a journal left by a killed run: in state `stage` it
/// removes what was staged (the old tree stays), in state `commit` it
/// redoes the renames and deletions not yet done (the new tree results).
/// Both are idempotent, so a kill during recovery is recovered too.
pub(super) struct Transaction {
    pub(super) journal: PathBuf,
    /// The output directory, below which emptied directories are pruned.
    pub(super) root: Option<PathBuf>,
    pub(super) dirs: Vec<(PathBuf, u32)>,
    pub(super) writes: Vec<(PathBuf, String, bool)>,
    pub(super) deletes: Vec<PathBuf>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct JournalText {
    state: String,
    root: Option<PathBuf>,
    dirs: Vec<PathBuf>,
    /// The process whose temporary files these are (see [`tmp_path`]).
    pid: u32,
    /// Every file to replace; its temporary file is beside it.
    targets: Vec<PathBuf>,
    deletes: Vec<PathBuf>,
}

impl Transaction {
    fn journal_text(&self, state: &str) -> Result<String, IoError> {
        // Paths below the journal's directory are written relative to it,
        // so that a recovery from another working directory finds them.
        let base = self.journal.parent().unwrap_or(Path::new(""));
        let rel = |p: &Path| p.strip_prefix(base).unwrap_or(p).to_path_buf();
        let j = JournalText {
            state: state.into(),
            root: self.root.as_deref().map(rel),
            dirs: self.dirs.iter().map(|(d, _)| rel(d)).collect(),
            pid: std::process::id(),
            targets: self.writes.iter().map(|(t, _, _)| rel(t)).collect(),
            deletes: self.deletes.iter().map(|p| rel(p)).collect(),
        };
        // One line: the journal is written before anything else, and a
        // small file limit (`ulimit -f`) should fail on the tree, not on it.
        // A path that is not UTF-8 has no JSON string: refuse before
        // touching anything rather than journal nothing.
        let mut text = serde_json::to_string(&j).map_err(|e| IoError {
            path: self.journal.clone(),
            error: io::Error::new(io::ErrorKind::InvalidInput, e),
        })?;
        text.push('\n');
        Ok(text)
    }

    pub(super) fn run(&self) -> Result<(), IoError> {
        let (stage_text, commit_text) = (self.journal_text("stage")?, self.journal_text("commit")?);
        write_atomic(&self.journal, &stage_text, true)?;
        let mut created = Vec::new();
        let staged = (|| {
            for (d, mode) in &self.dirs {
                mkdir(d, *mode, &mut created)?;
            }
            for (target, contents, private) in &self.writes {
                stage(target, contents, *private)?;
            }
            Ok(())
        })();
        if let Err(e) = staged {
            self.undo_staging();
            return Err(e);
        }
        if let Err(e) = write_atomic(&self.journal, &commit_text, true) {
            self.undo_staging();
            return Err(e);
        }
        // A rename can fail too (an immutable file, a directory put in its
        // place): each replaced file is first linked to a backup, and a
        // failure puts every file back.
        let mut done: Vec<(&Path, Option<PathBuf>)> = Vec::with_capacity(self.writes.len());
        let mut failure = None;
        // A file in a directory this run made replaces nothing: no backup
        // to try (a fresh tree of a full host is thousands of files).
        let new_dirs: std::collections::HashSet<&Path> =
            created.iter().map(PathBuf::as_path).collect();
        for (target, _, _) in &self.writes {
            let tmp = tmp_path(target);
            let backup = backup_path(&tmp);
            let in_new_dir = target.parent().is_some_and(|p| new_dirs.contains(p));
            let step = (|| {
                step();
                let link = if in_new_dir {
                    Err(io::ErrorKind::NotFound.into())
                } else {
                    fs::hard_link(target, &backup)
                };
                let kept = match link {
                    Ok(()) => Some(backup.clone()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                    // A backup a killed run left: replace it.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        fs::remove_file(&backup)?;
                        fs::hard_link(target, &backup)?;
                        Some(backup.clone())
                    }
                    Err(e) => return Err(e),
                };
                step();
                if let Err(e) = fs::rename(&tmp, target) {
                    let _ = fs::remove_file(&backup);
                    return Err(e);
                }
                Ok(kept)
            })();
            match step {
                Ok(kept) => done.push((target, kept)),
                Err(e) => {
                    failure = Some(IoError {
                        path: target.clone(),
                        error: e,
                    });
                    break;
                }
            }
        }
        if let Some(e) = failure {
            for (target, backup) in done.iter().rev() {
                let _ = match backup {
                    Some(b) => fs::rename(b, target),
                    None => fs::remove_file(target),
                };
            }
            self.undo_staging();
            return Err(e);
        }
        for (_, backup) in &done {
            if let Some(b) = backup {
                remove_if_exists(b).map_err(io_err(b))?;
            }
        }
        for target in &self.deletes {
            step();
            fs::remove_file(target).map_err(io_err(target))?;
            prune(target, self.root.as_deref());
        }
        step();
        fs::remove_file(&self.journal).map_err(io_err(&self.journal))
    }

    /// Removes what staging made, and the journal: the old tree remains.
    fn undo_staging(&self) {
        for (target, _, _) in &self.writes {
            let _ = fs::remove_file(tmp_path(target));
        }
        for (d, _) in self.dirs.iter().rev() {
            let _ = fs::remove_dir(d);
        }
        let _ = fs::remove_file(&self.journal);
    }
}

/// What [`recover`] did with a killed run's journal.
#[derive(Debug, PartialEq, Eq)]
pub enum Recovered {
    /// The killed run had not committed: what it staged was removed.
    RolledBack,
    /// The killed run had committed: its renames and deletions were finished.
    RolledForward,
}

/// Finishes or undoes the run a kill interrupted, from its journal, and
/// removes the temporary files it left.
///
/// A write is journaled: first a journal in state `stage` names every
/// directory and temporary file the run is about to create; then, once all
/// are staged, the journal is replaced (by rename: the commit point) by one
/// in state `commit` naming every rename and deletion; then those happen
/// and the journal is removed. Here, a `stage` journal means the killed run
/// had not committed: what it staged is removed and the old tree stays. A
/// `commit` journal means it had: the renames and deletions not yet done
/// are redone and the new tree results. Both are idempotent, so a kill
/// during a recovery is recovered too. `None` when
/// there was nothing to do.
pub fn recover(journal: &Path) -> Result<Option<Recovered>, IoError> {
    // The journal's own temporary file: a kill while writing it.
    if let (Some(parent), Some(name)) = (journal.parent(), journal.file_name()) {
        let prefix = format!(".{}.ocgen-tmp.", name.to_string_lossy());
        if let Ok(rd) = fs::read_dir(parent) {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    step();
                    remove_if_exists(&e.path()).map_err(io_err(&e.path()))?;
                }
            }
        }
    }
    let text = match fs::read_to_string(journal) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(IoError {
                path: journal.to_path_buf(),
                error: e,
            });
        }
    };
    let mut j: JournalText = serde_json::from_str(&text).map_err(|e| IoError {
        path: journal.to_path_buf(),
        error: io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a journal ocgen wrote: {e}"),
        ),
    })?;
    let base = journal.parent().unwrap_or(Path::new(""));
    j.root = j.root.map(|r| base.join(r));
    for d in &mut j.dirs {
        *d = base.join(&*d);
    }
    for target in &mut j.targets {
        *target = base.join(&*target);
    }
    let moves: Vec<(PathBuf, &PathBuf)> = j
        .targets
        .iter()
        .map(|t| (tmp_path_of(t, j.pid), t))
        .collect();
    for d in &mut j.deletes {
        *d = base.join(&*d);
    }
    let done = if j.state == "commit" {
        for (tmp, target) in &moves {
            if tmp.exists() {
                step();
                fs::rename(tmp, target).map_err(io_err(target))?;
            }
            let backup = backup_path(tmp);
            step();
            remove_if_exists(&backup).map_err(io_err(&backup))?;
        }
        for target in &j.deletes {
            step();
            remove_if_exists(target).map_err(io_err(target))?;
            prune(target, j.root.as_deref());
        }
        Recovered::RolledForward
    } else {
        for (tmp, _) in &moves {
            step();
            remove_if_exists(tmp).map_err(io_err(tmp))?;
        }
        for d in j.dirs.iter().rev() {
            step();
            let _ = fs::remove_dir(d);
        }
        Recovered::RolledBack
    };
    step();
    fs::remove_file(journal).map_err(io_err(journal))?;
    Ok(Some(done))
}

fn remove_if_exists(p: &Path) -> io::Result<()> {
    match fs::remove_file(p) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Removes directories left empty above `target`, up to `root` (best
/// effort: a person's file keeps them).
fn prune(target: &Path, root: Option<&Path>) {
    let Some(root) = root else { return };
    let mut p = target.parent();
    while let Some(d) = p {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        p = d.parent();
    }
}

fn tmp_path(target: &Path) -> PathBuf {
    // One getpid for the whole run: a large tree stages thousands of files.
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    tmp_path_of(target, *PID.get_or_init(std::process::id))
}

/// The temporary file process `pid` stages `target` in.
fn tmp_path_of(target: &Path, pid: u32) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = target.parent().unwrap_or(Path::new("."));
    parent.join(format!(".{name}.ocgen-tmp.{pid}"))
}

fn backup_path(tmp: &Path) -> PathBuf {
    let mut backup = tmp.to_path_buf().into_os_string();
    backup.push(".old");
    PathBuf::from(backup)
}

/// A test hook: with `OCGEN_TEST_ABORT_AFTER=N` in the environment, the
/// process aborts (as a `kill -9` would stop it) at its N-th file-system
/// step of a write. Only the tests set it.
fn step() {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    static STEPS: AtomicU64 = AtomicU64::new(0);
    let limit = LIMIT.get_or_init(|| {
        std::env::var("OCGEN_TEST_ABORT_AFTER")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if let Some(n) = limit
        && STEPS.fetch_add(1, Ordering::SeqCst) + 1 >= *n
    {
        std::process::abort();
    }
}

/// A test hook of the live operations (restore, rollout): with
/// `OCGEN_TEST_ABORT_AT=<point>` in the environment, the process aborts
/// (as a `kill -9` would stop it) when it reaches that named point. Only
/// the tests set it.
pub fn abort_point(point: &str) {
    if std::env::var("OCGEN_TEST_ABORT_AT").is_ok_and(|v| v == point) {
        std::process::abort();
    }
}

/// Creates a directory with exactly `mode` (whatever the umask), or accepts
/// one that exists; records what it created.
pub(super) fn mkdir(path: &Path, mode: u32, created: &mut Vec<PathBuf>) -> Result<(), IoError> {
    step();
    match fs::DirBuilder::new().mode(mode).create(path) {
        Ok(()) => {
            created.push(path.to_path_buf());
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_err(path))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(e) => Err(IoError {
            path: path.to_path_buf(),
            error: e,
        }),
    }
}

/// Writes `contents` to a new temporary file beside `target` and returns its path.
pub fn stage(target: &Path, contents: &str, private: bool) -> Result<PathBuf, IoError> {
    let tmp = tmp_path(target);
    let mode = if private { 0o600 } else { 0o644 };
    step();
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .or_else(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                fs::remove_file(&tmp)?;
                fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(mode)
                    .open(&tmp)
            } else {
                Err(e)
            }
        })
        // The file the user knows of, not the temporary name.
        .map_err(io_err(target))?;
    let res = (|| {
        step();
        f.write_all(contents.as_bytes())?;
        // The umask may have narrowed the mode; make it exact.
        f.set_permissions(fs::Permissions::from_mode(mode))
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(IoError {
            path: target.to_path_buf(),
            error: e,
        });
    }
    Ok(tmp)
}

/// Writes one file atomically (stage + rename).
pub fn write_atomic(target: &Path, contents: &str, private: bool) -> Result<(), IoError> {
    let tmp = stage(target, contents, private)?;
    step();
    fs::rename(&tmp, target).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        IoError {
            path: target.to_path_buf(),
            error: e,
        }
    })?;
    Ok(())
}
