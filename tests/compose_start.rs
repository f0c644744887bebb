//! The start policy on a real Docker engine: `ocgen compose` orders the
//! gateways' starts (`depends_on: condition: service_healthy`), and a
//! gateway that never becomes healthy does not keep the one after it from
//! starting (`required: false`): Compose starts it once the broken one has
//! failed its health check. `ocgen status --wait` then sees the good one
//! healthy and names the broken one. And the health check ocgen writes
//! watches a starting container until its gateway answers, instead of
//! failing at once and leaving the next check for one interval later.
//!
//! The broken gateway is broken the way a user breaks one: its secrets file
//! lacks the token a gateway on the container network needs, so OpenClaw
//! refuses to start and the container restarts again and again. No timing
//! is asserted; the watchdogs only catch hangs.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use common::engine::{Engine, Guard};
use common::ocgen;

/// Compose project name (also `name:` in the input).
const PROJECT: &str = "ocgen-start-test";
/// The project of the watch test (it runs beside the other).
const PROJECT_WATCH: &str = "ocgen-start-watch";

/// How many one-second waits the good gateway may take to be healthy
/// before the test calls it a hang (no clock is read).
const WATCHDOG: u32 = 600;

fn say(msg: &str) {
    eprintln!("compose_start: {msg}");
}

/// Two free base ports on 127.0.0.1, away from the assigned grid.
fn free_ports() -> (u16, u16) {
    let mut free = (0..400).map(|i| 25013 + i * 131).filter(|p| {
        (0..2).all(|o| TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, p + o)).is_ok())
    });
    (free.next().unwrap(), free.next().unwrap())
}

fn healthy(port: u16) -> bool {
    let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    let Ok(mut s) = TcpStream::connect_timeout(&addr.into(), Duration::from_secs(2)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .is_err()
    {
        return false;
    }
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.starts_with("HTTP/1.1 200") && text.contains("\"ok\":true")
}

fn write_secret(dir: &Path, gw: &str, body: &str) {
    let path = dir.join(format!("secrets/{gw}.env"));
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
}

#[test]
fn a_gateway_that_never_turns_healthy_does_not_block_the_next() {
    let Some(engine) = Engine::start(PROJECT) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().to_path_buf();
    let _guard = Guard {
        engine: &engine,
        dir: dir.clone(),
    };
    let _ = engine.docker(
        &dir,
        &["compose", "-p", PROJECT, "down", "-v", "--timeout", "10"],
    );

    let (broken, good) = free_ports();
    let yaml = format!(
        "version: 1\nname: {PROJECT}\ntargets: [compose]\nstart:\n  batch: 1\ngateways:\n  broken:\n    port: {broken}\n  good:\n    port: {good}\n"
    );
    std::fs::write(dir.join("ocgen.yaml"), &yaml).unwrap();
    let out = ocgen()
        .current_dir(&dir)
        .args(["compose"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let compose = String::from_utf8(out.stdout).unwrap();
    assert!(
        compose.contains("    depends_on:\n      \"broken\":\n        condition: service_healthy\n        required: false\n"),
        "{compose}"
    );
    std::fs::write(dir.join("compose.yaml"), &compose).unwrap();
    std::fs::create_dir(dir.join("secrets")).unwrap();
    // The broken one has no token: OpenClaw refuses the network bind.
    write_secret(&dir, "broken", "");
    write_secret(
        &dir,
        "good",
        "OPENCLAW_GATEWAY_TOKEN=ocgen-start-test-0123456789abcdef\n",
    );

    say("docker compose up -d (broken first, good after it)");
    let up = engine.docker(
        &dir,
        &["compose", "-p", PROJECT, "-f", "compose.yaml", "up", "-d"],
    );
    let err = String::from_utf8_lossy(&up.stderr).into_owned();
    say(&format!("up: {}", up.status));
    assert!(
        up.status.success(),
        "up failed instead of skipping the broken dependency:\n{err}"
    );
    assert!(
        err.contains("optional dependency \"broken\""),
        "Compose did not say it skipped the broken dependency:\n{err}"
    );

    // The good gateway turns healthy; the broken one never does.
    let mut waits = 0;
    while !healthy(good) {
        waits += 1;
        assert!(
            waits <= WATCHDOG,
            "good is not healthy after {WATCHDOG} waits:\n{}",
            engine.compose(&dir, &["logs", "--tail", "30", "good"])
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    say("good healthy");
    assert!(!healthy(broken));
    let state = engine.inspect(&dir, &format!("{PROJECT}-broken-1"));
    assert_ne!(state["State"]["Health"]["Status"], "healthy", "{state}");

    // `ocgen status --wait` sees the good one and names the broken one.
    let wait = ocgen()
        .current_dir(&dir)
        .args(["status", "--wait", "--timeout", "5s"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&wait.stdout);
    assert_eq!(wait.status.code(), Some(1), "{text}");
    assert!(text.contains("good: healthy after "), "{text}");
    assert!(text.contains("not healthy after 5s: broken ("), "{text}");
    let only_good = ocgen()
        .current_dir(&dir)
        .args(["status", "--wait", "good"])
        .output()
        .unwrap();
    assert_eq!(
        only_good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&only_good.stdout)
    );
}

/// The server of the watch test: on 127.0.0.1:PORT (argv[1]) it answers
/// `/healthz` 503 to its first three requests and 200 `{"ok":true}` after,
/// and prints how many requests it saw when it is told to stop.
const SLOW_GATEWAY: &str = r#"
let n = 0;
const s = require("http").createServer((q, r) => {
  n += 1;
  if (q.url !== "/healthz" || n <= 3) { r.writeHead(503); r.end("{\"ok\":false}"); return; }
  r.writeHead(200, {"content-type": "application/json"}); r.end("{\"ok\":true}");
});
s.listen(+process.argv[1], "127.0.0.1");
process.on("SIGTERM", () => { console.log("requests " + n); process.exit(0); });
"#;

/// In a container that has just started (inside its health start period),
/// ocgen's health check does not fail at the first refused connection or
/// 503: it checks again every half second and exits 0 the moment the
/// gateway answers. A check that answered at once (as before) would exit
/// 1 here, and Docker would look again only one interval later.
#[test]
fn the_health_check_watches_a_starting_gateway_until_it_answers() {
    let Some(engine) = Engine::start(PROJECT_WATCH) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let _guard = Guard {
        engine: &engine,
        dir: work.path().to_path_buf(),
    };
    let port = 18789;
    let health = ocgen::plan::health_script("127.0.0.1", port, ocgen::openclaw::LIVE);
    // The server starts, the check runs at once (with LISTENING set, once
    // the server listens); its exit status and the requests the server
    // saw are printed.
    let script = format!(
        "node -e \"$SERVER\" {port} & s=$!; [ -z \"$LISTENING\" ] || until (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null; do sleep 0.1; done; bash -c \"$HEALTH\"; rc=$?; kill $s; wait $s; echo \"health $rc\""
    );
    let run = |extra: &[&str]| -> (u32, u32) {
        let mut args = vec!["run", "--rm", "--init", "--network", "none"];
        args.extend_from_slice(extra);
        let env = [format!("HEALTH={health}"), format!("SERVER={SLOW_GATEWAY}")];
        args.extend(["--entrypoint", "bash", "-e", &env[0], "-e", &env[1]]);
        args.extend([ocgen::openclaw::DEFAULT_IMAGE, "-c", &script]);
        let out = engine.docker(work.path(), &args);
        let text = String::from_utf8_lossy(&out.stdout);
        say(&format!("{extra:?}: {}", text.replace('\n', "; ")));
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let field = |key: &str| -> Option<u32> {
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|n| n.trim().parse().ok())
        };
        match (field("health "), field("requests ")) {
            (Some(rc), Some(n)) => (rc, n),
            _ => panic!("{text}"),
        }
    };
    // Just started: refused connections (the server is not up yet) and
    // three 503s, then the 200 it waited for, and nothing after it.
    assert_eq!(
        run(&[]),
        (0, 4),
        "the check gave up before the gateway answered"
    );
    // Past the start period (the container's uptime says so): one check,
    // failed at the first 503, as cheap as a plain probe.
    let uptime = work.path().join("uptime");
    std::fs::write(&uptime, "999999.00 1.00\n").unwrap();
    let mount = format!("{}:/proc/uptime:ro", uptime.display());
    assert_eq!(
        run(&["-v", &mount, "-e", "LISTENING=1"]),
        (1, 1),
        "the check watched past the start period"
    );
}
