//! How a command fails: one error type, each variant with its message and
//! its fix (miette's `help`), the exit status it maps to, and the one way
//! it is written to standard error.

use std::fmt::Write as _;
use std::path::PathBuf;

use miette::Diagnostic;

use super::ExitStatus;
use crate::host::{InstallError, RootError};
use crate::import::ImportError;
use crate::plan::NoHostPaths;
use crate::render::TemplateError;
use crate::write::Refused;

/// Why a command stopped.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum Failure {
    /// The input file has problems, already rendered with their places
    /// (see `diag::render`).
    #[error("{file} is invalid")]
    Problems {
        /// The file's name.
        file: String,
        /// What `diag::render` wrote.
        rendered: String,
    },
    /// The default file is missing.
    #[error("cannot read {name}: {source}")]
    #[diagnostic(help(
        "run `ocgen init` to write a starter file, or pass -f PATH to read another one"
    ))]
    NoDefaultFile {
        /// The file.
        name: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file `-f` names is missing.
    #[error("cannot read {name}: {source}")]
    #[diagnostic(help(
        "check the path, or run `ocgen init -f {name}` to write a starter file there"
    ))]
    NoFile {
        /// The file.
        name: String,
        /// Why.
        source: std::io::Error,
    },
    /// Larger than ocgen reads.
    #[error("{name}: the file is larger than {max} bytes, the most ocgen reads")]
    #[diagnostic(help(
        "a deployment file is a few kilobytes: check that -f names the right file, or split it into several"
    ))]
    TooLarge {
        /// The file.
        name: String,
        /// The most ocgen reads.
        max: usize,
    },
    /// Not UTF-8.
    #[error("{name}:{line}:{column}: not valid UTF-8 (byte {at})")]
    #[diagnostic(help("save the file as UTF-8"))]
    NotUtf8 {
        /// The file.
        name: String,
        /// Line of the first bad byte.
        line: usize,
        /// Its column.
        column: usize,
        /// Its offset.
        at: usize,
    },
    /// `--templates` names no directory.
    #[error("--templates {}: {why}", dir.display())]
    #[diagnostic(help(
        "give a directory holding templates named as in ocgen's templates/ (compose.hbs, ...)"
    ))]
    TemplatesDir {
        /// As given.
        dir: PathBuf,
        /// What it is instead.
        why: &'static str,
    },
    /// A template failed to load or render.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Template(#[from] TemplateError),
    /// `import` wrote nothing.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Import(#[from] crate::import::ImportError),
    /// A host output asked of a gateway without the paths it needs there.
    #[error(transparent)]
    #[diagnostic(help(
        "give the gateway `home` (in `defaults` for every gateway) or a `state_dir`, or ask for a container's view with `--target compose` (or `kubernetes`)"
    ))]
    NoHostPaths(#[from] NoHostPaths),
    /// No gateway of that name.
    #[error("no gateway named `{name}`")]
    UnknownGateway {
        /// As given.
        name: String,
        /// The closest name, if one is close, and every name.
        #[help]
        names: String,
    },
    /// `ocgen proxy` on a file without `proxy:`.
    #[error("{file} has no `proxy` section: there is no front door to print")]
    #[diagnostic(help(
        "add e.g. `proxy: {{ domain: example.com }}` to serve each gateway at https://<gateway>.example.com"
    ))]
    NoProxy {
        /// The file.
        file: String,
    },
    /// `--out` names a file.
    #[error("--out {}: not a directory", dir.display())]
    #[diagnostic(help("give a directory (it is created if it does not exist)"))]
    OutNotDir {
        /// As given.
        dir: PathBuf,
    },
    /// Files a person wrote, and no `--force`.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Refused(#[from] Refused),
    /// `--root` cannot be a root.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Root(#[from] RootError),
    /// `install` wrote nothing.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Install(#[from] InstallError),
    /// `restore` stopped (the journal lets the same command continue).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Restore(#[from] crate::host::RestoreError),
    /// `init -f -`.
    #[error("`ocgen init` writes a file; give -f PATH, not -")]
    InitStdin,
    /// `init` without `--force` over a file that exists.
    #[error("{} already exists; ocgen init does not overwrite a file without --force", path.display())]
    #[diagnostic(help("pass --force to replace it, or -f OTHER.yaml to write another file"))]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("{what}: {source}")]
    Io {
        /// What ocgen was doing.
        what: String,
        /// Why it failed.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Failure {
    /// Reading or writing failed while doing `what`.
    pub(crate) fn io(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Failure::Io {
            what: what.into(),
            source: source.into(),
        }
    }

    /// How ocgen exits.
    pub(crate) fn status(&self) -> ExitStatus {
        match self {
            Failure::Problems { .. }
            | Failure::TooLarge { .. }
            | Failure::NotUtf8 { .. }
            | Failure::Template(_)
            | Failure::NoHostPaths(_)
            | Failure::NoProxy { .. }
            | Failure::Import(ImportError::NothingFound)
            | Failure::Install(InstallError::Template(_)) => ExitStatus::Invalid,
            Failure::NoDefaultFile { .. }
            | Failure::NoFile { .. }
            | Failure::OutNotDir { .. }
            | Failure::Io { .. }
            | Failure::Import(ImportError::Write(_))
            | Failure::Install(InstallError::Io(_)) => ExitStatus::Io,
            Failure::TemplatesDir { .. }
            | Failure::UnknownGateway { .. }
            | Failure::Root(_)
            | Failure::InitStdin => ExitStatus::Usage,
            Failure::Refused(_)
            | Failure::Install(InstallError::Foreign(_))
            | Failure::Import(ImportError::Exists { .. })
            | Failure::Exists { .. } => ExitStatus::Refused,
            Failure::Restore(_) => ExitStatus::Failed,
        }
    }

    /// The text for standard error: what came before the failure (the
    /// diff of refused files), `error: ` and the message, then each line of
    /// the fix after `help: `. Problems in the input are drawn with their
    /// places instead (`diag::render`).
    pub(crate) fn report(&self) -> String {
        let mut s = String::new();
        match self {
            Failure::Problems { rendered, .. } => return rendered.clone(),
            Failure::Refused(r) | Failure::Install(InstallError::Foreign(r)) => {
                s.push_str(&r.diffs);
            }
            _ => {}
        }
        let _ = writeln!(s, "error: {self}");
        if let Some(help) = self.help() {
            for line in help.to_string().lines() {
                let _ = writeln!(s, "help: {line}");
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_the_message_then_one_help_line_per_line() {
        let f = Failure::UnknownGateway {
            name: "mian".into(),
            names: "did you mean `main`?\ngateways in this file: main, rescue".into(),
        };
        assert_eq!(
            f.report(),
            "error: no gateway named `mian`\nhelp: did you mean `main`?\nhelp: gateways in this file: main, rescue\n"
        );
        assert_eq!(f.status(), ExitStatus::Usage);
        let f = Failure::io(
            "cannot write to standard output",
            std::io::Error::other("gone"),
        );
        assert_eq!(f.report(), "error: cannot write to standard output: gone\n");
        assert_eq!(f.status(), ExitStatus::Io);
    }
}
