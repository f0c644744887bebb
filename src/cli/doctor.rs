//! `ocgen doctor`: what runs on this host against what `ocgen.yaml` says
//! (the work is `host::doctor`), as text or JSON.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::input::load_plan_for;
use super::{Ctx, ExitStatus, Format, Outcome, emit};
use crate::host::{DoctorFamily, DoctorOptions, DoctorReport, doctor};
use crate::target::Target;

/// What `--target` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DoctorTarget {
    /// The compose project's containers.
    Compose,
    /// The installed systemd units and their processes.
    Systemd,
    /// The bare-host gateways' processes (`ocgen install`).
    Host,
}

/// The arguments of `ocgen doctor`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Check only this: `compose`, `systemd` or `host`. Default: each of the
    /// file's targets that is found deployed on this host.
    #[arg(long, value_enum)]
    target: Option<DoctorTarget>,
    /// The compose project name. Default: the deployment's `name`.
    #[arg(long)]
    project: Option<String>,
    /// Where the units are installed. Default: /etc/systemd/system, or
    /// ~/.config/systemd/user with `systemd: { user_units: true }`.
    #[arg(long)]
    unit_dir: Option<PathBuf>,
}

pub(crate) fn run(args: &DoctorArgs, ctx: &Ctx, out: &mut dyn Write) -> Outcome {
    // With --target, that target's rules only (a compose-only file has no
    // home for the host targets).
    let (_, plan) = load_plan_for(
        ctx,
        args.target.map(|t| match t {
            DoctorTarget::Compose => Target::Compose,
            DoctorTarget::Systemd => Target::Systemd,
            DoctorTarget::Host => Target::Host,
        }),
    )?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let unit_dir = args.unit_dir.clone().unwrap_or_else(|| {
        if plan.user_units {
            home.clone()
                .unwrap_or_default()
                .join(".config/systemd/user")
        } else {
            PathBuf::from("/etc/systemd/system")
        }
    });
    let opts = DoctorOptions {
        only: args.target.map(|t| match t {
            DoctorTarget::Compose => DoctorFamily::Compose,
            DoctorTarget::Systemd => DoctorFamily::Systemd,
            DoctorTarget::Host => DoctorFamily::Host,
        }),
        project: args.project.clone().unwrap_or_else(|| plan.name.clone()),
        unit_dir,
        user_units: plan.user_units,
        launch_agents: home.map(|h| h.join("Library/LaunchAgents")),
    };
    let report = doctor(&plan, &opts);
    let text = match args.format {
        Format::Table => text(&report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    emit(out, &text)?;
    Ok(if report.differs() {
        ExitStatus::Differs
    } else {
        ExitStatus::Success
    })
}

/// The report for a person: per gateway what differs and how to fix it,
/// then the deployment's own findings, the neighbours and what could not
/// be seen.
fn text(r: &DoctorReport) -> String {
    let mut s = String::new();
    let sites: Vec<&str> = {
        let mut v: Vec<&str> = r.checked.iter().map(|c| c.site).collect();
        v.dedup();
        v
    };
    let _ = writeln!(
        s,
        "ocgen doctor: deployment `{}`{}",
        r.deployment,
        if sites.is_empty() {
            String::new()
        } else {
            format!(", checked {}", sites.join(" and "))
        }
    );
    let width = r.checked.iter().map(|c| c.gateway.len()).max().unwrap_or(0);
    let item = |s: &mut String, what: &str, fix: &str| {
        let mut lines = what.lines();
        let _ = writeln!(s, "    - {}", lines.next().unwrap_or(""));
        for l in lines {
            let _ = writeln!(s, "        {l}");
        }
        let _ = writeln!(s, "      fix: {fix}");
    };
    for c in &r.checked {
        let mine: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.gateway.as_deref() == Some(c.gateway.as_str()) && f.site == c.site)
            .collect();
        let verdict = match mine.len() {
            0 => "ok".to_string(),
            1 => "1 difference".to_string(),
            n => format!("{n} differences"),
        };
        let _ = writeln!(s, "  {:width$}  {:7}  {verdict}", c.gateway, c.site);
        for f in mine {
            item(&mut s, &f.what, &f.fix);
        }
    }
    let general: Vec<_> = r.findings.iter().filter(|f| f.gateway.is_none()).collect();
    if !general.is_empty() {
        let _ = writeln!(s, "deployment:");
        for f in general {
            item(&mut s, &format!("{}: {}", f.site, f.what), &f.fix);
        }
    }
    if !r.neighbours.is_empty() {
        let _ = writeln!(
            s,
            "neighbours (OpenClaw gateways and listeners ocgen does not manage):"
        );
        for n in &r.neighbours {
            let ports = if n.ports.is_empty() {
                String::new()
            } else {
                format!(", ports {}", n.ports.join(", "))
            };
            let inside = n
                .in_footprint_of
                .as_ref()
                .map_or(String::new(), |g| format!(", inside gateway `{g}`'s ports"));
            let _ = writeln!(s, "    - {} {}{ports}{inside}", n.kind, n.name);
        }
    }
    if !r.unseen.is_empty() {
        let _ = writeln!(s, "could not see:");
        for u in &r.unseen {
            let _ = writeln!(s, "    - {u}");
        }
    }
    let n = r.findings.len();
    let _ = writeln!(
        s,
        "{}",
        if r.differs() {
            format!(
                "result: {n} difference{}, {} neighbour{}",
                if n == 1 { "" } else { "s" },
                r.neighbours.len(),
                if r.neighbours.len() == 1 { "" } else { "s" }
            )
        } else {
            "result: what runs matches ocgen.yaml".to_string()
        }
    );
    s
}
