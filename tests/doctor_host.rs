//! `ocgen doctor` on this host without engines: installed unit files
//! against the generated ones (an edited unit, a foreign
//! `openclaw-gateway-x` unit), and listeners the test itself opens (a
//! foreign process on a gateway's port and inside its footprint). Real
//! gateways are in tests/e2e_gateways.rs and containers in
//! tests/doctor_engine.rs.

mod common;
use common::*;

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::path::Path;

use serde_json::Value;

/// A base port whose footprint and the next one's are free now. The tests
/// of this file run in parallel: each call starts above the last one's
/// pair, so two tests never pick the same ports.
fn free_base() -> u16 {
    static NEXT: std::sync::Mutex<u16> = std::sync::Mutex::new(0);
    let mut next = NEXT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let free = |p: u16| {
        (p..=p + 110).all(|q| TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, q)).is_ok())
    };
    let i = (*next..100)
        .find(|i| free(41000 + i * 240) && free(41000 + i * 240 + 120))
        .expect("two free footprints above 41000");
    *next = i + 1;
    41000 + i * 240
}

fn yaml(dir: &Path, base: u16) -> String {
    format!(
        "version: 1\nname: pair\ntargets: [host, systemd]\ndefaults:\n  home: {}/home\ngateways:\n  main: {{port: {base}}}\n  rescue: {{port: {}}}\n",
        dir.display(),
        base + 120
    )
}

fn doctor(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = ocgen()
        .current_dir(dir)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("HOME", dir.join("home"))
        .args(["-f", "ocgen.yaml", "doctor", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

fn whats(v: &Value, gw: &str) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["gateway"] == gw)
        .map(|f| f["what"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn doctor_names_an_edited_unit_a_foreign_unit_and_stopped_gateways() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let base = free_base();
    std::fs::write(dir.join("ocgen.yaml"), yaml(dir, base)).unwrap();
    let o = ocgen()
        .current_dir(dir)
        .args(["-f", "ocgen.yaml", "generate", "--out", "out"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let units = dir.join("units");
    std::fs::create_dir_all(&units).unwrap();
    for gw in ["main", "rescue"] {
        let f = format!("openclaw-gateway-{gw}.service");
        std::fs::copy(dir.join("out/systemd").join(&f), units.join(&f)).unwrap();
    }
    // An edit by hand, and a gateway ocgen does not manage inside main's ports.
    let rescue = units.join("openclaw-gateway-rescue.service");
    let text = std::fs::read_to_string(&rescue)
        .unwrap()
        .replace("Restart=always", "Restart=no");
    std::fs::write(&rescue, text).unwrap();
    std::fs::write(
        units.join("openclaw-gateway-x.service"),
        format!(
            "[Service]\nExecStart=/usr/bin/openclaw gateway --port {}\n",
            base + 40
        ),
    )
    .unwrap();

    // And a LaunchAgent of OpenClaw's own in the home, inside rescue's ports.
    let agents = dir.join("home/Library/LaunchAgents");
    std::fs::create_dir_all(&agents).unwrap();
    std::fs::write(
        agents.join("ai.openclaw.work.plist"),
        format!(
            "<plist><dict><key>EnvironmentVariables</key><dict>\n<key>OPENCLAW_GATEWAY_PORT</key>\n<string>{}</string></dict></dict></plist>\n",
            base + 130
        ),
    )
    .unwrap();

    let u = units.to_str().unwrap();
    let (code, v) = doctor(dir, &["--target", "systemd", "--unit-dir", u]);
    assert_eq!(code, 1, "{v:#}");
    let rescue = whats(&v, "rescue");
    assert!(
        rescue
            .iter()
            .any(|w| w.contains("differs from the generated one")
                && w.contains("- Restart=no")
                && w.contains("+ Restart=always")),
        "{v:#}"
    );
    assert!(
        !whats(&v, "main").iter().any(|w| w.contains("differs")),
        "{v:#}"
    );
    // Nothing runs: each gateway is reported stopped.
    for gw in ["main", "rescue"] {
        assert!(
            whats(&v, gw)
                .iter()
                .any(|w| w.starts_with("not running: nothing listens on port")),
            "{gw}: {v:#}"
        );
    }
    let n = &v["neighbours"][0];
    assert_eq!(n["kind"], "unit", "{v:#}");
    assert!(
        n["name"]
            .as_str()
            .unwrap()
            .ends_with("openclaw-gateway-x.service")
    );
    assert_eq!(n["ports"][0], format!("{}..{}", base + 40, base + 150));
    assert_eq!(n["in_footprint_of"], "main");
    let la = &v["neighbours"][1];
    assert_eq!(la["kind"], "launch-agent", "{v:#}");
    assert_eq!(la["ports"][0], format!("{}..{}", base + 130, base + 240));
    assert_eq!(la["in_footprint_of"], "rescue");
    // Docker is not reachable here: said, not guessed.
    assert!(
        v["unseen"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u.as_str().unwrap().starts_with("containers:")),
        "{v:#}"
    );

    // The text names the gateway, the differing lines and the fix.
    let out = ocgen()
        .current_dir(dir)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .args([
            "-f",
            "ocgen.yaml",
            "doctor",
            "--target",
            "systemd",
            "--unit-dir",
            u,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  rescue  systemd  "), "{text}");
    assert!(text.contains("- Restart=no"), "{text}");
    assert!(
        text.contains("fix: install systemd/openclaw-gateway-rescue.service"),
        "{text}"
    );
    assert!(text.contains("neighbours (OpenClaw gateways"), "{text}");
}

#[test]
fn doctor_names_a_foreign_process_on_a_gateways_port_and_in_its_footprint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let base = free_base();
    std::fs::write(dir.join("ocgen.yaml"), yaml(dir, base)).unwrap();
    // Something that is not OpenClaw on main's P, another inside rescue's
    // footprint: this test process holds both.
    let _p = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, base)).unwrap();
    let _q = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, base + 120 + 50)).unwrap();
    let (code, v) = doctor(dir, &["--target", "host"]);
    assert_eq!(code, 1, "{v:#}");
    let me = std::process::id();
    assert!(
        whats(&v, "main").iter().any(|w| w
            .starts_with(&format!("port {base} is held by pid {me} "))
            && w.ends_with("not an OpenClaw gateway")),
        "{v:#}"
    );
    let ns = v["neighbours"].as_array().unwrap();
    let n = ns
        .iter()
        .find(|n| n["kind"] == "process")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert!(
        n["name"]
            .as_str()
            .unwrap()
            .starts_with(&format!("pid {me} ")),
        "{n}"
    );
    let ports: Vec<&str> = n["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        ports.contains(&format!("127.0.0.1:{}", base + 170).as_str()),
        "{n}"
    );
}
