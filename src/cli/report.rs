//! What the commands print about a plan and this host: the check summary,
//! the port plan, the ports in use, the status table and the install
//! report, all through one [`Table`].

use std::fmt::Write as _;
use std::path::Path;

use super::Format;
use super::input::Input;
use super::table::{Align, Table};
use crate::host::{GatewayStatus, Installed, PortInUse, Retired, State};
use crate::plan::{Plan, SecretSource};
use crate::target::Target;
use crate::write::Action;

/// `s` when `n` is not one.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A JSON value as pretty text with a final newline.
fn pretty(v: &serde_json::Value) -> String {
    format!("{v:#}\n")
}

/// One line per gateway and a total.
pub(crate) fn check_summary(input: &Input, plan: &Plan) -> String {
    // What the gateways really run with: on this machine when the file
    // lists a target there, else in their containers.
    let site = plan.primary_site();
    let mut t = Table::plain(7);
    for g in &plan.gateways {
        let Ok(rt) = g.runtime(site) else { continue };
        t.row([
            "ok".to_string(),
            g.name.clone(),
            format!("profile {}", g.profile),
            format!(
                "ports {}-{}{}",
                g.port,
                g.port + crate::plan::FOOTPRINT,
                if g.port_assigned { " (assigned)" } else { "" }
            ),
            format!("bind {}", rt.bind.as_str()),
            format!(
                "auth {}",
                rt.auth.as_ref().map_or("none", |a| a.mode.as_str())
            ),
            format!("state {}", rt.state_dir),
        ]);
    }
    let mut s = t.render();
    let n = plan.gateways.len();
    let _ = writeln!(s, "{}: {}", input.name, verdict(n));
    s
}

/// `check --format json` of a valid file: each gateway as the table shows it.
pub(crate) fn check_json(input: &Input, plan: &Plan) -> serde_json::Value {
    let site = plan.primary_site();
    let gateways: Vec<serde_json::Value> = plan
        .gateways
        .iter()
        .filter_map(|g| {
            let rt = g.runtime(site).ok()?;
            Some(serde_json::json!({
                "name": g.name,
                "profile": g.profile,
                "port": g.port,
                "last_port": g.port + crate::plan::FOOTPRINT,
                "port_assigned": g.port_assigned,
                "bind": rt.bind.as_str(),
                "auth": rt.auth.as_ref().map(|a| a.mode.as_str()),
                "state_dir": rt.state_dir,
            }))
        })
        .collect();
    serde_json::json!({
        "valid": true,
        "file": input.name,
        "gateways": gateways,
        "problems": [],
    })
}

/// `check`'s last line: side by side is said of two gateways or more.
pub(crate) fn verdict(n: usize) -> String {
    if n == 1 {
        "the gateway is valid".to_string()
    } else {
        format!("{n} gateways can run side by side")
    }
}

/// The port plan as a table or JSON.
pub fn ports(plan: &Plan, format: Format) -> String {
    let table = plan.port_table();
    if format == Format::Json {
        let rows: Vec<serde_json::Value> = table
            .iter()
            .map(|r| {
                serde_json::json!({
                    "gateway": r.gateway,
                    "purpose": r.purpose.as_str(),
                    "start": r.start,
                    "end": r.end,
                    "bind": r.bind,
                })
            })
            .collect();
        return pretty(&serde_json::Value::Array(rows));
    }
    let mut t = Table::new(&[
        (Align::Left, 0),
        (Align::Left, 15),
        (Align::Right, 5),
        (Align::Right, 5),
        (Align::Left, 0),
    ]);
    t.row(["GATEWAY", "PURPOSE", "START", "END", "BIND"]);
    for r in &table {
        t.row([
            r.gateway.clone(),
            r.purpose.as_str().to_string(),
            r.start.to_string(),
            r.end.to_string(),
            r.bind.clone(),
        ]);
    }
    t.render()
}

/// The fix for a seeded config that strays from what ocgen pins.
const DRIFT_HELP: &str = "help: a seeded config is OpenClaw's to edit, but ocgen pins these keys through the environment and arguments: set them back (`openclaw config set KEY VALUE`), or move the gateway in ocgen.yaml and install again\n";

/// `check --host`: the plan's reserved ports in use on this host (`None`:
/// this host cannot tell), then the seeded configs that stray, one line each.
pub(crate) fn host_check(plan: &Plan, used: Option<&[PortInUse]>, drift: &[String]) -> String {
    let mut s = ports_in_use(plan, used);
    for d in drift {
        s.push_str(d);
        s.push('\n');
    }
    if !drift.is_empty() {
        s.push_str(DRIFT_HELP);
    }
    s
}

/// Whether the plan's reserved ports are free on this host.
fn ports_in_use(plan: &Plan, used: Option<&[PortInUse]>) -> String {
    let Some(used) = used else {
        return "host: cannot list listening sockets here (ocgen reads /proc/net/tcp, Linux only); port check skipped\n".to_string();
    };
    let mut s = String::new();
    if used.is_empty() {
        let total: u32 = plan
            .port_table()
            .iter()
            .map(|r| u32::from(r.end - r.start) + 1)
            .sum();
        let _ = writeln!(s, "host: none of the {total} reserved ports is in use");
        return s;
    }
    let _ = writeln!(
        s,
        "host: {} reserved port{} already in use:",
        used.len(),
        plural(used.len())
    );
    let mut t = Table::plain(2).indent("  ");
    for u in used {
        t.row([u.gateway.clone(), u.to_string()]);
    }
    s.push_str(&t.render());
    s.push_str("help: stop what holds these ports, or move the gateways (`port:`) so that their ranges are free (`ocgen ports` lists them)\n");
    s
}

/// The status table, one line per gateway and a total.
pub(crate) fn status_table(plan: &Plan, all: &[GatewayStatus]) -> String {
    let yes_no = |v: Option<bool>, yes: &'static str, no: &'static str| match v {
        Some(true) => yes,
        Some(false) => no,
        None => "-",
    };
    let mut t = Table::new(&[
        (Align::Left, 0),
        (Align::Right, 5),
        (Align::Left, 9),
        (Align::Left, 7),
        (Align::Left, 9),
        (Align::Left, 0),
    ]);
    t.row(["GATEWAY", "PORT", "STATE", "HEALTHZ", "READYZ", "DETAIL"]);
    for g in all {
        let mut detail = match (&g.detail, &g.listener) {
            (Some(d), _) => d.clone(),
            (None, Some(o)) => format!("pid {} ({})", o.pid, o.process),
            (None, None) => String::new(),
        };
        if let Some(used) = &g.ports_in_use {
            for u in used {
                let _ = write!(detail, "; port {u}");
            }
        }
        for d in &g.config_drift {
            if !detail.is_empty() {
                detail.push_str("; ");
            }
            let _ = write!(detail, "config: {d}");
        }
        t.row([
            g.name.clone(),
            g.port.to_string(),
            g.state.as_str().to_string(),
            yes_no(g.healthz, "ok", "failing").to_string(),
            yes_no(g.readyz, "ready", "not-ready").to_string(),
            detail,
        ]);
    }
    let mut s = t.render();
    let healthy = all.iter().filter(|g| g.state == State::Healthy).count();
    let _ = writeln!(
        s,
        "{}: {healthy} of {} gateway{} healthy",
        plan.name,
        all.len(),
        plural(all.len())
    );
    s
}

/// The status as JSON: `{"healthy": bool, "gateways": [...]}`.
pub(crate) fn status_json(all: &[GatewayStatus]) -> String {
    pretty(&serde_json::json!({
        "healthy": all.iter().all(|g| g.state == State::Healthy),
        "gateways": all,
    }))
}

/// The report of a successful install: the files it wrote, a summary, and
/// what the user still has to provide (secrets ocgen never writes).
pub(crate) fn install_report(plan: &Plan, done: &Installed) -> String {
    let mut t = Table::plain(2);
    for c in &done.changes {
        match c.action {
            Action::Create => t.row(["created", c.path.as_str()]),
            Action::Update => t.row(["updated", c.path.as_str()]),
            Action::Keep | Action::Delete => {}
        }
    }
    let mut s = t.render();
    let count = |a: Action| done.changes.iter().filter(|c| c.action == a).count();
    let n = plan.gateways.len();
    let _ = writeln!(
        s,
        "{}: {n} gateway{} installed: {} files created, {} updated, {} unchanged; {} director{} created",
        plan.name,
        plural(n),
        count(Action::Create),
        count(Action::Update),
        count(Action::Keep),
        done.dirs_created.len(),
        if done.dirs_created.len() == 1 {
            "y"
        } else {
            "ies"
        },
    );
    s.push_str(&secret_notes(plan, done));
    s.push_str(&launchd_notes(plan));
    s
}

/// Units of a former name that `install` set aside (units are named by
/// profile now), how each was stopped, and what to install instead.
pub(crate) fn retired_report(retired: &[Retired]) -> String {
    let mut s = String::new();
    for r in retired {
        let u = &r.unit;
        let user = if u.user { "--user " } else { "" };
        let _ = writeln!(
            s,
            "gateway `{}`: its unit is {} now, named by its OpenClaw profile; {} was installed under the former name:",
            u.gateway,
            u.now,
            u.path.display()
        );
        match &r.stopped {
            Ok(()) => {
                let _ = writeln!(
                    s,
                    "  stopped and disabled (systemctl {user}disable --now {})",
                    u.file
                );
            }
            Err(why) if r.set_aside.is_empty() => {
                let _ = writeln!(
                    s,
                    "  not stopped ({why}), left in place: run `systemctl {user}disable --now {}`, then `ocgen install` again",
                    u.file
                );
                continue;
            }
            Err(why) => {
                let _ = writeln!(
                    s,
                    "  not stopped ({why}): run `systemctl {user}disable --now {}` where it runs",
                    u.file
                );
            }
        }
        for (from, to) in &r.set_aside {
            let _ = writeln!(
                s,
                "  set aside {} as {} (not deleted)",
                from.display(),
                to.display()
            );
        }
        let _ = writeln!(
            s,
            "  install systemd/{} from `ocgen generate` in its place, then `systemctl {user}daemon-reload && systemctl {user}enable --now {}`",
            u.now, u.now
        );
    }
    s
}

/// For a file that targets launchd: where each gateway's LaunchAgent goes
/// and the `launchctl` commands that start and stop it. ocgen does not
/// load them itself: `launchctl` acts on the GUI session of the user who
/// runs it, which an installer cannot assume.
fn launchd_notes(plan: &Plan) -> String {
    let mut s = String::new();
    if !plan.has_target(Target::Launchd) {
        return s;
    }
    let _ = writeln!(
        s,
        "launchd: as the macOS user of each gateway, copy its plist from `ocgen generate`'s launchd/ and load it:"
    );
    for g in &plan.gateways {
        // A launchd plan has every gateway's home and paths.
        let (Ok(a), Ok(p)) = (g.launch_agent(&plan.launchd), g.host_paths()) else {
            continue;
        };
        let _ = writeln!(s, "  {} ({}):", g.name, a.label);
        // What OpenClaw's installer creates before loading: launchd opens
        // the log but makes no directory, and Node does not create TMPDIR.
        let log_dir = a.stdout_path.rsplit_once('/').map_or("", |(d, _)| d);
        let _ = writeln!(
            s,
            "    mkdir -p {log_dir} && mkdir -p -m 0700 {}",
            a.tmp_dir()
        );
        let _ = writeln!(
            s,
            "    install -m 0644 launchd/{} {}",
            a.file_name(),
            a.plist_path
        );
        let _ = writeln!(s, "    launchctl bootstrap gui/$(id -u) {}", a.plist_path);
        let _ = writeln!(s, "    stop: launchctl bootout gui/$(id -u)/{}", a.label);
        let _ = writeln!(s, "    secrets: {}; logs: {}", p.dotenv(), a.stdout_path);
    }
    s
}

/// What the operator still has to provide: each gateway's secrets, by name,
/// in its own secrets file (ocgen never writes a value), and auth files.
fn secret_notes(plan: &Plan, done: &Installed) -> String {
    let mut t = Table::plain(2);
    for f in &done.secrets_files_created {
        t.row(["created", &format!("{f} (empty, mode 0600)")]);
    }
    for (link, to) in &done.dotenv_links {
        t.row(["linked", &format!("{link} -> {to} (OpenClaw loads it)")]);
    }
    let mut s = t.render();
    for (dir, why) in &done.backup_dirs_differ {
        let _ = writeln!(
            s,
            "warning: archive directory {dir} exists and was left as it is: {why}"
        );
    }
    for (file, secrets) in &done.dotenv_in_the_way {
        let _ = writeln!(
            s,
            "warning: {file} exists, and OpenClaw loads it instead of {secrets}: move its lines into {secrets} and remove it, then run `ocgen install` again to link it there"
        );
    }
    for g in &plan.gateways {
        let names = g.secret_names();
        let Ok(p) = g.host_paths() else { continue };
        if !names.is_empty() {
            let who = if p.secrets_in_dotenv() {
                "OpenClaw loads it, and so does the gateway's systemd unit".to_string()
            } else {
                format!(
                    "OpenClaw loads it through {}, a link to it, and the gateway's systemd unit loads it",
                    p.dotenv()
                )
            };
            let _ = writeln!(
                s,
                "note: gateway `{}` reads {} from {} (one NAME=value line each, mode 0600; {who})",
                g.name,
                names.join(", "),
                p.secrets_env_file,
            );
        }
        if let Some(SecretSource::File(path)) = g.auth.as_ref().and_then(|a| a.secret.as_ref()) {
            if !Path::new(path).exists() {
                let _ = writeln!(
                    s,
                    "note: gateway `{}` reads its {} from {path}, which does not exist yet: create it (mode 0600, owned by the gateway's user)",
                    g.name,
                    g.auth.as_ref().map_or("secret", |a| a.mode.as_str()),
                );
            }
        }
    }
    s
}
