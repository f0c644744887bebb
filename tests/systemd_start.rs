//! A fleet started the way its systemd units say, on real OpenClaw
//! 2026.9.6 gateways, with one gateway that never turns healthy.
//!
//! No systemd runs here, so the test is the service manager, and takes
//! from systemd itself what the units say (`systemd-analyze verify`'s
//! reading of each unit ocgen wrote): which units each one is ordered
//! after, and the command that ends its start (`ExecStartPost=`). Every
//! unit's start job runs at once, as when `multi-user.target` starts them
//! all: it waits until the jobs of the units it is ordered after are done,
//! starts its gateway (the bare host's way, from the env file ocgen
//! installed), then runs the wait command, and is done when that exits,
//! whatever its status (the unit says `-`).
//!
//! Three gateways, at most two starting at once (the default): `stuck` and
//! `good` first, then `last`, ordered after `stuck` alone, the gateway two
//! places before it. `stuck` never answers: its port
//! is held by a listener that never replies. Its wait must give up at its
//! deadline, saying so, and `last` must start and turn healthy all the
//! same. The deadline argument is the one thing changed from the units:
//! 5 s for `stuck` (the units say 120 s) so that the test is short, and
//! 600 s for the real gateways, a watchdog against hangs, so that no
//! assert depends on how fast this machine starts a gateway.

mod common;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use common::hostgw::{Fleet, free_window};
use common::systemd::{command_line, ordered_after, stub_executable, system_root, verify};
use common::{ocgen, tool};
use ocgen::plan::{START_WAIT_BASH, START_WAIT_SECS};

/// How a unit's start job ended.
struct Done {
    at: usize,
    status: Option<i32>,
    stderr: String,
}

#[test]
fn a_gateway_that_never_turns_healthy_holds_the_next_only_until_its_deadline() {
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let port = free_window(400, 27_500);
    let (stuck, good, last) = (port, port + 120, port + 240);
    let fleet = Fleet::install(
        &format!(
            "version: 1\ntargets: [host, systemd]\ndefaults:\n  home: /srv/oc\ngateways:\n  stuck: {{port: {stuck}}}\n  good: {{port: {good}}}\n  last: {{port: {last}}}\n"
        ),
        &openclaw,
    );

    // What the units say, as systemd reads them.
    let sys_root = system_root(fleet.dir.path());
    // The units start the `openclaw` the file names (`systemd.openclaw`).
    stub_executable(&sys_root.join(openclaw.strip_prefix("/").unwrap()));
    let mut jobs = Vec::new();
    for name in ["stuck", "good", "last"] {
        let o = ocgen()
            .arg("-f")
            .arg(&fleet.yaml)
            .args(["systemd", name])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", common::stderr(&o));
        let unit = format!("openclaw-gateway-{name}.service");
        let path = sys_root.join("etc/systemd/system").join(&unit);
        std::fs::write(&path, &o.stdout).unwrap();
        let dump = verify(&analyze, &path, Some(&sys_root), fleet.dir.path());
        let mut wait = command_line(&dump, "ExecStartPost");
        assert_eq!(wait[0], START_WAIT_BASH, "{unit}");
        assert_eq!(wait.last().unwrap(), &START_WAIT_SECS.to_string(), "{unit}");
        *wait.last_mut().unwrap() = if name == "stuck" { "5" } else { "600" }.to_string();
        jobs.push((name, unit, ordered_after(&dump), wait));
    }
    assert_eq!(jobs[0].2, Vec::<String>::new());
    assert_eq!(jobs[1].2, Vec::<String>::new());
    assert_eq!(jobs[2].2, ["openclaw-gateway-stuck.service"]);

    // The stuck gateway: its port accepts connections and never answers.
    let holder = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, stuck)).unwrap();

    let done: Mutex<HashMap<String, Done>> = Mutex::new(HashMap::new());
    let changed = Condvar::new();
    // The order of events, by a counter: no clock in the assertions.
    let seq = std::sync::atomic::AtomicUsize::new(0);
    let next = || seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let started: Mutex<HashMap<String, usize>> = Mutex::new(HashMap::new());
    std::thread::scope(|s| {
        for (name, unit, after, wait) in &jobs {
            let (done, changed, started, fleet, openclaw, next) =
                (&done, &changed, &started, &fleet, &openclaw, &next);
            s.spawn(move || {
                let mut d = done.lock().unwrap();
                // A watchdog against a job that never ends (it panicked):
                // at most 1200 waits of at most a second each.
                let mut waits = 0;
                while !after.iter().all(|a| d.contains_key(a)) {
                    waits += 1;
                    assert!(waits <= 1200, "{unit}: hung");
                    d = changed.wait_timeout(d, Duration::from_secs(1)).unwrap().0;
                }
                drop(d);
                started.lock().unwrap().insert(unit.clone(), next());
                if *name != "stuck" {
                    fleet.start(name, openclaw);
                }
                let o = Command::new(&wait[0])
                    .args(&wait[1..])
                    .env_clear()
                    .env("PATH", "/usr/bin:/bin")
                    .stdin(Stdio::null())
                    .output()
                    .unwrap();
                done.lock().unwrap().insert(
                    unit.clone(),
                    Done {
                        at: next(),
                        status: o.status.code(),
                        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
                    },
                );
                changed.notify_all();
            });
        }
    });
    drop(holder);

    let done = done.into_inner().unwrap();
    let started = started.into_inner().unwrap();
    let job = |n: &str| &done[&format!("openclaw-gateway-{n}.service")];
    // The stuck one gave up at its deadline and said so; systemd ignores
    // its status (`-`), so the unit counts as started.
    assert_eq!(job("stuck").status, Some(1), "{}", job("stuck").stderr);
    assert!(
        job("stuck").stderr.contains("not healthy after 5 s"),
        "{}",
        job("stuck").stderr
    );
    for n in ["good", "last"] {
        assert_eq!(
            job(n).status,
            Some(0),
            "{n}: {}\n{}",
            job(n).stderr,
            fleet.log(n)
        );
        fleet.wait_healthy(n);
    }
    // The last one started once the stuck one's wait was done, not sooner.
    assert!(started["openclaw-gateway-last.service"] >= job("stuck").at);
}
