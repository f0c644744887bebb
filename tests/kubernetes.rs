//! The Kubernetes target: `ocgen kube` and `kubernetes/`, parsed back and
//! checked point by point (one StatefulSet per gateway on its planned port,
//! claims of its own, probes that assert the JSON body, the restricted
//! security context, secrets by reference only, a NetworkPolicy per
//! gateway); proven by `kubernetes-validate --strict` against the schemas
//! of Kubernetes 1.30, by a real API server's `apply --dry-run=server`
//! (../shared/tools/kube-apiserver.sh, v1.20.2), and by `kubectl
//! kustomize`, which must build the same objects from `kubernetes/`.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

use ocgen::model::ConfigMode;
use ocgen::plan::{Plan, SecretSource, Target};
use serde_json::Value;

fn plan_of(text: &str) -> Plan {
    let doc = ocgen::model::load(text).unwrap_or_else(|p| panic!("{}\n{text}", p[0].message));
    ocgen::plan::plan_for(&doc, Some(Target::Kubernetes))
        .unwrap_or_else(|p| panic!("{}\n{text}", p[0].message))
}

fn docs(text: &str) -> Vec<Value> {
    let v: Vec<Value> = serde_saphyr::from_str_multiple(text).unwrap_or_else(|e| panic!("{e}"));
    v.into_iter().filter(|d| !d.is_null()).collect()
}

fn kube_of(path: &Path) -> String {
    let out = ocgen().arg("-f").arg(path).arg("kube").output().unwrap();
    assert!(out.status.success(), "{}: {}", path.display(), stderr(&out));
    stdout(&out)
}

fn find<'a>(all: &'a [Value], kind: &str, ns: &str, name: &str) -> &'a Value {
    let hits: Vec<&Value> = all
        .iter()
        .filter(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .filter(|d| kind == "Namespace" || d["metadata"]["namespace"] == ns)
        .collect();
    assert_eq!(hits.len(), 1, "{kind} {ns}/{name}");
    hits[0]
}

fn subset(sel: &Value, labels: &Value) -> bool {
    sel.as_object()
        .unwrap()
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v))
}

/// Every point of the issue, for one plan and its manifests.
fn check_manifests(plan: &Plan, all: &[Value]) {
    assert!(
        all.iter().all(|d| d["kind"] != "Secret"),
        "a Secret was written"
    );
    let statefulsets: Vec<&Value> = all.iter().filter(|d| d["kind"] == "StatefulSet").collect();
    assert_eq!(
        statefulsets.len(),
        plan.gateways.len(),
        "one StatefulSet per gateway"
    );
    let mut claims = std::collections::HashSet::new();
    for g in &plan.gateways {
        let (ns, name) = (g.kube.namespace.as_str(), g.kube.object.as_str());
        let namespace = find(all, "Namespace", "", ns);
        assert_eq!(
            namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
            "restricted"
        );
        let sts = find(all, "StatefulSet", ns, name);
        let spec = &sts["spec"];
        assert_eq!(spec["replicas"], 1, "{name}");
        // A broken revision never blocks its fix (see tests/kube_node.rs).
        assert_eq!(spec["podManagementPolicy"], "Parallel", "{name}");
        assert_eq!(spec["updateStrategy"]["type"], "RollingUpdate", "{name}");
        let pod_labels = &spec["template"]["metadata"]["labels"];
        let selector = &spec["selector"]["matchLabels"];
        assert!(subset(selector, pod_labels));
        for o in &plan.gateways {
            if o.name != g.name && o.kube.namespace == g.kube.namespace {
                let other = &find(all, "StatefulSet", ns, &o.kube.object)["spec"]["template"]["metadata"]
                    ["labels"];
                assert!(!subset(selector, other), "{name} selects {}", o.name);
            }
        }
        let pod = &spec["template"]["spec"];
        let containers = pod["containers"].as_array().unwrap();
        assert_eq!(containers.len(), 1);
        let c = &containers[0];
        // Port P, as planned, in the container, the Service and the policy.
        assert_eq!(c["ports"][0]["containerPort"], g.port, "{name}");
        let svc = find(all, "Service", ns, name);
        assert_eq!(svc["spec"]["ports"][0]["port"], g.port);
        assert_eq!(svc["spec"]["ports"][0]["targetPort"], g.port);
        assert!(subset(&svc["spec"]["selector"], pod_labels));
        assert_eq!(svc["spec"]["selector"], *selector);
        // Claims of its own: templates only, no shared claim or host path.
        let templates: Vec<&str> = spec["volumeClaimTemplates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(templates, ["state", "workspace"]);
        for t in &templates {
            assert!(claims.insert(format!("{ns}/{t}-{name}-0")), "claim shared");
        }
        for v in pod["volumes"].as_array().unwrap() {
            assert!(v.get("persistentVolumeClaim").is_none() && v.get("hostPath").is_none());
        }
        // Probes: /startupz (channel health aside) for startup and
        // readiness where the image serves it, /healthz for liveness, each
        // asserting the JSON body.
        let (admit, admit_field) = if ocgen::plan::serves_startup_probe(&g.image) {
            ("/startupz", "'\"ok\":true'")
        } else {
            ("/readyz", "'\"ready\":true'")
        };
        for (probe, path, field) in [
            ("startupProbe", admit, admit_field),
            ("readinessProbe", admit, admit_field),
            ("livenessProbe", "/healthz", "'\"ok\":true'"),
        ] {
            let cmd = &c[probe]["exec"]["command"];
            assert_eq!(cmd[0], "bash", "{probe}");
            let script = cmd[2].as_str().unwrap();
            assert!(
                script.contains(&format!("/dev/tcp/127.0.0.1/{}; ", g.port))
                    && script.contains(&format!("GET {path} "))
                    && script.contains(" 200 ")
                    && script.contains(field),
                "{probe}: {script}"
            );
        }
        let budget = c["startupProbe"]["periodSeconds"].as_u64().unwrap()
            * c["startupProbe"]["failureThreshold"].as_u64().unwrap();
        assert!(budget >= 180, "startup budget {budget}s");
        // The restricted profile.
        let psc = &pod["securityContext"];
        assert_eq!(psc["runAsNonRoot"], true);
        assert_eq!(psc["runAsUser"], 1000);
        assert_eq!(psc["fsGroup"], 1000);
        assert_eq!(psc["seccompProfile"]["type"], "RuntimeDefault");
        assert_eq!(pod["automountServiceAccountToken"], false);
        let inits = pod["initContainers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for c in inits.iter().chain(containers) {
            let sc = &c["securityContext"];
            assert_eq!(sc["allowPrivilegeEscalation"], false);
            assert_eq!(sc["readOnlyRootFilesystem"], true);
            assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
        }
        // The gateway itself, port and bind pinned, under the image's
        // entry point.
        assert!(c.get("command").is_none(), "{name}");
        assert_eq!(
            c["args"],
            serde_json::json!([
                "node",
                "openclaw.mjs",
                "gateway",
                "--bind",
                "lan",
                "--port",
                g.port.to_string()
            ]),
            "{name}"
        );
        let mounts = c["volumeMounts"].as_array().unwrap();
        // Writable places outside the state dir: the cache on the state
        // volume, the OAuth key directory on the state claim, /tmp scratch.
        let env_of = |k: &str| {
            c["env"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["name"] == k)
                .and_then(|e| e["value"].as_str())
                .map(str::to_string)
        };
        assert_eq!(
            env_of("XDG_CACHE_HOME").as_deref(),
            Some("/home/node/.openclaw/cache"),
            "{name}"
        );
        // OpenClaw's state dir: a directory of the state claim that the
        // gateway's user made (the init container), not the claim's
        // root-owned root, so that OpenClaw may set its mode.
        let state = mounts
            .iter()
            .find(|m| m["mountPath"] == "/home/node/.openclaw")
            .unwrap();
        assert_eq!(state["name"], "state", "{name}");
        assert_eq!(state["subPath"], ".ocgen-state", "{name}");
        let prepare = inits
            .iter()
            .find(|i| i["name"] == "prepare-state")
            .unwrap_or_else(|| panic!("{name}: no prepare-state init container"));
        let prepare_script = prepare["command"][2].as_str().unwrap();
        for dir in ocgen::plan::kube_claim_dirs() {
            assert!(
                prepare_script.contains(&format!("\"{dir}\"")),
                "{name}: {dir}"
            );
        }
        assert_eq!(
            prepare["volumeMounts"][0],
            serde_json::json!({"name": "state", "mountPath": "/ocgen-claim"}),
            "{name}"
        );
        let oauth = mounts
            .iter()
            .find(|m| m["mountPath"] == "/home/node/.config/openclaw")
            .unwrap_or_else(|| panic!("{name}: no OAuth key directory"));
        assert_eq!(oauth["name"], "state", "{name}");
        assert_eq!(oauth["subPath"], ".ocgen-oauth", "{name}");
        let tmp = mounts.iter().find(|m| m["mountPath"] == "/tmp").unwrap();
        let tmp_vol = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == tmp["name"])
            .unwrap();
        assert!(tmp_vol.get("emptyDir").is_some());
        // Secrets by reference only, from the gateway's own Secret.
        let env = c["env"].as_array().unwrap();
        let value_of = |k: &str| env.iter().find(|e| e["name"] == k);
        let mut secret_vars = g.secrets.clone();
        if let Some(SecretSource::Env(v)) =
            g.pod_runtime().auth.as_ref().and_then(|a| a.secret.clone())
        {
            secret_vars.push(v);
        }
        assert!(!secret_vars.is_empty() || g.auth.is_some());
        for s in &secret_vars {
            let e = value_of(s).unwrap_or_else(|| panic!("{name}: {s} not delivered"));
            assert!(e.get("value").is_none(), "{name}: {s} has a value");
            assert_eq!(
                e["valueFrom"]["secretKeyRef"]["name"],
                g.kube.secret.as_str()
            );
            assert_eq!(e["valueFrom"]["secretKeyRef"]["key"], s.as_str());
        }
        // The config: read-only from the ConfigMap, or seeded once.
        let cm = find(all, "ConfigMap", ns, &format!("{name}-config"));
        let config: Value =
            serde_json::from_str(cm["data"]["openclaw.json"].as_str().unwrap()).unwrap();
        assert_eq!(config, ocgen::render::openclaw::value(&g.pod_runtime()));
        assert_eq!(config["gateway"]["port"], g.port);
        let config_path = value_of("OPENCLAW_CONFIG_PATH").unwrap()["value"]
            .as_str()
            .unwrap();
        let readonly = value_of("OPENCLAW_CONFIG_READONLY").is_some();
        match g.config_mode {
            ConfigMode::Managed => {
                assert!(readonly);
                let dir = config_path.rsplit_once('/').unwrap().0;
                let m = mounts.iter().find(|m| m["mountPath"] == dir).unwrap();
                assert_eq!(m["readOnly"], true);
            }
            ConfigMode::Seeded => {
                assert!(!readonly);
                assert!(config_path.starts_with("/home/node/.openclaw/"));
                // Seeded by the init container that readies the claim,
                // into the state directory as the claim root sees it.
                let in_claim =
                    config_path.replace("/home/node/.openclaw/", "/ocgen-claim/.ocgen-state/");
                assert!(
                    prepare_script.contains("existsSync")
                        && prepare_script.contains(&format!("\"{in_claim}\""))
                );
                assert!(
                    prepare_script.contains("chmodSync(t,0o600)"),
                    "{prepare_script}"
                );
            }
        }
        assert!(spec["template"]["metadata"]["annotations"]["ocgen.dev/config-hash"].is_string());
        // The NetworkPolicy: its own pods, port P, only the allowed peers.
        let np = find(all, "NetworkPolicy", ns, name);
        assert_eq!(np["spec"]["podSelector"]["matchLabels"], *selector);
        assert_eq!(np["spec"]["policyTypes"], serde_json::json!(["Ingress"]));
        let rules = np["spec"]["ingress"].as_array().unwrap();
        assert_eq!(rules.len(), usize::from(!g.kube.allow_from.is_empty()));
        for r in rules {
            assert_eq!(
                r["ports"],
                serde_json::json!([{"protocol": "TCP", "port": g.port}])
            );
            let from = r["from"].as_array().unwrap();
            assert_eq!(from.len(), g.kube.allow_from.len());
            for peer in from {
                let pods = &peer["podSelector"]["matchLabels"];
                for o in &plan.gateways {
                    let other = &find(all, "StatefulSet", &o.kube.namespace, &o.kube.object)["spec"]
                        ["template"]["metadata"]["labels"];
                    assert!(
                        peer.get("podSelector").is_none()
                            && peer.get("namespaceSelector").is_some()
                            || !subset(pods, other),
                        "{name} admits gateway {}",
                        o.name
                    );
                }
            }
        }
        check_backup(g, all, &sts["spec"]["template"]["spec"]);
        // Behind `proxy:`: an Ingress routes the gateway's host and path to
        // its own Service and port; the gateway trusts the controller and
        // its policy admits it.
        let ingresses: Vec<&Value> = all
            .iter()
            .filter(|d| d["kind"] == "Ingress" && d["metadata"]["namespace"] == ns)
            .filter(|d| d["metadata"]["name"] == name)
            .collect();
        let Some(px) = &plan.proxy else {
            assert!(ingresses.is_empty(), "{name}: an Ingress without proxy:");
            continue;
        };
        assert_eq!(ingresses.len(), 1, "{name}: one Ingress");
        let ing = &ingresses[0]["spec"];
        let route = px.route(&g.name).unwrap();
        let rules = ing["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 1, "{name}");
        assert_eq!(rules[0]["host"], route.host.as_str(), "{name}");
        let paths = rules[0]["http"]["paths"].as_array().unwrap();
        assert_eq!(paths.len(), 1, "{name}");
        assert_eq!(paths[0]["path"], route.path.as_deref().unwrap_or("/"));
        assert_eq!(paths[0]["pathType"], "Prefix");
        assert_eq!(
            paths[0]["backend"]["service"]["name"],
            svc["metadata"]["name"]
        );
        assert_eq!(paths[0]["backend"]["service"]["port"]["number"], g.port);
        assert_eq!(
            ing.get("ingressClassName").and_then(Value::as_str),
            px.ingress_class.as_deref()
        );
        match &px.tls_certificate {
            Some(s) => assert_eq!(
                ing["tls"],
                serde_json::json!([{"hosts": [route.host], "secretName": s}]),
                "{name}"
            ),
            None => assert!(ing.get("tls").is_none(), "{name}"),
        }
        assert_eq!(
            config["gateway"]["trustedProxies"],
            serde_json::json!(px.kube_trusted_proxies),
            "{name}"
        );
        assert!(!px.kube_trusted_proxies.is_empty(), "{name}");
        assert_eq!(
            config["gateway"]["controlUi"]["basePath"].as_str(),
            route.path.as_deref(),
            "{name}"
        );
        assert!(
            !g.kube.allow_from.is_empty(),
            "{name}: the controller is admitted"
        );
    }
}

/// With `backup:`, a CronJob whose pods run OpenClaw's `backup create
/// --verify` on the gateway's own claims, on its node, as the gateway's
/// user, into an archive claim of their own; without, none.
fn check_backup(g: &ocgen::plan::Gateway, all: &[Value], gateway_pod: &Value) {
    let (ns, name) = (g.kube.namespace.as_str(), g.kube.object.as_str());
    let cron = all.iter().find(|d| {
        d["kind"] == "CronJob"
            && d["metadata"]["namespace"] == ns
            && d["metadata"]["name"] == format!("{name}-backup").as_str()
    });
    let Some(cron) = cron else {
        assert!(!g.backup.configured, "{name}: no backup CronJob");
        return;
    };
    assert!(g.backup.configured, "{name}: a CronJob without backup:");
    assert_eq!(cron["apiVersion"], "batch/v1");
    let spec = &cron["spec"];
    assert_eq!(spec["suspend"], g.backup.schedule.is_none(), "{name}");
    assert_eq!(spec["concurrencyPolicy"], "Forbid", "{name}");
    if let Some(s) = g.backup.schedule {
        assert_eq!(spec["schedule"], s.cron().as_str(), "{name}");
    }
    let claim = find(all, "PersistentVolumeClaim", ns, &format!("{name}-backups"));
    assert_eq!(
        claim["spec"]["accessModes"],
        serde_json::json!(["ReadWriteOnce"])
    );
    let pod = &spec["jobTemplate"]["spec"]["template"];
    // Not selected by the gateway's Service or NetworkPolicy.
    let selector = find(all, "Service", ns, name)["spec"]["selector"].clone();
    assert!(!subset(&selector, &pod["metadata"]["labels"]), "{name}");
    let pod = &pod["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    assert_eq!(
        pod["securityContext"], gateway_pod["securityContext"],
        "{name}"
    );
    assert_eq!(pod["automountServiceAccountToken"], false);
    let term = &pod["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
    assert_eq!(term["labelSelector"]["matchLabels"], selector, "{name}");
    assert_eq!(term["topologyKey"], "kubernetes.io/hostname");
    let claims: Vec<&str> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
        .collect();
    assert_eq!(
        claims,
        [
            format!("state-{name}-0"),
            format!("workspace-{name}-0"),
            format!("{name}-backups")
        ],
        "{name}"
    );
    let c = &pod["containers"][0];
    let gw = &gateway_pod["containers"][0];
    assert_eq!(c["image"], gw["image"]);
    assert_eq!(c["securityContext"], gw["securityContext"]);
    // The gateway's environment (its own Secret only), in UTC.
    let env = c["env"].as_array().unwrap();
    assert_eq!(
        env[..env.len() - 1],
        gw["env"].as_array().unwrap()[..],
        "{name}"
    );
    assert_eq!(
        env[env.len() - 1],
        serde_json::json!({"name": "TZ", "value": "UTC"})
    );
    // The gateway's own view of its state, plus the archives.
    let mounts = c["volumeMounts"].as_array().unwrap();
    for m in gw["volumeMounts"].as_array().unwrap() {
        if m["name"] != "secrets" {
            assert!(mounts.contains(m), "{name}: {m}");
        }
    }
    assert!(mounts.contains(&serde_json::json!({"name": "backups", "mountPath": "/backups"})));
    let script = c["command"][2].as_str().unwrap();
    let dir = format!("/backups/{}", g.name);
    assert!(
        script.contains(&format!(
            "node openclaw.mjs backup create --verify --json --output {dir}/"
        )) && script.contains(&format!("tail -n +{}", g.backup.keep + 1)),
        "{name}: {script}"
    );
}

#[test]
fn every_example_becomes_manifests_that_keep_every_rule() {
    for ex in examples() {
        let text = std::fs::read_to_string(&ex).unwrap();
        let plan = plan_of(&text);
        check_manifests(&plan, &docs(&kube_of(&ex)));
    }
}

#[test]
fn the_kubernetes_example_covers_seeded_secrets_and_settings() {
    let plan = plan_of(&std::fs::read_to_string(root().join("examples/kubernetes.yaml")).unwrap());
    assert_eq!(plan.targets, [Target::Kubernetes]);
    assert!(plan.gateways.len() >= 3);
    assert!(
        plan.gateways
            .iter()
            .any(|g| g.config_mode == ConfigMode::Seeded)
    );
    assert!(plan
        .gateways
        .iter()
        .any(|g| !g.secrets.is_empty() && g.settings.as_object().is_some_and(|o| !o.is_empty())));
    // Two gateways read TELEGRAM_BOT_TOKEN, each from its own Secret.
    let secrets: Vec<&str> = plan
        .gateways
        .iter()
        .filter(|g| g.secrets.iter().any(|s| s == "TELEGRAM_BOT_TOKEN"))
        .map(|g| g.kube.secret.as_str())
        .collect();
    assert_eq!(secrets, ["team-family-secrets", "work-gateway-secrets"]);
}

#[test]
fn a_changed_config_rolls_the_pod_and_nothing_else_changes() {
    let y = "version: 1\ntargets: [kubernetes]\ngateways:\n  a: {}\n  b: {}\n";
    let hash = |y: &str| -> Vec<String> {
        let d = setup(y);
        let o = run_in(d.path(), &["kube"]);
        assert!(o.status.success(), "{}", stderr(&o));
        docs(&stdout(&o))
            .iter()
            .filter(|d| d["kind"] == "StatefulSet")
            .map(|d| {
                d["spec"]["template"]["metadata"]["annotations"]["ocgen.dev/config-hash"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let before = hash(y);
    assert_eq!(before, hash(y), "deterministic");
    let after = hash(&y.replace(
        "  a: {}",
        "  a: {openclaw: {agents: {defaults: {model: {primary: x/y}}}}}",
    ));
    assert_ne!(before[0], after[0]);
    assert_eq!(before[1], after[1]);
}

#[test]
fn kubernetes_rules_report_every_problem_with_its_place() {
    let y = "version: 1\nname: my_app\ntargets: [kubernetes]\ndefaults:\n  kubernetes:\n    secret: shared\n    labels: {app.kubernetes.io/name: x}\ngateways:\n  a_b:\n    kubernetes:\n      state_size: lots\n      resources: {requests: {memory: 4Gi}, limits: {memory: 256Mi}}\n      allow_from: [{pod_selector: {ocgen.dev/gateway: c}}]\n  c: {auth: {mode: none}}\n  d: {kubernetes: {namespace: Bad}}\n";
    let d = setup(y);
    let o = run_in(d.path(), &["kube"]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    let err = stderr(&o);
    for want in [
        "`kubernetes.secret` cannot be a default",
        "objects would be named `my_app-a_b`",
        "namespace `Bad`",
        "name `my_app` is not a namespace",
        "`kubernetes.state_size: lots`",
        "memory limit `256Mi` is below 512Mi",
        "memory request `4Gi` is above its limit",
        "`app.kubernetes.io/name` is one of the",
        "selects the pods of gateway",
        "`c` has `auth: { mode: none }`",
        "ocgen.yaml:12:61:",
    ] {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }
    // The same file is fine for compose, which has none of these rules.
    let compose = y
        .replace("targets: [kubernetes]", "targets: [compose]")
        .replace("  c: {auth: {mode: none}}\n", "  c: {}\n");
    assert!(compose.contains("  c: {}\n"));
    let d = setup(&compose);
    assert!(run_in(d.path(), &["check"]).status.success());
}

// ---------------------------------------------------------------------------
// Hostile values: every string quoted, every value read back unchanged.

const HOSTILE: &[&str] = &[
    "yes",
    "no",
    "on",
    "Off",
    "null",
    "~",
    "0x1F",
    "1e3",
    "012",
    "12:30",
    "2001-01-01",
    "true",
    "- x",
    "[a]",
    "{b}",
    "&a",
    "*a",
    "!tag",
    "%",
    "#c",
    " # c",
    ": ",
    "\"",
    "'",
    "\\",
    "\\n",
    "a\nb",
    "tab\there",
    "é日本🦀",
    "\u{a0}",
    "\u{2028}",
    "\u{feff}",
    "$X ${Y} $$",
    "`id`",
    " lead",
    "trail ",
    "",
];

fn hostile_yaml() -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap();
    let mut y = String::from(
        "version: 1\nname: hostile\ntargets: [kubernetes]\ndefaults:\n  kubernetes:\n    annotations:\n",
    );
    for (i, h) in HOSTILE.iter().enumerate() {
        y.push_str(&format!("      example.com/a{i}: {}\n", q(h)));
    }
    y.push_str("gateways:\n  main:\n    env:\n");
    for (i, h) in HOSTILE.iter().enumerate() {
        y.push_str(&format!("      V_{i}: {}\n", q(h)));
    }
    y.push_str("    openclaw:\n      agents:\n        defaults:\n          model: {primary: ");
    y.push_str(&q("x/\"y\"\n: yes"));
    y.push_str("}\n    kubernetes:\n      labels: {team: \"yes\", tier: \"012\"}\n  seeded: {config: seeded, auth: {mode: password, file: /run/x}}\n");
    y
}

#[test]
fn hostile_values_read_back_unchanged() {
    let y = hostile_yaml();
    let plan = plan_of(&y);
    let all = docs(&ocgen::render::kubernetes::render(&plan));
    check_manifests(&plan, &all);
    let g = &plan.gateways[0];
    let sts = find(&all, "StatefulSet", "hostile", &g.kube.object);
    let c = &sts["spec"]["template"]["spec"]["containers"][0];
    for (i, h) in HOSTILE.iter().enumerate() {
        let e = c["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == format!("V_{i}"))
            .unwrap();
        assert_eq!(e["value"], *h, "env V_{i}");
        assert_eq!(
            sts["metadata"]["annotations"][format!("example.com/a{i}")],
            *h,
            "annotation {i}"
        );
    }
    assert_eq!(sts["metadata"]["labels"]["team"], "yes");
    assert_eq!(sts["metadata"]["labels"]["tier"], "012");
}

// ---------------------------------------------------------------------------
// The real readers.

/// Every manifest this suite proves: the examples' and the hostile one.
fn corpus(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for ex in examples() {
        let stem = ex.file_stem().unwrap().to_string_lossy().into_owned();
        let p = dir.join(format!("{stem}.yaml"));
        std::fs::write(&p, kube_of(&ex)).unwrap();
        out.push((stem, p));
    }
    let p = dir.join("hostile.yaml");
    std::fs::write(
        &p,
        ocgen::render::kubernetes::render(&plan_of(&hostile_yaml())),
    )
    .unwrap();
    out.push(("hostile".into(), p));
    out
}

#[test]
fn kubernetes_validate_accepts_every_document_for_1_30() {
    let Some(kv) = tool("kubernetes-validate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let validate_for = |p: &Path, version: &str| {
        Command::new(&kv)
            .args(["--strict", "-k", version])
            .arg(p)
            .output()
            .unwrap()
    };
    let validate = |p: &Path| validate_for(p, "1.30.0");
    // 1.30, the Pod Security version the namespaces pin, and the newest
    // schemas the validator has (1.37): the backup CronJob is `batch/v1`,
    // which the 1.20 API server of the dry run does not serve.
    for (name, p) in corpus(dir.path()) {
        for version in ["1.30.0", "1.37.0"] {
            let o = validate_for(&p, version);
            let text = format!("{}{}", stdout(&o), stderr(&o));
            assert!(o.status.success(), "{name} ({version}): {text}");
            assert!(!text.contains("Couldn't find schema"), "{name}: {text}");
            assert!(!text.contains("ERROR"), "{name}: {text}");
        }
    }
    let all = std::fs::read_to_string(dir.path().join("kubernetes.yaml")).unwrap();
    assert!(all.contains("kind: \"CronJob\""), "the example's backups");
    // The validator does catch a field that 1.30 does not have.
    let bad = dir.path().join("bad.yaml");
    let text = std::fs::read_to_string(dir.path().join("kubernetes.yaml")).unwrap();
    std::fs::write(
        &bad,
        text.replace("enableServiceLinks", "enableServiceLink"),
    )
    .unwrap();
    assert!(!validate(&bad).status.success());
}

/// A kube-apiserver of ../shared/tools, stopped when dropped.
struct ApiServer {
    script: PathBuf,
    state: PathBuf,
    kubeconfig: PathBuf,
}

impl ApiServer {
    fn start() -> Option<ApiServer> {
        let script = root().join("../shared/tools/kube-apiserver.sh");
        if !script.is_file() {
            skip(&format!("{} missing", script.display()));
            return None;
        }
        tool("kubectl")?;
        let state = tools_dir().join("kube");
        std::fs::create_dir_all(&state).unwrap();
        let server = ApiServer {
            script,
            kubeconfig: state.join("kubeconfig"),
            state,
        };
        let out = Command::new("bash")
            .arg(&server.script)
            .arg("start")
            .arg(&server.state)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kube-apiserver.sh start: {}",
            stderr(&out)
        );
        Some(server)
    }

    fn kubectl(&self, args: &[&str], file: &Path) -> std::process::Output {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.state.join("cache"))
            .args(args)
            .arg("-f")
            .arg(file)
            .output()
            .unwrap()
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(&self.state)
            .output();
    }
}

#[test]
fn a_real_api_server_accepts_every_manifest() {
    let Some(server) = ApiServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, p) in corpus(dir.path()) {
        // Namespaces for real: a namespace created by a dry run does not
        // exist for the objects in it.
        let all = docs(&std::fs::read_to_string(&p).unwrap());
        let ns: Vec<&Value> = all.iter().filter(|d| d["kind"] == "Namespace").collect();
        let ns_file = dir.path().join(format!("{name}-ns.json"));
        std::fs::write(
            &ns_file,
            serde_json::to_string(
                &serde_json::json!({"apiVersion": "v1", "kind": "List", "items": ns}),
            )
            .unwrap(),
        )
        .unwrap();
        let o = server.kubectl(&["apply"], &ns_file);
        assert!(o.status.success(), "{name} namespaces: {}", stderr(&o));
        // A CronJob is `batch/v1` from Kubernetes 1.21 on, which this
        // 1.20 server does not serve: its Job template goes to the dry run
        // as a Job (what `kubectl create job --from=cronjob/...` makes),
        // and the CronJob itself is proven by the schemas.
        let as_1_20: Vec<Value> = all.iter().map(as_served_by_1_20).collect();
        let served_file = dir.path().join(format!("{name}-served.json"));
        std::fs::write(
            &served_file,
            serde_json::json!({"apiVersion": "v1", "kind": "List", "items": as_1_20}).to_string(),
        )
        .unwrap();
        let o = server.kubectl(
            &["apply", "--dry-run=server", "--validate=false"],
            &served_file,
        );
        assert!(o.status.success(), "{name}: {}{}", stdout(&o), stderr(&o));
        let created = stdout(&o).matches("(server dry run)").count();
        assert_eq!(created, all.len(), "{name}: {}", stdout(&o));
        if name == "kubernetes" {
            assert!(
                stdout(&o).contains("job.batch/team-family-backup-now created (server dry run)"),
                "{}",
                stdout(&o)
            );
        }
    }
    // The server does refuse what Kubernetes does not take.
    let text = std::fs::read_to_string(dir.path().join("kubernetes.yaml")).unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        text.replace("runAsNonRoot: true", "runAsNonRoot: \"maybe\"")
            .replace("name: \"team-work\"", "name: \"team_work\""),
    )
    .unwrap();
    let o = server.kubectl(&["apply", "--dry-run=server", "--validate=false"], &bad);
    assert!(!o.status.success(), "{}", stdout(&o));
}

/// A document as a 1.20 API server can take it: a `batch/v1` CronJob as
/// the Job of its template, named `<cronjob>-now`; anything else as it is.
fn as_served_by_1_20(d: &Value) -> Value {
    if d["kind"] != "CronJob" {
        return d.clone();
    }
    let template = &d["spec"]["jobTemplate"];
    serde_json::json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": format!("{}-now", d["metadata"]["name"].as_str().unwrap()),
            "namespace": d["metadata"]["namespace"],
            "labels": template["metadata"]["labels"],
        },
        "spec": template["spec"],
    })
}

#[test]
fn kustomize_builds_the_same_objects_as_ocgen_kube() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    let key = |d: &Value| {
        format!(
            "{}/{}/{}",
            d["kind"], d["metadata"]["namespace"], d["metadata"]["name"]
        )
    };
    let sorted = |mut v: Vec<Value>| {
        v.sort_by_key(key);
        v
    };
    for ex in examples() {
        // Every example as a Kubernetes deployment: its own `targets` line goes.
        let text: String = std::fs::read_to_string(&ex)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("targets:"))
            .flat_map(|l| [l, "\n"])
            .collect();
        let d = setup(&format!("{text}\ntargets: [kubernetes]\n"));
        let o = run_in(d.path(), &["generate", "-o", "out"]);
        assert!(o.status.success(), "{}: {}", ex.display(), stderr(&o));
        let out = Command::new(&kubectl)
            .arg("kustomize")
            .arg(d.path().join("out/kubernetes"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let built = sorted(docs(&stdout(&out)));
        let streamed = sorted(docs(&stdout(&run_in(d.path(), &["kube"]))));
        assert_eq!(built.len(), streamed.len(), "{}", ex.display());
        assert_eq!(built, streamed, "{}", ex.display());
    }
}

/// The book's Kubernetes rollback (docs/src/day-two.md) as written: its
/// restore pod passes the strict schemas of 1.30, and the names it uses
/// are those of `ocgen kube` for examples/kubernetes.yaml.
#[test]
fn the_books_restore_pod_fits_the_manifests() {
    let Some(kv) = tool("kubernetes-validate") else {
        return;
    };
    let book = std::fs::read_to_string(root().join("docs/src/day-two.md")).unwrap();
    let pod: String = book
        .split("```yaml\n")
        .filter_map(|b| b.split("```").next())
        .find(|b| b.trim_start().starts_with("apiVersion: v1\n") || b.contains("kind: Pod\n"))
        .expect("a Pod in the book")
        .lines()
        .map(|l| l.strip_prefix("   ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("restore.yaml");
    std::fs::write(&file, format!("{pod}\n")).unwrap();
    let o = Command::new(&kv)
        .args(["--strict", "-k", "1.30.0"])
        .arg(&file)
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&o), stderr(&o));
    assert!(o.status.success() && !text.contains("ERROR"), "{text}");

    let manifests = ocgen::render::kubernetes::render(&plan_of(
        &std::fs::read_to_string(root().join("examples/kubernetes.yaml")).unwrap(),
    ));
    let sts = manifests
        .split("\n---\n")
        .find(|d| d.contains("kind: \"StatefulSet\"") && d.contains("name: \"team-family\""))
        .expect("StatefulSet team-family");
    assert!(sts.contains("namespace: \"openclaw\""));
    assert!(
        sts.contains("- name: \"gateway\"\n          image:"),
        "{sts}"
    );
    assert!(
        sts.contains(&format!(
            "- name: \"state\"\n              mountPath: \"/home/node/.openclaw\"\n              subPath: \"{}\"",
            ocgen::plan::KUBE_STATE_SUBPATH
        )),
        "{sts}"
    );
    // The CronJob and the archive claim the book runs and mounts.
    for name in ["team-family-backup", "team-family-backups"] {
        assert!(
            manifests.contains(&format!("  name: \"{name}\"\n  namespace: \"openclaw\"")),
            "{name} in the manifests"
        );
    }
    assert!(
        sts.contains("- name: \"tmp\"\n              mountPath: \"/tmp\""),
        "{sts}"
    );
    // A claim template `state` of StatefulSet `team-family` is the claim
    // `state-team-family-0` of its pod.
    assert!(
        sts.contains("volumeClaimTemplates:\n    - metadata:\n        name: \"state\""),
        "{sts}"
    );
    for name in [
        "claimName: state-team-family-0",
        "pod/team-family-0",
        "statefulset/team-family",
        "/payload/posix/home/node/.openclaw",
        "cronjob/team-family-backup",
        "claimName: team-family-backups",
        "/state/.ocgen-state",
    ] {
        assert!(book.contains(name), "the book says {name}");
    }
}
