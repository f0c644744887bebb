//! `ocgen status --wait` on a real OpenClaw 2026.9.6 gateway on this host:
//! one gateway installed by `ocgen install` and started as the docs say,
//! the other kept unhealthy (something holds its port, accepts and never
//! answers). Waiting for the good one alone succeeds; waiting for both
//! prints the good one as healthy and names the other at the deadline.
//!
//! No timing is asserted: the good gateway gets a generous deadline (a
//! watchdog), and the deadline that must pass is the short one given to
//! the second wait, after the good gateway is already healthy.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use common::procs::Guard;
use common::{ocgen, tool};

/// How one gateway is started, from the README's "Run on a bare host".
const GATEWAY_SH: &str = r#"echo $$ >"${1%.env}.pid"; set -a; . "$1"; set +a; exec openclaw gateway run >>"${1%.env}.out" 2>&1"#;

/// Two free base ports on 127.0.0.1 with their footprint's first ports free.
fn free_ports() -> (u16, u16) {
    let mut free = (0..300).map(|i| 27011 + i * 127).filter(|p| {
        (0..3).all(|o| TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, p + o)).is_ok())
    });
    (free.next().unwrap(), free.next().unwrap())
}

fn run(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let o = ocgen().current_dir(dir).args(args).output().unwrap();
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn status_wait_sees_the_healthy_gateway_and_names_the_stuck_one() {
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (good, stuck) = free_ports();
    let home = dir.join("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(
        dir.join("ocgen.yaml"),
        format!(
            "version: 1\ntargets: [host]\ndefaults:\n  home: {}\ngateways:\n  good:\n    port: {good}\n  stuck:\n    port: {stuck}\n",
            home.display()
        ),
    )
    .unwrap();
    let (code, out) = run(dir, &["install"]);
    assert_eq!(code, Some(0), "{out}");

    // Something holds the stuck gateway's port: it accepts and says nothing.
    let holder = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, stuck)).unwrap();

    let mut procs = Guard::default();
    let env_file = home.join(".openclaw-good/good.env");
    let child = Command::new("sh")
        .arg("-c")
        .arg(GATEWAY_SH)
        .arg("sh")
        .arg(&env_file)
        .env_clear()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", openclaw.parent().unwrap().display()),
        )
        .env("HOME", &home)
        .current_dir(&home)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    procs.adopt(child);

    // The good one alone: a watchdog of ten minutes, exit 0 once healthy.
    let (code, out) = run(dir, &["status", "good", "--wait", "--timeout", "10m"]);
    procs.remember();
    let console = std::fs::read_to_string(home.join(".openclaw-good/good.out")).unwrap_or_default();
    assert_eq!(code, Some(0), "{out}\n--- console:\n{console}");
    assert!(
        out.starts_with("waiting up to 10m for 1 gateway to turn healthy\ngood: healthy after "),
        "{out}"
    );
    assert!(out.contains("\nall 1 healthy\n"), "{out}");

    // Both: the good one is seen at once, the stuck one named at the deadline.
    let (code, out) = run(dir, &["status", "--wait", "--timeout", "3s"]);
    assert_eq!(code, Some(1), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0], "waiting up to 3s for 2 gateways to turn healthy",
        "{out}"
    );
    assert!(lines[1].starts_with("good: healthy after "), "{out}");
    assert!(
        lines[2].starts_with(&format!(
            "not healthy after 3s: stuck (unhealthy: 127.0.0.1:{stuck}: timed out)"
        )),
        "{out}"
    );
    assert!(!out.contains("not healthy after 3s: good"), "{out}");

    // JSON beside it: progress on stderr, the status document on stdout.
    let o = ocgen()
        .current_dir(dir)
        .args(["status", "--wait", "--timeout", "1s", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["healthy"], false);
    assert_eq!(doc["gateways"][0]["state"], "healthy");
    assert_eq!(doc["gateways"][1]["state"], "unhealthy");
    assert!(String::from_utf8_lossy(&o.stderr).contains("stuck (unhealthy"));
    drop(holder);
}
