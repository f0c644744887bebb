//! The installed systemd units against the generated ones, and their state.

use std::path::Path;
use std::process::Command;

use super::{Options, Report, line_diff};
use crate::host::{FormerUnit, former_units};
use crate::plan::{Plan, Scope};
use crate::render::{Templates, systemd};

const SITE: &str = "systemd";

/// Whether any of the plan's units is installed in `dir`, under its name
/// or a former one.
pub(super) fn any_installed(plan: &Plan, dir: &Path) -> bool {
    plan.gateways
        .iter()
        .any(|g| dir.join(systemd::file_name(g)).is_file())
        || !former(plan, dir).is_empty()
}

/// The units in `dir` of a name ocgen no longer gives them.
pub(super) fn former(plan: &Plan, dir: &Path) -> Vec<FormerUnit> {
    former_units(plan, &[(dir.to_path_buf(), false)])
}

/// `systemctl [--user] VERB UNIT`: its first output line, or why it
/// could not answer (no systemd, no bus).
fn systemctl(user: bool, verb: &str, unit: &str) -> Result<String, String> {
    let mut cmd = Command::new("systemctl");
    if user {
        cmd.arg("--user");
    }
    let out = cmd
        .args([verb, unit])
        .output()
        .map_err(|e| format!("systemctl: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first = stdout.lines().next().unwrap_or("").trim().to_string();
    if first.is_empty() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "systemctl {verb}: {}",
            err.lines().next().unwrap_or("no answer")
        ));
    }
    Ok(first)
}

/// Each unit file equal to the generated one, enabled and active.
pub(super) fn check(plan: &Plan, opts: &Options, report: &mut Report) {
    let scope = if opts.user_units {
        Scope::User
    } else {
        Scope::System
    };
    let templates = match Templates::builtin() {
        Ok(t) => t,
        Err(e) => {
            report.unseen(format!("systemd: the built-in templates: {e}"));
            return;
        }
    };
    let user = if opts.user_units { "--user " } else { "" };
    for f in former(plan, &opts.unit_dir) {
        report.find(
            Some(&f.gateway),
            SITE,
            format!(
                "unit {} has the name ocgen gave this gateway's unit before units were named by OpenClaw profile ({} now): started, it runs a second copy of the gateway",
                f.path.display(),
                f.now
            ),
            format!(
                "`ocgen install` stops, disables and sets it aside; or `systemctl {user}disable --now {}` and move the file out of {}",
                f.file,
                opts.unit_dir.display()
            ),
        );
    }
    // After one failed answer (no systemd, no bus) the others are not asked.
    let mut manager = true;
    for g in &plan.gateways {
        let file = systemd::file_name(g);
        let path = opts.unit_dir.join(&file);
        let Ok(generated) = systemd::render(plan, g, scope, &templates) else {
            continue;
        };
        // A NixOS unit is NixOS's rendering of the module, linked from the
        // store: its text is not the plain unit's.
        let from_nix = std::fs::read_link(&path).is_ok_and(|t| t.starts_with("/nix/store"));
        if from_nix {
            report.unseen(format!(
                "systemd: {} comes from the Nix store (the NixOS module): its text is NixOS's, not compared",
                path.display()
            ));
        }
        match std::fs::read_to_string(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                report.find(
                    Some(&g.name),
                    SITE,
                    format!("unit {} is not installed", path.display()),
                    format!(
                        "copy systemd/{file} from `ocgen generate` to {}, then `systemctl {user}daemon-reload && systemctl {user}enable --now {file}`",
                        opts.unit_dir.display()
                    ),
                );
                continue;
            }
            Err(e) => {
                report.unseen(format!("systemd: {}: {e}", path.display()));
                continue;
            }
            Ok(installed) if !from_nix && installed != generated => {
                let lines = line_diff(&installed, &generated, 8);
                report.find(
                    Some(&g.name),
                    SITE,
                    format!(
                        "unit {} differs from the generated one:\n{}",
                        path.display(),
                        lines.join("\n")
                    ),
                    format!(
                        "install systemd/{file} from `ocgen generate` again (or change ocgen.yaml), then `systemctl {user}daemon-reload && systemctl {user}restart {file}`"
                    ),
                );
            }
            Ok(_) => {}
        }
        let unit = g.unit_name();
        if !manager {
            continue;
        }
        match systemctl(opts.user_units, "is-enabled", &file) {
            Ok(s) if s == "enabled" => {}
            Ok(s) => report.find(
                Some(&g.name),
                SITE,
                format!("unit {unit} is {s}, not enabled"),
                format!("systemctl {user}enable {file}"),
            ),
            Err(e) => {
                report.unseen(format!("systemd unit states: {e}"));
                manager = false;
                continue;
            }
        }
        match systemctl(opts.user_units, "is-active", &file) {
            Ok(s) if s == "active" => {}
            Ok(s) => report.find(
                Some(&g.name),
                SITE,
                format!("unit {unit} is {s}, not active"),
                format!(
                    "systemctl {user}start {file}; `journalctl {user}-u {file}` says why it stopped"
                ),
            ),
            Err(e) => {
                report.unseen(format!("systemd unit states: {e}"));
                manager = false;
            }
        }
    }
}
