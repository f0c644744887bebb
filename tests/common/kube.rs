//! A real one-node Kubernetes cluster for tests: `../shared/tools/kube-node.sh`
//! (API server, controller manager, scheduler and kubelet v1.20.2 on
//! containerd, bridge CNI, local PersistentVolumes), with the OpenClaw image
//! imported from the Docker engine of [`super::engine`]. One node per test
//! binary; [`Node`]'s `Drop` stops it (pods, daemons, mounts, the bridge),
//! whether the test passed or failed.
//!
//! The node exists once per machine (its bridge, subnet and cgroups are
//! fixed names): `OCGEN_KUBE_NODE_STATE` moves its state directory (default
//! `$OCGEN_TOOLS/kube-node`), nothing else.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{root, skip, tool, tools_dir};

/// How long a wait on the cluster may take before the test calls it a
/// hang: a watchdog, never a speed limit (a gateway's first start on a
/// loaded 2-core machine takes minutes, not seconds).
pub const WATCHDOG: Duration = Duration::from_secs(900);

pub fn say(msg: &str) {
    eprintln!("kube-node: {msg}");
}

/// A running node, stopped when dropped.
pub struct Node {
    script: PathBuf,
    /// The node's state directory.
    pub state: PathBuf,
    kubeconfig: PathBuf,
}

impl Node {
    /// Starts the node (or reuses one running for the same state
    /// directory) and makes sure it holds `image`. None (after `skip`)
    /// where it cannot run: no script, not root, no kubectl.
    pub fn start(image: &str) -> Option<Node> {
        let script = root().join("../shared/tools/kube-node.sh");
        let why = if !script.is_file() {
            Some(format!("{} not found", script.display()))
        } else if !is_root() {
            Some("kube-node.sh needs root (containerd, cgroups, a bridge)".to_string())
        } else {
            None
        };
        if let Some(why) = why {
            skip(&why);
            return None;
        }
        tool("kubectl")?;
        let state = std::env::var_os("OCGEN_KUBE_NODE_STATE")
            .map_or_else(|| tools_dir().join("kube-node"), PathBuf::from);
        std::fs::create_dir_all(&state).unwrap();
        let node = Node {
            script,
            kubeconfig: state.join("kubeconfig"),
            state,
        };
        let out = node.script(&["start"], 600);
        assert!(
            out.status.success(),
            "kube-node.sh start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        say(&format!("node ready: {}", node.state.display()));
        node.import(image);
        Some(node)
    }

    /// `bash kube-node.sh CMD STATE ARGS...` with a timeout against hangs.
    fn script(&self, args: &[&str], secs: u32) -> Output {
        Command::new("timeout")
            .arg(secs.to_string())
            .arg("bash")
            .arg(&self.script)
            .arg(args[0])
            .arg(&self.state)
            .args(&args[1..])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// The image in the node's containerd: already there (images survive
    /// `stop`), or saved from the Docker engine, which is started for it
    /// (building the image on its first run) and stopped again.
    fn import(&self, image: &str) {
        let listed = Command::new("ctr")
            .arg("--address")
            .arg(self.state.join("containerd/containerd.sock"))
            .args(["-n", "k8s.io", "images", "ls", "-q"])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&listed.stdout)
            .lines()
            .any(|l| l == image)
        {
            say(&format!("{image} already on the node"));
            return;
        }
        let Some(engine) = super::engine::Engine::start("ocgen-kube-node") else {
            panic!("no Docker engine to import {image} from");
        };
        let out = Command::new("timeout")
            .args(["900", "bash"])
            .arg(&self.script)
            .arg("image")
            .arg(&self.state)
            .arg(image)
            .envs(engine.vars().iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        engine.stop();
        assert!(
            out.status.success(),
            "kube-node.sh image: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        say(&format!("imported {image}"));
    }

    /// `kubectl ARGS` against the node, with a timeout against hangs.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_in(args, None)
    }

    /// `kubectl ARGS` with `input` on its standard input.
    pub fn kubectl_in(&self, args: &[&str], input: Option<&str>) -> Output {
        let mut child = Command::new("timeout")
            .args(["300", "kubectl", "--kubeconfig"])
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.state.join("cache"))
            .args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(text) = input {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// `kubectl ARGS` that must succeed: its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.kubectl(args);
        assert!(
            o.status.success(),
            "kubectl {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr),
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `kubectl apply -f -` of `yaml`, which must succeed.
    pub fn apply(&self, yaml: &str) -> String {
        let o = self.kubectl_in(&["apply", "-f", "-"], Some(yaml));
        assert!(
            o.status.success(),
            "kubectl apply: {}{}",
            String::from_utf8_lossy(&o.stderr),
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `kubectl get ARGS -o json`, parsed.
    pub fn get(&self, args: &[&str]) -> Value {
        let mut all = vec!["get"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", "json"]);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// A pod's object, or None while it does not exist.
    pub fn pod(&self, ns: &str, name: &str) -> Option<Value> {
        let o = self.kubectl(&["-n", ns, "get", "pod", name, "-o", "json"]);
        o.status
            .success()
            .then(|| serde_json::from_slice(&o.stdout).ok())
            .flatten()
    }

    /// `kubectl exec` of `cmd` in a pod's gateway container; its output,
    /// whatever its exit status.
    pub fn exec(&self, ns: &str, pod: &str, cmd: &[&str]) -> Output {
        let mut all = vec!["-n", ns, "exec", pod, "-c", "gateway", "--"];
        all.extend_from_slice(cmd);
        self.kubectl(&all)
    }

    /// `node -e SCRIPT` in a pod's gateway container, which must exit 0:
    /// its standard output.
    pub fn node_eval(&self, ns: &str, pod: &str, script: &str) -> String {
        let o = self.exec(ns, pod, &["node", "-e", script]);
        assert!(
            o.status.success(),
            "{ns}/{pod}: node -e {script}: {}{}",
            String::from_utf8_lossy(&o.stderr),
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `kube-node.sh pv NAME SIZE CLASS NS/CLAIM`: a local volume reserved
    /// for one claim.
    pub fn pv(&self, name: &str, size: &str, class: &str, claim: &str) {
        let out = self.script(&["pv", name, size, class, claim], 120);
        assert!(
            out.status.success(),
            "kube-node.sh pv {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// What the cluster says about a namespace: for a failure's message.
    pub fn describe(&self, ns: &str) -> String {
        let mut text = String::new();
        for args in [
            &["-n", ns, "get", "pods,pvc,statefulsets", "-o", "wide"][..],
            &["-n", ns, "describe", "pods"][..],
            &["-n", ns, "get", "events", "--sort-by=.lastTimestamp"][..],
            &[
                "-n",
                ns,
                "logs",
                "--all-containers",
                "--tail=40",
                "-l",
                "app.kubernetes.io/name=openclaw",
                "--prefix",
            ][..],
        ] {
            let o = self.kubectl(args);
            text.push_str(&format!(
                "$ kubectl {}\n{}{}\n",
                args.join(" "),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        text
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let out = self.script(&["stop"], 300);
        if !out.status.success() {
            say(&format!("stop: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Waits until `ok` holds, checking every two seconds; panics with
/// `what` and `context()` when the watchdog (against hangs) runs out.
pub fn wait_for(what: &str, mut ok: impl FnMut() -> bool, context: impl Fn() -> String) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < WATCHDOG,
            "{what}: not within {WATCHDOG:?} (a hang)\n{}",
            context()
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    say(what);
}

/// Whether a pod is Ready (its `Ready` condition true).
pub fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Restarts of a pod's containers, init containers included.
pub fn restarts(pod: &Value) -> u64 {
    ["containerStatuses", "initContainerStatuses"]
        .iter()
        .flat_map(|k| pod["status"][k].as_array().cloned().unwrap_or_default())
        .map(|s| s["restartCount"].as_u64().unwrap_or(0))
        .sum()
}

/// Kubernetes' path of a file under the repository, for messages.
pub fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}
