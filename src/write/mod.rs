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
use std::io;
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

mod journal;

pub use journal::{INSTALL_JOURNAL, JOURNAL, Recovered, abort_point, recover, stage, write_atomic};
use journal::{Transaction, mkdir};

#[cfg(test)]
mod tests;
