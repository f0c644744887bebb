//! Each host gateway's process, read from `/proc`: that it runs and is
//! OpenClaw, its environment's names (never values), its user, and the
//! ports it listens on; and the seeded-config drift `status` reports.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::{Checked, Neighbour, Report};
use crate::host::drift::config_drift;
use crate::host::sockets::{Listener, Owner, listening_sockets, socket_owners};
use crate::plan::{Gateway, Plan, Scope};

/// Whether `ocgen install` (or a unit) put any gateway's config here.
pub(super) fn any_installed(plan: &Plan) -> bool {
    plan.gateways.iter().any(|g| {
        g.host_runtime()
            .is_ok_and(|rt| Path::new(&rt.config_path).is_file())
    })
}

/// `pid -> parent pid` of every process.
fn parents() -> HashMap<u32, u32> {
    let mut map = HashMap::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return map;
    };
    for e in procs.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        if let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok())
        {
            map.insert(pid, ppid);
        }
    }
    map
}

/// `pid` and every process below it.
fn tree(pid: u32, parents: &HashMap<u32, u32>) -> HashSet<u32> {
    let mut set = HashSet::from([pid]);
    loop {
        let before = set.len();
        for (c, p) in parents {
            if set.contains(p) {
                set.insert(*c);
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// Whether a process is an OpenClaw gateway: its title (`openclaw-gateway`,
/// cut to 15 characters in `comm`) or its command line.
fn is_openclaw(o: &Owner) -> bool {
    o.process.starts_with("openclaw")
        || std::fs::read(format!("/proc/{}/cmdline", o.pid))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains("openclaw"))
}

/// The environment of a process: names and values, read to compare, never
/// shown (`None`: not readable, another user's process without root).
fn environ(pid: u32) -> Option<HashMap<String, String>> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter_map(|kv| {
                let s = String::from_utf8_lossy(kv);
                s.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect(),
    )
}

/// The real uid of a process.
fn uid_of(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|u| u.parse().ok())
}

/// The uid of account `user` from `/etc/passwd`.
fn uid_of_user(user: &str) -> Option<u32> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next() == Some(user))
            .then(|| f.nth(1).and_then(|u| u.parse().ok()))
            .flatten()
    })
}

fn in_footprint(g: &Gateway, port: u16) -> bool {
    g.reserved()
        .iter()
        .any(|r| (r.start..=r.end).contains(&port))
}

/// The planned environment's names of a gateway on this site.
fn planned_names(g: &Gateway, systemd: bool, user_units: bool) -> Vec<String> {
    let scope = if user_units {
        Scope::User
    } else {
        Scope::System
    };
    let vars = if systemd {
        g.service(scope).map(|s| s.environment).unwrap_or_default()
    } else {
        g.host_runtime()
            .map(|rt| rt.environment())
            .unwrap_or_default()
    };
    vars.into_iter().map(|(k, _)| k).collect()
}

/// Each host gateway's process against the plan.
pub(super) fn check(plan: &Plan, site: &'static str, systemd: bool, report: &mut Report) {
    let Some(listeners) = listening_sockets() else {
        report.unseen("host: listening sockets (/proc/net/tcp): not a Linux host".to_string());
        return;
    };
    let inodes: HashSet<u64> = listeners.iter().map(|l| l.inode).collect();
    let owners = socket_owners(&inodes);
    let parents = parents();
    for g in &plan.gateways {
        let Ok(rt) = g.host_runtime() else { continue };
        report.checked.push(Checked {
            gateway: g.name.clone(),
            site,
        });
        for d in config_drift(g) {
            report.find(
                Some(&g.name),
                site,
                format!("seeded config: {d}"),
                "set the key back with `openclaw config set` (or change ocgen.yaml and install again)".to_string(),
            );
        }
        let on_p: Vec<&Listener> = listeners.iter().filter(|l| l.port == g.port).collect();
        let Some(first) = on_p.first() else {
            report.find(
                Some(&g.name),
                site,
                format!("not running: nothing listens on port {}", g.port),
                if systemd {
                    format!(
                        "start it with its unit: `systemctl start {}`",
                        g.unit_name()
                    )
                } else {
                    format!(
                        "start it: `(set -a; . {}; set +a; exec openclaw gateway run)`",
                        g.host_paths()
                            .map(|p| p.env_file(&g.name))
                            .unwrap_or_default()
                    )
                },
            );
            continue;
        };
        let Some(owner) = owners.get(&first.inode) else {
            report.unseen(format!(
                "host: the process on port {} (uid {}) is another user's: run as root to see it",
                g.port, first.uid
            ));
            continue;
        };
        if !is_openclaw(owner) {
            report.find(
                Some(&g.name),
                site,
                format!(
                    "port {} is held by pid {} ({}), not an OpenClaw gateway",
                    g.port, owner.pid, owner.process
                ),
                format!("stop pid {} or move it off the gateway's ports", owner.pid),
            );
            continue;
        }
        let mine = tree(owner.pid, &parents);
        check_process(plan, g, owner, systemd, &rt.state_dir, site, report);
        for l in &listeners {
            let held = owners.get(&l.inode);
            let ours = held.is_some_and(|o| mine.contains(&o.pid));
            if ours && !in_footprint(g, l.port) {
                report.find(
                    Some(&g.name),
                    site,
                    format!("listens on {}:{} outside its planned ports", l.address, l.port),
                    "remove the setting that moves the port (a browser profile's cdpPort, mcp.apps.sandboxPort) or declare it in ocgen.yaml".to_string(),
                );
            }
        }
    }
}

/// Environment names, the gateway it runs and its user.
fn check_process(
    plan: &Plan,
    g: &Gateway,
    owner: &Owner,
    systemd: bool,
    state_dir: &str,
    site: &'static str,
    report: &mut Report,
) {
    let Some(env) = environ(owner.pid) else {
        report.unseen(format!(
            "host: the environment of pid {} (gateway `{}`) is another user's: run as root to see it",
            owner.pid, g.name
        ));
        return;
    };
    let missing: Vec<String> = planned_names(g, systemd, plan.user_units)
        .into_iter()
        .filter(|k| !env.contains_key(k))
        .collect();
    if !missing.is_empty() {
        report.find(
            Some(&g.name),
            site,
            format!(
                "pid {} lacks planned variables: {}",
                owner.pid,
                missing.join(", ")
            ),
            "start it with its env file or unit, which set them".to_string(),
        );
    }
    if env
        .get("OPENCLAW_STATE_DIR")
        .is_some_and(|v| v != state_dir)
    {
        report.find(
            Some(&g.name),
            site,
            format!(
                "pid {} on port {} runs with another OPENCLAW_STATE_DIR than the planned {state_dir}",
                owner.pid, g.port
            ),
            "stop it and start the gateway from its own env file or unit".to_string(),
        );
    }
    if systemd && !plan.user_units {
        match (uid_of(owner.pid), uid_of_user(&g.user)) {
            (Some(got), Some(want)) if got != want => report.find(
                Some(&g.name),
                site,
                format!(
                    "pid {} runs as uid {got}, the plan says user `{}` (uid {want})",
                    owner.pid, g.user
                ),
                "start it through its unit, which sets User=".to_string(),
            ),
            (_, None) => report.find(
                Some(&g.name),
                site,
                format!("user `{}` does not exist on this host", g.user),
                format!(
                    "create the account `{}` (the NixOS module does that itself)",
                    g.user
                ),
            ),
            _ => {}
        }
    }
}

/// Listeners in a planned footprint that no planned gateway holds (with
/// `containers`, Docker's port forwarders are the compose project's).
pub(super) fn footprint_neighbours(plan: &Plan, containers: bool, report: &mut Report) {
    let Some(listeners) = listening_sockets() else {
        report.unseen("host: listening sockets (/proc/net/tcp): not a Linux host".to_string());
        return;
    };
    let inodes: HashSet<u64> = listeners.iter().map(|l| l.inode).collect();
    let owners = socket_owners(&inodes);
    let parents = parents();
    // The processes of the planned gateways: the trees of their P owners
    // that run OpenClaw.
    let mut ours: HashSet<u32> = HashSet::new();
    for g in &plan.gateways {
        for l in listeners.iter().filter(|l| l.port == g.port) {
            if let Some(o) = owners.get(&l.inode).filter(|o| is_openclaw(o)) {
                ours.extend(tree(o.pid, &parents));
            }
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for l in &listeners {
        let Some(g) = plan.gateways.iter().find(|g| in_footprint(g, l.port)) else {
            continue;
        };
        let owner = owners.get(&l.inode);
        if owner.is_some_and(|o| {
            ours.contains(&o.pid) || (containers && o.process.starts_with("docker-proxy"))
        }) {
            continue;
        }
        let name = owner.map_or(format!("uid {}", l.uid), |o| {
            format!("pid {} ({})", o.pid, o.process)
        });
        let port = format!("{}:{}", l.address, l.port);
        if let Some(i) = seen.get(&name) {
            let n: &mut Neighbour = &mut report.neighbours[*i];
            if !n.ports.contains(&port) {
                n.ports.push(port);
            }
            continue;
        }
        seen.insert(name.clone(), report.neighbours.len());
        report.neighbours.push(Neighbour {
            kind: "process",
            name,
            ports: vec![port],
            in_footprint_of: Some(g.name.clone()),
        });
    }
}
