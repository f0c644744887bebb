//! `install`, `status` and `check --host`, driven as a user would, against
//! a temporary root and tiny HTTP servers on 127.0.0.1 that the tests start.

mod common;
use common::*;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

fn yaml(base: u16) -> String {
    format!(
        "version: 1\nname: pair\ndefaults:\n  home: /srv/oc\ngateways:\n  main: {{profile: default, port: {base}}}\n  rescue:\n    port: {}\n    auth: {{mode: password, file: /run/secrets/rescue-pw}}\n",
        base + 120
    )
}

/// Every path under `dir`, sorted, relative.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(base).unwrap().display().to_string());
            if p.is_dir() {
                walk(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn install_creates_private_dirs_and_files_with_rooted_paths() {
    let d = setup(&yaml(18789));
    let o = run_in(d.path(), &["install", "--root", "root"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let root = d.path().join("root");
    let roots = fs::canonicalize(&root).unwrap().display().to_string();
    let s = stdout(&o);
    assert!(
        s.contains(&format!(
            "created  {roots}/srv/oc/.openclaw/openclaw.json\ncreated  {roots}/srv/oc/.openclaw/main.env\n"
        )),
        "{s}"
    );
    assert!(
        s.contains("pair: 2 gateways installed: 4 files created, 0 updated, 0 unchanged; 7 directories created\n"),
        "{s}"
    );
    assert!(
        s.contains(&format!(
            "note: gateway `rescue` reads its password from {roots}/run/secrets/rescue-pw, which does not exist yet"
        )),
        "{s}"
    );
    assert_eq!(
        tree(&root),
        [
            "srv",
            "srv/oc",
            "srv/oc/.openclaw",
            "srv/oc/.openclaw-rescue",
            "srv/oc/.openclaw-rescue/.env",
            "srv/oc/.openclaw-rescue/openclaw.json",
            "srv/oc/.openclaw-rescue/rescue.env",
            "srv/oc/.openclaw-rescue/workspace",
            "srv/oc/.openclaw/.env",
            "srv/oc/.openclaw/main.env",
            "srv/oc/.openclaw/openclaw.json",
            "srv/oc/.openclaw/workspace",
        ]
    );
    for dir in [
        "",
        "srv",
        "srv/oc",
        "srv/oc/.openclaw",
        "srv/oc/.openclaw/workspace",
    ] {
        assert_eq!(mode(&root.join(dir)), 0o700, "{dir}");
    }
    for f in [
        "srv/oc/.openclaw/main.env",
        "srv/oc/.openclaw/openclaw.json",
    ] {
        assert_eq!(mode(&root.join(f)), 0o600, "{f}");
    }
    // The files say where the gateway really runs: under the root.
    let env = fs::read_to_string(root.join("srv/oc/.openclaw-rescue/rescue.env")).unwrap();
    assert!(
        env.contains(&format!(
            "OPENCLAW_STATE_DIR=\"{roots}/srv/oc/.openclaw-rescue\"\n"
        )),
        "{env}"
    );
    assert!(env.contains("run `ocgen install` again"), "{env}");
    let cfg: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root.join("srv/oc/.openclaw-rescue/openclaw.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        cfg["secrets"]["providers"]["gateway-auth"]["path"],
        format!("{roots}/run/secrets/rescue-pw")
    );
    assert_eq!(
        cfg["logging"]["file"],
        format!("{roots}/srv/oc/.openclaw-rescue/logs/openclaw.log")
    );
    // The same bytes as `ocgen config` of the rooted plan would print: the
    // unrooted config differs only in the prefix.
    let plain = run_in(d.path(), &["config", "rescue"]);
    assert_eq!(
        stdout(&plain).replace("\"/", &format!("\"{roots}/")),
        fs::read_to_string(root.join("srv/oc/.openclaw-rescue/openclaw.json")).unwrap()
    );
}

#[test]
fn install_is_idempotent_and_touches_nothing_the_second_time() {
    let d = setup(&yaml(18789));
    assert!(
        run_in(d.path(), &["install", "--root", "r"])
            .status
            .success()
    );
    let cfg = d.path().join("r/srv/oc/.openclaw/openclaw.json");
    let before = fs::metadata(&cfg).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let o = run_in(d.path(), &["install", "--root", "r"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(
        s.contains("pair: 2 gateways installed: 0 files created, 0 updated, 4 unchanged; 0 directories created\n"),
        "{s}"
    );
    assert!(!s.contains("created  "), "{s}");
    let after = fs::metadata(&cfg).unwrap();
    assert_eq!(
        (before.ino(), before.mtime_nsec()),
        (after.ino(), after.mtime_nsec())
    );
}

#[test]
fn install_refuses_to_replace_a_differing_file_without_force() {
    let d = setup(&yaml(18789));
    assert!(
        run_in(d.path(), &["install", "--root", "r"])
            .status
            .success()
    );
    let env = d.path().join("r/srv/oc/.openclaw/main.env");
    let original = fs::read_to_string(&env).unwrap();
    fs::write(&env, original.replace("OPENCLAW_PROFILE", "MY_EDIT")).unwrap();
    // A changed plan too: the other gateway's config would change.
    fs::write(
        d.path().join("ocgen.yaml"),
        yaml(18789).replace("18909", "19029"),
    )
    .unwrap();
    let rescue_cfg = d.path().join("r/srv/oc/.openclaw-rescue/openclaw.json");
    let rescue_before = fs::read_to_string(&rescue_cfg).unwrap();
    let o = run_in(d.path(), &["install", "--root", "r"]);
    assert_eq!(o.status.code(), Some(73), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("-MY_EDIT=\"default\"\n+OPENCLAW_PROFILE=\"default\"\n"),
        "{e}"
    );
    assert!(
        e.contains("-    \"port\": 18909,\n+    \"port\": 19029,\n"),
        "{e}"
    );
    assert!(
        e.contains("refusing to overwrite 3 files that differ from what ocgen would write"),
        "{e}"
    );
    assert!(e.contains("--force"), "{e}");
    assert!(stdout(&o).is_empty());
    // Nothing was replaced, not even the files that were ocgen's.
    assert!(fs::read_to_string(&env).unwrap().contains("MY_EDIT"));
    assert_eq!(fs::read_to_string(&rescue_cfg).unwrap(), rescue_before);

    let o = run_in(d.path(), &["install", "--root", "r", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("0 files created, 3 updated, 1 unchanged"),
        "{}",
        stdout(&o)
    );
    assert_eq!(fs::read_to_string(&env).unwrap(), original);
    assert_eq!(mode(&env), 0o600);
}

#[test]
fn install_with_invalid_input_touches_nothing() {
    // 20 ports apart: the footprints overlap.
    let d = setup(&yaml(18789).replace("port: 18909", "port: 18809"));
    let o = run_in(d.path(), &["install", "--root", "r"]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(!d.path().join("r").exists());
}

#[test]
fn install_io_failure_names_the_path_and_replaces_nothing() {
    let d = setup(&yaml(18789));
    assert!(
        run_in(d.path(), &["install", "--root", "r"])
            .status
            .success()
    );
    // A change to main's config, and a file where rescue's workspace
    // directory must go: the failure comes after comparing, before writing.
    fs::write(
        d.path().join("ocgen.yaml"),
        yaml(18789).replace("18789", "18669"),
    )
    .unwrap();
    let ws = d.path().join("r/srv/oc/.openclaw-rescue/workspace");
    fs::remove_dir(&ws).unwrap();
    fs::write(&ws, "not a directory\n").unwrap();
    let cfg = d.path().join("r/srv/oc/.openclaw/openclaw.json");
    let before = fs::read_to_string(&cfg).unwrap();
    let o = run_in(d.path(), &["install", "--root", "r", "--force"]);
    assert_eq!(o.status.code(), Some(74), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(".openclaw-rescue/workspace: "),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(&cfg).unwrap(), before);
    let leftovers: Vec<String> = tree(&d.path().join("r"))
        .into_iter()
        .filter(|p| p.contains("ocgen-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A base port whose whole footprint (and the next gateway's) is free on
/// this host, searched from `from` so that tests running at once keep apart.
fn free_base(from: u16) -> u16 {
    let listening: Vec<u16> = ocgen::host::listening_sockets()
        .unwrap_or_default()
        .iter()
        .map(|l| l.port)
        .collect();
    (from..32000)
        .step_by(240)
        .find(|b| !listening.iter().any(|p| (*b..b + 240).contains(p)))
        .expect("a free port window below 32000")
}

/// Answers `/healthz` and `/readyz` like a healthy gateway, `answers` times.
fn fake_gateway(l: TcpListener, answers: usize) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for _ in 0..answers {
            let Ok((mut s, _)) = l.accept() else { return };
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut req = Vec::new();
            let mut b = [0u8; 512];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&b[..n]),
                }
            }
            let body = if req.starts_with(b"GET /healthz ") {
                r#"{"ok":true,"status":"live"}"#
            } else {
                r#"{"ready":true,"failing":[]}"#
            };
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    })
}

#[test]
fn status_with_nothing_running_exits_1_with_every_gateway_down() {
    let base = free_base(22000);
    let d = setup(&yaml(base));
    let started = std::time::Instant::now();
    let o = run_in(d.path(), &["status", "--format", "json"]);
    // A watchdog against a probe that hangs, not a speed limit.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(120), "{took:?}");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["healthy"], false);
    let gws = v["gateways"].as_array().unwrap();
    assert_eq!(gws.len(), 2);
    for (g, (name, port)) in gws.iter().zip([("main", base), ("rescue", base + 120)]) {
        assert_eq!(g["name"], name);
        assert_eq!(g["port"], port);
        assert_eq!(g["url"], format!("http://127.0.0.1:{port}/healthz"));
        assert_eq!(g["state"], "down");
        assert_eq!(g["listening"], false);
        assert_eq!(g["healthz"], serde_json::Value::Null);
        assert_eq!(g["ports_in_use"], serde_json::json!([]));
    }
    let o = run_in(d.path(), &["status"]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(s.starts_with("GATEWAY "), "{s}");
    assert!(
        s.contains(&format!("nothing listens on 127.0.0.1:{base}")),
        "{s}"
    );
    assert!(s.ends_with("pair: 0 of 2 gateways healthy\n"), "{s}");
}

#[test]
fn status_names_a_healthy_gateway_and_what_holds_a_down_ones_ports() {
    let base = free_base(24000);
    let d = setup(&yaml(base));
    // main answers like a gateway; something else holds rescue's P+2.
    let listener = TcpListener::bind(("127.0.0.1", base)).unwrap();
    let squatter = TcpListener::bind(("127.0.0.1", base + 122)).unwrap();
    let server = fake_gateway(listener.try_clone().unwrap(), 2);
    let o = run_in(d.path(), &["status", "--format", "json"]);
    server.join().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let (main, rescue) = (&v["gateways"][0], &v["gateways"][1]);
    assert_eq!(main["state"], "healthy");
    assert_eq!(
        (&main["healthz"], &main["readyz"]),
        (&true.into(), &true.into())
    );
    assert_eq!(main["listener"]["pid"], std::process::id());
    assert_eq!(main["ports_in_use"], serde_json::Value::Null);
    assert_eq!(rescue["state"], "down");
    let used = rescue["ports_in_use"].as_array().unwrap();
    assert_eq!(used.len(), 1, "{used:?}");
    assert_eq!(used[0]["port"], base + 122);
    assert_eq!(used[0]["purpose"], "browser-control");
    assert_eq!(used[0]["owner"]["pid"], std::process::id());
    drop((squatter, listener));

    // All healthy: exit 0.
    let one = setup(&format!(
        "version: 1\ndefaults: {{home: /srv/oc}}\ngateways:\n  only: {{port: {base}}}\n"
    ));
    let server = fake_gateway(TcpListener::bind(("127.0.0.1", base)).unwrap(), 2);
    let o = run_in(one.path(), &["status"]);
    server.join().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let s = stdout(&o);
    assert!(s.contains("healthy    ok       ready"), "{s}");
    assert!(s.ends_with("openclaw: 1 of 1 gateway healthy\n"), "{s}");
}

#[test]
fn status_of_something_that_is_not_a_gateway_is_unhealthy() {
    let base = free_base(26000);
    let d = setup(&format!(
        "version: 1\ndefaults: {{home: /srv/oc}}\ngateways:\n  only: {{port: {base}}}\n"
    ));
    let held = TcpListener::bind(("127.0.0.1", base)).unwrap();
    let clone = held.try_clone().unwrap();
    let server = std::thread::spawn(move || {
        for _ in 0..2 {
            let (mut s, _) = clone.accept().unwrap();
            let mut b = [0u8; 512];
            let _ = s.read(&mut b);
            let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
        }
    });
    let o = run_in(d.path(), &["status", "--format", "json"]);
    server.join().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let g = &v["gateways"][0];
    assert_eq!(
        (&g["state"], &g["listening"], &g["healthz"]),
        (&"unhealthy".into(), &true.into(), &false.into())
    );
    assert!(
        g["detail"].as_str().unwrap().contains("answered 404"),
        "{g}"
    );
    // Its own base port is listed as taken, by this test.
    assert_eq!(g["ports_in_use"][0]["port"], base);
    assert_eq!(g["ports_in_use"][0]["owner"]["pid"], std::process::id());
    drop(held);
}

#[test]
fn check_host_reports_reserved_ports_in_use() {
    let base = free_base(28000);
    let d = setup(&yaml(base));
    let o = run_in(d.path(), &["check", "--host"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with("host: none of the 222 reserved ports is in use\n"),
        "{}",
        stdout(&o)
    );
    let squatter = TcpListener::bind(("127.0.0.1", base + 120 + 50)).unwrap();
    let o = run_in(d.path(), &["check", "--host"]);
    drop(squatter);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let s = stdout(&o);
    assert!(s.contains("host: 1 reserved port already in use:\n"), "{s}");
    assert!(
        s.contains(&format!(
            "  rescue  {} (cdp) on 127.0.0.1 by pid {} (",
            base + 170,
            std::process::id()
        )),
        "{s}"
    );
    // Without --host, check never looks at the host.
    let squatter = TcpListener::bind(("127.0.0.1", base)).unwrap();
    assert!(run_in(d.path(), &["check"]).status.success());
    drop(squatter);
}

#[test]
fn install_for_launchd_says_where_the_plists_go_and_how_to_load_them() {
    let d = setup(
        "version: 1\nname: mac\ntargets: [launchd]\ndefaults:\n  home: /Users/alice\ngateways:\n  main: {profile: default}\n  work: {}\n",
    );
    let o = run_in(d.path(), &["install", "--root", "r"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let roots = fs::canonicalize(d.path().join("r"))
        .unwrap()
        .display()
        .to_string();
    let s = stdout(&o);
    let agents = format!("{roots}/Users/alice/Library/LaunchAgents");
    for (name, label, state) in [
        (
            "main",
            "ai.openclaw.gateway",
            format!("{roots}/Users/alice/.openclaw"),
        ),
        (
            "work",
            "ai.openclaw.work",
            format!("{roots}/Users/alice/.openclaw-work"),
        ),
    ] {
        let want = format!(
            "  {name} ({label}):\n    mkdir -p {roots}/Users/alice/Library/Logs/openclaw && mkdir -p -m 0700 {state}/tmp\n    install -m 0644 launchd/{label}.plist {agents}/{label}.plist\n    launchctl bootstrap gui/$(id -u) {agents}/{label}.plist\n    stop: launchctl bootout gui/$(id -u)/{label}\n"
        );
        assert!(s.contains(&want), "{s}");
    }
    assert!(
        s.contains(&format!(
            "    secrets: {roots}/Users/alice/.openclaw-work/.env; logs: {roots}/Users/alice/Library/Logs/openclaw/gateway-work.log\n"
        )),
        "{s}"
    );
    // A file without the launchd target says nothing of it.
    let o = run_in(setup(&yaml(18789)).path(), &["install", "--root", "r"]);
    assert!(!stdout(&o).contains("launchctl"), "{}", stdout(&o));
}

#[test]
fn check_host_warns_when_the_memory_limits_exceed_the_hosts_memory() {
    // 64 TiB of limits: more than any test machine has.
    let d = setup(
        "version: 1\ndefaults:\n  home: /srv/oc\n  resources: {memory: 32768g}\ngateways:\n  a: {}\n  b: {}\n",
    );
    let o = ocgen()
        .current_dir(d.path())
        .args(["check", "--host"])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(
        out.contains("warning: host: the memory limits of the 2 gateways add up to 65536.0 GiB"),
        "{out}"
    );
}

#[test]
fn install_makes_each_archive_directory_and_leaves_one_it_did_not_make() {
    use std::os::unix::fs::PermissionsExt;
    let yaml = "version: 1\nname: bk\ndefaults:\n  home: /srv/oc\ngateways:\n  main: {port: 18789, backup: {keep: 3}}\n  rescue: {port: 18909, backup: {dir: /var/backups/oc}}\n  plain: {port: 19029}\n";
    let d = setup(yaml);
    let o = run_in(d.path(), &["install", "--root", "r"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let root = d.path().join("r");
    for dir in [
        "srv/oc/openclaw-backups",
        "srv/oc/openclaw-backups/main",
        "var/backups/oc/rescue",
    ] {
        assert_eq!(mode(&root.join(dir)), 0o700, "{dir}");
        // The owner of the gateway's state (here: whoever installed).
        let state = fs::metadata(root.join("srv/oc/.openclaw-main")).unwrap();
        let m = fs::metadata(root.join(dir)).unwrap();
        assert_eq!((m.uid(), m.gid()), (state.uid(), state.gid()), "{dir}");
    }
    assert!(!root.join("srv/oc/openclaw-backups/plain").exists());
    // Again: nothing to do, nothing to say.
    let o = run_in(d.path(), &["install", "--root", "r"]);
    let s = stdout(&o);
    assert!(s.contains("; 0 directories created\n"), "{s}");
    assert!(!s.contains("warning"), "{s}");
    // A directory the operator made differently is theirs: reported, kept.
    let mine = root.join("var/backups/oc/rescue");
    fs::set_permissions(&mine, fs::Permissions::from_mode(0o750)).unwrap();
    let o = run_in(d.path(), &["install", "--root", "r"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let roots = fs::canonicalize(&root).unwrap().display().to_string();
    assert!(
        stdout(&o).contains(&format!(
            "warning: archive directory {roots}/var/backups/oc/rescue exists and was left as it is: mode 0750, not 0700 (`chmod 700 {roots}/var/backups/oc/rescue`)\n"
        )),
        "{}",
        stdout(&o)
    );
    assert_eq!(mode(&mine), 0o750);
}

/// Units are named by OpenClaw profile: `main` (profile `default`) runs as
/// `openclaw-gateway.service`. A unit installed under the name ocgen gave
/// it before (`openclaw-gateway-main.service`) is set aside by `install`,
/// with its drop-ins, never deleted; `rescue`'s unit, whose name did not
/// change, and a foreign unit stay.
#[test]
fn install_sets_aside_a_unit_of_the_former_name_and_says_so() {
    let d = setup(&yaml(18789));
    let home = d.path().join("h");
    let root = d.path().join("r");
    let units = root.join("etc/systemd/system");
    fs::create_dir_all(units.join("openclaw-gateway-main.service.d")).unwrap();
    for f in [
        "openclaw-gateway-main.service",
        "openclaw-gateway-rescue.service",
        "openclaw-gateway-x.service",
        "openclaw-gateway-main.service.d/ocgen-openclaw.conf",
    ] {
        fs::write(units.join(f), "[Service]\n").unwrap();
    }
    let o = ocgen()
        .current_dir(d.path())
        .env("HOME", &home)
        .args(["install", "--root", "r"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stdout(&o);
    let unit = fs::canonicalize(&units)
        .unwrap()
        .join("openclaw-gateway-main.service");
    assert!(
        s.contains(&format!(
            "gateway `main`: its unit is openclaw-gateway.service now, named by its OpenClaw profile; {} was installed under the former name:\n  not stopped (installed under --root: not this machine's systemd): run `systemctl disable --now openclaw-gateway-main.service` where it runs\n",
            unit.display()
        )),
        "{s}"
    );
    assert!(s.contains("(not deleted)"), "{s}");
    assert!(
        s.contains("install systemd/openclaw-gateway.service from `ocgen generate` in its place"),
        "{s}"
    );
    let mut left: Vec<String> = fs::read_dir(&units)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left.len(), 4, "{left:?}");
    assert!(
        left[0].starts_with("openclaw-gateway-main.service.d.ocgen-replaced-"),
        "{left:?}"
    );
    assert!(
        left[1].starts_with("openclaw-gateway-main.service.ocgen-replaced-"),
        "{left:?}"
    );
    assert_eq!(
        left[2..],
        [
            "openclaw-gateway-rescue.service",
            "openclaw-gateway-x.service"
        ]
    );
    let kept = units.join(&left[0]).join("ocgen-openclaw.conf");
    assert_eq!(fs::read_to_string(kept).unwrap(), "[Service]\n");
    // Again: nothing of a former name is left, nothing more is said.
    let o = ocgen()
        .current_dir(d.path())
        .env("HOME", &home)
        .args(["install", "--root", "r"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains("former name"), "{}", stdout(&o));
}
