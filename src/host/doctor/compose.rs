//! The compose project's containers against the services ocgen generates.

use serde_json::Value;

use super::{Checked, Report, docker, inspect};
use crate::plan::{Plan, memory_bytes};
use crate::render::compose::{Service, context};

const SITE: &str = "compose";
const PROJECT_LABEL: &str = "com.docker.compose.project";
const SERVICE_LABEL: &str = "com.docker.compose.service";
/// The label that carries the hash of the gateway's `openclaw.json`.
pub(super) const CONFIG_HASH_LABEL: &str = "ocgen.config-hash";

/// Every container (running or not) of compose project `project`.
pub(super) fn project_containers(project: &str) -> Result<Vec<Value>, String> {
    let ids = docker(&[
        "ps",
        "-a",
        "-q",
        "--no-trunc",
        "--filter",
        &format!("label={PROJECT_LABEL}={project}"),
    ])?;
    let ids: Vec<String> = ids.lines().map(ToString::to_string).collect();
    inspect(&ids)
}

/// A container's name without docker's leading `/`.
pub(super) fn name_of(c: &Value) -> String {
    c["Name"]
        .as_str()
        .unwrap_or("")
        .trim_start_matches('/')
        .to_string()
}

pub(super) fn label<'v>(c: &'v Value, key: &str) -> Option<&'v str> {
    c["Config"]["Labels"][key].as_str()
}

/// Compares each service with its container.
pub(super) fn check(plan: &Plan, project: &str, containers: &[Value], report: &mut Report) {
    let ctx = context(plan, None);
    let fix_up = |svc: &str| {
        format!(
            "docker compose -p {project} up -d {svc} (recreates it from the generated compose file)"
        )
    };
    for s in &ctx.services {
        report.checked.push(Checked {
            gateway: s.name.clone(),
            site: SITE,
        });
        let mine: Vec<&Value> = containers
            .iter()
            .filter(|c| label(c, SERVICE_LABEL) == Some(s.name.as_str()))
            .collect();
        let Some(c) = mine.first() else {
            report.find(
                Some(&s.name),
                SITE,
                format!(
                    "no container of service `{}` in project `{project}`",
                    s.name
                ),
                fix_up(&s.name),
            );
            continue;
        };
        let name = name_of(c);
        for what in differences(s, project, c) {
            report.find(
                Some(&s.name),
                SITE,
                format!("container `{name}`: {what}"),
                fix_up(&s.name),
            );
        }
        if mine.len() > 1 {
            report.find(
                Some(&s.name),
                SITE,
                format!(
                    "{} containers of service `{}` (one expected)",
                    mine.len(),
                    s.name
                ),
                format!("docker compose -p {project} up -d --scale {}=1", s.name),
            );
        }
    }
    let proxy = ctx.proxy.as_ref().map(|p| p.name);
    for c in containers {
        let svc = label(c, SERVICE_LABEL).unwrap_or("");
        if ctx.services.iter().any(|s| s.name == svc) || Some(svc) == proxy {
            continue;
        }
        report.find(
            None,
            SITE,
            format!(
                "container `{}` (service `{svc}`) belongs to project `{project}` but the compose file has no such service",
                name_of(c)
            ),
            format!("docker compose -p {project} up -d --remove-orphans"),
        );
    }
}

/// What differs between a service and its container, one line each.
fn differences(s: &Service, project: &str, c: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let state = c["State"]["Status"].as_str().unwrap_or("unknown");
    if state != "running" {
        out.push(format!("is {state}, not running"));
    }
    let image = c["Config"]["Image"].as_str().unwrap_or("");
    if image != s.image {
        out.push(format!("runs image `{image}`, the plan says `{}`", s.image));
    }
    match label(c, CONFIG_HASH_LABEL) {
        Some(h) if h == s.config_hash => {}
        h => out.push(format!(
            "config hash label is {}, the generated openclaw.json hashes to {}: it runs another config",
            h.unwrap_or("missing"),
            s.config_hash
        )),
    }
    let hc = &c["HostConfig"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(ToString::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Docker may spell capabilities with or without `CAP_`.
    let cap = |x: &str| x.trim_start_matches("CAP_").to_ascii_uppercase();
    if !strings(&hc["CapDrop"])
        .iter()
        .any(|x| cap(x) == cap(s.cap_drop))
    {
        out.push(format!("does not drop capabilities `{}`", s.cap_drop));
    }
    let cap_add = strings(&hc["CapAdd"]);
    if !cap_add.is_empty() {
        out.push(format!("adds capabilities {}", cap_add.join(", ")));
    }
    if !strings(&hc["SecurityOpt"])
        .iter()
        .any(|o| o == "no-new-privileges:true" || o == "no-new-privileges")
    {
        out.push("runs without no-new-privileges".to_string());
    }
    if hc["PidsLimit"].as_i64() != Some(i64::from(s.pids_limit)) {
        out.push(format!(
            "pids limit is {}, the plan says {}",
            hc["PidsLimit"], s.pids_limit
        ));
    }
    if let Some(want) = memory_bytes(&s.limits.memory) {
        let got = hc["Memory"].as_u64().unwrap_or(0);
        if got != want {
            out.push(format!(
                "memory limit is {}, the plan says {} ({want} bytes)",
                if got == 0 {
                    "none".to_string()
                } else {
                    format!("{got} bytes")
                },
                s.limits.memory
            ));
        }
    }
    if let Ok(cpus) = s.limits.cpus.parse::<f64>() {
        // NanoCpus: billionths of a CPU.
        #[allow(clippy::cast_possible_truncation)]
        let want = (cpus * 1e9).round() as i64;
        let got = hc["NanoCpus"].as_i64().unwrap_or(0);
        if got != want {
            #[allow(clippy::cast_precision_loss)]
            out.push(format!(
                "CPU limit is {} cores, the plan says {}",
                got as f64 / 1e9,
                s.limits.cpus
            ));
        }
    }
    out.extend(port_differences(s, hc));
    out.extend(network_differences(s, project, c));
    out.extend(volume_differences(s, project, c));
    out
}

fn port_differences(s: &Service, hc: &Value) -> Vec<String> {
    let mut want: Vec<String> = s
        .ports
        .iter()
        .map(|p| format!("{}:{}", p.host_ip.as_deref().unwrap_or("0.0.0.0"), p.port))
        .collect();
    let mut got: Vec<String> = hc["PortBindings"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(_, binds)| binds.as_array().cloned().unwrap_or_default())
        .map(|b| {
            let ip = b["HostIp"]
                .as_str()
                .filter(|i| !i.is_empty())
                .unwrap_or("0.0.0.0");
            format!("{ip}:{}", b["HostPort"].as_str().unwrap_or(""))
        })
        .collect();
    want.sort();
    got.sort();
    got.dedup();
    if want == got {
        Vec::new()
    } else {
        vec![format!(
            "publishes [{}], the plan says [{}]",
            got.join(", "),
            want.join(", ")
        )]
    }
}

fn network_differences(s: &Service, project: &str, c: &Value) -> Vec<String> {
    if s.host_network {
        let mode = c["HostConfig"]["NetworkMode"].as_str().unwrap_or("");
        return if mode == "host" {
            Vec::new()
        } else {
            vec![format!("network mode is `{mode}`, the plan says `host`")]
        };
    }
    let Some(net) = &s.network else {
        return Vec::new();
    };
    let want = format!("{project}_{net}");
    let got: Vec<String> = c["NetworkSettings"]["Networks"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    if got == [want.clone()] {
        Vec::new()
    } else {
        vec![format!(
            "is on networks [{}], the plan says [{want}]",
            got.join(", ")
        )]
    }
}

fn volume_differences(s: &Service, project: &str, c: &Value) -> Vec<String> {
    let mounts = c["Mounts"].as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for m in &s.volumes {
        let found = mounts
            .iter()
            .find(|x| x["Destination"] == m.target.as_str());
        let ok = found.is_some_and(|x| match m.kind {
            "volume" => x["Name"] == format!("{project}_{}", m.source).as_str(),
            _ => x["Source"] == m.source.as_str(),
        });
        if !ok {
            let got = found.map_or("nothing".to_string(), |x| {
                x["Name"]
                    .as_str()
                    .or(x["Source"].as_str())
                    .unwrap_or("?")
                    .to_string()
            });
            out.push(format!(
                "mounts {got} at {}, the plan says {} `{}`",
                m.target, m.kind, m.source
            ));
        }
    }
    out
}
