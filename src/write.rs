//! Writing an output tree: compare, diff, and replace files atomically.
//!
//! `generate` first renders everything in memory (so invalid input writes
//! nothing), then stages every changed file as a temporary file beside its
//! target and only then renames them all into place, keeping a hard link to
//! each file it replaces until the last rename: a failure while staging or
//! renaming leaves the previous tree as it was. A manifest (`.ocgen-manifest`)
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
#[derive(Debug)]
pub struct IoError {
    /// The path.
    pub path: PathBuf,
    /// What happened.
    pub error: io::Error,
}

impl std::fmt::Display for IoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
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

/// Creates every missing directory of `dirs` and their missing ancestors
/// with `mode`, and returns the ones it created, parents first. Directories
/// that exist keep their mode. On a failure it removes what it created.
pub fn create_dirs(dirs: &[&Path], mode: u32) -> Result<Vec<PathBuf>, IoError> {
    let mut created: Vec<PathBuf> = Vec::new();
    let result = (|| {
        for dir in dirs {
            let mut missing = Vec::new();
            let mut cur = Some(*dir);
            while let Some(d) = cur {
                if d.as_os_str().is_empty() || d.is_dir() {
                    break;
                }
                missing.push(d.to_path_buf());
                cur = d.parent();
            }
            for d in missing.into_iter().rev() {
                mkdir(&d, mode, &mut created)?;
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(created),
        Err(e) => {
            remove_dirs(&created);
            Err(e)
        }
    }
}

/// Removes directories that [`create_dirs`] created, children first; best
/// effort, and only empty ones.
pub fn remove_dirs(created: &[PathBuf]) {
    for d in created.iter().rev() {
        let _ = fs::remove_dir(d);
    }
}

/// Writes every [`Action::Create`] and [`Action::Update`] of `changes`,
/// whose paths are absolute: stages all of them beside their targets first,
/// then renames them into place. A staging failure removes the staged files
/// and leaves every target as it was.
pub fn replace_all(changes: &[Change]) -> Result<(), IoError> {
    let wanted: Vec<(PathBuf, &str, bool)> = changes
        .iter()
        .filter(|c| matches!(c.action, Action::Create | Action::Update))
        .map(|c| {
            (
                PathBuf::from(&c.path),
                c.new.as_deref().unwrap_or(""),
                c.private,
            )
        })
        .collect();
    let staged = stage_all(&wanted)?;
    rename_all(&staged)
}

fn stage_all(files: &[(PathBuf, &str, bool)]) -> Result<Vec<(PathBuf, PathBuf)>, IoError> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len());
    for (target, contents, private) in files {
        match stage(target, contents, *private) {
            Ok(tmp) => staged.push((tmp, target.clone())),
            Err(e) => {
                for (tmp, _) in &staged {
                    let _ = fs::remove_file(tmp);
                }
                return Err(e);
            }
        }
    }
    Ok(staged)
}

fn rename_all(staged: &[(PathBuf, PathBuf)]) -> Result<(), IoError> {
    for (i, (tmp, target)) in staged.iter().enumerate() {
        if let Err(e) = fs::rename(tmp, target) {
            for (tmp, _) in &staged[i..] {
                let _ = fs::remove_file(tmp);
            }
            return Err(IoError {
                path: target.clone(),
                error: e,
            });
        }
    }
    Ok(())
}

/// The manifest names files relative to the output directory; anything
/// else in it is ignored rather than followed.
fn is_safe_relative(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Applies changes: stages every new file as a temporary file beside its
/// target, then renames them into place (the manifest last), then deletes
/// stale files. A failure while staging or renaming removes every temporary
/// file and directory it made and puts back every file it replaced: the
/// tree is as it was.
pub fn apply(dir: &Path, files: &[OutFile], changes: &[Change]) -> Result<(), IoError> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    // Directories this run created, removed again if staging fails.
    let mut created: Vec<PathBuf> = Vec::new();
    let result = (|| {
        mkdir(dir, 0o755, &mut created)?;
        // Each directory once: a failed mkdir costs as much as a write here.
        let mut made: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
        for c in changes {
            let (Action::Create | Action::Update) = c.action else {
                continue;
            };
            let target = dir.join(&c.path);
            let parent = target.parent().unwrap_or(dir);
            if !made.contains(parent) {
                ensure_dirs(dir, parent, c.private, &mut made, &mut created)?;
            }
            let tmp = stage(&target, c.new.as_deref().unwrap_or(""), c.private)?;
            staged.push((tmp, target));
        }
        let manifest_target = dir.join(MANIFEST);
        let tmp = stage(&manifest_target, &manifest_text(files), false)?;
        staged.push((tmp, manifest_target));
        Ok(())
    })();
    let undo_staging = |staged: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in staged {
            let _ = fs::remove_file(tmp);
        }
        for d in created.iter().rev() {
            let _ = fs::remove_dir(d);
        }
    };
    if let Err(e) = result {
        undo_staging(&staged);
        return Err(e);
    }
    // A rename can fail too (an immutable file, a directory put in its
    // place): each replaced file is first linked to a backup, and a
    // failure puts every file back.
    let mut done: Vec<(&Path, Option<PathBuf>)> = Vec::with_capacity(staged.len());
    let mut failure = None;
    for (tmp, target) in &staged {
        let mut backup = tmp.clone().into_os_string();
        backup.push(".old");
        let backup = PathBuf::from(backup);
        let step = (|| {
            let _ = fs::remove_file(&backup);
            let kept = match fs::hard_link(target, &backup) {
                Ok(()) => Some(backup.clone()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            };
            if let Err(e) = fs::rename(tmp, target) {
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
        undo_staging(&staged);
        return Err(e);
    }
    for (_, backup) in &done {
        if let Some(b) = backup {
            let _ = fs::remove_file(b);
        }
    }
    for c in changes.iter().filter(|c| c.action == Action::Delete) {
        let target = dir.join(&c.path);
        fs::remove_file(&target).map_err(io_err(&target))?;
        // Remove directories left empty (best effort: a person's file keeps them).
        let mut p = target.parent();
        while let Some(d) = p {
            if d == dir || fs::remove_dir(d).is_err() {
                break;
            }
            p = d.parent();
        }
    }
    Ok(())
}

/// Creates a directory with exactly `mode` (whatever the umask), or accepts
/// one that exists; records what it created.
fn mkdir(path: &Path, mode: u32, created: &mut Vec<PathBuf>) -> Result<(), IoError> {
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

/// Creates `parent` and its ancestors below `root`, skipping the ones in
/// `made`; private files get 0700 directories.
fn ensure_dirs(
    root: &Path,
    parent: &Path,
    private: bool,
    made: &mut std::collections::HashSet<PathBuf>,
    created: &mut Vec<PathBuf>,
) -> Result<(), IoError> {
    let rel = parent.strip_prefix(root).unwrap_or(parent);
    let mut cur = root.to_path_buf();
    for comp in rel.components() {
        cur.push(comp);
        if !made.contains(&cur) {
            mkdir(&cur, if private { 0o700 } else { 0o755 }, created)?;
            made.insert(cur.clone());
        }
    }
    Ok(())
}

/// Writes `contents` to a new temporary file beside `target` and returns its path.
pub fn stage(target: &Path, contents: &str, private: bool) -> Result<PathBuf, IoError> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = target.parent().unwrap_or(Path::new("."));
    let tmp = parent.join(format!(".{name}.ocgen-tmp.{}", std::process::id()));
    let mode = if private { 0o600 } else { 0o644 };
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
    fn create_dirs_reports_what_it_made_and_keeps_existing_modes() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("a")).unwrap();
        fs::set_permissions(d.path().join("a"), fs::Permissions::from_mode(0o755)).unwrap();
        let deep = d.path().join("a/b/c");
        let other = d.path().join("a/b/d");
        let made = create_dirs(&[&deep, &other, &deep], 0o700).unwrap();
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
        let e = create_dirs(&[&d.path().join("g/h"), &d.path().join("f/x")], 0o700).unwrap_err();
        assert_eq!(e.path, d.path().join("f"));
        assert!(!d.path().join("g").exists());
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
        let c = compare_absolute(&files).unwrap();
        let e = replace_all(&c).unwrap_err();
        assert_eq!(
            e.path.parent(),
            Some(d.path().join("missing-dir").as_path())
        );
        assert_eq!(fs::read_to_string(d.path().join("a")).unwrap(), "old\n");
        assert!(!d.path().join("sub/b").exists());
        assert_eq!(fs::read_dir(d.path().join("sub")).unwrap().count(), 0);
        replace_all(&c[..2]).unwrap();
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
