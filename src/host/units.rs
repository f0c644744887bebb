//! Units installed under a name ocgen no longer gives them.
//!
//! A gateway's unit is named as OpenClaw names its profile's service
//! ([`Gateway::unit_name`]); before, ocgen named it by the gateway
//! (`openclaw-gateway-<name>`). Where the two differ, a unit of the former
//! name left installed would start a second copy of the gateway beside the
//! renamed one, on the same ports and state. `ocgen install` stops and
//! disables such a unit and sets its file aside (never deletes it), and
//! says so; `ocgen doctor` names one it finds.

use std::path::PathBuf;
use std::process::Command;

use crate::plan::{
    Gateway, Plan, SYSTEMD_SYSTEM_UNIT_DIR, SYSTEMD_USER_UNIT_DIR, backup_unit_name,
    former_backup_unit_name, set_aside_path,
};

/// A unit file of a former name, for one gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormerUnit {
    /// The gateway.
    pub gateway: String,
    /// The former file name (`openclaw-gateway-<name>.service`, ...).
    pub file: String,
    /// The file name it has now.
    pub now: String,
    /// Where it is installed.
    pub path: PathBuf,
    /// A user unit (`systemctl --user`).
    pub user: bool,
}

/// What `ocgen install` did with a unit of a former name.
#[derive(Debug, Clone)]
pub(crate) struct Retired {
    /// The unit.
    pub unit: FormerUnit,
    /// Where its file (and its drop-in directory, `<file>.d`, if any) went.
    pub set_aside: Vec<(PathBuf, PathBuf)>,
    /// How it was stopped: `Ok` once `systemctl disable --now` ran, else why not.
    pub stopped: Result<(), String>,
}

/// The unit directories ocgen's units are installed in, under `root`:
/// the system's, and the user's under `home` when there is one.
pub(crate) fn unit_dirs(root: &str, home: Option<&str>) -> Vec<(PathBuf, bool)> {
    let mut dirs = vec![(
        PathBuf::from(format!("{root}{SYSTEMD_SYSTEM_UNIT_DIR}")),
        false,
    )];
    if let Some(h) = home.filter(|h| h.starts_with('/')) {
        let h = h.trim_end_matches('/');
        dirs.push((
            PathBuf::from(format!("{root}{h}/{SYSTEMD_USER_UNIT_DIR}")),
            true,
        ));
    }
    dirs
}

/// Every (former file, current file) pair of a gateway whose names differ.
fn renamed(g: &Gateway) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(f) = g.former_unit_name() {
        out.push((format!("{f}.service"), format!("{}.service", g.unit_name())));
    }
    if let Some(f) = former_backup_unit_name(g) {
        let now = backup_unit_name(g);
        for ext in ["service", "timer"] {
            out.push((format!("{f}.{ext}"), format!("{now}.{ext}")));
        }
    }
    out
}

/// The units of a former name installed in `dirs`. A former name that is
/// another gateway's current one (two gateways that swapped profiles) is
/// that gateway's unit, never reported.
pub(crate) fn former_units(plan: &Plan, dirs: &[(PathBuf, bool)]) -> Vec<FormerUnit> {
    let current: Vec<String> = plan
        .gateways
        .iter()
        .flat_map(|g| {
            let b = backup_unit_name(g);
            [
                format!("{}.service", g.unit_name()),
                format!("{b}.service"),
                format!("{b}.timer"),
            ]
        })
        .collect();
    let mut out = Vec::new();
    for g in &plan.gateways {
        for (file, now) in renamed(g) {
            if current.contains(&file) {
                continue;
            }
            for (dir, user) in dirs {
                let path = dir.join(&file);
                if path.symlink_metadata().is_ok() {
                    out.push(FormerUnit {
                        gateway: g.name.clone(),
                        file: file.clone(),
                        now: now.clone(),
                        path,
                        user: *user,
                    });
                }
            }
        }
    }
    out
}

/// `systemctl [--user] disable --now UNIT`.
fn disable_now(user: bool, unit: &str) -> Result<(), String> {
    let mut cmd = Command::new("systemctl");
    if user {
        cmd.arg("--user");
    }
    match cmd.args(["disable", "--now", unit]).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr)
            .lines()
            .next()
            .unwrap_or("systemctl failed")
            .to_string()),
        Err(e) => Err(format!("systemctl: {e}")),
    }
}

/// Stops, disables and sets aside every unit of a former name. `live`:
/// the units are this machine's (no `--root`), so `systemctl` is asked to
/// stop them, and one it could not stop stays in place; under a root they
/// are only set aside. Kill-safe: the
/// drop-in directory moves before the file, and a run that finds the file
/// again stops and moves what is left.
pub(crate) fn retire_former_units(
    plan: &Plan,
    dirs: &[(PathBuf, bool)],
    live: bool,
    stamp: &str,
) -> Result<Vec<Retired>, crate::write::IoError> {
    let mut out = Vec::new();
    for unit in former_units(plan, dirs) {
        let stopped = if live {
            disable_now(unit.user, &unit.file)
        } else {
            Err("installed under --root: not this machine's systemd".into())
        };
        let mut set_aside = Vec::new();
        if live && stopped.is_err() {
            // Still running, perhaps: its file stays where systemd can
            // stop it, and the report says how.
            out.push(Retired {
                unit,
                set_aside,
                stopped,
            });
            continue;
        }
        let dropins = PathBuf::from(format!("{}.d", unit.path.display()));
        for from in [dropins, unit.path.clone()] {
            if from.symlink_metadata().is_err() {
                continue;
            }
            let to = PathBuf::from(set_aside_path(&from.display().to_string(), stamp));
            std::fs::rename(&from, &to).map_err(|error| crate::write::IoError {
                path: from.clone(),
                error,
            })?;
            set_aside.push((from, to));
        }
        out.push(Retired {
            unit,
            set_aside,
            stopped,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(y: &str) -> Plan {
        crate::plan::plan(&crate::model::load(y).unwrap()).unwrap()
    }

    #[test]
    fn units_of_a_former_name_are_found_and_set_aside_never_a_current_one() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().to_str().unwrap();
        // `a` runs profile `b` and `b` profile `a`: each one's former name
        // is the other's current one, and stays.
        let plan = plan_of(
            "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n  a: {profile: b, port: 20000}\n  b: {profile: a, port: 20200}\n  ops: {profile: work, port: 20400}\n  main: {profile: default, port: 20600}\n",
        );
        let dirs = unit_dirs(root, Some("/home/u"));
        let sys = &dirs[0].0;
        std::fs::create_dir_all(sys).unwrap();
        for f in [
            "openclaw-gateway-a.service",
            "openclaw-gateway-b.service",
            "openclaw-gateway-ops.service",
            "openclaw-backup-ops.timer",
            "openclaw-gateway-main.service",
        ] {
            std::fs::write(sys.join(f), "[Unit]\n").unwrap();
        }
        std::fs::create_dir_all(sys.join("openclaw-gateway-ops.service.d")).unwrap();
        let found: Vec<(String, String)> = former_units(&plan, &dirs)
            .into_iter()
            .map(|u| (u.file, u.now))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "openclaw-gateway-ops.service",
                    "openclaw-gateway-work.service"
                ),
                ("openclaw-backup-ops.timer", "openclaw-backup-work.timer"),
                ("openclaw-gateway-main.service", "openclaw-gateway.service"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        let done = retire_former_units(&plan, &dirs, false, "T").unwrap();
        assert_eq!(done.len(), 3);
        assert!(done.iter().all(|r| r.stopped.is_err()));
        assert_eq!(done[0].set_aside.len(), 2, "{:?}", done[0].set_aside);
        let mut left: Vec<String> = std::fs::read_dir(sys)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "openclaw-backup-ops.timer.ocgen-replaced-T",
                "openclaw-gateway-a.service",
                "openclaw-gateway-b.service",
                "openclaw-gateway-main.service.ocgen-replaced-T",
                "openclaw-gateway-ops.service.d.ocgen-replaced-T",
                "openclaw-gateway-ops.service.ocgen-replaced-T",
            ]
        );
        // Run again: nothing left to do.
        assert!(
            retire_former_units(&plan, &dirs, false, "U")
                .unwrap()
                .is_empty()
        );
    }
}
