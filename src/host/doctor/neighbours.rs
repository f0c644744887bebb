//! OpenClaw gateways on this host that ocgen does not manage: other
//! `openclaw-gateway*` units, `ai.openclaw.*` LaunchAgents, containers of
//! an OpenClaw image outside the compose project, processes listening in a
//! planned footprint. Each with the ports it holds.

use serde_json::Value;

use super::compose::{label, name_of};
use super::{Family, Neighbour, Options, Report, docker, inspect, process};
use crate::plan::{FOOTPRINT, Plan};
use crate::render::systemd;
use crate::target::Target;

/// Every neighbour kind.
pub(super) fn scan(
    plan: &Plan,
    opts: &Options,
    project_containers: Option<&Vec<Value>>,
    report: &mut Report,
) {
    units(plan, opts, report);
    launch_agents(plan, opts, report);
    containers(plan, opts, report);
    let compose_runs =
        project_containers.is_some_and(|c| !c.is_empty()) || opts.only == Some(Family::Compose);
    process::footprint_neighbours(plan, compose_runs, report);
}

/// The gateway whose footprint holds `port`.
fn footprint_of(plan: &Plan, port: u16) -> Option<String> {
    plan.gateways
        .iter()
        .find(|g| {
            g.reserved()
                .iter()
                .any(|r| (r.start..=r.end).contains(&port))
        })
        .map(|g| g.name.clone())
}

/// `P..P+110` of a base port.
fn range(p: u16) -> String {
    format!("{p}..{}", p.saturating_add(FOOTPRINT))
}

/// The base port a unit file or plist gives its gateway: `--port N` or
/// `OPENCLAW_GATEWAY_PORT`.
fn port_in(text: &str) -> Option<u16> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .find(|w| w[0] == "--port")
        .and_then(|w| w[1].parse().ok())
        .or_else(|| {
            words.iter().find_map(|w| {
                w.strip_prefix("OPENCLAW_GATEWAY_PORT=")
                    .and_then(|p| p.parse().ok())
            })
        })
        .or_else(|| {
            // A plist: <key>OPENCLAW_GATEWAY_PORT</key><string>N</string>.
            words
                .iter()
                .position(|w| *w == "OPENCLAW_GATEWAY_PORT")
                .and_then(|i| words.get(i + 1..i + 5))
                .and_then(|rest| rest.iter().find_map(|w| w.parse().ok()))
        })
}

fn units(plan: &Plan, opts: &Options, report: &mut Report) {
    let ours: Vec<String> = if plan.has_target(Target::Systemd) || plan.has_target(Target::Nixos) {
        // A unit of a former name is a finding of the systemd family.
        let former = super::systemd::former(plan, &opts.unit_dir);
        plan.gateways
            .iter()
            .map(systemd::file_name)
            .chain(former.into_iter().map(|f| f.file))
            .collect()
    } else {
        Vec::new()
    };
    let Ok(dir) = std::fs::read_dir(&opts.unit_dir) else {
        return;
    };
    let mut found: Vec<Neighbour> = dir
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let foreign = name.starts_with("openclaw-gateway")
                && name.ends_with(".service")
                && !ours.contains(&name);
            foreign.then(|| {
                let port = std::fs::read_to_string(e.path())
                    .ok()
                    .and_then(|t| port_in(&t));
                Neighbour {
                    kind: "unit",
                    name: e.path().display().to_string(),
                    ports: port.map(range).into_iter().collect(),
                    in_footprint_of: port.and_then(|p| footprint_of(plan, p)),
                }
            })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    report.neighbours.extend(found);
}

fn launch_agents(plan: &Plan, opts: &Options, report: &mut Report) {
    let Some(dir) = &opts.launch_agents else {
        return;
    };
    let ours: Vec<String> = if plan.has_target(Target::Launchd) {
        plan.gateways
            .iter()
            .map(|g| format!("{}.plist", g.launchd_label()))
            .collect()
    } else {
        Vec::new()
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut found: Vec<Neighbour> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let foreign = name.starts_with("ai.openclaw.")
                && name.to_ascii_lowercase().ends_with(".plist")
                && !ours.contains(&name);
            foreign.then(|| {
                let port = std::fs::read_to_string(e.path())
                    .ok()
                    .and_then(|t| port_in(&t));
                Neighbour {
                    kind: "launch-agent",
                    name: e.path().display().to_string(),
                    ports: port.map(range).into_iter().collect(),
                    in_footprint_of: port.and_then(|p| footprint_of(plan, p)),
                }
            })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    report.neighbours.extend(found);
}

/// Whether a container runs OpenClaw: an image of the plan's or one whose
/// name says `openclaw`.
fn is_openclaw_image(plan: &Plan, image: &str) -> bool {
    let repo = |i: &str| {
        i.rsplit_once(':')
            .map_or(i, |(r, t)| if t.contains('/') { i } else { r })
            .to_string()
    };
    plan.gateways.iter().any(|g| repo(&g.image) == repo(image)) || image.contains("openclaw")
}

fn containers(plan: &Plan, opts: &Options, report: &mut Report) {
    let ids = match docker(&["ps", "-q", "--no-trunc"]) {
        Ok(ids) => ids.lines().map(ToString::to_string).collect::<Vec<_>>(),
        Err(e) => {
            report.unseen(format!("containers: {e}"));
            return;
        }
    };
    let all = match inspect(&ids) {
        Ok(a) => a,
        Err(e) => {
            report.unseen(format!("containers: {e}"));
            return;
        }
    };
    for c in &all {
        if label(c, "com.docker.compose.project") == Some(opts.project.as_str()) {
            continue;
        }
        let image = c["Config"]["Image"].as_str().unwrap_or("");
        if !is_openclaw_image(plan, image) {
            continue;
        }
        let name = name_of(c);
        // A planned gateway's own sandbox containers.
        if plan.gateways.iter().any(|g| {
            name.starts_with(&g.sandbox.docker_prefix)
                || name.starts_with(&g.sandbox.browser_prefix)
        }) {
            continue;
        }
        // What it publishes: the live bindings, else what it asked for.
        let live = &c["NetworkSettings"]["Ports"];
        let bindings = if live
            .as_object()
            .is_some_and(|m| m.values().any(Value::is_array))
        {
            live
        } else {
            &c["HostConfig"]["PortBindings"]
        };
        let mut ports: Vec<(u16, String)> = bindings
            .as_object()
            .into_iter()
            .flatten()
            .flat_map(|(_, b)| b.as_array().cloned().unwrap_or_default())
            .filter_map(|b| {
                let port: u16 = b["HostPort"].as_str()?.parse().ok()?;
                let ip = b["HostIp"]
                    .as_str()
                    .filter(|i| !i.is_empty())
                    .unwrap_or("0.0.0.0");
                Some((port, format!("{ip}:{port}")))
            })
            .collect();
        ports.sort();
        ports.dedup();
        report.neighbours.push(Neighbour {
            kind: "container",
            name: format!("{name} ({image})"),
            in_footprint_of: ports.iter().find_map(|(p, _)| footprint_of(plan, *p)),
            ports: ports.into_iter().map(|(_, s)| s).collect(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_port_is_read_from_units_and_plists() {
        assert_eq!(
            port_in("ExecStart=/usr/bin/openclaw gateway --port 19001\n"),
            Some(19001)
        );
        assert_eq!(
            port_in("Environment=\"OPENCLAW_GATEWAY_PORT=18789\"\n"),
            Some(18789)
        );
        assert_eq!(
            port_in("<key>OPENCLAW_GATEWAY_PORT</key>\n<string>20000</string>"),
            Some(20000)
        );
        assert_eq!(port_in("ExecStart=/usr/bin/openclaw gateway\n"), None);
    }
}
