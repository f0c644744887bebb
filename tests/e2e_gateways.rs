//! End to end on the real OpenClaw 2026.9.6: `examples/fleet.yaml` (eight
//! gateways) and the rescue-bot layout (two), installed by `ocgen install`
//! into a temporary root and started in batches as the docs advise, each from exactly the env
//! file and config ocgen wrote, the way the README tells users to.
//!
//! The copies of the examples are rewritten for this machine: every gateway
//! gets an explicit port in a free window below the ephemeral range (other
//! OpenClaws may run here), and `bind: lan` becomes `loopback`, because test
//! servers listen on 127.0.0.1 only. Secrets come from the test: a token per
//! gateway in its process environment (fleet), `<state_dir>/.env` (rescue
//! bot), and a 0600 password file at the rooted path the config names.
//!
//! Every process the test starts runs in its own process group; a guard
//! stops each gateway's whole process tree (OpenClaw's spawn broker runs in
//! a session of its own) by pid, on success and on panic.

mod common;
use common::procs::{Pid, tree};
use common::*;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Write as _;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ocgen::plan::{Gateway, Plan};

/// How one gateway is started, from the README: `$1` is the env file
/// ocgen installed; the shell records its pid (kept by `exec`), exports the
/// file and becomes the gateway.
const GATEWAY_SH: &str = r#"echo $$ >"${1%.env}.pid"; set -a; . "$1"; set +a; exec openclaw gateway run >>"${1%.env}.out" 2>&1"#;

/// How a gateway runs under its systemd unit, without systemd: the env file
/// (`Environment=`), then the gateway's own secrets file
/// (`EnvironmentFile=`), exported into the process it becomes.
const UNIT_SH: &str = r#"echo $$ >"${1%.env}.pid"; set -a; . "$1"; . "$2"; set +a; exec openclaw gateway run >>"${1%.env}.out" 2>&1"#;

/// One e2e test at a time: each starts several gateways, and two such
/// tests side by side on two cores would only slow each other down.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// How long all gateways may take to answer `/healthz` together. Startup is
/// CPU-bound (5-11 s alone); ten at once on two cores that other builds
/// share took 60 to 100 s.
// A watchdog against hangs, not a speed limit: startup under load has
// taken up to 140 s here.
const HEALTHY_DEADLINE: Duration = Duration::from_secs(600);

/// Writes to stderr past libtest's capture, so timings always show.
fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "e2e: {msg}");
}

// ---------------------------------------------------------------------------
// Processes

/// One gateway of a layout, rooted, with how it was started.
struct Gw {
    layout: &'static str,
    g: Gateway,
    /// Environment the test adds to the clean one (the fleet's tokens).
    secrets: Vec<(String, String)>,
    /// The token the `openclaw` CLI needs to talk to it, if any.
    token: Option<String>,
    child: Option<Child>,
    root_pid: Option<Pid>,
    /// Every process seen in its tree, so a child that outlives the main
    /// process is still stopped.
    seen: HashSet<Pid>,
    healthy_after: Option<Duration>,
}

impl Gw {
    fn pid(&self) -> u32 {
        self.root_pid.expect("started").pid
    }

    fn remember_tree(&mut self) -> Vec<Pid> {
        let t = self.root_pid.map(tree).unwrap_or_default();
        self.seen.extend(t.iter().copied());
        t
    }

    fn out_tail(&self) -> String {
        let out = self
            .g
            .host_paths()
            .unwrap()
            .env_file(&self.g.name)
            .replace(".env", ".out");
        let text = fs::read_to_string(&out).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(25)..].join("\n")
    }

    /// Starts the gateway: `sh -c SCRIPT sh ARGS...` in a clean environment
    /// (PATH, HOME and the test's secrets only), in a process group of its own.
    fn start(&mut self, script: &str, args: &[&str], path_var: &str, home: &Path) {
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .args(args)
            .env_clear()
            .env("PATH", path_var)
            .env("HOME", home)
            .envs(self.secrets.iter().map(|(k, v)| (k, v)))
            .current_dir(home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        self.root_pid = Pid::of(child.id());
        self.child = Some(child);
    }

    /// Whether the main process has exited (reaped if so).
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }
}

/// Every gateway the test started. Dropping it stops them all, then
/// removes what they left in /tmp.
struct Running {
    gws: Vec<Gw>,
    /// OpenClaw's lock coordinators of this run's state dirs.
    tmp_files: Vec<PathBuf>,
    /// Per-uid dirs in /tmp that did not exist before this run (removed if empty).
    tmp_dirs: Vec<PathBuf>,
}

impl Running {
    /// The gateways about to start, and what OpenClaw will leave in /tmp
    /// for this run: the per-uid dirs that do not exist yet, and the lock
    /// coordinators of these state dirs.
    fn new(gws: Vec<Gw>) -> Running {
        let tmp_dirs = [
            format!("/tmp/openclaw-state-locks-{}", uid()),
            format!("/tmp/.openclaw-terminal-staging-{}", uid()),
        ]
        .into_iter()
        .map(PathBuf::from)
        .filter(|d| !d.exists())
        .collect();
        let tmp_files = gws.iter().flat_map(|gw| coordinator_locks(&gw.g)).collect();
        Running {
            gws,
            tmp_files,
            tmp_dirs,
        }
    }

    /// Waits until every gateway answers `/healthz` on its own port, and
    /// records when; a gateway that exits first, or the watchdog, fails.
    fn wait_healthy(&mut self, start: Instant) {
        loop {
            let mut waiting = 0;
            for gw in &mut self.gws {
                if gw.healthy_after.is_some() {
                    continue;
                }
                if let Some(status) = gw.exited() {
                    panic!(
                        "gateway {}/{} exited ({status}) before it was healthy:\n{}",
                        gw.layout,
                        gw.g.name,
                        gw.out_tail()
                    );
                }
                let addr = SocketAddr::from((ocgen::plan::PROBE_ADDR, gw.g.port));
                match ocgen::host::http_get(
                    addr,
                    ocgen::plan::HEALTH_PATH,
                    Duration::from_millis(500),
                ) {
                    Ok(r) if r.status == 200 && r.body.contains("\"ok\":true") => {
                        gw.healthy_after = Some(start.elapsed());
                    }
                    _ => waiting += 1,
                }
            }
            if waiting == 0 {
                return;
            }
            if start.elapsed() > HEALTHY_DEADLINE {
                let late: Vec<String> = self
                    .gws
                    .iter()
                    .filter(|g| g.healthy_after.is_none())
                    .map(|g| format!("{}/{}:\n{}", g.layout, g.g.name, g.out_tail()))
                    .collect();
                panic!(
                    "not healthy within {HEALTHY_DEADLINE:?}:\n{}",
                    late.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Starts the gateways the way ocgen advises for many
    /// (docs/src/starting-a-fleet.md): per layout, in file order,
    /// [`ocgen::plan::DEFAULT_START_BATCH`] at a time, each batch once `ocgen
    /// status --wait` saw the one before healthy. A gateway that exits
    /// while its batch starts fails the test at once, with its console.
    fn start_in_batches(
        &mut self,
        yaml_of: &dyn Fn(&str) -> PathBuf,
        start: &mut dyn FnMut(&mut Gw),
    ) {
        let k = ocgen::plan::DEFAULT_START_BATCH as usize;
        let mut i = 0;
        while i < self.gws.len() {
            let layout = self.gws[i].layout;
            let batch: Vec<usize> = (i..self.gws.len())
                .take_while(|&j| self.gws[j].layout == layout)
                .take(k)
                .collect();
            i += batch.len();
            for &j in &batch {
                start(&mut self.gws[j]);
            }
            let yaml = yaml_of(layout);
            let mut cmd = ocgen();
            cmd.args([
                "-f",
                yaml.to_str().unwrap(),
                "status",
                "--wait",
                "--timeout",
                "10m",
            ])
            .args(batch.iter().map(|&j| self.gws[j].g.name.clone()))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
            let mut wait = cmd.spawn().unwrap();
            let code = loop {
                if let Some(st) = wait.try_wait().unwrap() {
                    break st;
                }
                for &j in &batch {
                    let gw = &mut self.gws[j];
                    if let Some(status) = gw.exited() {
                        let _ = wait.kill();
                        let _ = wait.wait();
                        panic!(
                            "gateway {}/{} exited ({status}) while its batch started:\n{}",
                            gw.layout,
                            gw.g.name,
                            gw.out_tail()
                        );
                    }
                }
                std::thread::sleep(Duration::from_millis(250));
            };
            let out = wait.wait_with_output().unwrap();
            say(&format!(
                "batch {}: ocgen status --wait: {}",
                batch
                    .iter()
                    .map(|&j| self.gws[j].g.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter(|l| l.contains("healthy"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            assert!(
                code.success(),
                "ocgen status --wait: {code}\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    fn clean_tmp(&self) {
        for f in &self.tmp_files {
            let _ = fs::remove_file(f);
        }
        for d in &self.tmp_dirs {
            // Only the empty directories this run created; children first.
            let _ = fs::remove_dir(d.join("terminal-upload-lock"));
            let _ = fs::remove_dir(d);
        }
    }
}

impl Running {
    /// SIGTERM to the main process of each of `which` (as the docs' stop
    /// command does), then waits for every process of their trees to end;
    /// SIGKILL after `grace`. Returns how long each took.
    fn stop(&mut self, which: &[usize], grace: Duration) -> Vec<(usize, Duration)> {
        let started = Instant::now();
        for &i in which {
            self.gws[i].remember_tree();
            if let Some(p) = self.gws[i].root_pid {
                p.signal("-TERM");
            }
        }
        let mut took = Vec::new();
        let mut left: Vec<usize> = which.to_vec();
        while !left.is_empty() {
            left.retain(|&i| {
                let gw = &mut self.gws[i];
                gw.remember_tree();
                let _ = gw.exited();
                let alive = gw.seen.iter().any(|p| p.alive());
                if !alive {
                    took.push((i, started.elapsed()));
                }
                alive
            });
            if started.elapsed() > grace {
                for &i in &left {
                    for p in &self.gws[i].seen {
                        p.signal("-KILL");
                    }
                }
            }
            if started.elapsed() > grace + Duration::from_secs(10) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        for &i in which {
            if let Some(c) = self.gws[i].child.as_mut() {
                let _ = c.wait();
            }
        }
        took
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let all: Vec<usize> = (0..self.gws.len()).collect();
        self.stop(&all, Duration::from_secs(15));
        self.clean_tmp();
    }
}

// ---------------------------------------------------------------------------
// Layouts

/// A port window of `len` ports below the ephemeral range with nothing
/// listening in it.
fn free_window(len: u16) -> u16 {
    let listening: Vec<u16> = ocgen::host::listening_sockets()
        .expect("/proc/net/tcp")
        .iter()
        .map(|l| l.port)
        .collect();
    (23_000..32_000 - len)
        .step_by(500)
        .find(|b| !listening.iter().any(|p| (*b..b + len).contains(p)))
        .expect("a free port window between 23000 and 32000")
}

/// A temporary directory for state dirs: each grows to about 55 MB
/// (OpenClaw copies its Control UI into <state_dir>/cache), so on tmpfs
/// when there is one.
fn state_tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::Builder::new()
            .prefix("ocgen-e2e-")
            .tempdir_in(shm)
            .or_else(|_| tempfile::tempdir())
    } else {
        tempfile::tempdir()
    }
    .unwrap()
}

/// Reads an example into JSON (which is YAML too) so the test can rewrite it.
fn example(name: &str) -> serde_json::Value {
    let text = fs::read_to_string(root().join("examples").join(name)).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// Writes a rewritten example: explicit `ports` in file order, every bind
/// `loopback`, CDP ports and URLs from `cdp` in order.
fn rewrite(
    mut doc: serde_json::Value,
    ports: &[u16],
    cdp: &mut impl Iterator<Item = u16>,
) -> String {
    let gws = doc["gateways"].as_object_mut().unwrap();
    assert_eq!(gws.len(), ports.len());
    for ((_, g), port) in gws.iter_mut().zip(ports) {
        if g.is_null() {
            *g = serde_json::json!({});
        }
        g["port"] = (*port).into();
        if g.get("bind").is_some() {
            g["bind"] = "loopback".into();
        }
        if let Some(profiles) = g
            .get_mut("browser")
            .and_then(|b| b.get_mut("profiles"))
            .and_then(|p| p.as_object_mut())
        {
            for p in profiles.values_mut() {
                let port = cdp.next().unwrap();
                if p.get("cdp_port").is_some() {
                    p["cdp_port"] = port.into();
                }
                if p.get("cdp_url").is_some() {
                    p["cdp_url"] = format!("http://127.0.0.1:{port}").into();
                }
            }
        }
    }
    serde_json::to_string_pretty(&doc).unwrap()
}

fn plan_of(path: &Path) -> Plan {
    let doc = ocgen::model::load(&fs::read_to_string(path).unwrap()).unwrap();
    ocgen::plan::plan(&doc).unwrap()
}

/// A token for one test run: not guessable by another gateway of the run.
fn token(tag: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(tag.as_bytes());
    let a = h.finish();
    h.write_u64(a);
    format!("ocgen-e2e-{a:016x}{:016x}", h.finish())
}

fn ocgen_out(args: &[&str]) -> (i32, String, String) {
    let o = ocgen().args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Writes a secret file: a new one 0600, or the empty 0600 file that
/// `ocgen install` created for the operator to fill.
fn write_private(path: &Path, contents: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    if let Ok(meta) = fs::metadata(path) {
        assert_eq!(meta.len(), 0, "{} is not empty", path.display());
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
            0o600
        );
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    f.write_all(contents.as_bytes()).unwrap();
}

/// The uid the test runs as (OpenClaw names its lock dirs after it).
fn uid() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|u| u.parse().ok())
        .unwrap()
}

/// OpenClaw's per-state-dir lock coordinators outside the state dir:
/// `/tmp/openclaw-state-locks-<uid>/<family>.<sha256(state db)[:8]>.lock.sqlite`.
fn coordinator_locks(g: &Gateway) -> Vec<PathBuf> {
    let db = fs::canonicalize(&g.host_paths().unwrap().state_dir)
        .unwrap()
        .join("state/openclaw.sqlite");
    let mut c = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(db.to_str().unwrap().as_bytes())
        .unwrap();
    let out = String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap();
    let hash = &out[..8];
    ["gateway-lifecycle", "state-lifecycle", "state-handles"]
        .iter()
        .map(|f| {
            PathBuf::from(format!(
                "/tmp/openclaw-state-locks-{}/{f}.{hash}.lock.sqlite",
                uid()
            ))
        })
        .collect()
}

/// Listening TCP sockets by pid, from `ss -ltnp`.
fn ss_listeners(ss: &Path) -> Vec<(u32, SocketAddr)> {
    let o = Command::new(ss).args(["-H", "-ltnp"]).output().unwrap();
    assert!(o.status.success());
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let Some(addr) = f.get(3).and_then(|a| {
            a.replace('*', "0.0.0.0")
                .replace("%lo", "")
                .parse::<SocketAddr>()
                .ok()
        }) else {
            continue;
        };
        for part in line.split("pid=").skip(1) {
            if let Ok(pid) = part.split(',').next().unwrap_or("").parse::<u32>() {
                out.push((pid, addr));
            }
        }
    }
    out
}

/// Runs `openclaw gateway <args>` the way a user would beside a running
/// gateway: a clean environment with the gateway's env file exported.
fn openclaw_cli(gw: &Gw, path_var: &str, home: &Path, args: &str) -> (i32, serde_json::Value) {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            r#"set -a; . "$1"; set +a; exec openclaw gateway {args}"#
        ))
        .arg("sh")
        .arg(gw.g.host_paths().unwrap().env_file(&gw.g.name))
        .env_clear()
        .env("PATH", path_var)
        .env("HOME", home)
        .current_dir(home)
        .process_group(0);
    // The same secrets as the gateway got; the rest come from the state dir.
    cmd.envs(gw.secrets.iter().map(|(k, v)| (k, v)));
    let o = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let json = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "{}: `openclaw gateway {args}` printed no JSON ({e}): {text} {}",
            gw.g.name,
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), json)
}

fn status_json(yaml: &Path) -> (i32, serde_json::Value) {
    let (code, out, err) = ocgen_out(&["-f", yaml.to_str().unwrap(), "status", "--format", "json"]);
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")),
    )
}

#[test]
fn gateways_run_side_by_side_from_what_ocgen_installed() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let Some(ss) = tool("ss") else {
        return;
    };
    let t0 = Instant::now();
    let doc = docs();
    assert!(
        doc.contains(&format!(
            "env -i PATH=\"$PATH\" HOME=\"$HOME\" setsid sh -c '{GATEWAY_SH}' sh \"$f\""
        )),
        "the book no longer starts gateways the way this test does"
    );
    let fleet_doc = fs::read_to_string(root().join("docs/src/starting-a-fleet.md")).unwrap();
    assert!(
        fleet_doc.contains(&format!(
            "env -i PATH=\"$PATH\" HOME=\"$HOME\" setsid sh -c '{GATEWAY_SH}' sh \"$f\""
        )) && fleet_doc.contains(&format!(
            "if [ \"$(echo $batch | wc -w)\" -ge {} ]; then ocgen status --wait $batch; batch=; fi",
            ocgen::plan::DEFAULT_START_BATCH
        )),
        "docs/src/starting-a-fleet.md no longer starts gateways in batches the way this test does"
    );

    let tmp = state_tempdir();
    let base = free_window(1400);
    let fleet_ports: Vec<u16> = (0..8).map(|i| base + 120 * i).collect();
    let rescue_ports = [base + 1000, base + 1120];
    let mut cdp = base + 1300..base + 1400;
    let home = tmp.path().join("home");
    fs::create_dir(&home).unwrap();
    let path_var = format!("{}:/usr/bin:/bin", openclaw.parent().unwrap().display());

    // Install both layouts into their own root.
    let mut layouts: Vec<(&'static str, PathBuf, Plan)> = Vec::new();
    for (layout, file, ports) in [
        ("fleet", "fleet.yaml", &fleet_ports[..]),
        ("rescue", "rescue-bot.yaml", &rescue_ports[..]),
    ] {
        let dir = tmp.path().join(layout);
        fs::create_dir(&dir).unwrap();
        let yaml = dir.join("ocgen.yaml");
        fs::write(&yaml, rewrite(example(file), ports, &mut cdp)).unwrap();
        let y = yaml.to_str().unwrap();
        let (code, out, err) = ocgen_out(&["-f", y, "check", "--host"]);
        assert_eq!(code, 0, "ports of the test layout are taken:\n{out}{err}");
        let rootdir = dir.join("root");
        let (code, out, err) =
            ocgen_out(&["-f", y, "install", "--root", rootdir.to_str().unwrap()]);
        assert_eq!(code, 0, "{out}{err}");
        let (code, again, _) =
            ocgen_out(&["-f", y, "install", "--root", rootdir.to_str().unwrap()]);
        assert_eq!(code, 0);
        assert!(again.contains(" 0 files created, 0 updated, "), "{again}");
        layouts.push((
            layout,
            yaml,
            plan_of(&dir.join("ocgen.yaml")).rooted(rootdir.to_str().unwrap()),
        ));
    }

    // Secrets, provided by the test as the docs tell users to.
    let mut gws: Vec<Gw> = Vec::new();
    for (layout, _, plan) in &layouts {
        for g in &plan.gateways {
            let mut gw = Gw {
                layout,
                g: g.clone(),
                secrets: Vec::new(),
                token: None,
                child: None,
                root_pid: None,
                seen: HashSet::new(),
                healthy_after: None,
            };
            if let Some(file) = g.secret_file() {
                let pw = token(&g.name);
                write_private(Path::new(file), &format!("{pw}\n"));
                gw.token = Some(pw);
            } else if let Some(ocgen::plan::SecretSource::Env(var)) =
                g.auth.as_ref().and_then(|a| a.secret.as_ref())
            {
                let t = token(&g.name);
                if *layout == "fleet" {
                    gw.secrets.push((var.clone(), t.clone()));
                } else {
                    write_private(
                        &Path::new(&g.host_paths().unwrap().state_dir).join(".env"),
                        &format!("{var}={t}\n"),
                    );
                }
                gw.token = Some(t);
            }
            gws.push(gw);
        }
    }
    assert_eq!(gws.len(), 10);

    // Start the gateways as the docs advise for many: in batches, each
    // once the one before is healthy. Ten at once on two busy cores starve
    // OpenClaw's 5 s state lease heartbeat (exit 78).
    let mut running = Running::new(gws);
    let start = Instant::now();
    let yamls: HashMap<&str, PathBuf> = layouts.iter().map(|(l, y, _)| (*l, y.clone())).collect();
    running.start_in_batches(&|l| yamls[l].clone(), &mut |gw| {
        let env_file = gw.g.host_paths().unwrap().env_file(&gw.g.name);
        gw.start(GATEWAY_SH, &[&env_file], &path_var, &home);
    });

    // Wait until every one answers /healthz on its own port.
    running.wait_healthy(start);
    // Let them settle: startup sidecars keep a gateway busy until /readyz
    // says ready (about 2 s after /healthz alone, longer ten at once).
    let mut ready_after: Vec<Option<Duration>> = vec![None; running.gws.len()];
    while ready_after.iter().any(Option::is_none) && start.elapsed() < HEALTHY_DEADLINE {
        for (gw, ready) in running.gws.iter().zip(&mut ready_after) {
            if ready.is_none() {
                let addr = SocketAddr::from((ocgen::plan::PROBE_ADDR, gw.g.port));
                if let Ok(r) =
                    ocgen::host::http_get(addr, ocgen::plan::READY_PATH, Duration::from_millis(500))
                {
                    if r.status == 200 {
                        *ready = Some(start.elapsed());
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    for (gw, ready) in running.gws.iter().zip(&ready_after) {
        say(&format!(
            "{:<6} {:<9} port {}  healthy after {:>5.1} s, ready after {}",
            gw.layout,
            gw.g.name,
            gw.g.port,
            gw.healthy_after.unwrap().as_secs_f64(),
            ready.map_or_else(|| "-".to_string(), |r| format!("{:.1} s", r.as_secs_f64()))
        ));
    }

    // The pid the docs' start command recorded is the gateway itself.
    for gw in &mut running.gws {
        let recorded = fs::read_to_string(
            gw.g.host_paths()
                .unwrap()
                .env_file(&gw.g.name)
                .replace(".env", ".pid"),
        )
        .unwrap();
        assert_eq!(recorded.trim(), gw.pid().to_string(), "{}", gw.g.name);
        gw.remember_tree();
    }

    // ocgen status: all healthy, each port answered by the process we started.
    for (layout, yaml, plan) in &layouts {
        let (code, v) = status_json(yaml);
        assert_eq!(code, 0, "{layout}: {v:#}");
        assert_eq!(v["healthy"], true);
        for (s, g) in v["gateways"].as_array().unwrap().iter().zip(&plan.gateways) {
            let gw = running
                .gws
                .iter()
                .find(|x| x.g.name == g.name && x.layout == *layout)
                .unwrap();
            assert_eq!(s["state"], "healthy", "{s}");
            assert_eq!(s["port"], g.port);
            assert_eq!(s["listener"]["pid"], gw.pid(), "{s}");
        }
        // check --host now sees the running gateways' ports.
        let (code, out, _) = ocgen_out(&["-f", yaml.to_str().unwrap(), "check", "--host"]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("(gateway) on 127.0.0.1 by pid"), "{out}");
    }

    // Each gateway's state is in its own state dir and nowhere else.
    let lock_dir = format!("tmp/openclaw-{}", uid());
    for gw in &running.gws {
        let g = &gw.g;
        let lock_path = Path::new(&g.host_paths().unwrap().state_dir)
            .join(&lock_dir)
            .join("gateway.state.lock");
        let lock: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&lock_path).unwrap()).unwrap();
        assert_eq!(lock["pid"], gw.pid(), "{}", lock_path.display());
        assert_eq!(lock["port"], g.port);
        assert_eq!(lock["stateDir"], g.host_paths().unwrap().state_dir.as_str());
        assert_eq!(
            lock["configPath"],
            g.host_paths().unwrap().config_path.as_str()
        );
        assert!(
            Path::new(&g.host_paths().unwrap().state_dir)
                .join("state/openclaw.sqlite")
                .is_file()
        );
        for other in running
            .gws
            .iter()
            .filter(|o| o.g.host_paths().unwrap().state_dir != g.host_paths().unwrap().state_dir)
        {
            let theirs = Path::new(&other.g.host_paths().unwrap().state_dir)
                .join(&lock_dir)
                .join("gateway.state.lock");
            let text = fs::read_to_string(&theirs).unwrap();
            assert!(
                !text.contains(&format!("\"pid\": {},", gw.pid())),
                "{} in {}",
                g.name,
                theirs.display()
            );
        }
        // Its own log file: the gateway announces it in it.
        let log = fs::read_to_string(&g.host_paths().unwrap().log_file)
            .unwrap_or_else(|e| panic!("{}: {e}", g.host_paths().unwrap().log_file));
        assert!(
            log.contains(&format!("log file: {}", g.host_paths().unwrap().log_file)),
            "{} is not {}'s log",
            g.host_paths().unwrap().log_file,
            g.name
        );
        // Outside the state dir, OpenClaw keeps only lock coordinators keyed
        // by this state dir's database.
        for c in coordinator_locks(g) {
            assert!(c.is_file(), "{}", c.display());
        }
    }
    let logs: HashSet<&str> = running
        .gws
        .iter()
        .map(|g| g.g.host_paths().unwrap().log_file.as_str())
        .collect();
    assert_eq!(logs.len(), running.gws.len());

    // Every listening socket of a gateway's processes is inside its footprint.
    let listeners = ss_listeners(&ss);
    for gw in &mut running.gws {
        let pids: HashSet<u32> = gw.remember_tree().iter().map(|p| p.pid).collect();
        let reserved = gw.g.reserved();
        let mine: Vec<&SocketAddr> = listeners
            .iter()
            .filter(|(pid, _)| pids.contains(pid))
            .map(|(_, a)| a)
            .collect();
        assert!(
            mine.iter()
                .any(|a| a.port() == gw.g.port && a.ip().is_loopback()),
            "{} does not listen on its port: {mine:?}",
            gw.g.name
        );
        for a in &mine {
            assert!(
                reserved
                    .iter()
                    .any(|r| (r.start..=r.end).contains(&a.port())),
                "{} listens on {a}, outside its footprint",
                gw.g.name
            );
            assert!(a.ip().is_loopback(), "{} listens on {a}", gw.g.name);
        }
    }

    // ocgen doctor on the rescue layout (every path under its home, so a
    // rooted copy of the file names the running gateways' own paths): what
    // runs matches; a foreign listener inside a footprint is a neighbour.
    let rescue_rooted = {
        let (_, yaml, _) = layouts.iter().find(|(l, _, _)| *l == "rescue").unwrap();
        let dir = yaml.parent().unwrap();
        yaml_rooted(yaml, dir.join("root").to_str().unwrap(), dir)
    };
    let doctor = || {
        let (code, out, err) = ocgen_out(&[
            "-f",
            rescue_rooted.to_str().unwrap(),
            "doctor",
            "--target",
            "host",
            "--format",
            "json",
        ]);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("doctor: {e}: {out}{err}"));
        (code, v)
    };
    let (code, v) = doctor();
    assert_eq!(code, 0, "doctor on running gateways: {v:#}");
    assert_eq!(v["checked"].as_array().unwrap().len(), 2, "{v:#}");
    let rescue_port = layouts
        .iter()
        .find(|(l, _, _)| *l == "rescue")
        .unwrap()
        .2
        .gateway("rescue")
        .unwrap()
        .port;
    {
        let _foreign = std::net::TcpListener::bind(("127.0.0.1", rescue_port + 60)).unwrap();
        let (code, v) = doctor();
        assert_eq!(code, 1, "{v:#}");
        let n = &v["neighbours"][0];
        assert_eq!(n["kind"], "process", "{v:#}");
        assert_eq!(n["in_footprint_of"], "rescue", "{v:#}");
        assert_eq!(
            n["ports"][0],
            format!("127.0.0.1:{}", rescue_port + 60),
            "{v:#}"
        );
    }

    // The openclaw CLI, run with a gateway's env file, reaches that gateway
    // and no other: each has its own token, so an RPC only succeeds there.
    let cli_results: Vec<(usize, i32, serde_json::Value, bool)> = std::thread::scope(|s| {
        let gws: Vec<(usize, &Gw)> = running.gws.iter().enumerate().collect();
        let halves: Vec<Vec<(usize, &Gw)>> = vec![
            gws.iter().copied().step_by(2).collect(),
            gws.iter().copied().skip(1).step_by(2).collect(),
        ];
        let handles: Vec<_> = halves
            .into_iter()
            .map(|half| {
                let (path_var, home) = (&path_var, &home);
                s.spawn(move || {
                    half.into_iter()
                        .map(|(i, gw)| {
                            let rpc = gw.token.is_some();
                            let args = if rpc {
                                "status --json --require-rpc --timeout 10000"
                            } else {
                                "probe --json --timeout 10000"
                            };
                            let (code, v) = openclaw_cli(gw, path_var, home, args);
                            (i, code, v, rpc)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (i, code, v, rpc) in &cli_results {
        let gw = &running.gws[*i];
        let name = format!("{}/{}", gw.layout, gw.g.name);
        let url = format!("ws://127.0.0.1:{}", gw.g.port);
        assert_eq!(*code, 0, "{name}: {v:#}");
        if *rpc {
            assert_eq!(v["gateway"]["port"], gw.g.port, "{name}");
            assert_eq!(v["rpc"]["ok"], true, "{name}: {:#}", v["rpc"]);
            assert_eq!(v["rpc"]["url"], url.as_str(), "{name}");
            assert_eq!(v["port"]["listeners"][0]["pid"], gw.pid(), "{name}");
        } else {
            assert_eq!(v["ok"], true, "{name}: {v:#}");
            assert_eq!(v["targets"][0]["url"], url.as_str(), "{name}");
        }
    }
    say(&format!(
        "openclaw CLI reached each of {} gateways",
        cli_results.len()
    ));

    // Stop one gateway the way the docs do: SIGTERM to the recorded pid.
    let victim = running
        .gws
        .iter()
        .position(|g| g.layout == "fleet" && g.g.name == "research")
        .unwrap();
    let took = running.stop(&[victim], Duration::from_secs(30));
    assert_eq!(took.len(), 1, "research did not stop");
    assert!(
        took[0].1 < Duration::from_secs(30),
        "research needed SIGKILL: {:?}",
        took[0].1
    );
    say(&format!(
        "research stopped in {:.1} s",
        took[0].1.as_secs_f64()
    ));
    let (code, v) = status_json(&layouts[0].1);
    assert_ne!(code, 0);
    let down: Vec<&str> = v["gateways"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["state"] != "healthy")
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(down, ["research"], "{v:#}");
    assert_eq!(v["gateways"][3]["state"], "down", "{:#}", v["gateways"][3]);
    assert_eq!(status_json(&layouts[1].1).0, 0);
    for gw in running
        .gws
        .iter()
        .filter(|g| g.g.name != "research" || g.layout != "fleet")
    {
        let addr = SocketAddr::from((ocgen::plan::PROBE_ADDR, gw.g.port));
        let r = ocgen::host::http_get(addr, ocgen::plan::HEALTH_PATH, Duration::from_millis(500));
        assert!(
            matches!(r, Ok(ref r) if r.status == 200),
            "{}: {r:?}",
            gw.g.name
        );
    }

    // Stop everything; nothing may be left: no process, no port.
    let all: Vec<usize> = (0..running.gws.len()).collect();
    let stopping = Instant::now();
    running.stop(&all, Duration::from_secs(30));
    say(&format!(
        "all stopped in {:.1} s",
        stopping.elapsed().as_secs_f64()
    ));
    let after = ocgen::host::listening_sockets().unwrap();
    for gw in &running.gws {
        for p in &gw.seen {
            assert!(!p.alive(), "{}: pid {} still runs", gw.g.name, p.pid);
        }
        for r in gw.g.reserved() {
            assert!(
                !after.iter().any(|l| (r.start..=r.end).contains(&l.port)),
                "{}: port range {}-{} still in use",
                gw.g.name,
                r.start,
                r.end
            );
        }
    }
    for (layout, yaml, _) in &layouts {
        let (code, v) = status_json(yaml);
        assert_eq!(code, 1, "{layout}");
        assert!(
            v["gateways"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g["state"] == "down"),
            "{v:#}"
        );
    }
    // Stopped gateways: doctor names each.
    let (code, v) = doctor();
    assert_eq!(code, 1, "{v:#}");
    for gw in ["main", "rescue"] {
        assert!(
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["gateway"] == gw
                    && f["what"]
                        .as_str()
                        .unwrap()
                        .starts_with("not running: nothing listens on port")),
            "{gw}: {v:#}"
        );
    }
    running.clean_tmp();
    for f in &running.tmp_files {
        assert!(!f.exists(), "{}", f.display());
    }
    say(&format!("total {:.1} s", t0.elapsed().as_secs_f64()));
}

/// The variables of a NAME=value file (the secrets files the test writes).
fn environ_of(pid: u32) -> HashMap<String, String> {
    let raw = fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    raw.split(|b| *b == 0)
        .filter_map(|kv| {
            let kv = String::from_utf8_lossy(kv);
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// `examples/assistant.yaml`: two gateways with a model provider and a
/// Telegram channel each, credentials as env SecretRefs, one managed and
/// one seeded config. Both start offline from what `ocgen install` wrote,
/// each gateway's process holds its own secrets and none of the other's,
/// the managed config refuses OpenClaw's writes, the seeded one takes them,
/// survives the next install, and `status` reports where it strays.
#[test]
fn assistants_with_settings_and_secrets_run_apart() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let t0 = Instant::now();
    let tmp = state_tempdir();
    let base = free_window(300);
    let home = tmp.path().join("home");
    fs::create_dir(&home).unwrap();
    let path_var = format!("{}:/usr/bin:/bin", openclaw.parent().unwrap().display());
    let yaml = tmp.path().join("ocgen.yaml");
    fs::write(
        &yaml,
        rewrite(example("assistant.yaml"), &[base, base + 120], &mut (0..0)),
    )
    .unwrap();
    let y = yaml.to_str().unwrap();
    let rootdir = tmp.path().join("root");
    let r = rootdir.to_str().unwrap();
    let (code, out, err) = ocgen_out(&["-f", y, "install", "--root", r]);
    assert_eq!(code, 0, "{out}{err}");
    let plan = plan_of(&yaml).rooted(r);
    assert_eq!(plan.gateways.len(), 2);

    // Canary secrets, one set per gateway, in the file install created.
    let mut canaries: Vec<Vec<(String, String)>> = Vec::new();
    for g in &plan.gateways {
        let f = Path::new(&g.host_paths().unwrap().secrets_env_file);
        let meta = fs::metadata(f).unwrap();
        assert_eq!(meta.len(), 0, "install wrote into {}", f.display());
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
            0o600
        );
        let mine: Vec<(String, String)> = g
            .secret_names()
            .iter()
            .map(|n| {
                let v = if n.contains("TELEGRAM") {
                    format!("123456789:canary{}{}", g.name, "x".repeat(30))
                } else {
                    format!("canary-{}-{}", g.name, token(n))
                };
                ((*n).to_string(), v)
            })
            .collect();
        assert!(mine.len() >= 2, "{}: {mine:?}", g.name);
        let text = mine.iter().fold(String::new(), |mut t, (k, v)| {
            t.push_str(&format!("{k}={v}\n"));
            t
        });
        fs::write(f, text).unwrap();
        canaries.push(mine);
    }
    // The configs name the variables, never a value.
    for g in &plan.gateways {
        let cfg = fs::read_to_string(&g.host_paths().unwrap().config_path).unwrap();
        for set in &canaries {
            for (_, v) in set {
                assert!(
                    !cfg.contains(v.as_str()),
                    "{}",
                    g.host_paths().unwrap().config_path
                );
            }
        }
    }

    let gws: Vec<Gw> = plan
        .gateways
        .iter()
        .map(|g| Gw {
            layout: "assistant",
            g: g.clone(),
            secrets: Vec::new(),
            token: None,
            child: None,
            root_pid: None,
            seen: HashSet::new(),
            healthy_after: None,
        })
        .collect();
    let mut running = Running::new(gws);
    let start = Instant::now();
    running.start_in_batches(&|_| yaml.clone(), &mut |gw| {
        let (env_file, secrets_file) = (
            gw.g.host_paths().unwrap().env_file(&gw.g.name),
            gw.g.host_paths().unwrap().secrets_env_file.clone(),
        );
        gw.start(UNIT_SH, &[&env_file, &secrets_file], &path_var, &home);
    });
    running.wait_healthy(start);
    for gw in &running.gws {
        say(&format!(
            "assistant {:<7} port {}  healthy after {:>5.1} s",
            gw.g.name,
            gw.g.port,
            gw.healthy_after.unwrap().as_secs_f64()
        ));
    }

    // Each gateway's process holds its own secrets and none of the other's.
    for (i, gw) in running.gws.iter().enumerate() {
        let env = environ_of(gw.pid());
        assert_eq!(
            env.get("OPENCLAW_STATE_DIR").map(String::as_str),
            Some(gw.g.host_paths().unwrap().state_dir.as_str()),
            "{}: not the gateway's process",
            gw.g.name
        );
        for (k, v) in &canaries[i] {
            assert_eq!(env.get(k), Some(v), "{}: {k}", gw.g.name);
        }
        for (j, set) in canaries.iter().enumerate() {
            if j == i {
                continue;
            }
            for (k, v) in set {
                assert!(
                    !env.values().any(|x| x == v),
                    "{} holds {}'s {k}",
                    gw.g.name,
                    running.gws[j].g.name
                );
            }
        }
    }

    // Managed: OpenClaw may not write its config. Seeded: it may.
    let config_set = |gw: &Gw, path: &str, value: &str| -> (i32, String) {
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!(
                r#"set -a; . "$1"; set +a; exec openclaw config set {path} {value}"#
            ))
            .arg("sh")
            .arg(gw.g.host_paths().unwrap().env_file(&gw.g.name))
            .env_clear()
            .env("PATH", &path_var)
            .env("HOME", &home)
            .current_dir(&home)
            .process_group(0)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    };
    let (family, work) = (&running.gws[0], &running.gws[1]);
    assert_eq!(family.g.config_mode, ocgen::plan::ConfigMode::Managed);
    assert_eq!(work.g.config_mode, ocgen::plan::ConfigMode::Seeded);
    let before = fs::read_to_string(&family.g.host_paths().unwrap().config_path).unwrap();
    let (code, out) = config_set(family, "agents.defaults.thinkingDefault", "low");
    assert_ne!(code, 0, "a managed config took a write: {out}");
    assert_eq!(
        fs::read_to_string(&family.g.host_paths().unwrap().config_path).unwrap(),
        before
    );
    let (code, out) = config_set(work, "agents.defaults.thinkingDefault", "low");
    assert_eq!(code, 0, "the seeded config refused a write: {out}");
    let edited = fs::read_to_string(&work.g.host_paths().unwrap().config_path).unwrap();
    assert!(edited.contains("thinkingDefault"), "{edited}");

    // The next install keeps OpenClaw's edit of the seeded config.
    let (code, out, err) = ocgen_out(&["-f", y, "install", "--root", r]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        fs::read_to_string(&work.g.host_paths().unwrap().config_path).unwrap(),
        edited
    );
    let (code, v) = status_json(&yaml_rooted(&yaml, r, tmp.path()));
    assert_eq!(code, 0, "{v:#}");

    // A pinned key changed in the seeded config: status and check --host say so.
    let (code, out) = config_set(work, "gateway.bind", "lan");
    assert_eq!(code, 0, "{out}");
    let rooted = yaml_rooted(&yaml, r, tmp.path());
    let (code, v) = status_json(&rooted);
    assert_eq!(code, 1, "{v:#}");
    let drift = v["gateways"][1]["config_drift"].to_string();
    assert!(drift.contains("gateway.bind is \\\"lan\\\""), "{drift}");
    assert_eq!(v["gateways"][0]["config_drift"], serde_json::json!([]));
    let (code, out, _) = ocgen_out(&["-f", rooted.to_str().unwrap(), "check", "--host"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("config: gateway `work`: gateway.bind"),
        "{out}"
    );

    let all: Vec<usize> = (0..running.gws.len()).collect();
    running.stop(&all, Duration::from_secs(30));
    running.clean_tmp();
    say(&format!(
        "assistant total {:.1} s",
        t0.elapsed().as_secs_f64()
    ));
}

/// The test's ocgen.yaml with every path under the install root, so that
/// `status` and `check --host` read the files `install --root` wrote.
fn yaml_rooted(yaml: &Path, root: &str, dir: &Path) -> PathBuf {
    let mut doc: serde_json::Value =
        serde_saphyr::from_str(&fs::read_to_string(yaml).unwrap()).unwrap();
    let home = doc["defaults"]["home"].as_str().unwrap().to_string();
    doc["defaults"]["home"] = format!("{root}{home}").into();
    let out = dir.join("rooted.yaml");
    fs::write(&out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    out
}
