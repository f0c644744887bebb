//! Kubernetes manifests (`ocgen kube`, `kubernetes/`).
//!
//! Per gateway: a ConfigMap with its `openclaw.json`, a Service on port P,
//! a one-replica StatefulSet whose claims (state, workspace) belong to it
//! alone, and a NetworkPolicy that admits only the peers `allow_from`
//! names; per namespace a Namespace enforcing the `restricted` Pod Security
//! profile; with `proxy:` an Ingress per gateway (its host and path, to
//! its Service). No Secret is ever written: the pod reads each variable from the
//! Secret the user names (`secretKeyRef`).
//!
//! The objects are built as JSON values and written by [`super::yaml`],
//! which quotes every string. Only APIs served by Kubernetes 1.20 and every
//! release since are used: `v1`, `apps/v1`, `networking.k8s.io/v1`. Every
//! label comes from the plan, which checks `allow_from` against the same
//! lists.

use serde_json::{Map, Value, json};

use super::OutFile;
use super::yaml::{self, to_string as yaml};
use crate::model::ConfigMode;
use crate::plan::{
    BACKUP_TZ, CONTAINER_BACKUP_DIR, CONTAINER_STATE_DIR, CONTAINER_UID, EnvValue, Gateway,
    KUBE_AUTH_FILE_KEY, KUBE_CLAIM_FOREIGN, KUBE_FS_GROUP_CHANGE_POLICY, KUBE_LIVE_PERIOD,
    KUBE_PERSISTENT_SUBPATH_PREFIX, KUBE_POD_MANAGEMENT_POLICY, KUBE_PROBE_FAILURES,
    KUBE_PROBE_TIMEOUT, KUBE_READY_PERIOD, KUBE_SECRET_DIR, KUBE_STARTUP_FAILURES,
    KUBE_STARTUP_PERIOD, KUBE_STATE_SUBPATH, Keep, LIVE, Plan, SecretSource, TIMEOUT_STOP_SEC,
    container_writable_places, kube_backup_pod_labels, kube_claim_dirs, kube_namespace_labels,
    kube_place_subpath, kube_pod_labels, kube_selector_labels,
};

/// Where the ConfigMap is mounted: the managed config's path is
/// `<this>/openclaw.json` (the plan's container view says so).
const CONFIG_MOUNT: &str = "/etc/openclaw";

/// Where a seeded config's source is mounted for the init container.
const SEED_MOUNT: &str = "/etc/openclaw-seed";

/// Where the init container mounts the whole state claim (the gateway
/// sees only its directories, through `subPath`).
const CLAIM_MOUNT: &str = "/ocgen-claim";

/// Where the Secret's `auth-file` key is mounted for the init container.
const SECRET_SOURCE_MOUNT: &str = "/run/ocgen-secret";

/// Key of `openclaw.json` in the ConfigMap.
const CONFIG_KEY: &str = "openclaw.json";

/// Header of every file and of the stream.
const HEADER: &str = "# OpenClaw gateways on Kubernetes, written by ocgen. Do not edit; change\n# ocgen.yaml and run `ocgen kube` (or `ocgen generate`) again.\n";

/// Every object, in apply order: the namespaces, then each gateway's.
pub fn objects(plan: &Plan) -> Vec<Value> {
    let mut all = namespaces(plan);
    for g in &plan.gateways {
        all.extend(gateway_objects(plan, g));
    }
    all
}

/// `ocgen kube`: every object as one multi-document YAML stream.
pub fn render(plan: &Plan) -> String {
    stream(&objects(plan))
}

/// `kubernetes/`: a Kustomize directory whose build is [`render`]'s objects.
pub fn files(plan: &Plan) -> Vec<OutFile> {
    let mut files = vec![OutFile {
        path: "kubernetes/namespace.yaml".to_string(),
        contents: stream(&namespaces(plan)),
        private: false,
    }];
    let mut resources = vec![Value::from("namespace.yaml")];
    for g in &plan.gateways {
        let name = format!("{}.yaml", g.name);
        files.push(OutFile {
            path: format!("kubernetes/{name}"),
            contents: stream(&gateway_objects(plan, g)),
            private: false,
        });
        resources.push(Value::from(name));
    }
    let kustomization = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    files.insert(
        0,
        OutFile {
            path: "kubernetes/kustomization.yaml".to_string(),
            contents: format!("{HEADER}{}", yaml(&kustomization)),
            private: false,
        },
    );
    files
}

fn stream(docs: &[Value]) -> String {
    let mut out = String::from(HEADER);
    for d in docs {
        out.push_str("---\n");
        yaml::write(d, &mut out);
    }
    out
}

fn namespaces(plan: &Plan) -> Vec<Value> {
    let mut seen: Vec<&str> = Vec::new();
    for g in &plan.gateways {
        if !seen.contains(&g.kube.namespace.as_str()) {
            seen.push(&g.kube.namespace);
        }
    }
    seen.iter()
        .map(|ns| {
            json!({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": { "name": ns, "labels": pairs(&kube_namespace_labels()) },
            })
        })
        .collect()
}

fn pairs(p: &[(String, String)]) -> Value {
    Value::Object(
        p.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect(),
    )
}

/// The labels that select a gateway's pods.
fn selector(g: &Gateway) -> Value {
    pairs(&kube_selector_labels(g))
}

fn metadata(g: &Gateway, name: &str) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("namespace".into(), json!(g.kube.namespace));
    m.insert("labels".into(), pairs(&kube_pod_labels(g)));
    if !g.kube.annotations.is_empty() {
        m.insert("annotations".into(), pairs(&g.kube.annotations));
    }
    Value::Object(m)
}

fn gateway_objects(plan: &Plan, g: &Gateway) -> Vec<Value> {
    let view = g.pod_runtime();
    let config = super::openclaw::render(&view);
    let config_name = format!("{}-config", g.kube.object);
    let config_map = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(g, &config_name),
        "data": { CONFIG_KEY: config },
    });
    let service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(g, &g.kube.object),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(g),
            "ports": [{ "name": "gateway", "port": g.port, "targetPort": g.port, "protocol": "TCP" }],
        },
    });
    let stateful_set = stateful_set(g, &config, &config_name);
    let mut ingress = Vec::new();
    if !g.kube.allow_from.is_empty() {
        let from: Vec<Value> = g
            .kube
            .allow_from
            .iter()
            .map(|p| {
                let mut peer = Map::new();
                if let Some(ns) = &p.namespace_selector {
                    peer.insert(
                        "namespaceSelector".into(),
                        json!({ "matchLabels": pairs(ns) }),
                    );
                }
                if let Some(pod) = &p.pod_selector {
                    peer.insert("podSelector".into(), json!({ "matchLabels": pairs(pod) }));
                }
                Value::Object(peer)
            })
            .collect();
        ingress.push(json!({ "from": from, "ports": [{ "protocol": "TCP", "port": g.port }] }));
    }
    let policy = json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(g, &g.kube.object),
        "spec": {
            "podSelector": { "matchLabels": selector(g) },
            "policyTypes": ["Ingress"],
            "ingress": ingress,
        },
    });
    let mut objects = vec![config_map, service, stateful_set, policy];
    objects.extend(ingress_of(plan, g));
    objects.extend(backup_objects(g, &config_name));
    objects
}

/// With `backup:`, the gateway's archive claim and its backup CronJob
/// (`batch/v1`, Kubernetes 1.21 and later).
fn backup_objects(g: &Gateway, config_name: &str) -> Vec<Value> {
    let Some(b) = g.kube_backup() else {
        return Vec::new();
    };
    let mut claim = Map::new();
    claim.insert("accessModes".into(), json!(["ReadWriteOnce"]));
    if let Some(sc) = &g.kube.storage_class {
        claim.insert("storageClassName".into(), json!(sc));
    }
    claim.insert(
        "resources".into(),
        json!({ "requests": { "storage": b.size } }),
    );
    let pvc = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(g, &b.claim),
        "spec": Value::Object(claim),
    });
    let mut env = pod_env(g);
    env.push(json!({ "name": "TZ", "value": BACKUP_TZ }));
    let mut volumes = vec![
        json!({ "name": "state", "persistentVolumeClaim": { "claimName": format!("state-{}-0", g.kube.object) } }),
        json!({ "name": "workspace", "persistentVolumeClaim": { "claimName": format!("workspace-{}-0", g.kube.object) } }),
        json!({ "name": "backups", "persistentVolumeClaim": { "claimName": b.claim } }),
    ];
    let mut mounts = state_mounts(g, &mut volumes);
    mounts.push(json!({ "name": "backups", "mountPath": CONTAINER_BACKUP_DIR }));
    if g.config_mode == ConfigMode::Managed {
        volumes.push(json!({
            "name": "config",
            "configMap": { "name": config_name, "items": [{ "key": CONFIG_KEY, "path": CONFIG_KEY }] },
        }));
        mounts.push(json!({ "name": "config", "mountPath": CONFIG_MOUNT, "readOnly": true }));
    }
    let container = json!({
        "name": "backup",
        "image": g.image,
        "imagePullPolicy": "IfNotPresent",
        "command": b.command,
        "env": env,
        "resources": { "requests": pairs(&g.kube.requests), "limits": pairs(&g.kube.limits) },
        "securityContext": security_context(),
        "volumeMounts": mounts,
    });
    let labels = pairs(&kube_backup_pod_labels(g));
    let job_spec = json!({
        // A failed run is retried twice; a hung one ends after an hour.
        "backoffLimit": 2,
        "activeDeadlineSeconds": 3600,
        "template": {
            "metadata": { "labels": labels },
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": false,
                "enableServiceLinks": false,
                "securityContext": pod_security_context(),
                // The gateway's claims are ReadWriteOnce: on its node.
                "affinity": { "podAffinity": { "requiredDuringSchedulingIgnoredDuringExecution": [{
                    "labelSelector": { "matchLabels": selector(g) },
                    "topologyKey": "kubernetes.io/hostname",
                }] } },
                "containers": [container],
                "volumes": volumes,
            },
        },
    });
    let cron_job = json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata(g, &b.cron_job),
        "spec": {
            "schedule": b.schedule,
            "suspend": b.suspend,
            // One archive at a time, and none made twice after a pause.
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 3600,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": { "labels": labels },
                "spec": job_spec,
            },
        },
    });
    vec![pvc, cron_job]
}

/// The gateway's Ingress, when the file has `proxy:`: its host, and its
/// path prefix as a `Prefix` path passed on as it is (OpenClaw serves the
/// Control UI under its base path itself), to its Service on port P.
fn ingress_of(plan: &Plan, g: &Gateway) -> Option<Value> {
    let proxy = plan.proxy.as_ref()?;
    let route = proxy.route(&g.name)?;
    let mut spec = Map::new();
    if let Some(class) = &proxy.ingress_class {
        spec.insert("ingressClassName".into(), json!(class));
    }
    if let Some(secret) = &proxy.tls_certificate {
        spec.insert(
            "tls".into(),
            json!([{ "hosts": [route.host], "secretName": secret }]),
        );
    }
    spec.insert(
        "rules".into(),
        json!([{
            "host": route.host,
            "http": { "paths": [{
                "path": route.path.as_deref().unwrap_or("/"),
                "pathType": "Prefix",
                "backend": { "service": { "name": g.kube.object, "port": { "number": g.port } } },
            }] },
        }]),
    );
    Some(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(g, &g.kube.object),
        "spec": Value::Object(spec),
    }))
}

fn security_context() -> Value {
    json!({
        "allowPrivilegeEscalation": false,
        "readOnlyRootFilesystem": true,
        "runAsNonRoot": true,
        "capabilities": { "drop": ["ALL"] },
    })
}

fn probe(command: &[String], period: u32, failures: u32) -> Value {
    json!({
        "exec": { "command": command },
        "periodSeconds": period,
        "timeoutSeconds": KUBE_PROBE_TIMEOUT,
        "failureThreshold": failures,
    })
}

/// An init container of the gateway's image running `node -e script`.
fn init_container(g: &Gateway, name: &str, script: &str, mounts: &Value) -> Value {
    json!({
        "name": name,
        "image": g.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["node", "-e", script],
        "securityContext": security_context(),
        "resources": {
            "requests": { "cpu": "10m", "memory": "64Mi" },
            "limits": { "memory": "256Mi" },
        },
        "volumeMounts": mounts,
    })
}

/// The gateway's environment as a container's `env`: literal values, and
/// each secret from the gateway's own Secret.
fn pod_env(g: &Gateway) -> Vec<Value> {
    g.kube_environment()
        .into_iter()
        .map(|(name, value)| match value {
            EnvValue::Literal(v) => json!({ "name": name, "value": v }),
            EnvValue::FromHost => json!({
                "name": name,
                "valueFrom": { "secretKeyRef": { "name": g.kube.secret, "key": name } },
            }),
        })
        .collect()
}

/// The gateway's claims as its container sees them (OpenClaw's state dir
/// on the state claim's directory, the workspace), then what OpenClaw
/// writes outside its state dir under a read-only root: kept places on
/// the state claim, scratch in the pod's own `emptyDir`.
fn state_mounts(g: &Gateway, volumes: &mut Vec<Value>) -> Vec<Value> {
    let view = g.pod_runtime();
    let mut mounts = vec![
        json!({ "name": "state", "mountPath": CONTAINER_STATE_DIR, "subPath": KUBE_STATE_SUBPATH }),
        json!({ "name": "workspace", "mountPath": view.workspace }),
    ];
    for place in container_writable_places() {
        match place.keep {
            Keep::InState => {}
            Keep::Persistent => mounts.push(json!({
                "name": "state",
                "mountPath": place.path,
                "subPath": kube_place_subpath(place.name),
            })),
            Keep::Scratch => {
                volumes.push(json!({ "name": place.name, "emptyDir": {} }));
                mounts.push(json!({ "name": place.name, "mountPath": place.path }));
            }
        }
    }
    mounts
}

/// The pod's own security context: the gateway's user, `fsGroup` for the
/// claims, seccomp.
fn pod_security_context() -> Value {
    json!({
        "runAsNonRoot": true,
        "runAsUser": CONTAINER_UID,
        "runAsGroup": CONTAINER_UID,
        "fsGroup": CONTAINER_UID,
        // Without it the kubelet adds group read and write to every
        // file of the claims at each mount: OpenClaw's 0600 files
        // (the seeded config, credentials) came back 0660 in a new pod.
        "fsGroupChangePolicy": KUBE_FS_GROUP_CHANGE_POLICY,
        "seccompProfile": { "type": "RuntimeDefault" },
    })
}

fn stateful_set(g: &Gateway, config: &str, config_name: &str) -> Value {
    let view = g.pod_runtime();
    let env = pod_env(g);
    let mut volumes = Vec::new();
    let mut mounts = state_mounts(g, &mut volumes);
    let config_volume = json!({
        "name": "config",
        "configMap": { "name": config_name, "items": [{ "key": CONFIG_KEY, "path": CONFIG_KEY }] },
    });
    volumes.push(config_volume);
    let mut init = Vec::new();
    // The state claim made ready, for every gateway: ocgen's directories
    // made by the gateway's user, an earlier ocgen's layout moved in
    // (`kube_claim_dirs`), and a seeded config copied.
    let mut prepare_mounts = vec![json!({ "name": "state", "mountPath": CLAIM_MOUNT })];
    let mut script = prepare_state_script();
    match g.config_mode {
        ConfigMode::Managed => {
            mounts.push(json!({ "name": "config", "mountPath": CONFIG_MOUNT, "readOnly": true }));
        }
        ConfigMode::Seeded => {
            // Copied only where none exists, through a temporary file, so
            // that a pod killed mid-copy never leaves half a config; mode
            // 0600, as compose installs it: OpenClaw's own config files
            // are private to its user.
            let from = json_str(&format!("{SEED_MOUNT}/{CONFIG_KEY}"));
            let relative = view
                .config_path
                .strip_prefix(CONTAINER_STATE_DIR)
                .unwrap_or(&view.config_path)
                .trim_start_matches('/');
            let to = json_str(&format!("{CLAIM_MOUNT}/{KUBE_STATE_SUBPATH}/{relative}"));
            script.push_str(&format!(
                "const d={to},t=d+'.ocgen-tmp';if(!fs.existsSync(d)){{fs.copyFileSync({from},t);fs.chmodSync(t,0o600);fs.renameSync(t,d)}}"
            ));
            prepare_mounts
                .push(json!({ "name": "config", "mountPath": SEED_MOUNT, "readOnly": true }));
        }
    }
    init.push(init_container(
        g,
        "prepare-state",
        &script,
        &Value::Array(prepare_mounts),
    ));
    if let Some(SecretSource::File(path)) = view.auth.as_ref().and_then(|a| a.secret.as_ref()) {
        // OpenClaw wants a secret file owned by its user, mode 0600, not a
        // symlink: a Secret volume gives root-owned symlinks, so the init
        // container copies the key into a memory volume of the pod's own.
        volumes.push(json!({
            "name": "secret-source",
            "secret": {
                "secretName": g.kube.secret,
                "items": [{ "key": KUBE_AUTH_FILE_KEY, "path": KUBE_AUTH_FILE_KEY }],
                "defaultMode": 0o440,
            },
        }));
        volumes.push(json!({ "name": "secrets", "emptyDir": { "medium": "Memory" } }));
        let from = json_str(&format!("{SECRET_SOURCE_MOUNT}/{KUBE_AUTH_FILE_KEY}"));
        let to = json_str(path);
        let script = format!(
            "const fs=require('fs');fs.rmSync({to},{{force:true}});fs.copyFileSync({from},{to});fs.chmodSync({to},0o600)"
        );
        init.push(init_container(
            g,
            "auth-file",
            &script,
            &json!([
                { "name": "secret-source", "mountPath": SECRET_SOURCE_MOUNT, "readOnly": true },
                { "name": "secrets", "mountPath": KUBE_SECRET_DIR },
            ]),
        ));
        mounts.push(json!({ "name": "secrets", "mountPath": KUBE_SECRET_DIR, "readOnly": true }));
    }

    let mut template_annotations = Map::new();
    for (k, v) in &g.kube.annotations {
        template_annotations.insert(k.clone(), json!(v));
    }
    template_annotations.insert(
        "ocgen.dev/config-hash".into(),
        json!(format!("{:016x}", super::fnv1a64(config.as_bytes()))),
    );

    let mut container = Map::new();
    container.insert("name".into(), json!("gateway"));
    container.insert("image".into(), json!(g.image));
    container.insert("imagePullPolicy".into(), json!("IfNotPresent"));
    // `args`, not `command`: the image's entry point (`tini`) stays PID 1.
    container.insert("args".into(), json!(g.pod_runtime().gateway_command()));
    container.insert(
        "ports".into(),
        json!([{ "name": "gateway", "containerPort": g.port, "protocol": "TCP" }]),
    );
    container.insert("env".into(), Value::Array(env));
    container.insert(
        "resources".into(),
        json!({ "requests": pairs(&g.kube.requests), "limits": pairs(&g.kube.limits) }),
    );
    let admission = g.kube_admission_probe();
    container.insert(
        "startupProbe".into(),
        probe(
            &g.kube_probe(admission),
            KUBE_STARTUP_PERIOD,
            KUBE_STARTUP_FAILURES,
        ),
    );
    container.insert(
        "readinessProbe".into(),
        probe(
            &g.kube_probe(admission),
            KUBE_READY_PERIOD,
            KUBE_PROBE_FAILURES,
        ),
    );
    container.insert(
        "livenessProbe".into(),
        probe(&g.kube_probe(LIVE), KUBE_LIVE_PERIOD, KUBE_PROBE_FAILURES),
    );
    container.insert("securityContext".into(), security_context());
    container.insert("volumeMounts".into(), Value::Array(mounts));

    let mut pod = Map::new();
    pod.insert("automountServiceAccountToken".into(), json!(false));
    // Service links would put `<SERVICE>_PORT=tcp://...` variables of every
    // Service in the namespace into the gateway's environment: a Service
    // named `openclaw-gateway` sets OPENCLAW_GATEWAY_PORT.
    pod.insert("enableServiceLinks".into(), json!(false));
    pod.insert(
        "terminationGracePeriodSeconds".into(),
        json!(TIMEOUT_STOP_SEC),
    );
    pod.insert("securityContext".into(), pod_security_context());
    if !init.is_empty() {
        pod.insert("initContainers".into(), Value::Array(init));
    }
    pod.insert("containers".into(), json!([Value::Object(container)]));
    pod.insert("volumes".into(), Value::Array(volumes));

    let claim = |name: &str, size: &str| {
        let mut spec = Map::new();
        spec.insert("accessModes".into(), json!(["ReadWriteOnce"]));
        if let Some(sc) = &g.kube.storage_class {
            spec.insert("storageClassName".into(), json!(sc));
        }
        spec.insert(
            "resources".into(),
            json!({ "requests": { "storage": size } }),
        );
        json!({ "metadata": { "name": name }, "spec": Value::Object(spec) })
    };
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(g, &g.kube.object),
        "spec": {
            // One pod, ever: two gateways on one state directory hang on
            // OpenClaw's lock, and a StatefulSet stops the old pod before
            // it starts the new one.
            "replicas": 1,
            "podManagementPolicy": KUBE_POD_MANAGEMENT_POLICY,
            "updateStrategy": { "type": "RollingUpdate" },
            "serviceName": g.kube.object,
            "selector": { "matchLabels": selector(g) },
            "template": {
                "metadata": {
                    "labels": pairs(&kube_pod_labels(g)),
                    "annotations": Value::Object(template_annotations),
                },
                "spec": Value::Object(pod),
            },
            "volumeClaimTemplates": [
                claim("state", &g.kube.state_size),
                claim("workspace", &g.kube.workspace_size),
            ],
        },
    })
}

/// The init container's script that readies the state claim mounted at
/// [`CLAIM_MOUNT`] (see [`kube_claim_dirs`]): ocgen's directories made,
/// then every other entry of the root (an earlier ocgen's layout) renamed
/// into the state directory, one at a time; an empty directory that cannot
/// move (a mount point the runtime made) removed; a name in both places
/// stops the pod with a message. Nothing else is deleted.
fn prepare_state_script() -> String {
    let root = json_str(CLAIM_MOUNT);
    let state = json_str(KUBE_STATE_SUBPATH);
    let dirs = Value::from(kube_claim_dirs()).to_string();
    let foreign = Value::from(KUBE_CLAIM_FOREIGN.to_vec()).to_string();
    let own = json_str(KUBE_PERSISTENT_SUBPATH_PREFIX);
    format!(
        "const fs=require('fs'),p=require('path'),r={root},s=p.join(r,{state});\
for(const d of {dirs})fs.mkdirSync(p.join(r,d),{{recursive:true,mode:0o700}});\
for(const e of fs.readdirSync(r)){{if(e.startsWith({own})||{foreign}.includes(e))continue;\
const f=p.join(r,e),t=p.join(s,e);\
if(fs.lstatSync(t,{{throwIfNoEntry:false}})){{console.error('ocgen: '+e+' is both at the state volume root (an earlier layout) and in '+{state}+': move one aside, then delete the pod');process.exit(1)}}\
try{{fs.renameSync(f,t);console.log('ocgen: moved '+e+' into '+{state})}}\
catch(x){{if(fs.lstatSync(f).isDirectory()&&fs.readdirSync(f).length===0){{fs.rmdirSync(f);console.log('ocgen: removed the empty '+e)}}else{{console.error('ocgen: cannot move '+e+' into '+{state}+': '+x.message);process.exit(1)}}}}}}"
    )
}

/// A string as a JavaScript (JSON) literal.
fn json_str(s: &str) -> String {
    Value::from(s).to_string()
}
