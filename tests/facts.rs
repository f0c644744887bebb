//! One owner per fact: what the plan checks is what every output writes.
//!
//! For every example and for generated valid files, the labels the plan
//! checks `allow_from` against are the labels the Kubernetes manifests
//! carry, and the probes, the published ports and the secrets files that
//! compose, Kubernetes and the systemd units write are the plan's.

mod common;

use proptest::prelude::*;
use serde_json::Value;

use ocgen::model::Document;
use ocgen::plan::{
    KUBE_POD_MANAGEMENT_POLICY, LIVE, Plan, Target, kube_namespace_known_labels,
    kube_namespace_labels, kube_pod_labels, kube_selector_labels,
};
use ocgen::render::Templates;

fn labels(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn sorted(mut l: Vec<(String, String)>) -> Vec<(String, String)> {
    l.sort();
    l
}

fn plan_for(doc: &Document, t: Target) -> Option<Plan> {
    ocgen::plan::plan_for(doc, Some(t)).ok()
}

/// The Kubernetes manifests against the plan's labels and probes.
fn check_kube(plan: &Plan) -> Result<(), TestCaseError> {
    let objects = ocgen::render::kubernetes::objects(plan);
    for o in objects.iter().filter(|o| o["kind"] == "Namespace") {
        let written = labels(&o["metadata"]["labels"]);
        prop_assert_eq!(&written, &sorted(kube_namespace_labels()));
        // What check_peers matches against holds every label written.
        let ns = o["metadata"]["name"].as_str().unwrap_or_default();
        let known = kube_namespace_known_labels(ns);
        prop_assert!(written.iter().all(|l| known.contains(l)), "{ns}");
    }
    for g in &plan.gateways {
        let own: Vec<&Value> = objects
            .iter()
            .filter(|o| {
                o["metadata"]["namespace"] == g.kube.namespace.as_str()
                    && o["metadata"]["labels"]["ocgen.dev/gateway"] == g.name.as_str()
            })
            .collect();
        prop_assert!(own.len() >= 4, "{}: {} objects", g.name, own.len());
        let pod = sorted(kube_pod_labels(g));
        let selector = sorted(kube_selector_labels(g));
        for o in &own {
            prop_assert_eq!(&labels(&o["metadata"]["labels"]), &pod, "{}", o["kind"]);
            match o["kind"].as_str() {
                Some("StatefulSet") => {
                    prop_assert_eq!(&labels(&o["spec"]["selector"]["matchLabels"]), &selector);
                    let template = &o["spec"]["template"];
                    prop_assert_eq!(&labels(&template["metadata"]["labels"]), &pod);
                    let c = &template["spec"]["containers"][0];
                    prop_assert_eq!(&c["args"], &Value::from(g.pod_runtime().gateway_command()));
                    prop_assert_eq!(
                        &o["spec"]["podManagementPolicy"],
                        &Value::from(KUBE_POD_MANAGEMENT_POLICY)
                    );
                    for (probe, want) in [
                        ("startupProbe", g.kube_probe(g.kube_admission_probe())),
                        ("readinessProbe", g.kube_probe(g.kube_admission_probe())),
                        ("livenessProbe", g.kube_probe(LIVE)),
                    ] {
                        prop_assert_eq!(&c[probe]["exec"]["command"], &Value::from(want.clone()));
                        let path = if probe == "livenessProbe" {
                            LIVE.path
                        } else {
                            g.kube_admission_probe().path
                        };
                        prop_assert!(
                            want[2].contains(&format!("/{}; ", g.port))
                                && want[2].contains(&format!("GET {path} ")),
                            "{}: {probe} {}",
                            g.name,
                            want[2]
                        );
                    }
                }
                Some("Service") => {
                    prop_assert_eq!(&labels(&o["spec"]["selector"]), &selector);
                }
                Some("NetworkPolicy") => {
                    prop_assert_eq!(&labels(&o["spec"]["podSelector"]["matchLabels"]), &selector);
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The compose file against the plan's probes, ports and environment.
fn check_compose(plan: &Plan) -> Result<(), TestCaseError> {
    let text = ocgen::render::compose::render(plan, &Templates::builtin().unwrap()).unwrap();
    let v: Value = serde_saphyr::from_str(&text).unwrap();
    for g in &plan.gateways {
        let s = &v["services"][&g.name];
        let rt = g.compose_runtime();
        // What Compose runs: the file's `$$` is its escape for `$`.
        let probe_cmd: Vec<String> = s["healthcheck"]["test"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().replace("$$", "$"))
            .collect();
        prop_assert_eq!(&probe_cmd, &rt.container_healthcheck(), "{}", g.name);
        let published: Vec<u16> = s["ports"]
            .as_array()
            .map(|ports| {
                ports
                    .iter()
                    .map(|p| u16::try_from(p["target"].as_u64().unwrap_or_default()).unwrap())
                    .collect()
            })
            .unwrap_or_default();
        if !published.is_empty() {
            prop_assert_eq!(&published, &g.public_ports(), "{}", g.name);
            for p in s["ports"].as_array().into_iter().flatten() {
                prop_assert_eq!(
                    p["host_ip"].as_str().map(ToString::to_string),
                    g.container.publish.host_ip()
                );
            }
        }
        for (k, val) in rt.environment() {
            prop_assert_eq!(
                s["environment"][&k].as_str().map(|x| x.replace("$$", "$")),
                Some(val),
                "{}: {}",
                g.name,
                k
            );
        }
    }
    Ok(())
}

/// The systemd units and env files against the plan's secrets files.
fn check_host(plan: &Plan) -> Result<(), TestCaseError> {
    let t = Templates::builtin().unwrap();
    for g in &plan.gateways {
        let paths = g.host_paths().unwrap();
        let unit = ocgen::render::systemd::render(plan, g, ocgen::plan::Scope::System, &t).unwrap();
        let file = unit
            .lines()
            .find_map(|l| l.strip_prefix("EnvironmentFile="))
            .unwrap_or_default();
        prop_assert_eq!(
            file.trim_start_matches('-'),
            paths.secrets_env_file.as_str()
        );
        if !paths.secrets_in_dotenv() {
            continue;
        }
        prop_assert_eq!(
            &paths.secrets_env_file,
            &format!("{}/.env", paths.state_dir),
            "{}",
            g.name
        );
        let env = ocgen::render::env::render(g, &t).unwrap();
        prop_assert!(env.contains(&paths.secrets_env_file), "{}", g.name);
    }
    Ok(())
}

fn check_all(doc: &Document) -> Result<(), TestCaseError> {
    if let Some(p) = plan_for(doc, Target::Kubernetes) {
        check_kube(&p)?;
    }
    if let Some(p) = plan_for(doc, Target::Compose) {
        check_compose(&p)?;
    }
    if let Some(p) = plan_for(doc, Target::Systemd) {
        check_host(&p)?;
    }
    Ok(())
}

#[test]
fn every_example_writes_the_plans_facts() {
    for ex in common::examples() {
        let doc = ocgen::model::load(&std::fs::read_to_string(&ex).unwrap()).unwrap();
        check_all(&doc).unwrap_or_else(|e| panic!("{}: {e}", ex.display()));
    }
}

#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)]
struct Gw {
    seeded: bool,
    namespace: u8,
    label: bool,
    peer: bool,
    secrets_file: bool,
    publish_all: bool,
    host_network: bool,
}

fn gw() -> impl Strategy<Value = Gw> {
    (
        any::<bool>(),
        0u8..3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(seeded, namespace, label, peer, secrets_file, publish_all, host_network)| Gw {
                seeded,
                namespace,
                label,
                peer,
                secrets_file,
                publish_all,
                host_network,
            },
        )
}

fn yaml(gws: &[Gw]) -> String {
    let mut y = String::from(
        "version: 1\ntargets: [host, systemd, compose, kubernetes]\ndefaults:\n  home: /srv/oc\n  auth: {mode: token, env: OPENCLAW_GATEWAY_TOKEN}\ngateways:\n",
    );
    for (i, g) in gws.iter().enumerate() {
        y.push_str(&format!("  g{i}:\n"));
        if g.seeded {
            y.push_str("    config: seeded\n");
        }
        if g.secrets_file {
            y.push_str(&format!("    secrets_env_file: /etc/oc/g{i}.env\n"));
            y.push_str("    secrets: [ANTHROPIC_API_KEY]\n");
        }
        if g.host_network {
            y.push_str("    network_mode: host\n    publish: '127.0.0.2'\n");
        } else if g.publish_all {
            y.push_str("    publish: all\n");
        }
        y.push_str(&format!(
            "    kubernetes:\n      namespace: ns{}\n",
            g.namespace
        ));
        if g.label {
            y.push_str(&format!("      labels: {{tier: t{i}}}\n"));
        }
        if g.peer {
            y.push_str("      allow_from: [{namespace_selector: {kubernetes.io/metadata.name: ingress}}]\n");
        }
    }
    y
}

proptest! {
    // No regression file yet; a run never writes one into the source tree.
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_files_write_the_plans_facts(gws in proptest::collection::vec(gw(), 1..5)) {
        let text = yaml(&gws);
        let doc = ocgen::model::load(&text).unwrap();
        // Valid for every target by construction.
        prop_assert!(ocgen::plan::plan(&doc).is_ok(), "{}", text);
        check_all(&doc)?;
    }
}
