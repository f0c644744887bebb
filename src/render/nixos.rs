//! The NixOS module (`ocgen nix`, `nixos/openclaw-gateways.nix`).
//!
//! A standalone module in the style of nixpkgs' many-instance modules:
//! `services.openclaw-gateways.gateways.<name>` submodule options, whose
//! values ocgen defines at normal priority (so `lib.mkForce` overrides
//! them), and a body that turns each gateway into a systemd service or an
//! OCI container. The per-gateway values come from [`Service`] (or the
//! container view) as JSON and are written as Nix by
//! [`nix_expr`](super::quote::nix_expr); nothing
//! here knows an `OpenClaw` rule.

use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use super::templates::{NIXOS, TemplateError, Templates};
use crate::model::NixosBackend;
use crate::plan::{
    CONTAINER_CAP_DROP, CONTAINER_STATE_DIR, CONTAINER_UID, DEFAULT_SERVICE_USER, Gateway, Plan,
    Scope, Service, Value,
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
    /// Where a container reads its openclaw.json.
    pub container_config_path: String,
    /// uid and gid of the image's user, owner of the state it mounts.
    pub container_uid: u32,
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

fn directive_json(v: &Value) -> Json {
    match v {
        Value::Str(s) => json!(s),
        Value::Int(n) => json!(n),
        Value::Bool(b) => json!(b),
        Value::List(items) => json!(items),
    }
}

fn env_json(vars: &[(String, String)]) -> Json {
    Json::Object(vars.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

/// The values of a gateway run as a systemd service.
pub fn service_values(s: &Service) -> Json {
    let (user, group) = s.account.clone().unwrap_or_default();
    let mut m = Map::new();
    m.insert("port".into(), json!(s.port));
    m.insert("user".into(), json!(user));
    m.insert("group".into(), json!(group));
    m.insert("environment".into(), env_json(&s.environment));
    m.insert(
        "environmentFiles".into(),
        json!([s.environment_file.directive()]),
    );
    m.insert(
        "credentials".into(),
        Json::Object(
            s.credentials
                .iter()
                .map(|c| (c.id.clone(), json!(c.path)))
                .collect(),
        ),
    );
    m.insert("directories".into(), json!(s.directories));
    m.insert("configPath".into(), json!(s.config_path));
    m.insert("after".into(), json!(s.after));
    m.insert("wantedBy".into(), json!(s.wanted_by));
    m.insert(
        "serviceConfig".into(),
        Json::Object(
            s.directives
                .iter()
                .map(|d| (d.key.to_string(), directive_json(&d.value)))
                .collect(),
        ),
    );
    m.insert("openFirewall".into(), json!(s.open_firewall));
    m.insert("publicPorts".into(), json!(s.public_ports));
    m.insert("settings".into(), super::openclaw::value(&s.view));
    Json::Object(m)
}

/// The values of a gateway run as an OCI container.
pub fn container_values(g: &Gateway) -> Json {
    let view = g.container_view();
    let host = g.publish_address().unwrap_or_default();
    let ports: Vec<String> = [g.port, g.port + 1]
        .iter()
        .map(|p| format!("{host}:{p}:{p}"))
        .collect();
    let volumes: Vec<String> = g
        .container_mounts()
        .into_iter()
        .map(|(h, c, ro)| {
            if ro {
                format!("{h}:{c}:ro")
            } else {
                format!("{h}:{c}")
            }
        })
        .collect();
    let service = g.service(Scope::System);
    let env_files: Vec<String> = if service.environment_file.required {
        vec![service.environment_file.path.clone()]
    } else {
        Vec::new()
    };
    let mut dirs = vec![g.state_dir.clone()];
    if g.container_mounts()
        .iter()
        .any(|(h, _, _)| *h == g.workspace)
    {
        dirs.push(g.workspace.clone());
    }
    let mut m = Map::new();
    m.insert("image".into(), json!(g.image));
    m.insert("port".into(), json!(g.port));
    m.insert("environment".into(), env_json(&view.environment()));
    m.insert("environmentFiles".into(), json!(env_files));
    m.insert("ports".into(), json!(ports));
    m.insert("volumes".into(), json!(volumes));
    m.insert(
        "extraOptions".into(),
        json!([
            format!("--cap-drop={CONTAINER_CAP_DROP}"),
            "--security-opt=no-new-privileges",
            format!("--health-cmd={}", g.container_health_cmd()),
            "--health-interval=30s",
            "--health-retries=3",
        ]),
    );
    m.insert("directories".into(), json!(dirs));
    m.insert("openFirewall".into(), json!(g.open_firewall));
    m.insert("publicPorts".into(), json!(g.public_ports()));
    m.insert("settings".into(), super::openclaw::value(&view));
    Json::Object(m)
}

/// Renders the module.
pub fn render(plan: &Plan, t: &Templates) -> Result<String, TemplateError> {
    let oci = plan.nixos_backend == NixosBackend::OciContainers;
    let gateways = plan
        .gateways
        .iter()
        .map(|g| Entry {
            name: g.name.clone(),
            values: if oci {
                container_values(g)
            } else {
                service_values(&g.service(Scope::System))
            },
        })
        .collect();
    let ctx = Context {
        deployment: plan.name.clone(),
        oci,
        default_user: DEFAULT_SERVICE_USER,
        container_config_path: format!("{CONTAINER_STATE_DIR}/openclaw.json"),
        container_uid: CONTAINER_UID,
        gateways,
    };
    t.render(NIXOS, &ctx)
}
