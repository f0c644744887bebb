//! Kubernetes: how a gateway runs in a cluster. The container is the one
//! of compose (the pod runtime: the official image's paths, `lan` bind,
//! port P), run by a one-replica StatefulSet with claims of its own; this
//! module resolves the `kubernetes:` settings (namespace, storage,
//! resources, the Secret, labels, who may connect), owns every label ocgen
//! puts on namespaces and pods (the manifests and the checks read the same
//! lists), and holds the rules of Kubernetes' names and quantities, so that
//! a wrong value is an error here rather than a rejection by the API server.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::Serialize;

use super::auth::is_open;
use super::defaults::Resolved;
use super::gateway::{Draft, Gateway, KubeGateway, KubePeerSel};
use super::probe::probe_command;
use super::runtime::{CONTAINER_SECRET_DIR, container_auth};
use crate::diag::{Kind, Problem};
use crate::model::{Bind, KubePeer, KubeQuantities, KubeSettings, Settings, Sp};
use crate::openclaw::{
    CONTAINER_DEFAULT_TOKEN_ENV, MIN_CONTAINER_MEMORY, PROBE_ADDR, Probe, READY, STARTED,
    serves_startup_probe,
};
use crate::target::{Target, Targets};

/// Size of a gateway's state claim when `kubernetes.state_size` is left out.
pub const KUBE_STATE_SIZE: &str = "1Gi";

/// Size of a gateway's workspace claim when `kubernetes.workspace_size` is
/// left out.
pub const KUBE_WORKSPACE_SIZE: &str = "5Gi";

/// Requests when `kubernetes.resources.requests` is left out: OpenClaw uses
/// 0.4 to 0.9 GB once started.
pub const KUBE_REQUESTS: &[(&str, &str)] = &[("cpu", "250m"), ("memory", "1Gi")];

/// Limits when `kubernetes.resources.limits` is left out. No CPU limit:
/// throttling a gateway only slows its startup.
pub const KUBE_LIMITS: &[(&str, &str)] = &[("memory", "2Gi")];

/// The Pod Security Standards version the namespaces enforce: pinned, so
/// that a cluster upgrade does not change the policy under running pods.
pub const POD_SECURITY_VERSION: &str = "v1.30";

/// Key of an `auth.file` secret in the gateway's Secret.
pub const KUBE_AUTH_FILE_KEY: &str = "auth-file";

/// Where an `auth.file` secret is copied for the gateway (mode 0600, owned
/// by the gateway's user, as OpenClaw wants its secret files): a
/// memory-backed volume, never the state volume.
pub const KUBE_SECRET_DIR: &str = CONTAINER_SECRET_DIR;

/// Startup probe: every 2 s, so that a gateway is seen ready within
/// seconds of turning ready (the readiness and liveness probes, which run
/// for the pod's whole life, wait until it passes); 150 failures allowed:
/// a first start of a new volume (migrations, plugin setup) gets five
/// minutes before the kubelet restarts it. It runs only while the pod
/// starts, so the steady state costs what the slower probes below cost.
pub const KUBE_STARTUP_PERIOD: u32 = 2;
/// See [`KUBE_STARTUP_PERIOD`].
pub const KUBE_STARTUP_FAILURES: u32 = 150;
/// Readiness probe period.
pub const KUBE_READY_PERIOD: u32 = 10;
/// Liveness probe period: a live gateway is not killed for a slow answer.
pub const KUBE_LIVE_PERIOD: u32 = 30;
/// Failures before a ready gateway leaves the Service, or a live one is
/// restarted.
pub const KUBE_PROBE_FAILURES: u32 = 3;
/// Each probe's timeout in seconds: a busy node can take seconds to start one.
pub const KUBE_PROBE_TIMEOUT: u32 = 10;

/// Labels and annotations prefixes ocgen sets itself.
pub const KUBE_OWN_PREFIXES: &[&str] = &["app.kubernetes.io/", "ocgen.dev/"];

/// A StatefulSet's name is at most this long: its pods carry a
/// `controller-revision-hash` label of the name plus a dash and up to 10
/// characters, and a label value has at most 63.
pub const KUBE_MAX_OBJECT_NAME: usize = 52;

/// A variable of a pod's environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvValue {
    /// A value written into the manifest.
    Literal(String),
    /// The key of the same name in the gateway's own Secret (a secret:
    /// never written anywhere by ocgen).
    FromHost,
}

impl Gateway {
    /// The pod's environment, in a fixed order: the pod runtime's literal
    /// variables, then the secrets, each read from the gateway's own Secret.
    pub fn kube_environment(&self) -> Vec<(String, EnvValue)> {
        let rt = self.pod_runtime();
        let mut vars: Vec<(String, EnvValue)> = rt
            .environment()
            .into_iter()
            .map(|(k, v)| (k, EnvValue::Literal(v)))
            .collect();
        vars.extend(
            rt.secret_vars()
                .into_iter()
                .map(|k| (k, EnvValue::FromHost)),
        );
        vars
    }

    /// What the pod's startup and readiness probes ask: [`STARTED`]
    /// (`/startupz`) where the image serves it, so that a broken channel
    /// account (a bad bot token, no route out) leaves the gateway and its
    /// Control UI in its Service, as OpenClaw's own Kubernetes guide
    /// advises; else [`READY`] (`/readyz`).
    pub fn kube_admission_probe(&self) -> Probe {
        if serves_startup_probe(&self.image) {
            STARTED
        } else {
            READY
        }
    }

    /// A probe command for the pod: [`probe_command`] of `probe` on port P.
    pub fn kube_probe(&self, probe: Probe) -> Vec<String> {
        probe_command(&PROBE_ADDR.to_string(), self.port, probe)
    }
}

/// `defaults.kubernetes.secret` would hand every gateway one Secret.
pub(super) fn check_kube_defaults(d: &Settings, problems: &mut Vec<Problem>) {
    if let Some(s) = d.kubernetes.as_ref().and_then(|k| k.value.secret.as_ref()) {
        problems.push(
            Problem::new(
                Kind::Defaults,
                "`kubernetes.secret` cannot be a default: each gateway reads its secrets from a Secret of its own",
            )
            .only(Targets::one(Target::Kubernetes))
            .label(s.span, "set per gateway")
            .help("move `secret` into each gateway's `kubernetes`, or leave it out for `<name>-<gateway>-secrets`"),
        );
    }
}

/// The rules between gateways in a cluster, and the auth a pod needs.
pub(super) fn check_kubernetes(
    resolved: &[Resolved],
    gateways: &[Draft],
    problems: &mut Vec<Problem>,
) {
    for (r, g) in resolved.iter().zip(gateways) {
        // A pod binds `lan` for its Service.
        if is_open(container_auth(g, Bind::Lan).as_ref()) {
            let span = r.s.auth.as_ref().map_or(r.name.span, |a| a.value.mode.span);
            problems.push(
                Problem::new(
                    Kind::Auth,
                    format!(
                        "gateway `{}` has `auth: {{ mode: none }}`, but in a pod it binds `lan` for its Service, which OpenClaw refuses without a token or password",
                        g.name
                    ),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(span, "no auth")
                .help(format!(
                    "use `auth: {{ mode: token, env: {CONTAINER_DEFAULT_TOKEN_ENV} }}`, or leave `auth` out: pods then read the token from {CONTAINER_DEFAULT_TOKEN_ENV} in the gateway's Secret"
                )),
            );
        }
    }
    check_shared_secrets(resolved, gateways, problems);
    check_peers(resolved, gateways, problems);
}

/// The gateway's `kubernetes` settings, resolved and checked.
pub(super) fn resolve_kube(
    deployment: &str,
    r: &Resolved,
    problems: &mut Vec<Problem>,
) -> KubeGateway {
    resolve_one(
        deployment,
        r,
        r.s.kubernetes.as_ref().map(|k| &k.value),
        problems,
    )
}

fn resolve_one(
    deployment: &str,
    r: &Resolved,
    k: Option<&KubeSettings>,
    problems: &mut Vec<Problem>,
) -> KubeGateway {
    let gw = r.name.value.as_str();
    let object = format!("{deployment}-{gw}");
    if !is_dns_label(&object, KUBE_MAX_OBJECT_NAME)
        || !object.starts_with(|c: char| c.is_ascii_lowercase())
    {
        problems.push(
            Problem::new(
                Kind::Kubernetes,
                format!("gateway `{gw}`: its objects would be named `{object}`, which is not a Kubernetes name (lowercase letters, digits and `-`, starting with a letter, at most {KUBE_MAX_OBJECT_NAME} characters)"),
            )
            .only(Targets::one(Target::Kubernetes))
            .label(r.name.span, "names the StatefulSet, Service and ConfigMap")
            .help("rename the gateway (and `name:`, the deployment's name) with `-` instead of `_`, or shorten them"),
        );
    }
    let namespace = if let Some(ns) = k.and_then(|k| k.namespace.as_ref()) {
        {
            if !is_dns_label(&ns.value, 63) {
                problems.push(
                    Problem::new(
                        Kind::Kubernetes,
                        format!("gateway `{gw}`: namespace `{}` is not a Kubernetes namespace name", ns.value.escape_debug()),
                    )
                    .only(Targets::one(Target::Kubernetes))
                    .label(ns.span, "not a DNS label")
                    .help("use 1 to 63 lowercase letters, digits and `-`, starting and ending with a letter or digit"),
                );
            }
            ns.value.clone()
        }
    } else {
        {
            if !is_dns_label(deployment, 63) {
                problems.push(
                    Problem::new(
                        Kind::Kubernetes,
                        format!("gateway `{gw}`: the deployment's name `{deployment}` is not a namespace name, and no `kubernetes.namespace` is set"),
                    )
                    .only(Targets::one(Target::Kubernetes))
                    .label(r.body, "needs a namespace")
                    .help("set `kubernetes: { namespace: openclaw }` in `defaults`, or use `-` instead of `_` in `name:`"),
                );
            }
            deployment.to_string()
        }
    };
    let storage_class = k.and_then(|k| k.storage_class.as_ref()).map(|s| {
        object_name(
            gw,
            "storage class",
            s,
            "write the name `kubectl get storageclass` shows, e.g. `standard`",
            problems,
        )
    });
    let size = |v: Option<&Sp<String>>, key: &str, default: &str, problems: &mut Vec<Problem>| {
        let Some(v) = v else {
            return default.to_string();
        };
        if quantity(&v.value).is_none_or(|q| q <= 0.0) {
            problems.push(
                Problem::new(
                    Kind::Kubernetes,
                    format!(
                        "gateway `{gw}`: `kubernetes.{key}: {}` is not a storage size",
                        v.value.escape_debug()
                    ),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(v.span, "not a quantity")
                .help(format!(
                    "write a Kubernetes quantity such as `{default}` or `500Mi`"
                )),
            );
        }
        v.value.clone()
    };
    let state_size = size(
        k.and_then(|k| k.state_size.as_ref()),
        "state_size",
        KUBE_STATE_SIZE,
        problems,
    );
    let workspace_size = size(
        k.and_then(|k| k.workspace_size.as_ref()),
        "workspace_size",
        KUBE_WORKSPACE_SIZE,
        problems,
    );
    let res = k.and_then(|k| k.resources.as_ref()).map(|r| &r.value);
    let requests = quantities(
        gw,
        "requests",
        res.and_then(|r| r.requests.as_ref()),
        KUBE_REQUESTS,
        problems,
    );
    let limits = quantities(
        gw,
        "limits",
        res.and_then(|r| r.limits.as_ref()),
        KUBE_LIMITS,
        problems,
    );
    if let Some(m) = res
        .and_then(|r| r.limits.as_ref())
        .and_then(|l| l.memory.as_ref())
    {
        if quantity(&m.value)
            .is_some_and(|q| q < f64::from(u32::try_from(MIN_CONTAINER_MEMORY).unwrap_or(u32::MAX)))
        {
            problems.push(
                Problem::new(
                    Kind::Kubernetes,
                    format!("gateway `{gw}`: memory limit `{}` is below 512Mi", m.value),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(m.span, "too small")
                .help("the gateway alone uses 0.4 to 0.9 GB and would be killed at start: give it at least `1Gi`"),
            );
        }
    }
    for (name, limit) in &limits {
        let Some((_, request)) = requests.iter().find(|(n, _)| n == name) else {
            continue;
        };
        if let (Some(rq), Some(lq)) = (quantity(request), quantity(limit)) {
            if rq > lq {
                let span =
                    r.s.kubernetes
                        .as_ref()
                        .and_then(|k| k.value.resources.as_ref())
                        .map_or(r.body, |r| r.span);
                problems.push(
                    Problem::new(
                        Kind::Kubernetes,
                        format!("gateway `{gw}`: the {name} request `{request}` is above its limit `{limit}`"),
                    )
                    .only(Targets::one(Target::Kubernetes))
                    .label(span, "request above limit")
                    .help("Kubernetes refuses a request above the limit: lower the request or raise the limit"),
                );
            }
        }
    }
    let secret = match k.and_then(|k| k.secret.as_ref()) {
        Some(s) => object_name(
            gw,
            "Secret name",
            s,
            "use lowercase letters, digits, `-` and `.`, e.g. `family-secrets`",
            problems,
        ),
        None => format!("{object}-secrets"),
    };
    let labels = metadata(
        gw,
        "labels",
        k.and_then(|k| k.labels.as_ref()),
        true,
        problems,
    );
    let annotations = metadata(
        gw,
        "annotations",
        k.and_then(|k| k.annotations.as_ref()),
        false,
        problems,
    );
    let allow_from = k
        .and_then(|k| k.allow_from.as_ref())
        .map(|peers| peers.value.iter().map(|p| peer(gw, p, problems)).collect())
        .unwrap_or_default();
    KubeGateway {
        deployment: deployment.to_string(),
        namespace,
        object,
        storage_class,
        state_size,
        workspace_size,
        requests,
        limits,
        secret,
        labels,
        annotations,
        allow_from,
    }
}

/// A name of a Kubernetes object (a DNS subdomain), checked.
fn object_name(
    gw: &str,
    what: &str,
    v: &Sp<String>,
    help: &str,
    problems: &mut Vec<Problem>,
) -> String {
    if !is_dns_subdomain(&v.value) {
        problems.push(
            Problem::new(
                Kind::Kubernetes,
                format!(
                    "gateway `{gw}`: {what} `{}` is not a Kubernetes name",
                    v.value.escape_debug()
                ),
            )
            .only(Targets::one(Target::Kubernetes))
            .label(v.span, "not a DNS subdomain")
            .help(help),
        );
    }
    v.value.clone()
}

fn quantities(
    gw: &str,
    key: &str,
    q: Option<&KubeQuantities>,
    default: &[(&str, &str)],
    problems: &mut Vec<Problem>,
) -> Vec<(String, String)> {
    let Some(q) = q else {
        return default
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
    };
    let mut out = Vec::new();
    for (name, v) in [("cpu", &q.cpu), ("memory", &q.memory)] {
        let Some(v) = v else { continue };
        if quantity(&v.value).is_none_or(|x| x <= 0.0) {
            problems.push(
                Problem::new(
                    Kind::Kubernetes,
                    format!(
                        "gateway `{gw}`: `kubernetes.resources.{key}.{name}: {}` is not a Kubernetes quantity",
                        v.value.escape_debug()
                    ),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(v.span, "not a quantity")
                .help(if name == "cpu" {
                    "write cores or millicores, e.g. `1`, `0.5` or `250m`"
                } else {
                    "write bytes with a unit, e.g. `1Gi` or `512Mi`"
                }),
            );
        }
        out.push((name.to_string(), v.value.clone()));
    }
    out
}

fn metadata(
    gw: &str,
    key: &str,
    m: Option<&IndexMap<Sp<String>, Sp<String>>>,
    label_values: bool,
    problems: &mut Vec<Problem>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in m.into_iter().flatten() {
        if !is_qualified_name(&k.value) {
            problems.push(
                Problem::new(
                    Kind::Kubernetes,
                    format!("gateway `{gw}`: `{}` is not a Kubernetes {} key", k.value.escape_debug(), &key[..key.len() - 1]),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(k.span, "not a qualified name")
                .help("write `name` or `prefix/name`: a name of up to 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit; a prefix is a DNS subdomain"),
            );
        } else if KUBE_OWN_PREFIXES.iter().any(|p| k.value.starts_with(p)) {
            problems.push(
                Problem::new(
                    Kind::Kubernetes,
                    format!(
                        "gateway `{gw}`: `{}` is one of the {key} ocgen sets itself",
                        k.value
                    ),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(k.span, "reserved")
                .help(format!(
                    "ocgen sets `app.kubernetes.io/*` and `ocgen.dev/*` {key}: choose another key"
                )),
            );
        }
        if label_values && !is_label_value(&v.value) {
            problems.push(
                Problem::new(
                    Kind::Kubernetes,
                    format!("gateway `{gw}`: `{}` is not a Kubernetes label value", v.value.escape_debug()),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(v.span, "not a label value")
                .help("use at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (or an empty string); put longer text in `annotations`"),
            );
        }
        out.push((k.value.clone(), v.value.clone()));
    }
    out
}

fn peer(gw: &str, p: &Sp<KubePeer>, problems: &mut Vec<Problem>) -> KubePeerSel {
    if p.value.namespace_selector.is_none() && p.value.pod_selector.is_none() {
        problems.push(
            Problem::new(
                Kind::Kubernetes,
                format!("gateway `{gw}`: an `allow_from` entry selects nothing"),
            )
            .only(Targets::one(Target::Kubernetes))
            .label(p.span, "no selector")
            .help("give it a `namespace_selector`, a `pod_selector` or both, e.g. `{namespace_selector: {kubernetes.io/metadata.name: ingress-nginx}}`"),
        );
    }
    let mut selector = |m: Option<&IndexMap<Sp<String>, Sp<String>>>| {
        check_selector(gw, m, problems);
        m.map(|m| {
            m.iter()
                .map(|(k, v)| (k.value.clone(), v.value.clone()))
                .collect()
        })
    };
    KubePeerSel {
        namespace_selector: selector(p.value.namespace_selector.as_ref()),
        pod_selector: selector(p.value.pod_selector.as_ref()),
    }
}

/// Selector keys and values follow label syntax; ocgen's own prefixes are
/// fine to select on.
fn check_selector(
    gw: &str,
    m: Option<&IndexMap<Sp<String>, Sp<String>>>,
    problems: &mut Vec<Problem>,
) {
    for (k, v) in m.into_iter().flatten() {
        if !is_qualified_name(&k.value) || !is_label_value(&v.value) {
            problems.push(
                Problem::new(
                    Kind::Kubernetes,
                    format!("gateway `{gw}`: `{}: {}` is not a label selector", k.value.escape_debug(), v.value.escape_debug()),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(k.span, "not a label")
                .help("select by labels as `kubectl get --show-labels` shows them, e.g. `app.kubernetes.io/name: ingress-nginx`"),
            );
        }
    }
}

/// Two gateways in one namespace reading one Secret would read each
/// other's secrets.
fn check_shared_secrets(resolved: &[Resolved], gateways: &[Draft], problems: &mut Vec<Problem>) {
    let mut seen: HashMap<(&str, &str), &str> = HashMap::new();
    for (r, g) in resolved.iter().zip(gateways) {
        let key = (g.kube.namespace.as_str(), g.kube.secret.as_str());
        if let Some(first) = seen.get(&key) {
            let span =
                r.s.kubernetes
                    .as_ref()
                    .and_then(|k| k.value.secret.as_ref())
                    .map_or(r.name.span, |s| s.span);
            problems.push(
                Problem::new(
                    Kind::Secret,
                    format!(
                        "gateways `{first}` and `{}` read the same Secret `{}` in namespace `{}`: each would receive the other's secrets",
                        g.name, g.kube.secret, g.kube.namespace
                    ),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(span, "shared Secret")
                .help("give each gateway a Secret of its own (`kubernetes.secret`), or leave it out for `<name>-<gateway>-secrets`"),
            );
        } else {
            seen.insert(key, &g.name);
        }
    }
}

/// The labels that select a gateway's pods (the StatefulSet's, Service's
/// and NetworkPolicy's selector): stable across changes of anything else,
/// since a StatefulSet's selector cannot change.
pub fn kube_selector_labels<P>(g: &Gateway<P>) -> Vec<(String, String)> {
    vec![
        ("app.kubernetes.io/name".to_string(), "openclaw".to_string()),
        (
            "app.kubernetes.io/instance".to_string(),
            g.kube.object.clone(),
        ),
    ]
}

/// Every label of a gateway's pods and objects: the selector's, ocgen's
/// own, then the user's.
pub fn kube_pod_labels<P>(g: &Gateway<P>) -> Vec<(String, String)> {
    let mut l = kube_selector_labels(g);
    l.extend([
        (
            "app.kubernetes.io/component".to_string(),
            "gateway".to_string(),
        ),
        (
            "app.kubernetes.io/part-of".to_string(),
            g.kube.deployment.clone(),
        ),
        (
            "app.kubernetes.io/managed-by".to_string(),
            "ocgen".to_string(),
        ),
        ("ocgen.dev/gateway".to_string(), g.name.clone()),
    ]);
    l.extend(g.kube.labels.iter().cloned());
    l
}

/// The labels ocgen writes on a gateway's Namespace: who manages it, and
/// the `restricted` Pod Security profile, enforced and warned about.
pub fn kube_namespace_labels() -> Vec<(String, String)> {
    vec![
        (
            "app.kubernetes.io/managed-by".to_string(),
            "ocgen".to_string(),
        ),
        (
            "pod-security.kubernetes.io/enforce".to_string(),
            "restricted".to_string(),
        ),
        (
            "pod-security.kubernetes.io/enforce-version".to_string(),
            POD_SECURITY_VERSION.to_string(),
        ),
        (
            "pod-security.kubernetes.io/warn".to_string(),
            "restricted".to_string(),
        ),
        (
            "pod-security.kubernetes.io/warn-version".to_string(),
            POD_SECURITY_VERSION.to_string(),
        ),
    ]
}

/// Every label a gateway's namespace has in a cluster: the API server's
/// `kubernetes.io/metadata.name` (Kubernetes 1.21 and later), then ocgen's.
pub fn kube_namespace_known_labels(namespace: &str) -> Vec<(String, String)> {
    let mut l = vec![(
        "kubernetes.io/metadata.name".to_string(),
        namespace.to_string(),
    )];
    l.extend(kube_namespace_labels());
    l
}

/// An `allow_from` peer that selects another gateway's pods would open
/// one gateway to the other.
fn check_peers(resolved: &[Resolved], gateways: &[Draft], problems: &mut Vec<Problem>) {
    let matches = |sel: &[(String, String)], labels: &[(String, String)]| {
        sel.iter().all(|s| labels.contains(s))
    };
    for (r, g) in resolved.iter().zip(gateways) {
        let Some(peers) =
            r.s.kubernetes
                .as_ref()
                .and_then(|k| k.value.allow_from.as_ref())
        else {
            continue;
        };
        for (p, sel) in peers.value.iter().zip(&g.kube.allow_from) {
            if sel.namespace_selector.is_none() && sel.pod_selector.is_none() {
                continue;
            }
            // Its own pods may be selected; another gateway's may not.
            let other = gateways.iter().filter(|o| o.name != g.name).find(|o| {
                let ns_ok = match &sel.namespace_selector {
                    None => o.kube.namespace == g.kube.namespace,
                    Some(s) => matches(s, &kube_namespace_known_labels(&o.kube.namespace)),
                };
                let pod_ok = sel
                    .pod_selector
                    .as_ref()
                    .is_none_or(|s| matches(s, &kube_pod_labels(o)));
                ns_ok && pod_ok
            });
            if let Some(o) = other {
                problems.push(
                    Problem::new(
                        Kind::Kubernetes,
                        format!(
                            "gateway `{}`: an `allow_from` entry selects the pods of gateway `{}` (in namespace `{}`), which would let one gateway reach the other",
                            g.name, o.name, o.kube.namespace
                        ),
                    )
                    .only(Targets::one(Target::Kubernetes))
                    .label(p.span, "selects a gateway")
                    .help(format!(
                        "select only the clients that may connect (an ingress controller's namespace and pods), by labels that gateways and their namespaces do not carry: ocgen puts {} on every gateway's namespace",
                        kube_namespace_labels()
                            .iter()
                            .map(|(k, v)| format!("`{k}: {v}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
    }
}

/// A DNS-1123 label of at most `max` characters.
pub fn is_dns_label(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A DNS-1123 subdomain (object names of most kinds).
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(|l| is_dns_label(l, 63))
}

/// A label value: empty, or at most 63 of `[A-Za-z0-9_.-]`, alphanumeric at both ends.
pub fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_label_name(s)
}

fn is_label_name(s: &str) -> bool {
    s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A label or annotation key: `[prefix/]name`.
pub fn is_qualified_name(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, name)) => {
            !prefix.is_empty() && is_dns_subdomain(prefix) && is_label_name(name)
        }
        None => is_label_name(s),
    }
}

/// The value of a Kubernetes quantity (`250m`, `1.5`, `2Gi`), or None
/// when it is not one (exponents, which nobody writes, included).
pub fn quantity(s: &str) -> Option<f64> {
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    if num.is_empty() || num.starts_with('.') && num.len() == 1 || num.matches('.').count() > 1 {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(n * mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_names_and_quantities() {
        assert!(is_dns_label("openclaw-main", 52));
        assert!(!is_dns_label("a_b", 52) && !is_dns_label("-a", 52) && !is_dns_label("", 52));
        assert!(is_qualified_name("app.kubernetes.io/name") && is_qualified_name("team"));
        assert!(
            !is_qualified_name("/x") && !is_qualified_name("a/b/c") && !is_qualified_name("x y")
        );
        assert!(is_label_value("") && is_label_value("A.b_c-1") && !is_label_value("-a"));
        assert_eq!(quantity("250m"), Some(0.25));
        assert_eq!(quantity("2Gi"), Some(2.0 * 1024f64.powi(3)));
        assert_eq!(quantity("1.5"), Some(1.5));
        for bad in ["", "Gi", "1 Gi", "1gb", "1..2", "-1", "1e"] {
            assert_eq!(quantity(bad), None, "{bad}");
        }
    }
}
