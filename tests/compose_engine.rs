//! `ocgen compose` on a real Docker engine: three gateways (a fixed port,
//! two assigned ones, one `seeded` with secrets and settings) started with
//! `docker compose up -d --wait` from the generated file, unchanged.
//!
//! The engine is `../shared/tools/docker-offline.sh` (real dockerd 20.10
//! and Compose v2.40.3 on a private socket, an OpenClaw 2026.9.6 image built
//! offline under the default tag). One compose project serves every check,
//! so the gateways start three times in all (up, down + up, one changed
//! gateway). A guard takes the project down and stops the engine, whether
//! the test passes or fails. No timing is asserted; every command has a
//! generous timeout against hangs.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::engine::{Engine, Guard};
use common::{ocgen, tool};
use serde_json::Value;

/// Compose project name (also `name:` in the input).
const PROJECT: &str = "ocgen-engine-test";

/// Seconds `up --wait` may take before the test calls it a hang.
const WAIT_TIMEOUT: &str = "420";

fn say(msg: &str) {
    eprintln!("compose_engine: {msg}");
}

/// A port P on 127.0.0.1 that is free now, away from the assigned grid.
fn free_port() -> u16 {
    (0..400)
        .map(|i| 24000 + i * 97)
        .find(|p| TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, *p)).is_ok())
        .expect("a free port between 24000 and 62800")
}

/// The host's first non-loopback IPv4 address, if it has one (no packet
/// is sent: a UDP socket only picks its source address).
fn host_address() -> Option<Ipv4Addr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    match s.local_addr().ok()?.ip() {
        std::net::IpAddr::V4(ip) if !ip.is_loopback() && !ip.is_unspecified() => Some(ip),
        _ => None,
    }
}

fn input(alpha_port: u16, revision: &str) -> String {
    format!(
        r"version: 1
name: {PROJECT}
defaults:
  home: /srv/openclaw
gateways:
  alpha:
    port: {alpha_port}
    env: {{ OCGEN_TEST_REVISION: '{revision}' }}
  beta: {{}}
  gamma:
    config: seeded
    secrets: [ANTHROPIC_API_KEY, GAMMA_TELEGRAM_BOT_TOKEN]
    resources: {{ memory: 1536m, cpus: 1.5 }}
    openclaw:
      models:
        providers:
          anthropic:
            baseUrl: https://api.anthropic.com
            api: anthropic-messages
            apiKey: {{ source: env, provider: default, id: ANTHROPIC_API_KEY }}
            models: []
      channels:
        telegram:
          enabled: true
          botToken: {{ source: env, provider: default, id: GAMMA_TELEGRAM_BOT_TOKEN }}
          dmPolicy: pairing
"
    )
}

/// Writes ocgen.yaml, runs `ocgen compose` and writes compose.yaml.
fn generate(dir: &Path, yaml: &str) -> ocgen::plan::Plan {
    std::fs::write(dir.join("ocgen.yaml"), yaml).unwrap();
    let out = ocgen()
        .current_dir(dir)
        .args(["-f", "ocgen.yaml", "compose"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(dir.join("compose.yaml"), &out.stdout).unwrap();
    ocgen::plan::plan(&ocgen::model::load(yaml).unwrap()).unwrap()
}

/// A value for one secret of one gateway: unguessable by the others.
fn secret(gw: &str, var: &str) -> String {
    let mut bytes = [0u8; 12];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .unwrap();
    let hex = bytes.iter().fold(String::new(), |mut h, b| {
        let _ = write!(h, "{b:02x}");
        h
    });
    format!("{gw}-{}-{hex}", var.to_ascii_lowercase().replace('_', "-"))
}

/// `GET /healthz` on 127.0.0.1:port; the JSON body when it answers.
fn healthz(addr: SocketAddrV4) -> Option<Value> {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect_timeout(&addr.into(), Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let body = text.split_once("\r\n\r\n")?.1;
    serde_json::from_str(body.trim()).ok()
}

/// Runs `node -e SCRIPT` in a service's container: whether a fetch of
/// `url` got an answer.
fn reaches(engine: &Engine, dir: &Path, service: &str, url: &str) -> bool {
    let script = format!(
        "fetch('{url}',{{signal:AbortSignal.timeout(5000)}}).then(()=>process.exit(0),()=>process.exit(3))"
    );
    let o = engine.docker(
        dir,
        &[
            "compose",
            "-p",
            PROJECT,
            "-f",
            "compose.yaml",
            "exec",
            "-T",
            service,
            "node",
            "-e",
            &script,
        ],
    );
    match o.status.code() {
        Some(0) => true,
        Some(3) => false,
        _ => panic!("exec in {service}: {}", String::from_utf8_lossy(&o.stderr)),
    }
}

/// `openclaw gateway call health` against a gateway with a token.
fn call_health(openclaw: &Path, home: &Path, port: u16, token: &str) -> (bool, String) {
    let o = Command::new("timeout")
        .arg("120")
        .arg(openclaw)
        .args(["gateway", "call", "health", "--json", "--timeout", "30000"])
        .arg("--url")
        .arg(format!("ws://127.0.0.1:{port}"))
        .arg("--token")
        .arg(token)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .output()
        .unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn container_ids(engine: &Engine, dir: &Path) -> BTreeMap<String, String> {
    ["alpha", "beta", "gamma"]
        .iter()
        .map(|s| {
            let id = engine.compose(dir, &["ps", "-q", s]).trim().to_string();
            assert!(!id.is_empty(), "{s} has no container");
            (s.to_string(), id)
        })
        .collect()
}

fn file_in(engine: &Engine, dir: &Path, service: &str, path: &str) -> bool {
    let o = engine.docker(
        dir,
        &[
            "compose",
            "-p",
            PROJECT,
            "-f",
            "compose.yaml",
            "exec",
            "-T",
            service,
            "test",
            "-e",
            path,
        ],
    );
    o.status.success()
}

#[test]
#[allow(clippy::too_many_lines)]
fn generated_gateways_run_isolated_hardened_and_keep_their_state_on_a_real_engine() {
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let Some(engine) = Engine::start(PROJECT) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().to_path_buf();
    let _guard = Guard {
        engine: &engine,
        dir: dir.clone(),
    };
    // What a killed earlier run may have left.
    let _ = engine.docker(
        &dir,
        &["compose", "-p", PROJECT, "down", "-v", "--timeout", "10"],
    );

    let alpha_port = free_port();
    let plan = generate(&dir, &input(alpha_port, "1"));
    for g in &plan.gateways {
        assert!(
            TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, g.port)).is_ok(),
            "port {} of `{}` is taken on this machine: free it and run again",
            g.port,
            g.name
        );
    }
    assert!(plan.gateway("beta").unwrap().port_assigned);

    // Each gateway's own secrets file, written by the operator (here: us).
    let mut secrets: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    for g in &plan.gateways {
        let vars: BTreeMap<String, String> = g
            .compose_runtime()
            .secret_vars()
            .into_iter()
            .map(|v| {
                let value = secret(&g.name, &v);
                (v, value)
            })
            .collect();
        let body = vars.iter().fold(String::new(), |mut t, (k, v)| {
            let _ = writeln!(t, "{k}={v}");
            t
        });
        let path = dir.join(format!("secrets/{}.env", g.name));
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        secrets.insert(g.name.clone(), vars);
    }
    let token = |gw: &str| secrets[gw]["OPENCLAW_GATEWAY_TOKEN"].clone();

    say("docker compose up -d --wait (3 gateways)");
    engine.compose(
        &dir,
        &["up", "-d", "--wait", "--wait-timeout", WAIT_TIMEOUT],
    );

    // Every gateway answers /healthz on its planned port on 127.0.0.1, and
    // only there.
    let host = host_address();
    for g in &plan.gateways {
        let body = healthz(SocketAddrV4::new(Ipv4Addr::LOCALHOST, g.port))
            .unwrap_or_else(|| panic!("{} does not answer on 127.0.0.1:{}", g.name, g.port));
        assert!(ocgen::plan::is_healthy(200, &body), "{}: {body}", g.name);
        if let Some(ip) = host {
            assert!(
                TcpStream::connect_timeout(
                    &SocketAddrV4::new(ip, g.port).into(),
                    Duration::from_secs(3)
                )
                .is_err(),
                "{} answers on {ip}:{}",
                g.name,
                g.port
            );
        }
        let ports = engine.compose(&dir, &["port", &g.name, &g.port.to_string()]);
        assert_eq!(ports.trim(), format!("127.0.0.1:{}", g.port), "{}", g.name);
    }

    // Hardening, read back from the engine.
    let ids = container_ids(&engine, &dir);
    let mut networks_seen: BTreeMap<String, String> = BTreeMap::new();
    let mut volume_users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for g in &plan.gateways {
        let c = engine.inspect(&dir, &ids[&g.name]);
        let h = &c["HostConfig"];
        let ctx = &g.name;
        assert_eq!(h["CapDrop"], serde_json::json!(["ALL"]), "{ctx}");
        assert!(h["CapAdd"].is_null(), "{ctx}");
        assert_eq!(h["Init"], true, "{ctx}");
        assert_eq!(h["Privileged"], false, "{ctx}");
        assert!(
            h["SecurityOpt"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o.as_str().unwrap().starts_with("no-new-privileges")),
            "{ctx}: {}",
            h["SecurityOpt"]
        );
        assert_eq!(h["PidsLimit"], 512, "{ctx}");
        let (memory, cpus) = if g.name == "gamma" {
            (1536u64 << 20, 1_500_000_000u64)
        } else {
            (2u64 << 30, 2_000_000_000u64)
        };
        assert_eq!(h["Memory"], memory, "{ctx}");
        assert_eq!(h["NanoCpus"], cpus, "{ctx}");
        assert_eq!(h["RestartPolicy"]["Name"], "unless-stopped", "{ctx}");
        assert_eq!(c["Config"]["User"], "node", "{ctx}: the image's user");
        assert_eq!(c["Config"]["Hostname"], g.name.as_str(), "{ctx}");
        let nets: Vec<&String> = c["NetworkSettings"]["Networks"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(nets.len(), 1, "{ctx}: {nets:?}");
        if let Some(other) = networks_seen.insert(nets[0].clone(), g.name.clone()) {
            panic!("{ctx} shares network {} with {other}", nets[0]);
        }
        for m in c["Mounts"].as_array().unwrap() {
            if m["Type"] == "volume" {
                volume_users
                    .entry(m["Name"].as_str().unwrap().to_string())
                    .or_default()
                    .push(g.name.clone());
            }
        }
        let targets: Vec<&str> = c["Mounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Destination"].as_str().unwrap())
            .collect();
        for t in [
            "/home/node/.openclaw",
            "/home/node/.openclaw/workspace",
            "/home/node/.config/openclaw",
        ] {
            assert!(targets.contains(&t), "{ctx}: {targets:?}");
        }
        // Its own secrets, and no other gateway's.
        let env: Vec<&str> = c["Config"]["Env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for (other, vars) in &secrets {
            for (k, v) in vars {
                let line = format!("{k}={v}");
                assert_eq!(
                    env.contains(&line.as_str()),
                    other == &g.name,
                    "{ctx}: {other}'s {k}"
                );
            }
        }
        assert!(
            env.contains(&"XDG_CACHE_HOME=/home/node/.openclaw/cache"),
            "{ctx}"
        );
    }
    assert_eq!(
        volume_users.len(),
        3 * plan.gateways.len(),
        "{volume_users:?}"
    );
    for (v, users) in &volume_users {
        assert_eq!(users.len(), 1, "volume {v} is mounted by {users:?}");
    }
    say("hardening, networks, volumes and secrets read back");

    // Isolation: from inside one gateway's container, the others are out of
    // reach by service name and by IP. Separate networks are kept apart by
    // the host's ip_forward=0 on this engine (it runs without iptables).
    let forward = std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap_or_default();
    say(&format!("net.ipv4.ip_forward = {}", forward.trim()));
    assert!(reaches(
        &engine,
        &dir,
        "alpha",
        &format!("http://127.0.0.1:{alpha_port}/healthz")
    ));
    for (from, to) in [("alpha", "beta"), ("beta", "gamma"), ("gamma", "alpha")] {
        let port = plan.gateway(to).unwrap().port;
        assert!(
            !reaches(&engine, &dir, from, &format!("http://{to}:{port}/healthz")),
            "{from} reaches {to} by name"
        );
        let c = engine.inspect(&dir, &ids[to]);
        let ip = c["NetworkSettings"]["Networks"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()["IPAddress"]
            .as_str()
            .unwrap()
            .to_string();
        if forward.trim() == "0" {
            assert!(
                !reaches(&engine, &dir, from, &format!("http://{ip}:{port}/healthz")),
                "{from} reaches {to} at {ip}"
            );
        } else {
            say(&format!(
                "ip_forward is on: {from} -> {to} by IP not asserted (the offline engine has no iptables isolation)"
            ));
        }
    }
    say("no gateway reaches another");

    // Auth: each gateway takes its own token, and refuses another's.
    let cli_home = tempfile::tempdir().unwrap();
    for (gw, other) in [("alpha", "beta"), ("beta", "gamma"), ("gamma", "alpha")] {
        let port = plan.gateway(gw).unwrap().port;
        let (ok, out) = call_health(&openclaw, cli_home.path(), port, &token(gw));
        assert!(ok, "{gw} refuses its own token: {out}");
        let (ok, out) = call_health(&openclaw, cli_home.path(), port, &token(other));
        assert!(!ok, "{gw} accepts {other}'s token: {out}");
        assert!(out.contains("token mismatch"), "{gw}: {out}");
    }
    say("each gateway accepts its own token only");

    // The seeded gateway's config: ocgen's, copied into its state volume
    // once, writable by OpenClaw; the managed ones read ocgen's, read-only.
    let seeded = engine.compose(
        &dir,
        &[
            "exec",
            "-T",
            "gamma",
            "sh",
            "-c",
            "stat -c %a /home/node/.openclaw/openclaw.json && cat /home/node/.openclaw/openclaw.json",
        ],
    );
    let (mode, content) = seeded.split_once('\n').unwrap();
    assert_eq!(mode, "600");
    let seed: Value = serde_json::from_str(content).unwrap();
    let gamma = plan.gateway("gamma").unwrap();
    assert_eq!(seed["gateway"]["port"], gamma.port);
    assert_eq!(
        seed["channels"]["telegram"]["botToken"]["id"],
        "GAMMA_TELEGRAM_BOT_TOKEN"
    );
    assert!(!file_in(
        &engine,
        &dir,
        "alpha",
        "/home/node/.openclaw/openclaw.json"
    ));
    // OpenClaw's own edit of the seeded config, which must survive.
    engine.compose(
        &dir,
        &[
            "exec",
            "-T",
            "gamma",
            "node",
            "openclaw.mjs",
            "config",
            "set",
            "logging.level",
            "debug",
        ],
    );

    // State survives restart and down + up; each gateway has its own.
    let marker = "/home/node/.openclaw/ocgen-test-marker";
    engine.compose(&dir, &["exec", "-T", "alpha", "touch", marker]);
    say("docker compose restart");
    engine.compose(&dir, &["restart", "--timeout", "30"]);
    assert!(file_in(&engine, &dir, "alpha", marker));
    for other in ["beta", "gamma"] {
        assert!(
            !file_in(&engine, &dir, other, marker),
            "{other} has alpha's marker"
        );
    }
    say("docker compose down; up -d --wait");
    engine.compose(&dir, &["down", "--timeout", "30"]);
    engine.compose(
        &dir,
        &["up", "-d", "--wait", "--wait-timeout", WAIT_TIMEOUT],
    );
    assert!(file_in(&engine, &dir, "alpha", marker));
    for other in ["beta", "gamma"] {
        assert!(
            !file_in(&engine, &dir, other, marker),
            "{other} has alpha's marker"
        );
    }
    let after = engine.compose(
        &dir,
        &[
            "exec",
            "-T",
            "gamma",
            "cat",
            "/home/node/.openclaw/openclaw.json",
        ],
    );
    let after: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(
        after["logging"]["level"], "debug",
        "the seeded config was replaced: {after}"
    );

    // One gateway changed in ocgen.yaml: only its container is recreated.
    let before = container_ids(&engine, &dir);
    let plan2 = generate(&dir, &input(alpha_port, "2"));
    assert_eq!(plan2.gateway("alpha").unwrap().port, alpha_port);
    say("one gateway changed: docker compose up -d --wait");
    engine.compose(
        &dir,
        &["up", "-d", "--wait", "--wait-timeout", WAIT_TIMEOUT],
    );
    let after = container_ids(&engine, &dir);
    assert_ne!(before["alpha"], after["alpha"], "alpha was not recreated");
    assert_eq!(before["beta"], after["beta"], "beta was recreated");
    assert_eq!(before["gamma"], after["gamma"], "gamma was recreated");
    let env = engine.compose(
        &dir,
        &["exec", "-T", "alpha", "printenv", "OCGEN_TEST_REVISION"],
    );
    assert_eq!(env.trim(), "2");
    assert!(file_in(&engine, &dir, "alpha", marker));
    say("only the changed gateway was recreated");
}
