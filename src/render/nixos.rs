//! The NixOS module (`ocgen nix`, `nixos/openclaw-gateways.nix`).
//!
//! A standalone module in the style of nixpkgs' many-instance modules:
//! `services.openclaw-gateways.gateways.<name>` submodule options, whose
//! values ocgen defines at normal priority (so `lib.mkForce` overrides
//! them), and a body that turns each gateway into a systemd service or an
//! OCI container. The options are the source of truth: what depends on a
//! user-overridable value (port, bind, paths, environment, enable) is
//! derived from the option inside the module, so ocgen writes the options
//! and leaves those derived values out. The per-gateway values come from
//! [`Service`] (or the container view) as JSON and are written as Nix by
//! the `nix_value` helper; nothing here knows an `OpenClaw` rule.

use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use super::templates::{NIXOS, TemplateError, Templates};
use crate::model::{Bind, NixosBackend};
use crate::openclaw::LIVE;
use crate::plan::{
    CONTAINER_CAP_DROP, CONTAINER_CONFIG_PATH, CONTAINER_CONFIG_READONLY, CONTAINER_STATE_DIR,
    CONTAINER_UID, CONTAINER_WORKSPACE, DEFAULT_SERVICE_USER, FOOTPRINT, FOOTPRINT_PARTS, Gateway,
    HEALTH_INTERVAL, HEALTH_RETRIES, HEALTH_START_PERIOD, HEALTH_TIMEOUT, HOME_ROOTS, NoHostPaths,
    Plan, RESTART, RESTART_SEC, Runtime, SPACING, STATE_ROOT, STOP_GRACE_PERIOD, Scope,
    SecretSource, Service, TIMEOUT_STOP_SEC, Value, listens_on_bind, shell_probe_parts,
};

/// Context of `templates/nixos.nix.hbs`.
#[derive(Serialize)]
pub struct Context {
    /// Deployment name (validated).
    pub deployment: String,
    /// The oci-containers backend (else systemd services).
    pub oci: bool,
    /// The account the module creates when a gateway uses it.
    pub default_user: &'static str,
    /// Home of that account: the `home` of the first gateway that runs as
    /// it, or null.
    pub user_home: Json,
    /// Where `StateDirectory=` puts state.
    pub state_root: &'static str,
    /// What `ProtectHome=` hides.
    pub home_roots: Json,
    /// A gateway's footprint: P to P+footprint.
    pub footprint: u16,
    /// The spacing ocgen leaves between base ports.
    pub spacing: u16,
    /// Offsets from P of the ports that listen on the bind address.
    pub public_offsets: Json,
    /// The variable that tells OpenClaw its config is read-only, and its value.
    pub readonly_name: &'static str,
    /// See `readonly_name`.
    pub readonly_value: &'static str,
    /// Where a container reads its openclaw.json.
    pub container_config_path: &'static str,
    /// The container's state directory.
    pub container_state_dir: &'static str,
    /// The container's workspace.
    pub container_workspace: &'static str,
    /// uid and gid of the image's user, owner of the state it mounts.
    pub container_uid: u32,
    /// `[Service]` settings of the container engine's unit.
    pub container_unit: Json,
    /// Gateways in file order.
    pub gateways: Vec<Entry>,
}

/// One gateway: its name and the values ocgen defines for
/// `services.openclaw-gateways.gateways.<name>`.
#[derive(Serialize)]
pub struct Entry {
    /// Gateway name.
    pub name: String,
    /// The submodule's values, written with the `nix_value` helper.
    pub values: Json,
}

/// Variables the module derives from the options.
const DERIVED_ENV: &[&str] = &[
    "OPENCLAW_PROFILE",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_GATEWAY_PORT",
    "OPENCLAW_WORKSPACE_DIR",
    "OPENCLAW_CONFIG_READONLY",
];

/// `[Service]` settings the module derives from `stateDir`, `workspace`
/// and `configPath`.
const DERIVED_DIRECTIVES: &[&str] = &[
    "StateDirectory",
    "StateDirectoryMode",
    "ReadWritePaths",
    "ProtectHome",
];

fn directive_json(v: &Value) -> Json {
    match v {
        Value::Str(s) => json!(s),
        Value::Int(n) => json!(n),
        Value::Bool(b) => json!(b),
        Value::List(items) => json!(items),
    }
}

/// Removes `path` from `v` and every object it leaves empty.
fn remove_path(v: &mut Json, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Some(m) = v.as_object_mut() else { return };
    if rest.is_empty() {
        m.remove(*first);
        return;
    }
    if let Some(child) = m.get_mut(*first) {
        remove_path(child, rest);
        if child.as_object().is_some_and(Map::is_empty) {
            m.remove(*first);
        }
    }
}

/// openclaw.json without the keys the module sets from the options.
fn settings_without(rt: &Runtime, derived: &[&[&str]]) -> Json {
    let mut v = super::openclaw::value(rt);
    for path in derived {
        remove_path(&mut v, path);
    }
    v
}

fn bind_values(bind: Bind, custom_bind_host: Option<&String>, m: &mut Map<String, Json>) {
    m.insert("bind".into(), json!(bind.as_str()));
    m.insert("customBindHost".into(), json!(custom_bind_host));
}

/// The values of a gateway run as a systemd service.
pub fn service_values(s: &Service) -> Json {
    let rt = &s.runtime;
    let g = rt.gateway;
    let (user, group) = s.account.clone().unwrap_or_default();
    let mut m = Map::new();
    m.insert("port".into(), json!(s.port));
    bind_values(rt.bind, rt.custom_bind_host.as_ref(), &mut m);
    m.insert("profile".into(), json!(g.profile));
    m.insert("stateDir".into(), json!(rt.state_dir));
    m.insert("workspace".into(), json!(rt.workspace));
    m.insert("configPath".into(), json!(rt.config_path));
    m.insert("logFile".into(), json!(rt.log_file));
    m.insert("user".into(), json!(user));
    m.insert("group".into(), json!(group));
    m.insert(
        "environment".into(),
        Json::Object(
            s.environment
                .iter()
                .filter(|(k, _)| !DERIVED_ENV.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect(),
        ),
    );
    m.insert("secretsFile".into(), json!(s.environment_file.path));
    m.insert("secrets".into(), json!(g.secrets));
    m.insert("config".into(), json!(g.config_mode.as_str()));
    m.insert(
        "credentials".into(),
        Json::Object(
            s.credentials
                .iter()
                .map(|c| (c.id.clone(), json!(c.path)))
                .collect(),
        ),
    );
    m.insert("after".into(), json!(s.after));
    m.insert("wantedBy".into(), json!(s.wanted_by));
    m.insert(
        "serviceConfig".into(),
        Json::Object(
            s.directives
                .iter()
                .filter(|d| !DERIVED_DIRECTIVES.contains(&d.key))
                .map(|d| (d.key.to_string(), directive_json(&d.value)))
                .collect(),
        ),
    );
    m.insert("openFirewall".into(), json!(s.open_firewall));
    m.insert(
        "settings".into(),
        settings_without(
            rt,
            &[
                &["gateway", "port"],
                &["gateway", "bind"],
                &["gateway", "customBindHost"],
                &["agents", "defaults", "workspace"],
                &["logging", "file"],
            ],
        ),
    );
    Json::Object(m)
}

/// The values of a gateway run as an OCI container: the layout, hardening,
/// health check and secrets of the compose output.
pub fn container_values(g: &Gateway) -> Result<Json, NoHostPaths> {
    let view = g.oci_runtime();
    let paths = g.host_paths()?;
    let mut volumes = Vec::new();
    let mut workspace = None;
    for (host, container, ro) in g.container_mounts()? {
        if container == CONTAINER_STATE_DIR {
            continue;
        }
        if container == CONTAINER_WORKSPACE {
            workspace = Some(host);
        } else {
            volumes.push(if ro {
                format!("{host}:{container}:ro")
            } else {
                format!("{host}:{container}")
            });
        }
    }
    let environment: Map<String, Json> = view
        .environment()
        .into_iter()
        .filter(|(k, _)| k != "OPENCLAW_GATEWAY_PORT")
        .map(|(k, v)| (k, json!(v)))
        .collect();
    let env_secret = matches!(
        view.auth.as_ref().and_then(|a| a.secret.as_ref()),
        Some(SecretSource::Env(_))
    );
    // The probe script around its port, which the module fills in.
    let (before, after) = shell_probe_parts(&view.probe_host(), LIVE);
    let mut m = Map::new();
    m.insert("image".into(), json!(g.image));
    m.insert("port".into(), json!(g.port));
    bind_values(g.bind, g.custom_bind_host.as_ref(), &mut m);
    m.insert("stateDir".into(), json!(paths.state_dir));
    m.insert("workspace".into(), json!(workspace));
    m.insert("environment".into(), Json::Object(environment));
    m.insert(
        "secretsFile".into(),
        json!((env_secret || !g.secrets.is_empty()).then(|| paths.secrets_env_file.clone())),
    );
    m.insert("secrets".into(), json!(g.secrets));
    m.insert("volumes".into(), json!(volumes));
    m.insert(
        "extraOptions".into(),
        json!([
            format!("--cap-drop={CONTAINER_CAP_DROP}"),
            "--security-opt=no-new-privileges",
            format!("--stop-timeout={}", STOP_GRACE_PERIOD.trim_end_matches('s')),
            format!("--health-interval={HEALTH_INTERVAL}"),
            format!("--health-timeout={HEALTH_TIMEOUT}"),
            format!("--health-start-period={HEALTH_START_PERIOD}"),
            format!("--health-retries={HEALTH_RETRIES}"),
        ]),
    );
    m.insert(
        "healthProbe".into(),
        json!({ "before": before, "after": after }),
    );
    m.insert("openFirewall".into(), json!(g.open_firewall));
    m.insert(
        "settings".into(),
        settings_without(&view, &[&["gateway", "port"]]),
    );
    Ok(Json::Object(m))
}

/// Renders the module.
pub fn render(plan: &Plan, t: &Templates) -> Result<String, TemplateError> {
    let oci = plan.nixos_backend == NixosBackend::OciContainers;
    let mut gateways = Vec::with_capacity(plan.gateways.len());
    for g in &plan.gateways {
        gateways.push(Entry {
            name: g.name.clone(),
            values: if oci {
                container_values(g)?
            } else {
                service_values(&g.service(Scope::System)?)
            },
        });
    }
    let user_home = plan
        .gateways
        .iter()
        .filter(|g| g.user == DEFAULT_SERVICE_USER)
        .find_map(|g| g.paths.as_ref().and_then(|p| p.home.clone()));
    let public_offsets: Vec<u16> = FOOTPRINT_PARTS
        .iter()
        .filter(|(p, _, _)| listens_on_bind(*p))
        .flat_map(|(_, a, b)| *a..=*b)
        .collect();
    let ctx = Context {
        deployment: plan.name.clone(),
        oci,
        default_user: DEFAULT_SERVICE_USER,
        user_home: json!(user_home),
        state_root: STATE_ROOT,
        home_roots: json!(HOME_ROOTS),
        footprint: FOOTPRINT,
        spacing: SPACING,
        public_offsets: json!(public_offsets),
        readonly_name: CONTAINER_CONFIG_READONLY.0,
        readonly_value: CONTAINER_CONFIG_READONLY.1,
        container_config_path: CONTAINER_CONFIG_PATH,
        container_state_dir: CONTAINER_STATE_DIR,
        container_workspace: CONTAINER_WORKSPACE,
        container_uid: CONTAINER_UID,
        // The engine's stop (`--stop-timeout`) runs inside systemd's.
        container_unit: json!({
            "Restart": RESTART,
            "RestartSec": RESTART_SEC,
            "TimeoutStopSec": TIMEOUT_STOP_SEC + 30,
        }),
        gateways,
    };
    t.render(NIXOS, &ctx)
}
