//! `ocgen doctor` on a real Docker engine (`../shared/tools/docker-offline.sh`):
//! two gateways started with `docker compose up -d --wait` from the
//! generated file; doctor reports all equal, then, one at a time, what was
//! changed behind ocgen's back, for the right gateway, and exits 1: a
//! `docker update --memory`, a container started by hand with the OpenClaw
//! image inside a gateway's ports, a stopped container, a changed
//! `ocgen.yaml` that was not deployed, a container recreated with another
//! image, a container whose service the file no longer has (an orphan of
//! the project). A guard takes the project down and stops the engine, whether the
//! test passes or fails. No timing is asserted.

mod common;

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::path::Path;

use common::engine::{Engine, Guard};
use common::ocgen;
use serde_json::Value;

const PROJECT: &str = "ocgen-doctor-test";
const STRAY: &str = "ocgen-doctor-stray";

fn say(msg: &str) {
    eprintln!("doctor_engine: {msg}");
}

/// Two base ports 120 apart whose whole footprints are free now.
fn free_ports() -> (u16, u16) {
    let free = |p: u16| {
        (p..=p + 110).all(|q| TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, q)).is_ok())
    };
    (0..100)
        .map(|i| 33000 + i * 240)
        .find(|p| free(*p) && free(p + 120))
        .map(|p| (p, p + 120))
        .expect("two free footprints above 33000")
}

fn input(a: u16, b: u16, extra: &str) -> String {
    format!(
        "version: 1\nname: {PROJECT}\ngateways:\n  alpha:\n    port: {a}\n  beta:\n    port: {b}\n{extra}"
    )
}

/// `ocgen doctor --target compose --format json` against the engine: exit
/// code and report.
fn doctor(engine: &Engine, dir: &Path, yaml: &str) -> (i32, Value) {
    let out = ocgen()
        .current_dir(dir)
        .envs(engine.vars().iter().map(|(k, v)| (k, v)))
        .args([
            "-f",
            yaml,
            "doctor",
            "--target",
            "compose",
            "--project",
            PROJECT,
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "doctor printed no JSON ({e}): {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

/// The findings of one gateway, as `what` lines.
fn findings(v: &Value, gw: &str) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["gateway"] == gw)
        .map(|f| f["what"].as_str().unwrap().to_string())
        .collect()
}

fn container_of(engine: &Engine, dir: &Path, service: &str) -> String {
    engine
        .compose(dir, &["ps", "-a", "-q", service])
        .trim()
        .to_string()
}

#[test]
fn doctor_reports_what_changed_behind_ocgens_back_on_a_real_engine() {
    let Some(engine) = Engine::start(PROJECT) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().to_path_buf();
    let _guard = Guard {
        engine: &engine,
        dir: dir.clone(),
    };
    let _ = engine.docker(&dir, &["rm", "-f", STRAY]);
    let _ = engine.docker(
        &dir,
        &["compose", "-p", PROJECT, "down", "-v", "--timeout", "10"],
    );
    let (port_a, port_b) = free_ports();
    let yaml = input(port_a, port_b, "");
    std::fs::write(dir.join("ocgen.yaml"), &yaml).unwrap();
    let out = ocgen()
        .current_dir(&dir)
        .args(["-f", "ocgen.yaml", "compose"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(dir.join("compose.yaml"), &out.stdout).unwrap();
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    for gw in ["alpha", "beta"] {
        let mut body = String::new();
        let _ = writeln!(body, "OPENCLAW_GATEWAY_TOKEN=doctor-test-{gw}-token");
        let path = dir.join(format!("secrets/{gw}.env"));
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
    }
    say("docker compose up -d --wait (2 gateways)");
    engine.compose(&dir, &["up", "-d", "--wait", "--wait-timeout", "420"]);

    // A fresh `up`: all equal.
    let (code, v) = doctor(&engine, &dir, "ocgen.yaml");
    assert_eq!(code, 0, "a fresh up differs: {v:#}");
    assert_eq!(v["checked"].as_array().unwrap().len(), 2, "{v:#}");

    // 1. A memory limit changed by hand (above what the gateway uses: the
    //    kernel refuses a limit below the current usage).
    let alpha = container_of(&engine, &dir, "alpha");
    engine.ok(
        &dir,
        &["update", "--memory", "1500m", "--memory-swap", "-1", &alpha],
    );
    let (code, v) = doctor(&engine, &dir, "ocgen.yaml");
    assert_eq!(code, 1, "{v:#}");
    let alpha_found = findings(&v, "alpha");
    assert!(
        alpha_found
            .iter()
            .any(|w| w.contains("memory limit is 1572864000 bytes")),
        "{v:#}"
    );
    assert!(findings(&v, "beta").is_empty(), "{v:#}");
    engine.ok(
        &dir,
        &["update", "--memory", "2g", "--memory-swap", "-1", &alpha],
    );
    let (code, v) = doctor(&engine, &dir, "ocgen.yaml");
    assert_eq!(code, 0, "restored: {v:#}");

    // 2. A container started by hand with the OpenClaw image, publishing a
    //    port inside beta's footprint.
    let image = ocgen::plan::plan_for(
        &ocgen::model::load(&yaml).unwrap(),
        Some(ocgen::plan::Target::Compose),
    )
    .unwrap()
    .gateways[0]
        .image
        .clone();
    let publish = format!("127.0.0.1:{}:18789", port_b + 5);
    engine.ok(
        &dir,
        &[
            "run",
            "-d",
            "--name",
            STRAY,
            "-p",
            &publish,
            "--entrypoint",
            "sleep",
            &image,
            "3600",
        ],
    );
    let (code, v) = doctor(&engine, &dir, "ocgen.yaml");
    assert_eq!(code, 1, "{v:#}");
    let n = v["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "container")
        .unwrap_or_else(|| panic!("no container neighbour: {v:#}"));
    assert!(n["name"].as_str().unwrap().starts_with(STRAY), "{n}");
    assert_eq!(n["in_footprint_of"], "beta", "{n}");
    assert_eq!(n["ports"][0], format!("127.0.0.1:{}", port_b + 5), "{n}");
    engine.ok(&dir, &["rm", "-f", STRAY]);

    // 3. A stopped container.
    engine.ok(&dir, &["stop", "--time", "30", &alpha]);
    let (code, v) = doctor(&engine, &dir, "ocgen.yaml");
    assert_eq!(code, 1, "{v:#}");
    assert!(
        findings(&v, "alpha")
            .iter()
            .any(|w| w.contains("is exited, not running")),
        "{v:#}"
    );
    assert!(findings(&v, "beta").is_empty(), "{v:#}");

    // 4. ocgen.yaml changed (beta's settings) and not deployed: beta runs
    //    another config.
    std::fs::write(
        dir.join("changed.yaml"),
        input(
            port_a,
            port_b,
            "    openclaw: {agents: {defaults: {timeoutSeconds: 900}}}\n",
        ),
    )
    .unwrap();
    let (code, v) = doctor(&engine, &dir, "changed.yaml");
    assert_eq!(code, 1, "{v:#}");
    assert!(
        findings(&v, "beta")
            .iter()
            .any(|w| w.contains("config hash label is")),
        "{v:#}"
    );

    // 5. beta recreated by hand with another image.
    engine.ok(&dir, &["tag", &image, "ocgen-doctor/other:1"]);
    let other = std::fs::read_to_string(dir.join("compose.yaml"))
        .unwrap()
        .replace(
            &format!("image: \"{image}\""),
            "image: \"ocgen-doctor/other:1\"",
        );
    assert!(
        other.contains("ocgen-doctor/other:1"),
        "no image line replaced"
    );
    std::fs::write(dir.join("other.yaml"), other).unwrap();
    engine.ok(
        &dir,
        &[
            "compose",
            "-p",
            PROJECT,
            "-f",
            "other.yaml",
            "up",
            "-d",
            "--no-deps",
            "beta",
        ],
    );
    let (code, v) = doctor(&engine, &dir, "ocgen.yaml");
    assert_eq!(code, 1, "{v:#}");
    assert!(
        findings(&v, "beta")
            .iter()
            .any(|w| w.contains("runs image `ocgen-doctor/other:1`")),
        "{v:#}"
    );
    // Text output names the gateway and the fix.
    let out = ocgen()
        .current_dir(&dir)
        .envs(engine.vars().iter().map(|(k, v)| (k, v)))
        .args([
            "-f",
            "ocgen.yaml",
            "doctor",
            "--target",
            "compose",
            "--project",
            PROJECT,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    say(&format!("doctor says:\n{text}"));
    assert!(
        text.contains("fix: docker compose -p ocgen-doctor-test up -d beta"),
        "{text}"
    );

    // 6. beta removed from ocgen.yaml (and the compose file) while its
    //    container still runs in the project: an orphan, named with the fix.
    std::fs::write(
        dir.join("removed.yaml"),
        format!("version: 1\nname: {PROJECT}\ngateways:\n  alpha:\n    port: {port_a}\n"),
    )
    .unwrap();
    let beta = container_of(&engine, &dir, "beta");
    assert!(!beta.is_empty(), "beta has no container");
    let (code, v) = doctor(&engine, &dir, "removed.yaml");
    assert_eq!(code, 1, "{v:#}");
    let orphan = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["gateway"].is_null()
                && f["what"].as_str().unwrap().contains(&format!(
                    "(service `beta`) belongs to project `{PROJECT}` but the compose file has no such service"
                ))
        })
        .unwrap_or_else(|| panic!("no orphan finding: {v:#}"));
    assert_eq!(
        orphan["fix"],
        format!("docker compose -p {PROJECT} up -d --remove-orphans"),
        "{orphan}"
    );
    assert!(findings(&v, "beta").is_empty(), "{v:#}");
}
