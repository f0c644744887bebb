//! `ocgen import`: adopt the gateways a host already runs.
//!
//! The importer reads what OpenClaw left on a host, one file per source:
//! state dirs and their `openclaw.json` (`state`), OpenClaw's systemd
//! units (`systemd`), its LaunchAgents (`launchd`) and `openclaw fleet`
//! cells (`fleet`). `assemble` joins them into one draft per gateway
//! (a state dir is a gateway), `secrets` turns every secret it meets into
//! a variable name, and `yaml` writes the draft as `ocgen.yaml`. That file
//! is then read back with [`crate::model::load`] and planned with
//! [`crate::plan::plan`], so `ocgen check`'s own rules say what is wrong with
//! the host, in its own words; `report` prints it all.
//!
//! Nothing is guessed: what the importer cannot read or cannot decide is a
//! line of the report. No secret value is ever copied: values are held as
//! `Secret`s, which print as nothing.

// Host file names are compared exactly as OpenClaw writes them.
#![allow(clippy::case_sensitive_file_extension_comparisons)]

mod assemble;
mod draft;
mod env_file;
mod fleet;
mod launchd;
mod report;
mod secrets;
mod state;
mod systemd;
mod yaml;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `ocgen import` reads and writes.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// Homes to read: `.openclaw*` state dirs, user units, LaunchAgents.
    pub homes: Vec<PathBuf>,
    /// State dirs to read besides those under the homes.
    pub state_dirs: Vec<PathBuf>,
    /// Directories of system units (`openclaw-gateway*.service`).
    pub system_units: Vec<PathBuf>,
    /// The file to write; `-` prints it.
    pub out: PathBuf,
    /// Overwrite `out` if it exists.
    pub force: bool,
    /// Move colliding gateways onto free ports of ocgen's grid.
    pub fix_ports: bool,
}

/// Why `ocgen import` wrote nothing.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ImportError {
    /// The file to write exists, and `--force` was not given.
    #[error("{} already exists{}; ocgen import does not overwrite a file without --force", path.display(), if *dir { " (it is a directory)" } else { "" })]
    #[diagnostic(help("pass --force to replace it, or -o OTHER.yaml to write another file"))]
    Exists {
        /// The file.
        path: PathBuf,
        /// Whether it is a directory.
        dir: bool,
    },
    /// No gateway on the host.
    #[error("no OpenClaw gateway found; nothing written")]
    #[diagnostic(help(
        "name the homes (--home DIR) or state dirs (--state-dir DIR) that hold them"
    ))]
    NothingFound,
    /// Writing the file failed.
    #[error("cannot write {0}")]
    Write(#[source] crate::write::IoError),
}

/// What `ocgen import` wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Imported {
    /// The file passes `ocgen check` and everything was imported.
    Clean,
    /// The file was written, but `ocgen check` fails on it or something
    /// could not be imported: the host has problems to look at.
    WithProblems,
}

/// A place in a host file, for the report: `path:line`, or `path` and a key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Where {
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub key: Option<String>,
}

impl Where {
    pub(crate) fn file(path: &str) -> Where {
        Where {
            path: path.to_string(),
            line: None,
            column: None,
            key: None,
        }
    }
    pub(crate) fn line(path: &str, line: usize) -> Where {
        Where {
            line: Some(line),
            ..Where::file(path)
        }
    }
    pub(crate) fn at(path: &str, line: usize, column: usize) -> Where {
        Where {
            line: Some(line),
            column: Some(column),
            ..Where::file(path)
        }
    }
    pub(crate) fn key(path: &str, key: &str) -> Where {
        Where {
            key: Some(key.to_string()),
            ..Where::file(path)
        }
    }
}

impl fmt::Display for Where {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column, &self.key) {
            (Some(l), Some(c), _) => write!(f, "{}:{l}:{c}", self.path),
            (Some(l), None, _) => write!(f, "{}:{l}", self.path),
            (None, _, Some(k)) => write!(f, "{} ({k})", self.path),
            (None, _, None) => write!(f, "{}", self.path),
        }
    }
}

/// Which part of the report a note belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Section {
    /// Something that could not be read: not imported.
    Unread,
    /// Two readings of one thing that disagree: reported, not guessed.
    Ambiguous,
    /// What runs differently under ocgen's output, and why.
    Change,
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Note {
    pub section: Section,
    /// The gateway it concerns, if one.
    pub gateway: Option<String>,
    pub at: Where,
    pub why: String,
}

impl Note {
    pub(crate) fn unread(at: Where, why: String) -> Note {
        Note {
            section: Section::Unread,
            gateway: None,
            at,
            why,
        }
    }
    pub(crate) fn ambiguous(at: Where, why: String) -> Note {
        Note {
            section: Section::Ambiguous,
            gateway: None,
            at,
            why,
        }
    }
    pub(crate) fn change(at: Where, why: String) -> Note {
        Note {
            section: Section::Change,
            gateway: None,
            at,
            why,
        }
    }
    pub(crate) fn of(mut self, gateway: &str) -> Note {
        self.gateway = Some(gateway.to_string());
        self
    }
}

/// A value read from a host file that may be secret. It has no `Display`,
/// and its `Debug` shows nothing, so it cannot reach a message by accident.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(v: &str) -> Secret {
        Secret(v.to_string())
    }
    /// The value, for the few uses that need it (paths, ports, profiles).
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<value not shown>")
    }
}

/// How a service is supervised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ServiceKind {
    SystemdUser,
    SystemdSystem,
    LaunchAgent,
}

impl ServiceKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ServiceKind::SystemdUser => "systemd user unit",
            ServiceKind::SystemdSystem => "systemd system unit",
            ServiceKind::LaunchAgent => "LaunchAgent",
        }
    }
}

/// A unit or LaunchAgent that starts a gateway, as read.
#[derive(Debug)]
pub(crate) struct Service {
    pub kind: ServiceKind,
    /// The file.
    pub path: String,
    /// Unit name (without `.service`) or label.
    pub name: String,
    /// The command line, words as the supervisor passes them.
    pub argv: Vec<String>,
    pub argv_at: Where,
    /// Environment set by the service itself, in order (the last wins).
    pub env: Vec<(String, Secret, Where)>,
    /// Files of further variables (`EnvironmentFile=`).
    pub env_files: Vec<env_file::EnvFileRef>,
    pub user: Option<String>,
    pub group: Option<String>,
}

impl Service {
    /// A variable the service sets (the last assignment wins).
    pub(crate) fn env_value(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _, _)| k == name)
            .map(|(_, v, _)| v.expose())
    }
}

/// Most bytes read from one host file: configs, units and plists are a
/// few kilobytes.
pub(crate) const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a host file, bounded; the error is said in words for the report.
pub(crate) fn read_host_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| io_words(&e))?;
    if f.metadata().is_ok_and(|m| m.is_dir()) {
        return Err("a directory, not a file".to_string());
    }
    let mut buf = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| io_words(&e))?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "larger than {MAX_FILE_BYTES} bytes, the most ocgen reads"
        ));
    }
    Ok(buf)
}

/// A host file as text.
pub(crate) fn read_host_text(path: &Path) -> Result<String, String> {
    let bytes = read_host_file(path)?;
    String::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))
}

/// An I/O error in the report's words (a symlink loop says so).
pub(crate) fn io_words(e: &std::io::Error) -> String {
    if e.raw_os_error() == Some(40) {
        return "a symlink loop (too many levels of symbolic links)".to_string();
    }
    match e.kind() {
        std::io::ErrorKind::NotFound => "does not exist".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// The path as text, absolute (relative to the working directory, symlinks
/// kept as written).
pub(crate) fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// Runs `ocgen import`. The report goes to `out` (to `err` when the file
/// itself is printed with `-o -`, and when nothing is written).
pub fn run(
    opts: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Imported, ImportError> {
    let to_stdout = opts.out == Path::new("-");
    let target = absolute(&opts.out);
    if !to_stdout && !opts.force {
        if let Ok(m) = std::fs::symlink_metadata(&opts.out) {
            return Err(ImportError::Exists {
                path: opts.out.clone(),
                dir: m.is_dir(),
            });
        }
    }
    let imported = assemble::import(opts);
    let (text, plan_problems, moved) = yaml::write_checked(&imported, opts.fix_ports);
    let name = if to_stdout {
        "ocgen.yaml".to_string()
    } else {
        opts.out.display().to_string()
    };
    let report = report::render(&imported, &name, to_stdout, &text, &plan_problems, &moved);
    if imported.gateways.is_empty() {
        let _ = err.write_all(report.as_bytes());
        return Err(ImportError::NothingFound);
    }
    if to_stdout {
        let _ = out.write_all(text.as_bytes());
        let _ = err.write_all(report.as_bytes());
    } else {
        let written = if opts.force {
            crate::write::write_atomic(Path::new(&target), &text, false)
        } else {
            create_new(Path::new(&target), &text)
        };
        if let Err(e) = written {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                return Err(ImportError::Exists {
                    path: opts.out.clone(),
                    dir: false,
                });
            }
            return Err(ImportError::Write(e));
        }
        let _ = out.write_all(report.as_bytes());
    }
    if plan_problems.is_empty() && !imported.notes.iter().any(|n| n.section != Section::Change) {
        Ok(Imported::Clean)
    } else {
        Ok(Imported::WithProblems)
    }
}

/// Stages the file beside the target and hard-links it into place: atomic,
/// and it fails if the target exists, so nothing a user wrote is replaced.
fn create_new(target: &Path, text: &str) -> Result<(), crate::write::IoError> {
    let tmp = crate::write::stage(target, text, false)?;
    let linked = std::fs::hard_link(&tmp, target);
    let _ = std::fs::remove_file(&tmp);
    linked.map_err(|error| crate::write::IoError {
        path: target.to_path_buf(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text built from the characters every parser here treats specially.
    fn hostile() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("\"".to_string()),
                Just("'".to_string()),
                Just("\\".to_string()),
                Just("%".to_string()),
                Just("$".to_string()),
                Just("${".to_string()),
                Just("=".to_string()),
                Just("\n".to_string()),
                Just("[Service]\n".to_string()),
                Just("ExecStart=".to_string()),
                Just("Environment=".to_string()),
                Just("{".to_string()),
                Just("}".to_string()),
                Just("[".to_string()),
                Just("/*".to_string()),
                Just("<dict>".to_string()),
                Just("<array>".to_string()),
                Just("<key>Label</key>".to_string()),
                Just("gateway".to_string()),
                Just("--port".to_string()),
                "[ -~]{0,8}".prop_map(|s| s),
                any::<char>().prop_map(|c| c.to_string()),
            ],
            0..64,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn garbage_never_panics(text in hostile()) {
            let mut notes = Vec::new();
            let _ = systemd::read("/u/openclaw-gateway-x.service", &text, ServiceKind::SystemdUser, Some("/h"), &mut notes);
            let _ = env_file::parse(&text);
            let _ = state::read_config("/c/openclaw.json", &text);
            let no_files = |_: &str| -> Result<String, String> { Err("no".into()) };
            let _ = launchd::read("/p.plist", text.as_bytes(), &no_files, &mut notes);
            let mut m = serde_json::Map::new();
            m.insert("k".into(), serde_json::Value::String(text.clone()));
            let mut s = secrets::Secrets::default();
            secrets::extract(&mut m, "/c", &|_| false, &mut s);
        }
    }
}
