//! `ocgen install`: what a bare-host gateway needs, written where the plan
//! says (its `openclaw.json` and env file, 0600), and its state dir and
//! workspace created (0700). It reuses [`crate::write`]: every file is
//! compared with what ocgen would write, a differing one is refused without
//! `--force`, and all files are staged before any is renamed into place.

use std::path::{Path, PathBuf};

use crate::plan::{ConfigMode, Gateway, HostPaths, Plan};
use crate::render::{self, OutFile, TemplateError, Templates};
use crate::write::{self, Action, Change, IoError, Refused};

/// Why `--root DIR` cannot be the root of an install.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum RootError {
    /// The path could not be made absolute.
    #[error("--root {}: {source}", dir.display())]
    Absolute {
        /// As given.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not UTF-8.
    #[error("--root {}: the path must be valid UTF-8 (it is written into configs and env files)", dir.display())]
    NotUtf8 {
        /// As given.
        dir: PathBuf,
    },
    /// A control character.
    #[error("--root {}: the path contains a control character", path.escape_debug())]
    Control {
        /// The absolute path.
        path: String,
    },
    /// A `..` step.
    #[error(
        "--root {path}: write the path without `..` (it is written into configs and env files)"
    )]
    DotDot {
        /// The absolute path.
        path: String,
    },
}

/// Turns `--root DIR` into the prefix put before every absolute path: an
/// absolute, normalised path without a trailing `/` (empty for `/`).
pub(crate) fn root_prefix(dir: &Path) -> Result<String, RootError> {
    let abs = std::path::absolute(dir).map_err(|source| RootError::Absolute {
        dir: dir.to_path_buf(),
        source,
    })?;
    let Some(s) = abs.to_str() else {
        return Err(RootError::NotUtf8 {
            dir: dir.to_path_buf(),
        });
    };
    if s.chars().any(char::is_control) {
        return Err(RootError::Control { path: s.into() });
    }
    let mut parts = Vec::new();
    for part in s.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(RootError::DotDot { path: s.into() }),
            p => parts.push(p),
        }
    }
    Ok(parts.iter().fold(String::new(), |mut acc, p| {
        acc.push('/');
        acc.push_str(p);
        acc
    }))
}

/// The files `ocgen install` writes for a plan (already rooted): each
/// gateway's config at its config path and its env file beside it. A
/// seeded config is written only where none exists: after that it is
/// OpenClaw's (`status` reports where it strays from what ocgen pins).
pub(crate) fn install_files(plan: &Plan, t: &Templates) -> Result<Vec<OutFile>, TemplateError> {
    let mut files = Vec::with_capacity(plan.gateways.len() * 2);
    for g in &plan.gateways {
        let rt = g.host_runtime()?;
        let seeded_and_there =
            g.config_mode == ConfigMode::Seeded && Path::new(&rt.config_path).exists();
        if !seeded_and_there {
            files.push(OutFile {
                path: rt.config_path.clone(),
                contents: render::openclaw::render(&rt),
                private: true,
            });
        }
        files.push(OutFile {
            path: g.host_paths()?.env_file(&g.name),
            contents: render::env::render_by(g, t, "ocgen install")?,
            private: true,
        });
    }
    Ok(files)
}

/// What `ocgen install` did.
#[derive(Debug)]
pub(crate) struct Installed {
    /// Every file, with what happened to it.
    pub changes: Vec<Change>,
    /// Directories it created, parents first.
    pub dirs_created: Vec<PathBuf>,
    /// Secrets files it created empty (mode 0600) for the operator to fill.
    pub secrets_files_created: Vec<String>,
    /// `<state_dir>/.env` links it made to a secrets file kept elsewhere
    /// (`secrets_env_file`), so that OpenClaw loads that file itself: the
    /// link, then its target.
    pub dotenv_links: Vec<(String, String)>,
    /// `<state_dir>/.env` files in the way of such a link (left as they
    /// are: OpenClaw loads them, not the secrets file): the file, then the
    /// secrets file.
    pub dotenv_in_the_way: Vec<(String, String)>,
    /// Archive directories of gateways with `backup:` that existed and
    /// differ from what ocgen makes (0700, the owner of the gateway's
    /// state): left as they are, with what differs.
    pub backup_dirs_differ: Vec<(String, String)>,
}

/// Why `ocgen install` wrote nothing.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum InstallError {
    /// A template failed to render.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Template(#[from] TemplateError),
    /// Reading, creating or writing failed (nothing was replaced).
    #[error("install failed, nothing was replaced: {0}")]
    Io(#[from] IoError),
    /// Files exist with contents ocgen would not write, and `--force` was not given.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Foreign(#[from] Refused),
}

/// Creates the directories and writes the files of `plan` (already rooted).
/// Nothing is touched when a template fails or a differing file is found
/// without `force`; a failure while creating or staging leaves every file as
/// it was and removes the directories it created.
pub(crate) fn install(plan: &Plan, t: &Templates, force: bool) -> Result<Installed, InstallError> {
    let files = install_files(plan, t)?;
    // A killed earlier install of this plan: finish or undo it first.
    if let Some(journal) = files
        .first()
        .and_then(|f| write::find_install_journal(Path::new(&f.path)))
    {
        write::recover(&journal)?;
    }
    let changes = write::compare_absolute(&files)?;
    let foreign: Vec<&Change> = changes.iter().filter(|c| c.foreign).collect();
    if !foreign.is_empty() && !force {
        return Err(Refused::new(Path::new("/"), &foreign).into());
    }
    let paths: Vec<&HostPaths> = plan
        .gateways
        .iter()
        .map(Gateway::host_paths)
        .collect::<Result<_, _>>()
        .map_err(|e| InstallError::Template(e.into()))?;
    let mut dirs: Vec<&Path> = Vec::new();
    for p in &paths {
        dirs.extend(p.private_dirs().into_iter().map(Path::new));
    }
    for f in &files {
        dirs.extend(Path::new(&f.path).parent());
    }
    for p in &paths {
        dirs.extend(Path::new(&p.secrets_env_file).parent());
    }
    // Each gateway's archive directory (backup:), 0700 like its state; one
    // that exists is the operator's and stays as it is.
    let backup_dirs: Vec<(&Gateway, &str)> = plan
        .gateways
        .iter()
        .filter(|g| g.backup.configured)
        .filter_map(|g| g.backup.host_dir.as_deref().map(|d| (g, d)))
        .collect();
    let backup_dirs_differ = backup_dirs
        .iter()
        .filter_map(|(g, d)| differs(g, d).map(|why| ((*d).to_string(), why)))
        .collect();
    dirs.extend(backup_dirs.iter().map(|(_, d)| Path::new(*d)));
    let journal = files.first().map_or_else(
        || PathBuf::from("/").join(write::INSTALL_JOURNAL),
        |f| write::install_journal(Path::new(&f.path)),
    );
    // The empty secrets env files that are missing are created in the same
    // journaled transaction, so that a kill leaves all or none of them.
    // Only missing ones: an existing file is the operator's, never opened.
    let mut all = changes.clone();
    let mut secrets_files_created = Vec::new();
    for p in &paths {
        let path = &p.secrets_env_file;
        if Path::new(path).symlink_metadata().is_err() && !secrets_files_created.contains(path) {
            secrets_files_created.push(path.clone());
            all.push(Change {
                path: path.clone(),
                action: Action::Create,
                old: None,
                new: Some(String::new()),
                private: true,
                foreign: false,
                on_host: true,
            });
        }
    }
    let created = write::replace_all(&journal, &dirs, &all)?;
    for (g, d) in &backup_dirs {
        give_to_the_state_owner(g, d, &created)?;
    }
    let (dotenv_links, dotenv_in_the_way) = link_dotenvs(&paths)?;
    Ok(Installed {
        changes,
        dirs_created: created,
        secrets_files_created,
        dotenv_links,
        dotenv_in_the_way,
        backup_dirs_differ,
    })
}

/// The owner of the gateway's state dir, who runs the gateway and its
/// backups (`None` when the state dir is not there yet).
fn state_owner(g: &Gateway) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(&g.host_paths().ok()?.state_dir).ok()?;
    Some((m.uid(), m.gid()))
}

/// What differs in an existing archive directory from what `install`
/// makes; `None` when it is missing or as ocgen makes it.
fn differs(g: &Gateway, dir: &str) -> Option<String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let m = std::fs::symlink_metadata(dir).ok()?;
    if !m.is_dir() {
        return Some("it is not a directory".into());
    }
    let mode = m.permissions().mode() & 0o7777;
    let mut why = Vec::new();
    if mode != 0o700 {
        why.push(format!("mode {mode:04o}, not 0700 (`chmod 700 {dir}`)"));
    }
    if let Some((uid, gid)) = state_owner(g)
        && (m.uid(), m.gid()) != (uid, gid)
    {
        why.push(format!(
            "owned by {}:{}, not by {uid}:{gid} like the gateway's state (`chown {uid}:{gid} {dir}`)",
            m.uid(),
            m.gid()
        ));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// The directories this install created for the archives of `g` (the
/// archive directory and the parents it made) belong to whoever owns the
/// gateway's state: the account its service and backups run as.
fn give_to_the_state_owner(g: &Gateway, dir: &str, created: &[PathBuf]) -> Result<(), IoError> {
    use std::os::unix::fs::MetadataExt;
    let Some((uid, gid)) = state_owner(g) else {
        return Ok(());
    };
    for d in created.iter().filter(|c| Path::new(dir).starts_with(c)) {
        let m = std::fs::metadata(d).map_err(|error| IoError {
            path: d.clone(),
            error,
        })?;
        if (m.uid(), m.gid()) != (uid, gid) {
            std::os::unix::fs::chown(d, Some(uid), Some(gid)).map_err(|error| IoError {
                path: d.clone(),
                error,
            })?;
        }
    }
    Ok(())
}

/// OpenClaw loads `<state_dir>/.env` itself, and no other file: where a
/// gateway's secrets file is elsewhere, `<state_dir>/.env` becomes a link
/// to it (OpenClaw resolves the link and reads the regular file behind
/// it), made only where nothing is (a link is made whole or not at all, so
/// a killed run is finished by the next). Returns the links made and the
/// files in the way.
#[allow(clippy::type_complexity)]
fn link_dotenvs(
    paths: &[&HostPaths],
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), IoError> {
    let (mut made, mut in_the_way) = (Vec::new(), Vec::new());
    for p in paths {
        if p.secrets_in_dotenv() {
            continue;
        }
        let link = p.dotenv();
        match std::fs::read_link(&link) {
            Ok(to) if to == Path::new(&p.secrets_env_file) => {}
            Ok(_) => in_the_way.push((link, p.secrets_env_file.clone())),
            Err(_) if Path::new(&link).symlink_metadata().is_ok() => {
                in_the_way.push((link, p.secrets_env_file.clone()));
            }
            Err(_) => {
                std::os::unix::fs::symlink(&p.secrets_env_file, &link).map_err(|error| {
                    IoError {
                        path: PathBuf::from(&link),
                        error,
                    }
                })?;
                made.push((link, p.secrets_env_file.clone()));
            }
        }
    }
    Ok((made, in_the_way))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_prefix_is_absolute_and_normalised() {
        assert_eq!(root_prefix(Path::new("/")).unwrap(), "");
        assert_eq!(root_prefix(Path::new("/tmp//x/./y/")).unwrap(), "/tmp/x/y");
        let rel = root_prefix(Path::new("pkg")).unwrap();
        assert!(rel.starts_with('/') && rel.ends_with("/pkg"), "{rel}");
        assert!(root_prefix(Path::new("/tmp/../etc")).is_err());
    }
}
