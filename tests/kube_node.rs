//! `ocgen kube` on a real Kubernetes node: the manifests of every example
//! with a `kubernetes` target, unchanged, applied to a one-node v1.20.2
//! cluster (`../shared/tools/kube-node.sh`: kubelet on containerd, bridge
//! CNI, local volumes) running the OpenClaw image ocgen pins. What the API
//! server alone proves is in tests/kubernetes.rs; this suite proves what
//! only running pods can:
//!
//! - every pod becomes Ready and none restarts in the minute after;
//! - each gateway answers `/healthz` and `/startupz` on its pod's address
//!   at its planned port;
//! - every process of a pod runs as uid 1000 with no capabilities, seccomp
//!   and `no_new_privs`, on a read-only root, and writes where ocgen gave
//!   it room (cache, OAuth key directory, /tmp);
//! - a managed config is its ConfigMap, read-only; a seeded one is copied
//!   once (0600), `openclaw config set` edits it in the pod (OpenClaw's
//!   state dir is a directory its user owns), and the edit survives a new
//!   pod;
//! - each gateway holds its own Secret's token, accepts it and refuses
//!   another gateway's;
//! - the state volume survives the deletion of every pod;
//! - a changed config replaces its gateway's pod and no other, an image
//!   change (an upgrade) likewise, a seeded copy stays as OpenClaw left it
//!   until it is deleted, and a broken revision (a crash loop) is replaced
//!   by its fix without anyone deleting a pod;
//! - StatefulSets of an earlier ocgen (`OrderedReady`, the state at the
//!   claim's root) are taken over after the documented orphaning step, and
//!   their state moved into `.ocgen-state`;
//! - a backup CronJob's Job template, run as a Job beside its gateway,
//!   makes an archive that passes `openclaw backup verify`, and keeps
//!   `keep` of them (the CronJob itself needs Kubernetes 1.21: see
//!   tests/kubernetes.rs).
//!
//! One node serves everything, started once and stopped by its guard even
//! when a check fails; the fleets run side by side, each in its own
//! namespaces. NetworkPolicies are applied but not enforced by the bridge
//! CNI: tests/kubernetes.rs checks them by reading. No timing is asserted:
//! every wait is a watchdog against hangs.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use common::kube::{Node, is_ready, restarts, say, wait_for};
use common::{root, run_in, setup, stderr, stdout, tool};
use ocgen::model::ConfigMode;
use ocgen::plan::{
    CONTAINER_CONFIG_PATH, CONTAINER_SEEDED_CONFIG_PATH, DEFAULT_IMAGE, HEALTH_PATH, Plan,
    STARTUP_PATH, Target,
};
use serde_json::{Value, json};

/// One fleet: an `ocgen.yaml`, its plan and its manifests as applied.
struct Fleet {
    name: String,
    yaml: String,
    plan: Plan,
    docs: Vec<Value>,
    manifests: String,
}

impl Fleet {
    /// The fleet of `examples/<name>.yaml`, as `ocgen kube` renders it.
    fn example(name: &str) -> Fleet {
        let yaml = std::fs::read_to_string(root().join(format!("examples/{name}.yaml"))).unwrap();
        Fleet::of(name, &yaml)
    }

    fn of(name: &str, yaml: &str) -> Fleet {
        let doc = ocgen::model::load(yaml).unwrap_or_else(|p| panic!("{name}: {}", p[0].message));
        let plan = ocgen::plan::plan_for(&doc, Some(Target::Kubernetes))
            .unwrap_or_else(|p| panic!("{name}: {}", p[0].message));
        let d = setup(yaml);
        let o = run_in(d.path(), &["kube"]);
        assert!(o.status.success(), "{name}: ocgen kube: {}", stderr(&o));
        let mut manifests = stdout(&o);
        let docs: Vec<Value> = serde_saphyr::from_str_multiple(&manifests).unwrap();
        let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
        // The node is Kubernetes 1.20, which has no `batch/v1` CronJob:
        // everything else is applied as ocgen wrote it, and the backups
        // phase runs each CronJob's Job template as a Job.
        if docs.iter().any(|d| d["kind"] == "CronJob") {
            let served: Vec<&Value> = docs.iter().filter(|d| d["kind"] != "CronJob").collect();
            manifests = json!({ "apiVersion": "v1", "kind": "List", "items": served }).to_string();
        }
        Fleet {
            name: name.to_string(),
            yaml: yaml.to_string(),
            plan,
            docs,
            manifests,
        }
    }

    /// The same fleet from an edited `ocgen.yaml`.
    fn edited(&self, from: &str, to: &str) -> Fleet {
        assert!(self.yaml.contains(from), "{}: no {from:?}", self.name);
        Fleet::of(&self.name, &self.yaml.replacen(from, to, 1))
    }

    fn namespaces(&self) -> Vec<String> {
        let mut ns: Vec<String> = self
            .plan
            .gateways
            .iter()
            .map(|g| g.kube.namespace.clone())
            .collect();
        ns.dedup();
        ns.sort();
        ns.dedup();
        ns
    }

    fn gateways(&self) -> Vec<Gw> {
        self.plan
            .gateways
            .iter()
            .map(|g| Gw {
                name: g.name.clone(),
                ns: g.kube.namespace.clone(),
                object: g.kube.object.clone(),
                pod: format!("{}-0", g.kube.object),
                port: g.port,
                seeded: g.config_mode == ConfigMode::Seeded,
                secret: g.kube.secret.clone(),
            })
            .collect()
    }

    fn find(&self, kind: &str, ns: &str, name: &str) -> &Value {
        self.docs
            .iter()
            .find(|d| {
                d["kind"] == kind
                    && d["metadata"]["name"] == name
                    && d["metadata"]["namespace"] == ns
            })
            .unwrap_or_else(|| panic!("{}: no {kind} {ns}/{name}", self.name))
    }
}

/// One gateway as it runs in the cluster.
#[derive(Clone, Debug)]
struct Gw {
    name: String,
    ns: String,
    object: String,
    pod: String,
    port: u16,
    seeded: bool,
    secret: String,
}

impl Gw {
    fn id(&self) -> String {
        format!("{}/{}", self.ns, self.pod)
    }
}

/// Secret values: `(namespace, Secret) -> key -> value`, made up here and
/// unguessable by the other gateways.
type Secrets = BTreeMap<(String, String), BTreeMap<String, String>>;

fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .unwrap();
    bytes.iter().fold(String::new(), |mut h, b| {
        let _ = write!(h, "{b:02x}");
        h
    })
}

/// Namespaces, the Secrets each pod reads (every key its manifest names,
/// with a value of its own) and one local volume per claim, then every
/// manifest of the fleet.
fn deploy(node: &Node, fleet: &Fleet, secrets: &mut Secrets) {
    deploy_prerequisites(node, fleet, secrets);
    node.apply(&fleet.manifests);
    say(&format!("{}: applied", fleet.name));
}

/// What the README has a user create before `kubectl apply`: the
/// namespaces, each gateway's Secret, and (on this node, which provisions
/// nothing) a volume per claim.
fn deploy_prerequisites(node: &Node, fleet: &Fleet, secrets: &mut Secrets) {
    for ns in fleet.namespaces() {
        let doc = fleet
            .docs
            .iter()
            .find(|d| d["kind"] == "Namespace" && d["metadata"]["name"] == ns.as_str())
            .unwrap_or_else(|| panic!("{}: no Namespace {ns}", fleet.name));
        node.apply(&doc.to_string());
    }
    for sts in fleet.docs.iter().filter(|d| d["kind"] == "StatefulSet") {
        let ns = sts["metadata"]["namespace"].as_str().unwrap();
        let name = sts["metadata"]["name"].as_str().unwrap();
        let pod = &sts["spec"]["template"]["spec"];
        let mut wanted: Vec<(String, String)> = Vec::new();
        for c in pod["containers"]
            .as_array()
            .into_iter()
            .chain(pod["initContainers"].as_array())
            .flatten()
        {
            for e in c["env"].as_array().into_iter().flatten() {
                let r = &e["valueFrom"]["secretKeyRef"];
                if r.is_object() {
                    wanted.push((
                        r["name"].as_str().unwrap().into(),
                        r["key"].as_str().unwrap().into(),
                    ));
                }
            }
        }
        for v in pod["volumes"].as_array().into_iter().flatten() {
            for item in v["secret"]["items"].as_array().into_iter().flatten() {
                wanted.push((
                    v["secret"]["secretName"].as_str().unwrap().into(),
                    item["key"].as_str().unwrap().into(),
                ));
            }
        }
        for (secret, key) in wanted {
            let value = format!(
                "{name}-{}-{}",
                key.to_ascii_lowercase().replace('_', "-"),
                random_hex()
            );
            secrets
                .entry((ns.to_string(), secret))
                .or_default()
                .entry(key)
                .or_insert(value);
        }
        for t in sts["spec"]["volumeClaimTemplates"].as_array().unwrap() {
            let claim = format!("{}-{name}-0", t["metadata"]["name"].as_str().unwrap());
            let class = t["spec"]["storageClassName"]
                .as_str()
                .unwrap_or("kube-node");
            let size = t["spec"]["resources"]["requests"]["storage"]
                .as_str()
                .unwrap();
            node.pv(
                &format!("{ns}-{claim}"),
                size,
                class,
                &format!("{ns}/{claim}"),
            );
        }
    }
    // Claims of their own (the backups'), one volume each.
    for c in fleet
        .docs
        .iter()
        .filter(|d| d["kind"] == "PersistentVolumeClaim")
    {
        let ns = c["metadata"]["namespace"].as_str().unwrap();
        let claim = c["metadata"]["name"].as_str().unwrap();
        node.pv(
            &format!("{ns}-{claim}"),
            c["spec"]["resources"]["requests"]["storage"]
                .as_str()
                .unwrap(),
            c["spec"]["storageClassName"]
                .as_str()
                .unwrap_or("kube-node"),
            &format!("{ns}/{claim}"),
        );
    }
    for ((ns, name), data) in secrets.iter() {
        if fleet.namespaces().contains(ns) {
            node.apply(
                &json!({
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": { "name": name, "namespace": ns },
                    "stringData": data,
                })
                .to_string(),
            );
        }
    }
}

fn pod_of(node: &Node, g: &Gw) -> Option<Value> {
    node.pod(&g.ns, &g.pod)
}

fn uid(pod: &Value) -> String {
    pod["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Waits until the gateway's pod is Ready and is not the pod `old` (a
/// replaced one), and belongs to the StatefulSet's current revision.
fn wait_ready(node: &Node, g: &Gw, old: Option<&str>) -> Value {
    let mut last = None;
    wait_for(
        &format!("{} Ready", g.id()),
        || {
            let Some(pod) = pod_of(node, g) else {
                return false;
            };
            let sts = node.get(&["-n", &g.ns, "statefulset", &g.object]);
            let current = pod["metadata"]["labels"]["controller-revision-hash"]
                == sts["status"]["updateRevision"];
            let ok = is_ready(&pod) && current && old.is_none_or(|o| uid(&pod) != o);
            last = Some(pod);
            ok
        },
        || node.describe(&g.ns),
    );
    last.unwrap()
}

/// `GET path` on the pod's own address at the gateway's planned port.
fn probe(pod: &Value, port: u16, path: &str) -> (u16, Value) {
    let ip: IpAddr = pod["status"]["podIP"].as_str().unwrap().parse().unwrap();
    let r = ocgen::host::http_get(SocketAddr::new(ip, port), path, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("GET {ip}:{port}{path}: {e:?}"));
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

/// What the processes of a pod's gateway container are: for each, its
/// name, command line, ids, capability sets, seccomp mode and
/// `no_new_privs`; and the gateway's own environment (read here, never
/// printed: it holds the token). Left out: this script's own `node -e`,
/// and `runc init`, the runtime's stage of an exec (a probe every 2 s)
/// that has not yet become the process it starts, with its user,
/// capabilities and seccomp filter (seen on the node).
const PROCESSES: &str = r"
const fs=require('fs');
const out=[];
for (const p of fs.readdirSync('/proc').filter(d=>/^\d+$/.test(d))) {
  try {
    const st=Object.fromEntries(fs.readFileSync(`/proc/${p}/status`,'utf8').trim().split('\n').map(l=>l.split(/:\s*/)));
    const cmd=fs.readFileSync(`/proc/${p}/cmdline`,'utf8').split('\0').filter(Boolean);
    if (cmd[0]==='node' && cmd[1]==='-e') continue;
    if (cmd[0]==='runc' && cmd[1]==='init') continue;
    const env=cmd.includes('gateway')?Object.fromEntries(fs.readFileSync(`/proc/${p}/environ`,'utf8').split('\0').filter(Boolean).map(l=>[l.slice(0,l.indexOf('=')),l.slice(l.indexOf('=')+1)])):null;
    out.push({pid:+p,cmd,uid:st.Uid,gid:st.Gid,capEff:st.CapEff,capPrm:st.CapPrm,capBnd:st.CapBnd,seccomp:st.Seccomp,nnp:st.NoNewPrivs,env});
  } catch (e) {}
}
process.stdout.write(JSON.stringify(out));
";

/// Tries to write a file at each path: `path -> "ok"` or the error code.
fn writes(node: &Node, g: &Gw, paths: &[&str]) -> BTreeMap<String, String> {
    let script = format!(
        "const fs=require('fs'),r={{}};for(const p of {}){{try{{fs.writeFileSync(p,'x');fs.rmSync(p);r[p]='ok'}}catch(e){{r[p]=e.code}}}}process.stdout.write(JSON.stringify(r))",
        json!(paths)
    );
    serde_json::from_str(&node.node_eval(&g.ns, &g.pod, &script)).unwrap()
}

/// A file in the pod: its text, mode and owner.
fn stat(node: &Node, g: &Gw, path: &str) -> Value {
    let script = format!(
        "const fs=require('fs'),p={};const s=fs.statSync(p);process.stdout.write(JSON.stringify({{mode:s.mode&0o7777,uid:s.uid,text:fs.readFileSync(p,'utf8')}}))",
        json!(path)
    );
    serde_json::from_str(&node.node_eval(&g.ns, &g.pod, &script)).unwrap()
}

/// `openclaw gateway call health` from the host to the pod's address with
/// a token (or password): whether the gateway accepted it, and its output.
fn call_health(
    openclaw: &std::path::Path,
    pod: &Value,
    port: u16,
    flag: &str,
    secret: &str,
) -> (bool, String) {
    let home = tempfile::tempdir().unwrap();
    let ip = pod["status"]["podIP"].as_str().unwrap();
    let o = std::process::Command::new("timeout")
        .arg("120")
        .arg(openclaw)
        .args(["gateway", "call", "health", "--json", "--timeout", "30000"])
        .arg("--url")
        .arg(format!("ws://{ip}:{port}"))
        .arg(flag)
        .arg(secret)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .output()
        .unwrap();
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

/// The token (or password) a gateway authenticates with, from the
/// manifest: the variable its pod reads from its Secret, or the Secret's
/// `auth-file` key; and the flag the CLI passes it with.
fn credential(fleet: &Fleet, g: &Gw, secrets: &Secrets) -> (&'static str, String) {
    let plan_gw = fleet
        .plan
        .gateways
        .iter()
        .find(|p| p.name == g.name)
        .unwrap();
    let view = plan_gw.pod_runtime();
    let auth = view.auth.as_ref().expect("a pod always has auth");
    let flag = match auth.mode {
        ocgen::model::AuthMode::Password => "--password",
        _ => "--token",
    };
    let key = match auth.secret.as_ref().unwrap() {
        ocgen::plan::SecretSource::Env(var) => var.clone(),
        ocgen::plan::SecretSource::File(_) => ocgen::plan::KUBE_AUTH_FILE_KEY.to_string(),
    };
    (
        flag,
        secrets[&(g.ns.clone(), g.secret.clone())][&key].clone(),
    )
}

/// Everything a running pod must show, checked in the pod and from the
/// host.
fn check_running(
    node: &Node,
    fleet: &Fleet,
    g: &Gw,
    pod: &Value,
    secrets: &Secrets,
    openclaw: &std::path::Path,
) {
    let id = g.id();
    // Probes on the pod's own address, at the planned port.
    let (status, body) = probe(pod, g.port, HEALTH_PATH);
    assert!(
        ocgen::plan::is_healthy(status, &body),
        "{id}: /healthz {status} {body}"
    );
    let (status, body) = probe(pod, g.port, STARTUP_PATH);
    assert!(
        ocgen::plan::is_started(status, &body),
        "{id}: /startupz {status} {body}"
    );

    // Every process: uid/gid 1000, no capabilities, seccomp filter,
    // no_new_privs.
    let procs: Vec<Value> =
        serde_json::from_str(&node.node_eval(&g.ns, &g.pod, PROCESSES)).unwrap();
    let gateway: Vec<&Value> = procs.iter().filter(|p| !p["env"].is_null()).collect();
    assert!(!gateway.is_empty(), "{id}: no gateway process in {procs:?}");
    for p in &procs {
        let what = format!("{id}: {}", p["cmd"]);
        for ids in ["uid", "gid"] {
            let v: Vec<&str> = p[ids].as_str().unwrap().split_whitespace().collect();
            assert!(v.iter().all(|x| *x == "1000"), "{what}: {ids} {v:?}");
        }
        for caps in ["capEff", "capPrm", "capBnd"] {
            assert_eq!(p[caps], "0000000000000000", "{what}: {caps}");
        }
        assert_eq!(p["seccomp"], "2", "{what}: seccomp is not a filter");
        assert_eq!(p["nnp"], "1", "{what}: no_new_privs");
    }
    let env = &gateway[0]["env"];

    // A read-only root, and room where OpenClaw writes.
    let w = writes(
        node,
        g,
        &[
            "/ocgen-probe",
            "/home/node/ocgen-probe",
            "/app/ocgen-probe",
            "/tmp/ocgen-probe",
            "/home/node/.openclaw/cache/ocgen-probe",
            "/home/node/.config/openclaw/ocgen-probe",
            "/home/node/.openclaw/workspace/ocgen-probe",
        ],
    );
    for p in ["/ocgen-probe", "/home/node/ocgen-probe", "/app/ocgen-probe"] {
        assert_eq!(w[p], "EROFS", "{id}: {p} is writable: {w:?}");
    }
    for (p, r) in &w {
        if !["/ocgen-probe", "/home/node/ocgen-probe", "/app/ocgen-probe"].contains(&p.as_str()) {
            assert_eq!(r, "ok", "{id}: cannot write {p}: {w:?}");
        }
    }
    // What OpenClaw put outside its state dir went where ocgen said.
    assert_eq!(env["XDG_CACHE_HOME"], "/home/node/.openclaw/cache", "{id}");
    let tmp = node.node_eval(
        &g.ns,
        &g.pod,
        "process.stdout.write(require('fs').readdirSync('/tmp').join('\\n'))",
    );
    assert!(
        tmp.lines().any(|l| l == "openclaw-state-locks-1000"),
        "{id}: no state locks in /tmp: {tmp}"
    );
    // OpenClaw's state dir and the OAuth key directory belong to its user
    // (directories of the claim that the init container made), so that
    // OpenClaw may set their modes; the claim's root belongs to root.
    let owners = node.node_eval(
        &g.ns,
        &g.pod,
        "const fs=require('fs');process.stdout.write(['/home/node/.openclaw','/home/node/.config/openclaw'].map(p=>fs.statSync(p).uid).join(' '))",
    );
    assert_eq!(
        owners, "1000 1000",
        "{id}: owners of the state and OAuth dirs"
    );

    // The config: the ConfigMap itself, read-only; or a private copy.
    let cm = node.get(&["-n", &g.ns, "configmap", &format!("{}-config", g.object)]);
    let from_cm = cm["data"]["openclaw.json"].as_str().unwrap();
    let rendered =
        fleet.find("ConfigMap", &g.ns, &format!("{}-config", g.object))["data"]["openclaw.json"]
            .as_str()
            .unwrap();
    assert_eq!(from_cm, rendered, "{id}: the ConfigMap is not ocgen's");
    if g.seeded {
        assert_eq!(
            env["OPENCLAW_CONFIG_PATH"], "/home/node/.openclaw/openclaw.json",
            "{id}"
        );
        assert!(env.get("OPENCLAW_CONFIG_READONLY").is_none(), "{id}");
        let f = stat(node, g, "/home/node/.openclaw/openclaw.json");
        assert_eq!(f["mode"], 0o600, "{id}: seeded copy mode");
        assert_eq!(f["uid"], 1000, "{id}: seeded copy owner");
    } else {
        assert_eq!(
            env["OPENCLAW_CONFIG_PATH"], "/etc/openclaw/openclaw.json",
            "{id}"
        );
        assert_eq!(env["OPENCLAW_CONFIG_READONLY"], "1", "{id}");
        let f = stat(node, g, "/etc/openclaw/openclaw.json");
        assert_eq!(f["text"], from_cm, "{id}: the config is not its ConfigMap");
        let w = writes(
            node,
            g,
            &["/etc/openclaw/openclaw.json", "/etc/openclaw/other.json"],
        );
        assert!(
            w.values().all(|r| r != "ok"),
            "{id}: the config is writable: {w:?}"
        );
    }

    // Its own Secret's token, accepted; every other gateway's refused.
    let (flag, own) = credential(fleet, g, secrets);
    let var = fleet
        .plan
        .gateways
        .iter()
        .find(|p| p.name == g.name)
        .and_then(|p| match p.pod_runtime().auth.and_then(|a| a.secret) {
            Some(ocgen::plan::SecretSource::Env(v)) => Some(v),
            _ => None,
        });
    if let Some(var) = var {
        assert!(
            env[&var].as_str() == Some(own.as_str()),
            "{id}: {var} is not its own Secret's"
        );
    }
    for ((ns, secret), data) in secrets {
        if (ns, secret) != (&g.ns, &g.secret) {
            for v in data.values() {
                assert!(
                    env.as_object()
                        .unwrap()
                        .values()
                        .all(|e| e.as_str() != Some(v.as_str())),
                    "{id}: holds a value of {ns}/{secret}"
                );
            }
        }
    }
    let (ok, out) = call_health(openclaw, pod, g.port, flag, &own);
    assert!(ok, "{id} refuses its own {flag}: {out}");
    let other = secrets
        .iter()
        .filter(|(k, _)| *k != &(g.ns.clone(), g.secret.clone()))
        .flat_map(|(_, d)| d.values())
        .next()
        .unwrap();
    let (ok, out) = call_health(openclaw, pod, g.port, flag, other);
    assert!(!ok, "{id} accepts another gateway's secret: {out}");
}

/// One node for every check of this file, stopped by its guard whatever
/// happens; each phase runs even when an earlier one failed, and the test
/// fails with all their messages.
#[test]
fn kubernetes_on_a_real_node() {
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let Some(node) = Node::start(DEFAULT_IMAGE) else {
        return;
    };
    let mut failed = Vec::new();
    let phases: [(&str, Phase); 3] = [
        ("fleets", fleets_run),
        ("rollouts", rollouts),
        ("backups", backups),
    ];
    for (name, phase) in phases {
        // OCGEN_KUBE_PHASES=fleets,rollouts: only those (for a quick rerun).
        if std::env::var("OCGEN_KUBE_PHASES").is_ok_and(|p| !p.split(',').any(|x| x == name)) {
            continue;
        }
        say(&format!("phase {name}"));
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| phase(&node, &openclaw)));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(ToString::to_string))
                .unwrap_or_default();
            failed.push(format!("{name}: {msg}"));
        }
        // The next phase gets the node to itself.
        clear(&node, name);
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

type Phase = fn(&Node, &Path);

/// Every namespace ocgen made goes, with its pods (the volumes stay,
/// unused). The pods are not left their 330 s to drain: a gateway whose
/// channel has no route out takes all of it.
fn clear(node: &Node, after: &str) {
    let ocgen = "app.kubernetes.io/managed-by=ocgen";
    for args in [
        &["delete", "namespace", "-l", ocgen, "--wait=false"][..],
        &[
            "delete",
            "pods",
            "-A",
            "-l",
            ocgen,
            "--grace-period=1",
            "--wait=false",
        ][..],
        &[
            "wait",
            "--for=delete",
            "namespace",
            "-l",
            ocgen,
            "--timeout=280s",
        ][..],
    ] {
        let o = node.kubectl(args);
        if !o.status.success() {
            say(&format!(
                "clearing the node after {after}: {}{}",
                stdout(&o),
                stderr(&o)
            ));
        }
    }
}

/// Every example with a `kubernetes` target and the feature fleet with
/// several namespaces, as `ocgen kube` renders them.
fn fleets_run(node: &Node, openclaw: &Path) {
    let mut fleets: Vec<Fleet> = common::examples_for(Target::Kubernetes)
        .iter()
        .map(|p| Fleet::example(&p.file_stem().unwrap().to_string_lossy()))
        .collect();
    assert!(fleets.len() >= 2, "the examples with a kubernetes target");
    let namespaces =
        std::fs::read_to_string(root().join("tests/golden/features/kube-namespaces/ocgen.yaml"))
            .unwrap();
    fleets.push(Fleet::of("kube-namespaces", &namespaces));
    for f in &fleets {
        assert!(
            f.plan.gateways.iter().all(|g| g.image == DEFAULT_IMAGE),
            "{}: the suite runs the image ocgen pins",
            f.name
        );
    }
    let gws: Vec<(usize, Gw)> = fleets
        .iter()
        .enumerate()
        .flat_map(|(i, f)| f.gateways().into_iter().map(move |g| (i, g)))
        .collect();

    // One fleet after another, each in its own namespaces (all at once
    // would starve a 2-core machine past the startup probe's budget),
    // then every fleet side by side.
    let mut secrets = Secrets::new();
    for (i, f) in fleets.iter().enumerate() {
        deploy(node, f, &mut secrets);
        wait_for(
            &format!("{}: every pod Ready", f.name),
            || {
                gws.iter()
                    .filter(|(j, _)| *j == i)
                    .all(|(_, g)| pod_of(node, g).is_some_and(|p| is_ready(&p)))
            },
            || f.namespaces().iter().map(|ns| node.describe(ns)).collect(),
        );
    }

    // A minute later: still Ready, the same pods, no restart.
    let first: BTreeMap<String, String> = gws
        .iter()
        .map(|(_, g)| (g.id(), uid(&pod_of(node, g).unwrap())))
        .collect();
    let at_ready: BTreeMap<String, u64> = gws
        .iter()
        .map(|(_, g)| (g.id(), clean_start(node, g)))
        .collect();
    std::thread::sleep(Duration::from_secs(60));
    for (_, g) in &gws {
        let pod = pod_of(node, g).unwrap();
        assert!(
            is_ready(&pod),
            "{}: not Ready a minute later\n{}",
            g.id(),
            node.describe(&g.ns)
        );
        assert_eq!(
            restarts(&pod),
            at_ready[&g.id()],
            "{}: restarted once Ready\n{}",
            g.id(),
            node.describe(&g.ns)
        );
        assert_eq!(uid(&pod), first[&g.id()], "{}: replaced", g.id());
    }
    say("a minute later: every pod Ready, no restart");

    std::thread::scope(|s| {
        for (i, g) in &gws {
            let (node, fleet, secrets, openclaw) = (node, &fleets[*i], &secrets, &openclaw);
            s.spawn(move || {
                let pod = pod_of(node, g).unwrap();
                check_running(node, fleet, g, &pod, secrets, openclaw);
            });
        }
    });
    say("every gateway: probes, processes, root, config, token");

    // State that must outlive a pod: a marker in the state volume, and a
    // seeded config as OpenClaw edited it. Then every pod killed at once.
    let marker = random_hex();
    for (_, g) in &gws {
        node.node_eval(
            &g.ns,
            &g.pod,
            &format!(
                "require('fs').writeFileSync('/home/node/.openclaw/ocgen-marker',{})",
                json!(marker)
            ),
        );
        if g.seeded {
            config_set(node, g, "logging.level", "debug");
        }
    }
    let names: Vec<String> = gws.iter().map(|(_, g)| g.id()).collect();
    // Deleted with a short grace: the state must survive a pod that is
    // killed, and a gateway whose channel has no route out would
    // otherwise drain for its whole 330 s before its StatefulSet may
    // replace it (OpenClaw's own stop, which is not under test here).
    for (_, g) in &gws {
        node.ok(&[
            "-n",
            &g.ns,
            "delete",
            "pod",
            &g.pod,
            "--grace-period=5",
            "--wait=false",
        ]);
    }
    std::thread::scope(|s| {
        for (_, g) in &gws {
            let (node, old, marker) = (node, first[&g.id()].clone(), &marker);
            s.spawn(move || {
                let pod = wait_ready(node, g, Some(&old));
                clean_start(node, g);
                let _ = &pod;
                let m = stat(node, g, "/home/node/.openclaw/ocgen-marker");
                assert_eq!(
                    m["text"],
                    marker.as_str(),
                    "{}: the state volume was not kept",
                    g.id()
                );
                if g.seeded {
                    let c = stat(node, g, "/home/node/.openclaw/openclaw.json");
                    let config: Value = serde_json::from_str(c["text"].as_str().unwrap()).unwrap();
                    assert_eq!(
                        config["logging"]["level"],
                        "debug",
                        "{}: the seeded config was copied again",
                        g.id()
                    );
                    assert_eq!(c["mode"], 0o600, "{}", g.id());
                }
            });
        }
    });
    say(&format!(
        "state and seeded configs kept across new pods: {names:?}"
    ));
}

/// Two gateways for the rollouts: one managed, one seeded, token auth
/// from their own Secrets.
const ROLLOUTS: &str = r"version: 1
name: roll
targets: [kubernetes]
defaults:
  kubernetes: { namespace: ocgen-rollouts }
gateways:
  steady:
    openclaw:
      agents: { defaults: { model: { primary: anthropic/claude-sonnet-4-6 } } }
  seeded:
    config: seeded
    openclaw:
      agents: { defaults: { model: { primary: anthropic/claude-sonnet-4-6 } } }
";

/// An image the node holds under a second name: an upgrade without a
/// registry.
const UPGRADE_IMAGE: &str = "ghcr.io/openclaw/openclaw:2026.9.6-ocgen-upgrade";

/// What the README promises of a new `ocgen kube` output applied over a
/// running one: a changed config replaces that gateway's pod and no
/// other; a seeded copy stays as OpenClaw left it; a changed image
/// (an upgrade) replaces the pod on the same state; and a revision whose
/// pod crash-loops is replaced by the next `kubectl apply` of a fixed
/// output, with no pod deleted by hand.
fn rollouts(node: &Node, _openclaw: &Path) {
    let v1 = Fleet::of("rollouts", ROLLOUTS);
    let mut secrets = Secrets::new();
    // First as an earlier ocgen wrote it: StatefulSets with Kubernetes'
    // default `OrderedReady`, which a later apply cannot change, and
    // OpenClaw's state at the root of its claim.
    deploy_prerequisites(node, &v1, &mut secrets);
    node.apply(&v1.earlier());
    let gws = v1.gateways();
    let steady = gws.iter().find(|g| g.name == "steady").unwrap();
    let seeded = gws.iter().find(|g| g.name == "seeded").unwrap();
    let s0 = uid(&wait_ready(node, steady, None));
    let e0 = uid(&wait_ready(node, seeded, None));
    for g in [steady, seeded] {
        node.node_eval(
            &g.ns,
            &g.pod,
            "require('fs').writeFileSync('/home/node/.openclaw/ocgen-marker','kept')",
        );
    }
    // What the earlier layout did to OpenClaw's own config writer (a
    // finding, not a check).
    let before = node.exec(
        &seeded.ns,
        &seeded.pod,
        &[
            "node",
            "openclaw.mjs",
            "config",
            "set",
            "logging.level",
            "debug",
        ],
    );
    say(&format!(
        "earlier layout: openclaw config set exits {:?}: {}",
        before.status.code(),
        stderr(&before).lines().last().unwrap_or_default()
    ));
    let seed_copy = stat(node, seeded, CONTAINER_SEEDED_CONFIG_PATH);

    // This ocgen's output over it. The documented one-time step for
    // StatefulSets of an older ocgen: the field is immutable, so the apply
    // is refused until the StatefulSets are deleted without their pods,
    // which the new ones adopt and replace; their init container moves
    // the state into its directory.
    let refused = node.kubectl_in(&["apply", "-f", "-"], Some(&v1.manifests));
    assert!(
        !refused.status.success() && stderr(&refused).contains("Forbidden"),
        "an apply over OrderedReady StatefulSets: {}{}",
        stderr(&refused),
        stdout(&refused)
    );
    for g in &gws {
        node.ok(&[
            "-n",
            &g.ns,
            "delete",
            "statefulset",
            &g.object,
            "--cascade=orphan",
        ]);
    }
    assert_eq!(
        uid(&pod_of(node, seeded).unwrap()),
        e0,
        "{}: the orphaning deleted a pod",
        seeded.id()
    );
    node.apply(&v1.manifests);
    let s1 = uid(&wait_ready(node, steady, Some(&s0)));
    let e1 = uid(&wait_ready(node, seeded, Some(&e0)));
    for g in [steady, seeded] {
        let m = stat(node, g, "/home/node/.openclaw/ocgen-marker");
        assert_eq!(m["text"], "kept", "{}: the state was not moved", g.id());
        let log = node.ok(&["-n", &g.ns, "logs", &g.pod, "-c", "prepare-state"]);
        assert!(
            log.contains("ocgen: moved ocgen-marker into .ocgen-state"),
            "{}: prepare-state said {log}",
            g.id()
        );
    }
    let copy = stat(node, seeded, CONTAINER_SEEDED_CONFIG_PATH);
    assert_eq!(copy["text"], seed_copy["text"], "{}", seeded.id());
    config_set(node, seeded, "logging.level", "debug");
    let seed_copy = stat(node, seeded, CONTAINER_SEEDED_CONFIG_PATH);
    let edited: Value = serde_json::from_str(seed_copy["text"].as_str().unwrap()).unwrap();
    assert_eq!(edited["logging"]["level"], "debug", "{}", seeded.id());
    say("an earlier ocgen's StatefulSets adopted, their state moved; openclaw config set works");

    // A changed config: that gateway's pod, and no other.
    let v2 = v1.edited(
        "  steady:\n    openclaw:\n      agents: { defaults: { model: { primary: anthropic/claude-sonnet-4-6 } } }",
        "  steady:\n    openclaw:\n      agents: { defaults: { model: { primary: anthropic/claude-opus-4-6 } } }",
    );
    node.apply(&v2.manifests);
    let pod = wait_ready(node, steady, Some(&s1));
    let s2 = uid(&pod);
    let cm = v2.find(
        "ConfigMap",
        &steady.ns,
        &format!("{}-config", steady.object),
    );
    let text = stat(node, steady, CONTAINER_CONFIG_PATH)["text"].clone();
    assert_eq!(
        text,
        cm["data"]["openclaw.json"],
        "{}: not the new config",
        steady.id()
    );
    assert_eq!(
        uid(&pod_of(node, seeded).unwrap()),
        e1,
        "{}: replaced for another gateway's config",
        seeded.id()
    );
    say("a changed config replaced its pod, and no other");

    // The seeded gateway's config changed, and the managed one upgraded,
    // at once: both pods replaced; the seeded copy as it was, the state
    // kept across the upgrade.
    ctr_tag(node, DEFAULT_IMAGE, UPGRADE_IMAGE);
    let v3 = v2
        .edited(
            "  seeded:\n    config: seeded\n    openclaw:\n      agents: { defaults: { model: { primary: anthropic/claude-sonnet-4-6 } } }",
            "  seeded:\n    config: seeded\n    openclaw:\n      agents: { defaults: { model: { primary: anthropic/claude-opus-4-6 } } }",
        )
        .edited("  steady:\n", &format!("  steady:\n    image: {UPGRADE_IMAGE}\n"));
    node.apply(&v3.manifests);
    let pod = wait_ready(node, steady, Some(&s2));
    let s3 = uid(&pod);
    assert_eq!(
        pod["spec"]["containers"][0]["image"],
        UPGRADE_IMAGE,
        "{}",
        steady.id()
    );
    let m = stat(node, steady, "/home/node/.openclaw/ocgen-marker");
    assert_eq!(
        m["text"],
        "kept",
        "{}: the upgrade lost the state volume",
        steady.id()
    );
    wait_ready(node, seeded, Some(&e1));
    let copy = stat(node, seeded, CONTAINER_SEEDED_CONFIG_PATH);
    assert_eq!(
        copy["text"],
        seed_copy["text"],
        "{}: the seeded copy was replaced",
        seeded.id()
    );
    say("an upgrade kept the state; a seeded copy stayed as it was");

    // A broken revision: a config OpenClaw refuses (exit 78), under a new
    // config hash, as a bad edit would give. Its pod replaces the healthy
    // one and crash-loops.
    let broken = v3.broken(&steady.ns, &steady.object);
    node.apply(&broken);
    let mut crashed = None;
    wait_for(
        &format!("{}: the broken revision crash-loops", steady.id()),
        || {
            let Some(pod) = pod_of(node, steady) else {
                return false;
            };
            let failing = uid(&pod) != s3
                && pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"]
                    == 78;
            if failing {
                crashed = Some(pod);
            }
            failing
        },
        || node.describe(&steady.ns),
    );
    let crashed = crashed.unwrap();
    assert!(
        !is_ready(&crashed),
        "{}: a crash-looping pod Ready",
        steady.id()
    );
    say("the broken revision's pod crash-loops");

    // The fix: ocgen's output applied again, and nothing else. The
    // StatefulSet replaces the crash-looping pod by itself.
    node.apply(&v3.manifests);
    let pod = wait_ready(node, steady, Some(&uid(&crashed)));
    clean_start(node, steady);
    let _ = pod;
    let m = stat(node, steady, "/home/node/.openclaw/ocgen-marker");
    assert_eq!(m["text"], "kept", "{}", steady.id());
    say("the fix replaced the crash-looping pod, no pod deleted by hand");
}

/// `openclaw config set KEY VALUE` in a seeded gateway's pod, as a user
/// edits the copy that OpenClaw owns: it must succeed (OpenClaw sets its
/// state dir's mode as it writes, which a root-owned volume root refused
/// with EPERM before the state moved into a directory of its own).
fn config_set(node: &Node, g: &Gw, key: &str, value: &str) {
    let o = node.exec(
        &g.ns,
        &g.pod,
        &["node", "openclaw.mjs", "config", "set", key, value],
    );
    assert!(
        o.status.success(),
        "{}: openclaw config set {key} {value}: {}{}",
        g.id(),
        stderr(&o),
        stdout(&o)
    );
}

/// Two gateways with `backup:`: one on a schedule keeping one archive, one
/// on demand (a suspended CronJob).
const BACKUPS: &str = r"version: 1
name: bk
targets: [kubernetes]
defaults:
  kubernetes: { namespace: ocgen-backups }
gateways:
  managed:
    backup: { schedule: '03:30', keep: 1 }
    openclaw:
      agents: { defaults: { model: { primary: anthropic/claude-sonnet-4-6 } } }
  seeded:
    config: seeded
    backup: {}
    openclaw:
      agents: { defaults: { model: { primary: anthropic/claude-sonnet-4-6 } } }
";

/// Each backup CronJob's Job template (the node, 1.20, has no `batch/v1`
/// CronJob; tests/kubernetes.rs proves the CronJob with 1.30 and 1.37
/// schemas) dry-run by the server, then run as a Job while its gateway
/// runs: it completes, its archive lands on the backup claim and passes
/// OpenClaw's own `backup verify`, and holds the state; a second run of
/// a gateway that keeps one archive leaves only the newer.
fn backups(node: &Node, openclaw: &Path) {
    let f = Fleet::of("backups", BACKUPS);
    let mut secrets = Secrets::new();
    deploy(node, &f, &mut secrets);
    let gws = f.gateways();
    for g in &gws {
        wait_ready(node, g, None);
        node.node_eval(
            &g.ns,
            &g.pod,
            "require('fs').writeFileSync('/home/node/.openclaw/ocgen-marker','backed-up')",
        );
    }
    for g in &gws {
        let cron = f.find("CronJob", &g.ns, &format!("{}-backup", g.object));
        assert_eq!(cron["spec"]["suspend"], g.name == "seeded", "{}", g.id());
        let dir = node
            .state
            .join("pv")
            .join(format!("{}-{}-backups", g.ns, g.object))
            .join(&g.name);
        let runs = if g.name == "managed" { 2 } else { 1 };
        let mut names = Vec::new();
        for run in 0..runs {
            let job = job_of(cron, &format!("now{run}"));
            let name = job["metadata"]["name"].as_str().unwrap().to_string();
            let dry = node.kubectl_in(
                &["apply", "--dry-run=server", "-f", "-"],
                Some(&job.to_string()),
            );
            assert!(
                dry.status.success() && stdout(&dry).contains("(server dry run)"),
                "{}: the Job's server-side dry run: {}{}",
                g.id(),
                stderr(&dry),
                stdout(&dry)
            );
            node.apply(&job.to_string());
            wait_for(
                &format!("{}: backup Job {name} complete", g.id()),
                || {
                    let j = node.get(&["-n", &g.ns, "job", &name]);
                    assert!(
                        j["status"]["failed"].as_u64().unwrap_or(0) == 0,
                        "{}: backup Job {name} failed:\n{}",
                        g.id(),
                        stdout(&node.kubectl(&["-n", &g.ns, "logs", &format!("job/{name}")]))
                    );
                    j["status"]["succeeded"].as_u64().unwrap_or(0) >= 1
                },
                || node.describe(&g.ns),
            );
            let log = node.ok(&["-n", &g.ns, "logs", &format!("job/{name}")]);
            say(&format!(
                "{}: {name} done: {}",
                g.id(),
                log.trim().lines().last().unwrap_or_default()
            ));
            let archives: Vec<String> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {}: {e}", g.id(), dir.display()))
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(ocgen::plan::ARCHIVE_SUFFIX))
                .collect();
            assert_eq!(archives.len(), 1, "{}: {archives:?}", g.id());
            let archive = dir.join(&archives[0]);
            let v = std::process::Command::new(openclaw)
                .args(["backup", "verify", "--json"])
                .arg(&archive)
                .output()
                .unwrap();
            assert!(
                v.status.success(),
                "{}: openclaw backup verify {}: {}{}",
                g.id(),
                archive.display(),
                stdout(&v),
                stderr(&v)
            );
            let listing = std::process::Command::new("tar")
                .arg("-tzf")
                .arg(&archive)
                .output()
                .unwrap();
            assert!(
                stdout(&listing)
                    .lines()
                    .any(|l| l.ends_with("/ocgen-marker")),
                "{}: the archive lacks the state's marker",
                g.id()
            );
            names.push(archives[0].clone());
        }
        if runs == 2 {
            assert_ne!(names[0], names[1], "{}: retention kept the older", g.id());
        }
        // The gateway ran on, untouched.
        assert!(is_ready(&pod_of(node, g).unwrap()), "{}", g.id());
    }
    say("backups: each Job's archive passes openclaw backup verify; retention kept the newest");
}

/// The Job of a CronJob's template, named `<cronjob>-<suffix>`: what
/// `kubectl create job --from=cronjob/...` makes.
fn job_of(cron: &Value, suffix: &str) -> Value {
    let t = &cron["spec"]["jobTemplate"];
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": format!("{}-{suffix}", cron["metadata"]["name"].as_str().unwrap()),
            "namespace": cron["metadata"]["namespace"],
            "labels": t["metadata"]["labels"],
        },
        "spec": t["spec"],
    })
}

/// `ctr images tag` in the node's containerd.
fn ctr_tag(node: &Node, from: &str, to: &str) {
    let o = std::process::Command::new("timeout")
        .args(["120", "ctr", "--address"])
        .arg(node.state.join("containerd/containerd.sock"))
        .args(["-n", "k8s.io", "images", "tag", "--force", from, to])
        .output()
        .unwrap();
    assert!(o.status.success(), "ctr images tag: {}", stderr(&o));
}

impl Fleet {
    /// The fleet's manifests as one JSON `List`, as an earlier ocgen
    /// wrote them: no `podManagementPolicy` (Kubernetes' `OrderedReady`),
    /// no `fsGroupChangePolicy` (`Always`), OpenClaw's state at the state claim's root (no `subPath`, no OAuth
    /// key directory), a seeded config copied there by an init container
    /// of its own, and no init container for a managed one.
    fn earlier(&self) -> String {
        const LEGACY_SEED: &str = "const fs=require('fs'),d='/ocgen-claim/openclaw.json',t=d+'.ocgen-tmp';if(!fs.existsSync(d)){fs.copyFileSync('/etc/openclaw-seed/openclaw.json',t);fs.renameSync(t,d)}";
        let mut items = self.docs.clone();
        for d in &mut items {
            if d["kind"] != "StatefulSet" {
                continue;
            }
            d["spec"]
                .as_object_mut()
                .unwrap()
                .remove("podManagementPolicy");
            let pod = d["spec"]["template"]["spec"].as_object_mut().unwrap();
            pod["securityContext"]
                .as_object_mut()
                .unwrap()
                .remove("fsGroupChangePolicy");
            let inits: Vec<Value> = pod["initContainers"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| {
                    if c["name"] != "prepare-state" {
                        return Some(c.clone());
                    }
                    let seeded = c["volumeMounts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|m| m["name"] == "config");
                    seeded.then(|| {
                        let mut c = c.clone();
                        c["name"] = json!("seed-config");
                        c["command"][2] = json!(LEGACY_SEED);
                        c
                    })
                })
                .collect();
            if inits.is_empty() {
                pod.remove("initContainers");
            } else {
                pod.insert("initContainers".into(), Value::Array(inits));
            }
            let mounts = pod["containers"][0]["volumeMounts"].as_array_mut().unwrap();
            mounts.retain(|m| m["subPath"] != ".ocgen-oauth");
            for m in mounts {
                if m["name"] == "state" {
                    m.as_object_mut().unwrap().remove("subPath");
                }
            }
        }
        json!({ "apiVersion": "v1", "kind": "List", "items": items }).to_string()
    }

    /// The fleet's manifests as one JSON `List`, with the config of the
    /// gateway `object` in `ns` replaced by one OpenClaw refuses, and its
    /// pod template's config hash changed with it.
    fn broken(&self, ns: &str, object: &str) -> String {
        let mut items = self.docs.clone();
        for d in &mut items {
            if d["metadata"]["namespace"] != ns {
                continue;
            }
            if d["kind"] == "ConfigMap"
                && d["metadata"]["name"] == format!("{object}-config").as_str()
            {
                d["data"]["openclaw.json"] = json!("{ \"gateway\": { \"mode\": 7 ");
            }
            if d["kind"] == "StatefulSet" && d["metadata"]["name"] == object {
                d["spec"]["template"]["metadata"]["annotations"]["ocgen.dev/config-hash"] =
                    json!("broken");
            }
        }
        json!({ "apiVersion": "v1", "kind": "List", "items": items }).to_string()
    }
}

/// OpenClaw 2026.9.6 gives the worker thread of its state lease heartbeat
/// a fixed 5 s to start (`LEASE_HEARTBEAT_START_TIMEOUT_MS`); on a starved
/// machine (this 2-core box under other jobs, a pod with a 250m CPU
/// request) the gateway may exit 1 with this message, and the kubelet
/// starts it again. Speed, not a defect of the manifests.
const SLOW_START: &str = "state lease heartbeat did not become ready";

/// The restarts of a Ready gateway's pod, which must be none, or one
/// whose previous run ended on [`SLOW_START`] (the log says which; any
/// other failure fails the test). Returns the count, which must not grow.
fn clean_start(node: &Node, g: &Gw) -> u64 {
    let pod = pod_of(node, g).unwrap();
    let n = restarts(&pod);
    if n > 0 {
        let o = node.kubectl(&["-n", &g.ns, "logs", &g.pod, "-c", "gateway", "--previous"]);
        let log = stdout(&o);
        assert!(
            log.contains(SLOW_START),
            "{}: restarted {n} times before Ready, not for a slow start:\n{}\n{}",
            g.id(),
            log.lines().rev().take(30).collect::<Vec<_>>().join("\n"),
            node.describe(&g.ns)
        );
        say(&format!(
            "{}: {n} restart(s) before Ready: OpenClaw's 5 s heartbeat start timeout (a slow machine)",
            g.id()
        ));
    }
    n
}
