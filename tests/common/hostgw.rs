//! Real OpenClaw gateways on this machine for the day-two tests: a
//! deployment installed by `ocgen install --root`, and a small service
//! manager (`svc.sh start|stop`) that starts a gateway the way the README's
//! bare-host section does (its env file exported, then `openclaw gateway
//! run`), in a session of its own, as systemd would; ocgen's live commands
//! call it through `--stop`/`--start`. Dropped, every process that runs
//! with a state dir under the test's root is stopped, by pid.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::procs::{Pid, stat};

/// The service manager of the tests; ocgen exports `OCGEN_GATEWAY`,
/// `OCGEN_ENV_FILE` and `OCGEN_OPENCLAW` to it.
pub const SVC_SH: &str = r#"#!/bin/sh
pidf="${OCGEN_ENV_FILE%.env}.pid"; out="${OCGEN_ENV_FILE%.env}.out"
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/^.*) //' "/proc/$1/stat" | cut -c1)" != Z ]; }
case "$1" in
start)
  setsid sh -c 'echo $$ >"$1"; set -a; . "$2"; set +a; exec "$3" gateway run >>"$4" 2>&1' sh "$pidf" "$OCGEN_ENV_FILE" "$OCGEN_OPENCLAW" "$out" </dev/null >/dev/null 2>&1 &
  i=0; while [ ! -s "$pidf" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done ;;
stop)
  [ -s "$pidf" ] || exit 0
  p=$(cat "$pidf")
  kill -TERM "$p" 2>/dev/null
  i=0; while alive "$p"; do sleep 0.2; i=$((i+1)); [ $i -eq 300 ] && kill -KILL "$p"; done
  # What the gateway spawned in sessions of its own (OpenClaw's broker), by
  # the state dir in its environment, as systemd's cgroup would stop it.
  for round in 1 2 3 4 5 6 7 8 9 10 11; do
    left=""
    for d in /proc/[0-9]*; do
      if grep -qz "^OPENCLAW_STATE_DIR=$OCGEN_STATE_DIR\$" "$d/environ" 2>/dev/null && alive "${d#/proc/}"; then left="$left ${d#/proc/}"; fi
    done
    [ -z "$left" ] && break
    if [ $round -eq 11 ]; then kill -KILL $left 2>/dev/null; else kill -TERM $left 2>/dev/null; sleep 1; fi
  done
  rm -f "$pidf" ;;
esac
"#;

/// One installed deployment.
pub struct Fleet {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
    pub yaml: PathBuf,
    pub svc: PathBuf,
    pub openclaw: PathBuf,
}

/// A temporary directory on tmpfs when there is one (state dirs grow to ~55 MB).
pub fn state_tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(d) = tempfile::Builder::new().prefix("ocgen-d2-").tempdir_in(shm)
    {
        return d;
    }
    tempfile::tempdir().unwrap()
}

/// A window of `len` ports with nothing listening, below the ephemeral range.
pub fn free_window(len: u16, from: u16) -> u16 {
    let listening: Vec<u16> = ocgen::host::listening_sockets()
        .expect("/proc/net/tcp")
        .iter()
        .map(|l| l.port)
        .collect();
    (from..32_000 - len)
        .step_by(500)
        .find(|b| !listening.iter().any(|p| (*b..b + len).contains(p)))
        .expect("a free port window")
}

impl Fleet {
    /// Writes `yaml` (with `systemd.openclaw` set to `openclaw`) and installs it under a new root.
    pub fn install(yaml: &str, openclaw: &Path) -> Fleet {
        let dir = state_tempdir();
        let root = dir.path().join("root");
        let file = dir.path().join("ocgen.yaml");
        fs::write(
            &file,
            format!("systemd: {{openclaw: {}}}\n{yaml}", openclaw.display()),
        )
        .unwrap();
        let svc = dir.path().join("svc.sh");
        fs::write(&svc, SVC_SH).unwrap();
        fs::set_permissions(&svc, fs::Permissions::from_mode(0o755)).unwrap();
        let f = Fleet {
            dir,
            root,
            yaml: file,
            svc,
            openclaw: openclaw.to_path_buf(),
        };
        let o = f.ocgen(&["install"]);
        assert!(o.status.success(), "install: {}", super::stderr(&o));
        f
    }

    /// The plan, rooted as installed.
    pub fn plan(&self) -> ocgen::plan::Plan {
        let doc = ocgen::model::load(&fs::read_to_string(&self.yaml).unwrap()).unwrap();
        ocgen::plan::plan(&doc)
            .unwrap()
            .rooted(&self.root.display().to_string())
    }

    /// Runs `ocgen -f YAML ARGS --root ROOT`.
    pub fn ocgen(&self, args: &[&str]) -> Output {
        self.ocgen_env(args, &[])
    }

    /// The same, with environment variables added.
    pub fn ocgen_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        super::ocgen()
            .arg("-f")
            .arg(&self.yaml)
            .args(args)
            .arg("--root")
            .arg(&self.root)
            .envs(env.iter().copied())
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    /// The manager flags of the live commands.
    pub fn manager(&self) -> Vec<String> {
        vec![
            "--stop".into(),
            format!("{} stop", self.svc.display()),
            "--start".into(),
            format!("{} start", self.svc.display()),
        ]
    }

    /// Starts a gateway through the service manager, as ocgen would.
    pub fn start(&self, name: &str, openclaw: &Path) {
        self.svc(name, "start", openclaw);
    }

    /// Stops a gateway through the service manager.
    pub fn stop(&self, name: &str) {
        self.svc(name, "stop", &self.openclaw.clone());
    }

    fn svc(&self, name: &str, action: &str, openclaw: &Path) {
        let plan = self.plan();
        let g = plan.gateway(name).unwrap();
        let env_file = g.host_paths().unwrap().env_file(&g.name);
        let st = Command::new(&self.svc)
            .arg(action)
            .env("OCGEN_GATEWAY", name)
            .env("OCGEN_ENV_FILE", env_file)
            .env("OCGEN_OPENCLAW", openclaw)
            .env("OCGEN_STATE_DIR", &g.host_paths().unwrap().state_dir)
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// Waits until the gateway answers /healthz (a watchdog against hangs only).
    pub fn wait_healthy(&self, name: &str) {
        let plan = self.plan();
        let g = plan.gateway(name).unwrap();
        let start = Instant::now();
        loop {
            let addr = std::net::SocketAddr::from((ocgen::plan::PROBE_ADDR, g.port));
            if let Ok(r) =
                ocgen::host::http_get(addr, ocgen::plan::HEALTH_PATH, Duration::from_millis(500))
                && r.status == 200
            {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(600),
                "{name} not healthy:\n{}",
                self.log(name)
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The tail of a gateway's output.
    pub fn log(&self, name: &str) -> String {
        let plan = self.plan();
        let g = plan.gateway(name).unwrap();
        let out = g
            .host_paths()
            .unwrap()
            .env_file(&g.name)
            .replace(".env", ".out");
        let text = fs::read_to_string(out).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Runs `openclaw ARGS` as the gateway `name` sees it (its env file).
    pub fn openclaw_as(&self, name: &str, openclaw: &Path, args: &str) -> Output {
        let plan = self.plan();
        let g = plan.gateway(name).unwrap();
        let env_file = g.host_paths().unwrap().env_file(&g.name);
        Command::new("sh")
            .arg("-c")
            .arg(format!("set -a; . \"$1\"; set +a; exec \"$2\" {args}"))
            .arg("sh")
            .arg(env_file)
            .arg(openclaw)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    /// Every process whose environment names a state dir under the root.
    pub fn processes(&self) -> Vec<Pid> {
        let needle = format!("OPENCLAW_STATE_DIR={}", self.root.display());
        let mut out = Vec::new();
        for e in fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(env) = fs::read(format!("/proc/{pid}/environ")) else {
                continue;
            };
            if env
                .split(|b| *b == 0)
                .any(|v| v.starts_with(needle.as_bytes()))
                && stat(pid).is_some_and(|s| s.3 != 'Z')
                && let Some(p) = Pid::of(pid)
            {
                out.push(p);
            }
        }
        out
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let procs = self.processes();
        for p in &procs {
            p.signal("-TERM");
        }
        let start = Instant::now();
        while procs.iter().any(|p| p.alive()) && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(200));
        }
        for p in &procs {
            p.signal("-KILL");
        }
    }
}
