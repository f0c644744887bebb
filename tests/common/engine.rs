//! A real Docker engine for tests: `../shared/tools/docker-offline.sh`
//! (dockerd 20.10, Compose v2.40.3, an OpenClaw image built offline), one
//! compose project per test, taken down with the engine by [`Guard`].
//!
//! Several test binaries may use one engine at once (CI runs the
//! Kubernetes node's test beside the others, and it may need the engine
//! to import the image): each holds a shared lock on `users.lock` in the
//! engine's state directory while it uses it, and only the last one
//! stops the engine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::root;

fn say(msg: &str) {
    eprintln!("engine: {msg}");
}

/// The engine of this test run.
pub struct Engine {
    /// Compose project name.
    pub project: &'static str,
    script: PathBuf,
    state: PathBuf,
    vars: Vec<(String, String)>,
    /// Held shared while this user needs the engine.
    users: std::fs::File,
}

impl Engine {
    /// Starts (or reuses) the engine and makes sure the image exists.
    pub fn start(project: &'static str) -> Option<Engine> {
        let script = root().join("../shared/tools/docker-offline.sh");
        let missing = if !script.is_file() {
            Some(format!("{} not found", script.display()))
        } else if Command::new("docker").arg("--version").output().is_err()
            && !Path::new("/usr/bin/apt-get").exists()
        {
            Some("no docker CLI and no apt-get to install it".to_string())
        } else {
            None
        };
        if let Some(why) = missing {
            super::skip(&why);
            return None;
        }
        let tools = super::tools_dir();
        // OCGEN_DOCKER_STATE: an engine of one's own (several test runs on
        // one machine would otherwise stop each other's engine).
        let state = std::env::var_os("OCGEN_DOCKER_STATE")
            .map_or_else(|| tools.join("docker"), PathBuf::from);
        std::fs::create_dir_all(&state).unwrap();
        // Taken before the start: a last user stopping the engine holds
        // it exclusively, and this start waits until that stop is done.
        let users = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(state.join("users.lock"))
            .unwrap();
        users.lock_shared().unwrap();
        let out = Command::new("timeout")
            .args(["600", "bash"])
            .arg(&script)
            .arg("start")
            .arg(&state)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker-offline.sh start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let vars: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches(['\'', '"']).to_string()))
            .collect();
        assert!(
            vars.iter().any(|(k, _)| k == "DOCKER_HOST"),
            "no DOCKER_HOST from start: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let engine = Engine {
            project,
            script,
            state,
            vars,
            users,
        };
        let mut image = Command::new("timeout");
        image
            .args(["900", "bash"])
            .arg(&engine.script)
            .arg("image")
            .arg(&engine.state);
        let prefix = tools.join(format!("openclaw-{}", ocgen::plan::OPENCLAW_VERSION));
        if prefix.join("node_modules/openclaw").is_dir() {
            image.env("DOCKER_OFFLINE_OPENCLAW_PREFIX", &prefix);
        }
        let out = image.output().unwrap();
        assert!(
            out.status.success(),
            "docker-offline.sh image: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(engine)
    }

    /// Builds (once: later runs find it) the image of another OpenClaw
    /// release under its default tag `ghcr.io/openclaw/openclaw:<version>`,
    /// from the npm tree .ci/install-tools.sh keeps when it has one.
    pub fn release_image(&self, version: &str) -> String {
        let mut image = Command::new("timeout");
        image
            .args(["900", "bash"])
            .arg(&self.script)
            .arg("image")
            .arg(&self.state)
            .env("DOCKER_OFFLINE_OPENCLAW_VERSION", version);
        let prefix = super::tools_dir().join(format!("openclaw-{version}"));
        if prefix.join("node_modules/openclaw").is_dir() {
            image.env("DOCKER_OFFLINE_OPENCLAW_PREFIX", &prefix);
        }
        let out = image.output().unwrap();
        assert!(
            out.status.success(),
            "docker-offline.sh image ({version}): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("ghcr.io/openclaw/openclaw:{version}")
    }

    /// `docker build -t TAG -` of a Dockerfile without context.
    pub fn build(&self, tag: &str, dockerfile: &str) {
        use std::io::Write as _;
        let mut child = Command::new("timeout")
            .args(["600", "docker", "build", "-q", "-t", tag, "-"])
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(dockerfile.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "docker build {tag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// This user is done with the engine: the last one stops it (its
    /// containers with it); while another test binary still holds its
    /// shared lock, the engine keeps running for it.
    pub fn stop(&self) {
        let _ = self.users.unlock();
        if self.users.try_lock().is_err() {
            say("still in use by another test binary: left running");
            return;
        }
        let _ = Command::new("timeout")
            .args(["120", "bash"])
            .arg(&self.script)
            .arg("stop")
            .arg(&self.state)
            .output();
        let _ = self.users.unlock();
    }

    /// `docker ARGS` against this engine, with a timeout against hangs.
    pub fn docker(&self, dir: &Path, args: &[&str]) -> Output {
        Command::new("timeout")
            .arg("600")
            .arg("docker")
            .args(args)
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .current_dir(dir)
            .output()
            .unwrap()
    }

    /// The variables that point the docker CLI at this engine
    /// (`DOCKER_HOST`), for other programs that run it (`ocgen doctor`).
    pub fn vars(&self) -> &[(String, String)] {
        &self.vars
    }

    /// `docker ARGS` that must succeed; its standard output.
    pub fn ok(&self, dir: &Path, args: &[&str]) -> String {
        let o = self.docker(dir, args);
        assert!(
            o.status.success(),
            "docker {}: {}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr),
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    pub fn compose(&self, dir: &Path, args: &[&str]) -> String {
        let mut all = vec!["compose", "-p", self.project, "-f", "compose.yaml"];
        all.extend_from_slice(args);
        self.ok(dir, &all)
    }

    pub fn inspect(&self, dir: &Path, container: &str) -> Value {
        let v: Value = serde_json::from_str(&self.ok(dir, &["inspect", container])).unwrap();
        v[0].clone()
    }
}

/// Takes the project down (volumes too) and stops the engine, also when
/// the test panics.
pub struct Guard<'a> {
    /// The engine.
    pub engine: &'a Engine,
    /// The directory of `compose.yaml`.
    pub dir: PathBuf,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if self.dir.join("compose.yaml").is_file() {
            let o = self.engine.docker(
                &self.dir,
                &[
                    "compose",
                    "-p",
                    self.engine.project,
                    "-f",
                    "compose.yaml",
                    "down",
                    "-v",
                    "--timeout",
                    "30",
                ],
            );
            if !o.status.success() {
                say(&format!("down: {}", String::from_utf8_lossy(&o.stderr)));
            }
        }
        self.engine.stop();
    }
}
