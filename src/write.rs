//! Writing an output tree: compare, diff, and replace files atomically.
//!
//! `generate` first renders everything in memory (so invalid input writes
//! nothing), then stages every changed file as a temporary file beside its
//! target and only then renames them all into place, keeping a hard link to
//! each file it replaces until the last rename: a failure while staging or
//! renaming leaves the previous tree as it was. A journal (see
//! [`recover`]) makes a kill at any moment recoverable: the next run
//! either removes what the killed one staged (the old tree) or finishes its
//! renames (the new tree), never leaving a mix. A manifest (`.ocgen-manifest`)
//! records a hash of every file ocgen wrote, so a file that a person edited
//! or created is never overwritten or deleted without `--force`.
//!
//! Files are not fsynced one by one: the rename makes each replacement
//! atomic for readers and against ocgen stopping midway, and an fsync per
//! file made `generate` of a full host (1,000+ files) 20 times slower.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::render::OutFile;

/// Name of the manifest file in the output directory.
pub const MANIFEST: &str = ".ocgen-manifest";

/// An I/O failure, with the path it happened on.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{}: {error}", path.display())]
pub struct IoError {
    /// The path.
    pub path: PathBuf,
    /// What happened.
    #[source]
    pub error: io::Error,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> IoError + '_ {
    move |error| IoError {
        path: path.to_path_buf(),
        error,
    }
}

/// What will happen to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Does not exist yet.
    Create,
    /// Exists, was written by ocgen, differs.
    Update,
    /// Exists with the wanted contents.
    Keep,
    /// Was written by ocgen but is no longer generated.
    Delete,
}

/// A planned change to one file.
#[derive(Debug, Clone)]
pub struct Change {
    /// Relative path.
    pub path: String,
    /// The action.
    pub action: Action,
    /// Contents on disk now, if any.
    pub old: Option<String>,
    /// Wanted contents (None for [`Action::Delete`]).
    pub new: Option<String>,
    /// Whether the file is private (0600).
    pub private: bool,
    /// The file on disk is not what ocgen last wrote there (a person wrote
    /// or edited it): changing it needs `--force`.
    pub foreign: bool,
    /// The files are the operator's own, on this host (`install`): their
    /// diff is shown, minus lines that name a secret. Elsewhere (`generate`,
    /// whose output lands in CI logs) a foreign private file is only named.
    pub on_host: bool,
}

/// Files that a person wrote or edited (or that differ from what ocgen
/// would write), which a run was to replace or delete without `--force`:
/// nothing was written. `generate` and `install` refuse with it alike.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("refusing to {verb} {what}: {}", paths.join(", "))]
#[diagnostic(help("move your changes into ocgen.yaml, or pass --force to replace them"))]
pub struct Refused {
    verb: &'static str,
    what: String,
    paths: Vec<String>,
    /// The diff of each file, shown before the refusal.
    pub diffs: String,
}

impl Refused {
    /// The refusal of `foreign`, paths shown under `dir` (the output tree;
    /// `/` for the absolute paths of `install`).
    pub fn new(dir: &Path, foreign: &[&Change]) -> Self {
        let n = foreign.len();
        let one = n == 1;
        let on_host = foreign.iter().all(|c| c.on_host);
        // Without a manifest (`install`), a file is foreign when it differs.
        let why = if on_host {
            if one {
                "that differs from what ocgen would write"
            } else {
                "that differ from what ocgen would write"
            }
        } else {
            "that ocgen did not write (or that was edited since)"
        };
        Refused {
            verb: if foreign.iter().all(|c| c.action == Action::Delete) {
                "delete"
            } else {
                "overwrite"
            },
            what: format!("{n} file{} {why}", if one { "" } else { "s" }),
            paths: foreign
                .iter()
                .map(|c| dir.join(&c.path).display().to_string())
                .collect(),
            diffs: foreign.iter().map(|c| c.diff()).collect(),
        }
    }
}

impl Change {
    /// A unified diff of the change, empty for [`Action::Keep`].
    ///
    /// What a person wrote may hold a secret, and `--check` output ends up
    /// in CI logs: a private file (or one to delete) that a person wrote or
    /// edited is named, not shown, and in other such files the lines only
    /// the person wrote are hidden when they name a secret.
    pub fn diff(&self) -> String {
        if self.action == Action::Keep {
            return String::new();
        }
        if self.foreign && !self.on_host && (self.private || self.action == Action::Delete) {
            return format!(
                "{}: not what ocgen last wrote there (written or edited by hand); contents not shown, as they may hold secrets\n",
                self.path
            );
        }
        let old = self.old.as_deref().unwrap_or("");
        let new = self.new.as_deref().unwrap_or("");
        // Absolute paths (`ocgen install`) read `a/srv/...`, as in git.
        let path = self.path.trim_start_matches('/');
        let a = if self.old.is_some() {
            format!("a/{path}")
        } else {
            "/dev/null".into()
        };
        let b = if self.new.is_some() {
            format!("b/{path}")
        } else {
            "/dev/null".into()
        };
        let diff = similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&a, &b)
            .to_string();
        if !self.foreign {
            return diff;
        }
        diff.split_inclusive('\n')
            .map(|l| {
                let upper = l.to_ascii_uppercase();
                let secret = crate::openclaw::SECRET_NAME_PARTS
                    .iter()
                    .any(|w| upper.contains(w));
                if l.starts_with('-') && !l.starts_with("--- ") && secret {
                    "-<a line that may hold a secret, not shown>\n"
                } else {
                    l
                }
            })
            .collect()
    }
}

fn read_manifest(dir: &Path) -> Result<BTreeMap<String, u64>, IoError> {
    let path = dir.join(MANIFEST);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(IoError { path, error: e }),
    };
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (h, p) = l.split_once("  ")?;
            Some((p.to_string(), u64::from_str_radix(h, 16).ok()?))
        })
        .collect())
}

fn manifest_text(files: &[OutFile]) -> String {
    let mut s = String::from(
        "# Files written by `ocgen generate`, with their FNV-1a hashes.\n# ocgen overwrites or deletes only files whose hash still matches.\n",
    );
    for f in files {
        let _ = writeln!(
            s,
            "{:016x}  {}",
            crate::render::fnv1a64(f.contents.as_bytes()),
            f.path
        );
    }
    s
}

fn read_existing(path: &Path) -> Result<Option<String>, IoError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(IoError {
            path: path.to_path_buf(),
            error: e,
        }),
    }
}

/// Compares the wanted files with the tree in `dir`.
pub fn changes(dir: &Path, files: &[OutFile]) -> Result<Vec<Change>, IoError> {
    let manifest = read_manifest(dir)?;
    // A missing output directory holds nothing: skip one failed open per file.
    let fresh = !dir.exists();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let old = if fresh {
            None
        } else {
            read_existing(&dir.join(&f.path))?
        };
        let (action, foreign) = match &old {
            None => (Action::Create, false),
            Some(o) if *o == f.contents => (Action::Keep, false),
            Some(o) => (
                Action::Update,
                manifest.get(&f.path) != Some(&crate::render::fnv1a64(o.as_bytes())),
            ),
        };
        out.push(Change {
            path: f.path.clone(),
            action,
            old,
            new: Some(f.contents.clone()),
            private: f.private,
            foreign,
            on_host: false,
        });
    }
    let wanted: std::collections::HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for (path, hash) in &manifest {
        if wanted.contains(path.as_str()) || !is_safe_relative(path) {
            continue;
        }
        if let Some(old) = read_existing(&dir.join(path))? {
            let foreign = crate::render::fnv1a64(old.as_bytes()) != *hash;
            out.push(Change {
                path: path.clone(),
                action: Action::Delete,
                old: Some(old),
                new: None,
                private: false,
                foreign,
                on_host: false,
            });
        }
    }
    Ok(out)
}

/// Compares files at absolute paths (`ocgen install`) with the disk. There
/// is no manifest: a file that exists with other contents is not what ocgen
/// would write, so it is [`Action::Update`] and `foreign`.
pub fn compare_absolute(files: &[OutFile]) -> Result<Vec<Change>, IoError> {
    files
        .iter()
        .map(|f| {
            let old = read_existing(Path::new(&f.path))?;
            let action = match &old {
                None => Action::Create,
                Some(o) if *o == f.contents => Action::Keep,
                Some(_) => Action::Update,
            };
            Ok(Change {
                path: f.path.clone(),
                foreign: action == Action::Update,
                action,
                old,
                new: Some(f.contents.clone()),
                private: f.private,
                on_host: true,
            })
        })
        .collect()
}

/// Writes every [`Action::Create`] and [`Action::Update`] of `changes`,
/// whose paths are absolute, and creates the missing directories of `dirs`
/// (0700), as one transaction journaled at `journal` (see [`recover`]). A failure leaves
/// every target as it was and removes what it created.
pub fn replace_all(
    journal: &Path,
    dirs: &[&Path],
    changes: &[Change],
) -> Result<Vec<PathBuf>, IoError> {
    let mut new_dirs = NewDirs::default();
    for dir in dirs {
        new_dirs.add(dir, Path::new("/"), 0o700);
    }
    let writes: Vec<(PathBuf, String, bool)> = changes
        .iter()
        .filter(|c| matches!(c.action, Action::Create | Action::Update))
        .map(|c| {
            (
                PathBuf::from(&c.path),
                c.new.clone().unwrap_or_default(),
                c.private,
            )
        })
        .collect();
    for (target, _, private) in &writes {
        if let Some(parent) = target.parent() {
            new_dirs.add(parent, Path::new("/"), if *private { 0o700 } else { 0o755 });
        }
    }
    let tx = Transaction {
        journal: journal.to_path_buf(),
        root: None,
        dirs: new_dirs.list,
        writes,
        deletes: Vec::new(),
    };
    tx.run()?;
    Ok(tx.dirs.into_iter().map(|(d, _)| d).collect())
}

/// Where `ocgen install` keeps its journal for the files of a plan: in the
/// deepest directory that exists above the first file, so that it needs
/// no directory of its own. [`find_install_journal`] finds it again.
pub fn install_journal(first_file: &Path) -> PathBuf {
    let mut dir = first_file.parent().unwrap_or(Path::new("/"));
    while !dir.is_dir() {
        match dir.parent() {
            Some(p) => dir = p,
            None => break,
        }
    }
    dir.join(INSTALL_JOURNAL)
}

/// The journal a killed `ocgen install` of the same plan left, if any.
pub fn find_install_journal(first_file: &Path) -> Option<PathBuf> {
    first_file
        .ancestors()
        .skip(1)
        .map(|d| d.join(INSTALL_JOURNAL))
        .find(|j| j.exists() || has_staged_journal(j))
}

fn has_staged_journal(journal: &Path) -> bool {
    let (Some(parent), Some(name)) = (journal.parent(), journal.file_name()) else {
        return false;
    };
    let prefix = format!(".{}.ocgen-tmp.", name.to_string_lossy());
    fs::read_dir(parent).is_ok_and(|rd| {
        rd.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(&prefix))
    })
}

/// Directories a write must create, parents first, each with the mode
/// its most private file asks for.
#[derive(Default)]
struct NewDirs {
    list: Vec<(PathBuf, u32)>,
    index: std::collections::HashMap<PathBuf, usize>,
}

impl NewDirs {
    /// Adds the ancestors of `dir` below `root` (and `dir` itself) that do
    /// not exist; a directory listed already keeps the narrower mode.
    fn add(&mut self, dir: &Path, root: &Path, mode: u32) {
        let mut missing = Vec::new();
        let mut cur = Some(dir);
        while let Some(d) = cur {
            if d.as_os_str().is_empty() || d == root {
                break;
            }
            if let Some(&i) = self.index.get(d) {
                self.list[i].1 = self.list[i].1.min(mode);
            } else if d.is_dir() {
                break;
            } else {
                missing.push(d.to_path_buf());
            }
            cur = d.parent();
        }
        for d in missing.into_iter().rev() {
            self.index.insert(d.clone(), self.list.len());
            self.list.push((d, mode));
        }
    }
}

/// The manifest names files relative to the output directory; anything
/// else in it is ignored rather than followed.
fn is_safe_relative(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Applies changes as one journaled transaction (see [`recover`]) in `dir`: stages every
/// new file beside its target, renames them into place (the manifest
/// last), then deletes stale files. A failure removes every temporary file
/// and directory it made and puts back every file it replaced; a kill
/// leaves a journal that the next run ([`recover`]) finishes or undoes.
pub fn apply(dir: &Path, files: &[OutFile], changes: &[Change]) -> Result<(), IoError> {
    let mut dirs = NewDirs::default();
    let mut writes: Vec<(PathBuf, String, bool)> = Vec::new();
    for c in changes {
        let (Action::Create | Action::Update) = c.action else {
            continue;
        };
        let target = dir.join(&c.path);
        if let Some(parent) = target.parent() {
            dirs.add(parent, dir, if c.private { 0o700 } else { 0o755 });
        }
        writes.push((target, c.new.clone().unwrap_or_default(), c.private));
    }
    writes.push((dir.join(MANIFEST), manifest_text(files), false));
    let deletes = changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| dir.join(&c.path))
        .collect();
    let mut created = Vec::new();
    // The journal lives in `dir`, so `dir` comes first, outside it: a kill
    // right after leaves an empty directory, which holds no tree.
    mkdir(dir, 0o755, &mut created)?;
    let tx = Transaction {
        journal: dir.join(JOURNAL),
        root: Some(dir.to_path_buf()),
        dirs: dirs.list,
        writes,
        deletes,
    };
    tx.run().inspect_err(|_| {
        for d in created.iter().rev() {
            let _ = fs::remove_dir(d);
        }
    })
}

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
struct Transaction {
    journal: PathBuf,
    /// The output directory, below which emptied directories are pruned.
    root: Option<PathBuf>,
    dirs: Vec<(PathBuf, u32)>,
    writes: Vec<(PathBuf, String, bool)>,
    deletes: Vec<PathBuf>,
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

    fn run(&self) -> Result<(), IoError> {
        let (stage_text, commit_text) = (self.journal_text("stage")?, self.journal_text("commit")?);
        write_atomic(&self.journal, &stage_text, true)?;
        let staged = (|| {
            let mut created = Vec::new();
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
        for (target, _, _) in &self.writes {
            let tmp = tmp_path(target);
            let backup = backup_path(&tmp);
            let step = (|| {
                step();
                let kept = match fs::hard_link(target, &backup) {
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

/// Creates a directory with exactly `mode` (whatever the umask), or accepts
/// one that exists; records what it created.
fn mkdir(path: &Path, mode: u32, created: &mut Vec<PathBuf>) -> Result<(), IoError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> OutFile {
        OutFile {
            path: path.into(),
            contents: contents.into(),
            private: true,
        }
    }

    #[test]
    fn create_then_keep_then_update() {
        let d = tempfile::tempdir().unwrap();
        let v1 = vec![file("env/a.env", "A=1\n")];
        let c = changes(d.path(), &v1).unwrap();
        assert_eq!(c[0].action, Action::Create);
        apply(d.path(), &v1, &c).unwrap();
        let mode = fs::metadata(d.path().join("env/a.env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dmode = fs::metadata(d.path().join("env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dmode & 0o777, 0o700);
        assert_eq!(changes(d.path(), &v1).unwrap()[0].action, Action::Keep);
        let v2 = vec![file("env/a.env", "A=2\n")];
        let c = changes(d.path(), &v2).unwrap();
        assert_eq!((c[0].action.clone(), c[0].foreign), (Action::Update, false));
        assert!(c[0].diff().contains("-A=1\n+A=2"));
    }

    #[test]
    fn edited_files_are_foreign_and_stale_files_are_deleted() {
        let d = tempfile::tempdir().unwrap();
        let v1 = vec![file("a", "1\n"), file("b", "2\n")];
        apply(d.path(), &v1, &changes(d.path(), &v1).unwrap()).unwrap();
        fs::write(d.path().join("a"), "edited\n").unwrap();
        let v2 = vec![file("a", "3\n")];
        let c = changes(d.path(), &v2).unwrap();
        assert!(c[0].foreign);
        assert_eq!(c[1].action, Action::Delete);
        assert!(!c[1].foreign);
    }

    fn abs(dir: &Path, rel: &str, contents: &str) -> OutFile {
        file(&dir.join(rel).to_string_lossy(), contents)
    }

    #[test]
    fn absolute_files_differing_from_ocgen_are_foreign() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("same"), "x\n").unwrap();
        fs::write(d.path().join("other"), "mine\n").unwrap();
        let files = vec![
            abs(d.path(), "same", "x\n"),
            abs(d.path(), "other", "ocgen\n"),
            abs(d.path(), "new", "n\n"),
        ];
        let c = compare_absolute(&files).unwrap();
        let got: Vec<(Action, bool)> = c.iter().map(|c| (c.action.clone(), c.foreign)).collect();
        assert_eq!(
            got,
            vec![
                (Action::Keep, false),
                (Action::Update, true),
                (Action::Create, false)
            ]
        );
        let diff = c[1].diff();
        assert!(diff.starts_with(&format!("--- a{}", c[1].path)), "{diff}");
        assert!(diff.contains("-mine\n+ocgen\n"), "{diff}");
    }

    #[test]
    fn replace_all_creates_missing_dirs_0700_and_keeps_existing_modes() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("a")).unwrap();
        fs::set_permissions(d.path().join("a"), fs::Permissions::from_mode(0o755)).unwrap();
        let deep = d.path().join("a/b/c");
        let other = d.path().join("a/b/d");
        let journal = d.path().join(INSTALL_JOURNAL);
        let made = replace_all(&journal, &[&deep, &other, &deep], &[]).unwrap();
        assert_eq!(
            made,
            vec![d.path().join("a/b"), deep.clone(), other.clone()]
        );
        for p in &made {
            assert_eq!(fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o700);
        }
        let kept = fs::metadata(d.path().join("a"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(kept & 0o777, 0o755);
        // A file in the way: an error naming it, and nothing left behind.
        fs::write(d.path().join("f"), "").unwrap();
        let e = replace_all(
            &journal,
            &[&d.path().join("g/h"), &d.path().join("f/x")],
            &[],
        )
        .unwrap_err();
        assert_eq!(e.path, d.path().join("f"));
        assert!(!d.path().join("g").exists());
        assert!(!journal.exists());
    }

    #[test]
    fn a_path_the_journal_cannot_hold_is_refused_before_anything_is_touched() {
        use std::os::unix::ffi::OsStrExt;
        let d = tempfile::tempdir().unwrap();
        let odd = d.path().join(std::ffi::OsStr::from_bytes(b"\xff"));
        let journal = d.path().join(INSTALL_JOURNAL);
        let e = replace_all(&journal, &[&odd], &[]).unwrap_err();
        assert_eq!(e.path, journal);
        assert!(!odd.exists());
        assert!(!journal.exists());
    }

    #[test]
    fn replace_all_stages_everything_before_renaming() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a"), "old\n").unwrap();
        fs::create_dir(d.path().join("sub")).unwrap();
        let files = vec![
            abs(d.path(), "a", "new\n"),
            abs(d.path(), "sub/b", "b\n"),
            abs(d.path(), "missing-dir/c", "c\n"),
        ];
        // A plain file where a directory must go: staging fails after
        // `a` and `sub/b` were staged.
        let c = compare_absolute(&files).unwrap();
        fs::write(d.path().join("missing-dir"), "a person's file\n").unwrap();
        let journal = d.path().join(INSTALL_JOURNAL);
        let e = replace_all(&journal, &[], &c).unwrap_err();
        assert_eq!(e.path, d.path().join("missing-dir"));
        assert_eq!(fs::read_to_string(d.path().join("a")).unwrap(), "old\n");
        assert!(!d.path().join("sub/b").exists());
        assert!(!journal.exists());
        assert_eq!(fs::read_dir(d.path().join("sub")).unwrap().count(), 0);
        replace_all(&journal, &[], &c[..2]).unwrap();
        assert_eq!(fs::read_to_string(d.path().join("a")).unwrap(), "new\n");
        let mode = fs::metadata(d.path().join("sub/b"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    fn tree(dir: &Path) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                if p.is_dir() {
                    out.push((rel, None));
                    stack.push(p);
                } else {
                    out.push((rel, Some(fs::read_to_string(&p).unwrap())));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn a_failure_while_renaming_puts_every_file_back() {
        let d = tempfile::tempdir().unwrap();
        let v1 = vec![file("a/x", "1\n"), file("b/y", "1\n"), file("z", "1\n")];
        apply(d.path(), &v1, &changes(d.path(), &v1).unwrap()).unwrap();
        let v2 = vec![
            file("a/x", "2\n"),
            file("b/y", "2\n"),
            file("c/new", "2\n"),
            file("z", "2\n"),
        ];
        let c = changes(d.path(), &v2).unwrap();
        // Between the comparison and the write, `z` became a directory:
        // `a/x`, `b/y` and `c/new` are renamed into place before `z` fails.
        fs::remove_file(d.path().join("z")).unwrap();
        fs::create_dir(d.path().join("z")).unwrap();
        fs::write(d.path().join("z/keep"), "k\n").unwrap();
        let before = tree(d.path());
        let err = apply(d.path(), &v2, &c).unwrap_err();
        assert_eq!(err.path, d.path().join("z"));
        assert_eq!(tree(d.path()), before);
    }

    #[test]
    fn a_staging_failure_leaves_the_tree_as_it_was() {
        let d = tempfile::tempdir().unwrap();
        let v1 = vec![file("a/x", "1\n")];
        apply(d.path(), &v1, &changes(d.path(), &v1).unwrap()).unwrap();
        // A plain file where a directory must go: staging `b/y` fails (even
        // for root) after `a/x` was already staged.
        let v2 = vec![file("a/x", "2\n"), file("b/y", "2\n")];
        let c = changes(d.path(), &v2).unwrap();
        fs::write(d.path().join("b"), "a person's file\n").unwrap();
        let err = apply(d.path(), &v2, &c).unwrap_err();
        assert_eq!(err.path, d.path().join("b"));
        assert_eq!(fs::read_to_string(d.path().join("a/x")).unwrap(), "1\n");
        let names: Vec<_> = fs::read_dir(d.path().join("a"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x")]);
    }
}
