//! `ocgen doctor`: what runs on this host, compared with the plan.
//!
//! `generate --check` compares files with git; this compares the live host
//! with the files. One file per check family:
//!
//! * `compose`: each container of the compose project against its
//!   generated service (image, config hash, capabilities,
//!   `no-new-privileges`, limits, published ports, networks, volumes), and
//!   containers of the project the file no longer has.
//! * `systemd`: the installed unit files against the generated ones, and
//!   whether each unit is enabled and active.
//! * `process`: each host gateway's process: that it runs, is OpenClaw,
//!   has the planned environment (names only, never values), runs as the
//!   planned user and listens only inside its footprint; the seeded-config
//!   drift `status` reports.
//! * `neighbours`: OpenClaw gateways on this host that ocgen does not
//!   manage: other `openclaw-gateway*` units, `ai.openclaw.*` LaunchAgents,
//!   containers of an OpenClaw image, processes listening in a planned
//!   footprint.
//!
//! It only reads: the docker CLI, `systemctl is-enabled/is-active`, files
//! and `/proc`. What it cannot read (another user's process without root,
//! no Docker engine) it says, rather than guessing.

mod compose;
mod neighbours;
mod process;
mod systemd;

use std::path::PathBuf;
use std::process::Command;

use serde::Serialize;

use crate::plan::Plan;
use crate::target::Target;

/// One difference between what runs and the plan.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Finding {
    /// The gateway, or `None` for the deployment as a whole.
    pub gateway: Option<String>,
    /// Where it was seen: `compose`, `systemd` or `host`.
    pub site: &'static str,
    /// What differs.
    pub what: String,
    /// How to make it match again.
    pub fix: String,
}

/// An OpenClaw gateway (or a listener in a planned footprint) on this host
/// that ocgen does not manage.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Neighbour {
    /// `unit`, `launch-agent`, `container` or `process`.
    pub kind: &'static str,
    /// Its name: unit file, label, container name, `pid N (comm)`.
    pub name: String,
    /// The ports it holds or would hold, as `ADDR:PORT` or `P..P+110`.
    pub ports: Vec<String>,
    /// The planned gateway whose footprint it sits in, if any.
    pub in_footprint_of: Option<String>,
}

/// One gateway checked on one site.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Checked {
    /// The gateway.
    pub gateway: String,
    /// `compose`, `systemd` or `host`.
    pub site: &'static str,
}

/// What `ocgen doctor` found.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Report {
    /// The deployment.
    pub deployment: String,
    /// What was compared.
    pub checked: Vec<Checked>,
    /// What differs.
    pub findings: Vec<Finding>,
    /// Gateways ocgen does not manage.
    pub neighbours: Vec<Neighbour>,
    /// What could not be seen, and why.
    pub unseen: Vec<String>,
}

impl Report {
    /// Whether anything differs from the plan (a neighbour counts).
    pub(crate) fn differs(&self) -> bool {
        !self.findings.is_empty() || !self.neighbours.is_empty()
    }

    fn unseen(&mut self, what: String) {
        if !self.unseen.contains(&what) {
            self.unseen.push(what);
        }
    }

    fn find(&mut self, gateway: Option<&str>, site: &'static str, what: String, fix: String) {
        self.findings.push(Finding {
            gateway: gateway.map(ToString::to_string),
            site,
            what,
            fix,
        });
    }
}

/// Which families to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// The compose project's containers.
    Compose,
    /// The installed systemd units (and the host processes they run).
    Systemd,
    /// The host gateways' processes (`ocgen install`, by hand).
    Host,
}

/// How to look.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The families asked for; `None`: those of the file's targets that
    /// are found in use here.
    pub only: Option<Family>,
    /// The compose project name.
    pub project: String,
    /// Where unit files are installed.
    pub unit_dir: PathBuf,
    /// Whether the units are user units (`systemctl --user`).
    pub user_units: bool,
    /// Where LaunchAgents live (`~/Library/LaunchAgents`), when known.
    pub launch_agents: Option<PathBuf>,
}

/// The docker CLI, as the environment configures it (`DOCKER_HOST`).
pub(super) fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .output()
        .map_err(|e| format!("docker: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(format!(
            "docker {}: {}",
            args.first().copied().unwrap_or(""),
            err.lines().next().unwrap_or("failed")
        ))
    }
}

/// `docker inspect` of the containers `ids`, as JSON objects.
pub(super) fn inspect(ids: &[String]) -> Result<Vec<serde_json::Value>, String> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = vec!["inspect"];
    args.extend(ids.iter().map(String::as_str));
    let text = docker(&args)?;
    serde_json::from_str(&text).map_err(|e| format!("docker inspect: {e}"))
}

/// Compares this host with the plan.
pub(crate) fn doctor(plan: &Plan, opts: &Options) -> Report {
    let mut report = Report {
        deployment: plan.name.clone(),
        ..Report::default()
    };
    let wanted = |f: Family| opts.only.is_none_or(|o| o == f);
    let has = |t| plan.has_target(t);
    let containers = compose::project_containers(&opts.project);
    if wanted(Family::Compose) && (opts.only.is_some() || has(Target::Compose)) {
        match &containers {
            Ok(c) if !c.is_empty() || opts.only.is_some() => {
                compose::check(plan, &opts.project, c, &mut report);
            }
            Err(e) if opts.only.is_some() => report.unseen(format!("compose: {e}")),
            _ => {}
        }
    }
    let systemd_used = wanted(Family::Systemd)
        && (opts.only == Some(Family::Systemd)
            || ((has(Target::Systemd) || has(Target::Nixos))
                && systemd::any_installed(plan, &opts.unit_dir)));
    if systemd_used {
        systemd::check(plan, opts, &mut report);
    }
    let host_used = systemd_used
        || (wanted(Family::Host)
            && (opts.only == Some(Family::Host)
                || (has(Target::Host) && process::any_installed(plan))));
    if host_used {
        let site = if systemd_used { "systemd" } else { "host" };
        process::check(plan, site, systemd_used, &mut report);
    }
    if report.checked.is_empty() {
        report.find(
            None,
            "host",
            format!(
                "nothing of deployment `{}` was found on this host (no container of compose project `{}`, no installed unit in {}, no installed config)",
                plan.name,
                opts.project,
                opts.unit_dir.display()
            ),
            "deploy it (`docker compose up -d`, install the units, or `ocgen install`), or name what to check with --target".to_string(),
        );
    }
    neighbours::scan(plan, opts, containers.as_ref().ok(), &mut report);
    report
}

/// The differing lines of two texts: `-` what is installed, `+` what ocgen
/// generates (at most `max` lines, then how many more).
pub(super) fn line_diff(installed: &str, generated: &str, max: usize) -> Vec<String> {
    let a: Vec<&str> = installed.lines().collect();
    let b: Vec<&str> = generated.lines().collect();
    let mut out: Vec<String> = a
        .iter()
        .filter(|l| !b.contains(l))
        .map(|l| format!("- {l}"))
        .chain(
            b.iter()
                .filter(|l| !a.contains(l))
                .map(|l| format!("+ {l}")),
        )
        .collect();
    if out.len() > max {
        let more = out.len() - max;
        out.truncate(max);
        out.push(format!("... and {more} more"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_diff_names_each_side() {
        let d = line_diff("a\nb\nc\n", "a\nB\nc\n", 10);
        assert_eq!(d, ["- b", "+ B"]);
        let d = line_diff("1\n2\n3\n", "4\n5\n6\n", 2);
        assert_eq!(d, ["- 1", "- 2", "... and 4 more"]);
    }
}
