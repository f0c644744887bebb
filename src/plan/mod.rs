//! The resolved plan: every OpenClaw rule ocgen knows lives in this module.
//!
//! [`plan`] takes a parsed [`Document`] and returns, for each gateway, its
//! profile, base port, paths, bind, auth and environment, all resolved and
//! checked against each other, or every [`Problem`] it found. Renderers only
//! read a [`Plan`]; none of them knows a port offset or a path layout.
//!
//! # Ports
//! A gateway on base port P uses P (WebSocket + HTTP), P+1 (MCP Apps
//! sandbox), P+2 (browser control), P+3..P+10 (extension relay ports) and
//! P+11..P+110 (managed Chrome CDP range): its footprint is P..P+110.
//! Gateways whose port is left out get the lowest free base port on the grid
//! 18789 + 120·k, at least [`SPACING`] ports from any base port above them in
//! the file. A gateway's port depends only on the gateways above it, so
//! adding a gateway at the end never moves another one.
//!
//! # Paths
//! Without explicit paths a gateway gets OpenClaw's `--profile` layout under
//! its `home`: `<home>/.openclaw-<profile>` (`<home>/.openclaw` for the
//! `default` profile), `openclaw.json` and `workspace/` inside it. No two
//! gateways may share or nest a state dir, config path, workspace or log.

mod auth;
mod containers;
mod env;
mod kubernetes;
mod launchd;
mod paths;
mod ports;
mod profiles;
mod proxy;
mod services;
mod settings;

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use serde::Serialize;

use crate::diag::{Kind, Problem, Span};
pub use crate::model::ConfigMode;
use crate::model::{
    Auth, AuthMode, Bind, Document, NetworkMode, NixosBackend, PortValue, Resources, Settings, Sp,
};
pub use crate::openclaw::*;
pub use crate::target::{Target, Targets};

pub use auth::*;
pub use containers::*;
pub use env::*;
pub use kubernetes::*;
pub use launchd::*;
#[allow(clippy::wildcard_imports)]
use paths::*;
pub use ports::*;
pub use profiles::*;
pub use proxy::*;
pub use services::*;
pub use settings::{is_credential_key, looks_like_credential};

/// Default deployment name.
pub const DEFAULT_NAME: &str = "openclaw";

/// Everything ocgen will write, resolved.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Deployment name.
    pub name: String,
    /// Gateways in file order.
    pub gateways: Vec<Gateway>,
    /// How the NixOS module runs the gateways.
    pub nixos_backend: NixosBackend,
    /// Whether the plain systemd units are user units.
    pub user_units: bool,
    /// The `openclaw` executable the plain systemd units start.
    pub openclaw_bin: String,
    /// The targets the file names (`targets:`), or the default ones.
    pub targets: Vec<Target>,
    /// The reverse proxy in front of the gateways, when `proxy:` is set.
    pub proxy: Option<Proxy>,
    /// How the LaunchAgents start the gateways (`launchd:`).
    pub launchd: LaunchdPlan,
}

/// One gateway, resolved.
#[derive(Clone, Debug, Serialize)]
pub struct Gateway {
    /// Name from the file: file names, service names.
    pub name: String,
    /// OpenClaw profile.
    pub profile: String,
    /// Base port P.
    pub port: u16,
    /// Whether ocgen chose the port.
    pub port_assigned: bool,
    /// The home directory the paths were derived from, when one was given
    /// (the NixOS module's account gets it as its home).
    pub home: Option<String>,
    /// `OPENCLAW_STATE_DIR`.
    pub state_dir: String,
    /// `OPENCLAW_CONFIG_PATH`.
    pub config_path: String,
    /// Agent workspace.
    pub workspace: String,
    /// The gateway's own log file.
    pub log_file: String,
    /// `gateway.bind`.
    pub bind: Bind,
    /// `gateway.customBindHost` when `bind` is `custom`.
    pub custom_bind_host: Option<String>,
    /// Authentication.
    pub auth: Option<GatewayAuth>,
    /// Browser profiles in file order.
    pub browser_profiles: Vec<BrowserProfile>,
    /// The user's extra environment (defaults merged in).
    pub env: IndexMap<String, String>,
    /// `gateway.controlUi.allowedOrigins`.
    pub allowed_origins: Vec<String>,
    /// Container image.
    pub image: String,
    /// User of the gateway's system service.
    pub user: String,
    /// Group of the gateway's system service.
    pub group: String,
    /// Whether the NixOS module opens the gateway's ports in the firewall.
    pub open_firewall: bool,
    /// The operator's file of secret environment variables for the service.
    pub secrets_env_file: String,
    /// How the gateway's container is run (container outputs only).
    pub container: ContainerSettings,
    /// The user's OpenClaw settings (`openclaw:`, defaults merged in),
    /// checked: a JSON object that joins ocgen's keys in `openclaw.json`.
    pub settings: serde_json::Value,
    /// Names of the variables in the gateway's own secrets file
    /// (`secrets:`, defaults joined in). Never their values.
    pub secrets: Vec<String>,
    /// Who owns `openclaw.json`.
    pub config_mode: ConfigMode,
    /// `gateway.controlUi.basePath`: the path prefix the proxy serves the
    /// gateway under.
    pub base_path: Option<String>,
    /// `gateway.trustedProxies`: the addresses the proxy connects from.
    pub trusted_proxies: Vec<String>,
    /// How the gateway runs in a cluster (the Kubernetes target).
    pub kube: KubeGateway,
}

impl Plan {
    /// Whether the file's targets include `t`.
    pub fn has_target(&self, t: Target) -> bool {
        self.targets.contains(&t)
    }

    /// A gateway by name.
    pub fn gateway(&self, name: &str) -> Option<&Gateway> {
        self.gateways.iter().find(|g| g.name == name)
    }

    /// Every reserved range of every gateway, sorted by start port.
    pub fn port_table(&self) -> Vec<PortRange> {
        let mut all: Vec<PortRange> = self.gateways.iter().flat_map(Gateway::reserved).collect();
        all.sort_by(|a, b| (a.start, a.end, &a.gateway).cmp(&(b.start, b.end, &b.gateway)));
        all
    }
}

/// A gateway's settings with defaults applied, spans kept.
struct Resolved<'a> {
    name: &'a Sp<String>,
    body: Span,
    s: Settings,
}

/// Resolves the whole document and checks it for the targets it names.
pub fn plan(doc: &Document) -> Result<Plan, Vec<Problem>> {
    plan_for(doc, None)
}

/// Resolves the whole document and checks the rules every target shares,
/// plus those of `only` when given (`ocgen compose` checks compose's rules,
/// not the host's), else those of the targets the file names.
pub fn plan_for(doc: &Document, only: Option<Target>) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let targets = resolve_targets(doc, &mut problems);
    let wanted = match only {
        Some(t) => Targets::of(&[t]),
        None => Targets::of(&targets),
    };
    check_defaults(&doc.defaults, &mut problems);
    check_kube_defaults(&doc.defaults, &mut problems);
    let name = doc
        .name
        .as_ref()
        .map_or_else(|| DEFAULT_NAME.to_string(), |n| n.value.clone());
    if let Some(n) = &doc.name {
        if !is_project_name(&n.value) {
            problems.push(
                Problem::new(Kind::Name, format!("deployment name `{}` is not allowed", n.value))
                    .label(n.span, "invalid name")
                    .help("use lowercase letters, digits, `-` and `_`, starting with a letter or digit (compose project name rules)"),
            );
        }
    }
    if doc.gateways.is_empty() {
        problems.push(
            Problem::new(
                Kind::Syntax,
                "`gateways` is empty: there is nothing to deploy",
            )
            .help("add a gateway, e.g. `gateways: { main: {} }`"),
        );
    }
    let resolved: Vec<Resolved> = doc
        .gateways
        .iter()
        .map(|(name, body)| Resolved {
            name,
            body: if body.span.is_known() {
                body.span
            } else {
                name.span
            },
            s: merge(
                &doc.defaults,
                body.value.as_ref().unwrap_or(&Settings::default()),
            ),
        })
        .collect();

    let mut gateways = Vec::with_capacity(resolved.len());
    for r in &resolved {
        gateways.push(resolve_gateway(r, &mut problems));
    }
    check_profiles(&resolved, &gateways, &mut problems);
    assign_ports(&resolved, &mut gateways, &mut problems);
    check_port_overlaps(&resolved, &gateways, &mut problems);
    check_cdp_urls(&resolved, &mut problems);
    check_path_overlaps(&resolved, &gateways, &mut problems);
    check_workspace_host_paths(&resolved, &gateways, &mut problems);
    let mut proxy = doc
        .proxy
        .as_ref()
        .map(|p| resolve_proxy(p, &resolved, &mut gateways, &mut problems));
    if doc.proxy.is_none() {
        refuse_routes_without_proxy(&resolved, &mut problems);
    }
    resolve_kubernetes(&name, &resolved, &mut gateways, &mut problems);
    if let (Some(p), Some(px)) = (&doc.proxy, &mut proxy) {
        resolve_kube_proxy(p, px, &resolved, &gateways, &mut problems);
    }

    let nixos_backend = doc
        .nixos
        .as_ref()
        .and_then(|n| n.backend.as_ref())
        .map_or(NixosBackend::Systemd, |b| b.value);
    let container_targets = if nixos_backend == NixosBackend::OciContainers {
        check_publishable(&resolved, &gateways, &mut problems);
        Targets::of(Target::CONTAINERS).with(Targets::of(&[Target::Nixos]))
    } else {
        Targets::of(Target::CONTAINERS)
    };
    // A gateway that is wrong already would only repeat itself here.
    if container_targets.intersects(wanted) && !problems.iter().any(|p| p.applies_to(wanted)) {
        check_containers(&resolved, &gateways, container_targets, &mut problems);
    }
    let user_units = doc
        .systemd
        .as_ref()
        .and_then(|s| s.user_units.as_ref())
        .is_some_and(|u| u.value);
    let openclaw_bin = match doc.systemd.as_ref().and_then(|s| s.openclaw.as_ref()) {
        None => DEFAULT_OPENCLAW_BIN.to_string(),
        Some(p) => check_executable(p, &mut problems),
    };

    let launchd = resolve_launchd(doc.launchd.as_ref(), &mut problems);
    if wanted.contains(Target::Launchd) {
        check_launchd(&resolved, &gateways, &launchd, &mut problems);
    }

    problems.retain(|p| p.applies_to(wanted));
    if problems.is_empty() {
        Ok(Plan {
            name,
            gateways,
            nixos_backend,
            user_units,
            openclaw_bin,
            targets,
            proxy,
            launchd,
        })
    } else {
        Err(problems
            .into_iter()
            .map(|p| p.for_targets(wanted))
            .collect())
    }
}

fn is_project_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && s.len() <= 63
}

fn check_defaults(d: &Settings, problems: &mut Vec<Problem>) {
    // The same keys as `model::PER_GATEWAY_KEYS`, which the schema forbids.
    let per_gateway: [(&str, Option<Span>); 8] = [
        ("port", d.port.as_ref().map(|v| v.span)),
        ("profile", d.profile.as_ref().map(|v| v.span)),
        ("state_dir", d.state_dir.as_ref().map(|v| v.span)),
        ("config_path", d.config_path.as_ref().map(|v| v.span)),
        ("workspace", d.workspace.as_ref().map(|v| v.span)),
        (
            "workspace_host_path",
            d.workspace_host_path.as_ref().map(|v| v.span),
        ),
        ("host", d.host.as_ref().map(|v| v.span)),
        ("path", d.path.as_ref().map(|v| v.span)),
    ];
    for (key, span) in per_gateway {
        if let Some(span) = span {
            problems.push(
                Problem::new(
                    Kind::Defaults,
                    format!("`{key}` cannot be a default: every gateway needs its own"),
                )
                .label(span, "set per gateway")
                .help(format!(
                    "move `{key}` into each gateway, or leave it out to have ocgen {}",
                    match key {
                        "port" => "assign it",
                        "workspace_host_path" => "give each container a named workspace volume",
                        "host" | "path" => "serve each at `<gateway>.<proxy.domain>`",
                        _ => "derive it from `home`",
                    }
                )),
            );
        }
    }
}

/// Defaults applied key by key; `env` merged per variable, `browser.profiles` per profile.
fn merge(d: &Settings, g: &Settings) -> Settings {
    // The gateway's entries replace the defaults' of the same name, and
    // follow them. Linear: a file may hold many thousands of entries.
    let env = match (&d.env, &g.env) {
        (None, None) => None,
        (a, b) => {
            let own: std::collections::HashSet<&str> =
                b.iter().flatten().map(|(k, _)| k.value.as_str()).collect();
            Some(
                a.iter()
                    .flatten()
                    .filter(|(k, _)| !own.contains(k.value.as_str()))
                    .chain(b.iter().flatten())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        }
    };
    let browser = match (&d.browser, &g.browser) {
        (None, None) => None,
        (a, b) => {
            let own: std::collections::HashSet<&str> = b
                .iter()
                .flat_map(|b| b.profiles.keys())
                .map(|k| k.value.as_str())
                .collect();
            Some(crate::model::Browser {
                profiles: a
                    .iter()
                    .flat_map(|b| b.profiles.iter())
                    .filter(|(k, _)| !own.contains(k.value.as_str()))
                    .chain(b.iter().flat_map(|b| b.profiles.iter()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            })
        }
    };
    Settings {
        profile: g.profile.clone().or_else(|| d.profile.clone()),
        port: g.port.clone().or_else(|| d.port.clone()),
        home: g.home.clone().or_else(|| d.home.clone()),
        state_dir: g.state_dir.clone().or_else(|| d.state_dir.clone()),
        config_path: g.config_path.clone().or_else(|| d.config_path.clone()),
        workspace: g.workspace.clone().or_else(|| d.workspace.clone()),
        bind: g.bind.clone().or_else(|| d.bind.clone()),
        custom_bind_host: g
            .custom_bind_host
            .clone()
            .or_else(|| d.custom_bind_host.clone()),
        auth: g.auth.clone().or_else(|| d.auth.clone()),
        browser,
        env,
        image: g.image.clone().or_else(|| d.image.clone()),
        user: g.user.clone().or_else(|| d.user.clone()),
        group: g.group.clone().or_else(|| d.group.clone()),
        open_firewall: g.open_firewall.clone().or_else(|| d.open_firewall.clone()),
        secrets_env_file: g
            .secrets_env_file
            .clone()
            .or_else(|| d.secrets_env_file.clone()),
        publish: g.publish.clone().or_else(|| d.publish.clone()),
        network_mode: g.network_mode.clone().or_else(|| d.network_mode.clone()),
        resources: merge_resources(d.resources.as_ref(), g.resources.as_ref()),
        workspace_host_path: g
            .workspace_host_path
            .clone()
            .or_else(|| d.workspace_host_path.clone()),
        allowed_origins: g
            .allowed_origins
            .clone()
            .or_else(|| d.allowed_origins.clone()),
        openclaw: settings::merge_tree(d.openclaw.as_ref(), g.openclaw.as_ref()),
        secrets: merge_secrets(d.secrets.as_ref(), g.secrets.as_ref()),
        config: g.config.clone().or_else(|| d.config.clone()),
        // Per gateway only: check_defaults refuses them in `defaults`.
        host: g.host.clone(),
        path: g.path.clone(),
        kubernetes: merge_kube(d.kubernetes.as_ref(), g.kubernetes.as_ref()),
    }
}

/// `secrets` joined: the defaults' names, then the gateway's own.
fn merge_secrets(
    d: Option<&Sp<Vec<Sp<String>>>>,
    g: Option<&Sp<Vec<Sp<String>>>>,
) -> Option<Sp<Vec<Sp<String>>>> {
    match (d, g) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(d), Some(g)) => {
            let inherited: std::collections::HashSet<&str> =
                d.value.iter().map(|v| v.value.as_str()).collect();
            Some(Sp {
                value: d
                    .value
                    .iter()
                    .chain(
                        g.value
                            .iter()
                            .filter(|v| !inherited.contains(v.value.as_str())),
                    )
                    .cloned()
                    .collect(),
                span: g.span,
            })
        }
    }
}

/// `targets:`, or [`Target::DEFAULT`].
fn resolve_targets(doc: &Document, problems: &mut Vec<Problem>) -> Vec<Target> {
    let Some(list) = &doc.targets else {
        return Target::DEFAULT.to_vec();
    };
    if list.value.is_empty() {
        problems.push(
            Problem::new(Kind::Target, "`targets` is empty: there is nothing to check or write")
                .label(list.span, "no target")
                .help("name where the gateways run, e.g. `targets: [compose]`, or remove `targets` for host, systemd, nixos and compose"),
        );
    }
    let mut out: Vec<Target> = Vec::new();
    for t in &list.value {
        if out.contains(&t.value) {
            problems.push(
                Problem::new(
                    Kind::Target,
                    format!("target `{}` is listed twice", t.value),
                )
                .label(t.span, "again")
                .help("list each target once"),
            );
        } else {
            out.push(t.value);
        }
    }
    out.sort();
    out
}

/// `resources` merged limit by limit; the span is the gateway's when it has one.
fn merge_resources(d: Option<&Sp<Resources>>, g: Option<&Sp<Resources>>) -> Option<Sp<Resources>> {
    match (d, g) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(d), Some(g)) => Some(Sp {
            value: Resources {
                memory: g.value.memory.clone().or_else(|| d.value.memory.clone()),
                cpus: g.value.cpus.clone().or_else(|| d.value.cpus.clone()),
            },
            span: g.span,
        }),
    }
}

fn resolve_gateway(r: &Resolved, problems: &mut Vec<Problem>) -> Gateway {
    let name = &r.name.value;
    let s = &r.s;
    if !is_gateway_name(name) {
        problems.push(
            Problem::new(Kind::Name, format!("gateway name `{}` is not allowed", name.escape_debug()))
                .label(r.name.span, "invalid gateway name")
                .help("gateway names become file, service and profile names: use 1 to 64 lowercase letters, digits, `-` and `_`, starting with a letter or digit"),
        );
    }
    let profile = s
        .profile
        .as_ref()
        .map_or_else(|| name.clone(), |p| p.value.clone());
    if let Some(p) = &s.profile {
        if !is_profile_name(&p.value) {
            problems.push(
                Problem::new(
                    Kind::Profile,
                    format!(
                        "gateway `{name}`: profile `{}` is not a valid OpenClaw profile name",
                        p.value.escape_debug()
                    ),
                )
                .label(p.span, "invalid profile")
                .help("OpenClaw profiles match ^[a-z0-9][a-z0-9_-]{0,63}$"),
            );
        }
    }

    // Paths: explicit, else OpenClaw's --profile layout under `home`.
    let home = s
        .home
        .as_ref()
        .and_then(|h| normalize_path(name, "home", h, problems));
    let explicit_state = s
        .state_dir
        .as_ref()
        .and_then(|p| normalize_path(name, "state_dir", p, problems));
    let state_dir = match (explicit_state, &home) {
        (Some(sd), _) => sd,
        (None, Some(h)) => {
            if profile.eq_ignore_ascii_case("default") {
                format!("{h}/.openclaw")
            } else {
                format!("{h}/.openclaw-{profile}")
            }
        }
        (None, None) => {
            if s.state_dir.is_none() && s.home.is_none() {
                problems.push(
                    Problem::new(Kind::Path, format!("gateway `{name}` has no `state_dir` and no `home`"))
                        .only(Targets::of(Target::HOST_PATHS))
                        .label(r.body, "needs a place for its state")
                        .help("set `home` in `defaults` (ocgen derives `<home>/.openclaw-<profile>`), or give the gateway a `state_dir`"),
                );
            }
            format!("/nonexistent/{name}")
        }
    };
    let config_path = s
        .config_path
        .as_ref()
        .and_then(|p| normalize_path(name, "config_path", p, problems))
        .unwrap_or_else(|| format!("{state_dir}/openclaw.json"));
    let workspace = s
        .workspace
        .as_ref()
        .and_then(|p| normalize_path(name, "workspace", p, problems))
        .unwrap_or_else(|| format!("{state_dir}/workspace"));
    let log_file = format!("{state_dir}/logs/openclaw.log");

    let bind = s.bind.as_ref().map_or(Bind::Loopback, |b| b.value);
    let custom_bind_host = s.custom_bind_host.as_ref().map(|h| h.value.clone());
    match (bind, &s.custom_bind_host) {
        (Bind::Custom, None) => problems.push(
            Problem::new(
                Kind::Type,
                format!("gateway `{name}`: `bind: custom` needs `custom_bind_host`"),
            )
            .label(s.bind.as_ref().map_or(r.body, |b| b.span), "custom bind")
            .help("add `custom_bind_host: <address>` or choose `bind: loopback`"),
        ),
        (b, Some(h)) if b != Bind::Custom => problems.push(
            Problem::new(
                Kind::Type,
                format!("gateway `{name}`: `custom_bind_host` is only used with `bind: custom`"),
            )
            .label(h.span, "ignored")
            .help("set `bind: custom` or remove `custom_bind_host`"),
        ),
        _ => {}
    }
    if let Some(h) = &s.custom_bind_host {
        // OpenClaw 2026.9.6 exits at start unless this is an IPv4 address.
        if h.value.parse::<std::net::Ipv4Addr>().is_err() {
            problems.push(
                Problem::new(
                    Kind::Type,
                    format!("gateway `{name}`: `custom_bind_host` must be an IPv4 address"),
                )
                .label(h.span, "not an IPv4 address")
                .help(
                    "write an IPv4 address such as 192.168.1.10 (OpenClaw refuses anything else)",
                ),
            );
        }
    }

    let auth = s.auth.as_ref().map(|a| resolve_auth(name, a, problems));
    let open = auth.as_ref().is_none_or(|a| a.mode == AuthMode::None);
    if bind != Bind::Loopback && open {
        let span = s.bind.as_ref().map_or(r.body, |b| b.span);
        problems.push(
            Problem::new(
                Kind::Auth,
                format!("gateway `{name}` binds `{}` without auth: OpenClaw refuses a non-loopback bind without a token or password", bind.as_str()),
            )
            .label(span, "reachable from other hosts")
            .help("add `auth: { mode: token, env: OPENCLAW_GATEWAY_TOKEN }` (the token stays in the environment), or use `bind: loopback`"),
        );
    }

    let mut browser_profiles = Vec::new();
    for (pname, prof) in s.browser.iter().flat_map(|b| b.profiles.iter()) {
        if !is_browser_profile_name(&pname.value) {
            problems.push(
                Problem::new(Kind::Name, format!("gateway `{name}`: browser profile name `{}` is not allowed", pname.value.escape_debug()))
                    .label(pname.span, "invalid name")
                    .help("OpenClaw's browser profile names match ^[a-z0-9-]+$: lowercase letters, digits and `-`"),
            );
        }
        let cdp_port = prof.value.cdp_port.as_ref().and_then(|p| {
            check_port(
                name,
                &format!("browser profile `{}` cdp_port", pname.value),
                p,
                MIN_PORT,
                65535,
                problems,
            )
        });
        if prof.value.cdp_port.is_some() && prof.value.cdp_url.is_some() {
            problems.push(
                Problem::new(Kind::CdpPort, format!("gateway `{name}`: browser profile `{}` sets both `cdp_port` and `cdp_url`", pname.value))
                    .label(prof.span, "pick one")
                    .help("`cdp_port` starts a managed Chrome on that port; `cdp_url` attaches to one that runs elsewhere"),
            );
        }
        if let Some(url) = &prof.value.cdp_url {
            let ok = ["http://", "https://", "ws://", "wss://"]
                .iter()
                .any(|p| url.value.starts_with(p))
                && !url
                    .value
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                problems.push(
                    Problem::new(
                        Kind::CdpUrl,
                        format!(
                            "gateway `{name}`: browser profile `{}` has an invalid `cdp_url`",
                            pname.value
                        ),
                    )
                    .label(url.span, "not an http(s) or ws(s) URL")
                    .help("write e.g. http://127.0.0.1:9222"),
                );
            }
        }
        if prof.value.cdp_port.is_none() && prof.value.cdp_url.is_none() {
            problems.push(
                Problem::new(Kind::CdpPort, format!("gateway `{name}`: browser profile `{}` has neither `cdp_port` nor `cdp_url`", pname.value))
                    .label(prof.span, "OpenClaw requires one of them")
                    .help(format!("add `cdp_port: {}` (a port outside every gateway's footprint) or `cdp_url: http://HOST:PORT`", 9222)),
            );
        }
        browser_profiles.push(BrowserProfile {
            name: pname.value.clone(),
            cdp_port,
            cdp_url: prof.value.cdp_url.as_ref().map(|u| u.value.clone()),
            headless: prof.value.headless.as_ref().map(|h| h.value),
        });
    }

    let mut env = IndexMap::new();
    for (k, v) in s.env.iter().flatten() {
        check_env(name, k, v, problems);
        env.insert(k.value.clone(), v.value.clone());
    }
    if let Some(SecretSource::Env(var)) = auth.as_ref().and_then(|a| a.secret.as_ref()) {
        if let Some((k, _)) = s
            .env
            .iter()
            .flatten()
            .find(|(k, _)| k.value == *var && !looks_like_secret_name(var))
        {
            problems.push(
                Problem::new(Kind::Secret, format!("gateway `{name}`: `env.{var}` sets the variable that `auth.env` names: the secret written inline"))
                    .label(k.span, "the secret's value in the deployment file")
                    .redact_source()
                    .help(format!("remove `{var}` from `env`: the gateway reads it from its environment (the service's secrets_env_file, or .env for compose), never from ocgen's output")),
            );
        }
    }

    let allowed_origins = s.allowed_origins.as_ref().map_or_else(Vec::new, |o| {
        // An origin is scheme://host[:port]: no path, no trailing slash.
        let bad = o.value.iter().find(|v| {
            let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"));
            rest.is_none_or(|r| r.is_empty() || r.contains(['/', ' ', '?', '#']))
        });
        if let Some(bad) = bad {
            problems.push(
                Problem::new(
                    Kind::Type,
                    format!("gateway `{name}`: `{}` in `allowed_origins` is not an origin", bad.escape_debug()),
                )
                .label(o.span, "not scheme://host[:port]")
                .help("write origins as browsers send them, e.g. https://gw.example.com or http://192.168.1.10:18789 (no path, no trailing slash)"),
            );
        }
        o.value.clone()
    });

    let image = s
        .image
        .as_ref()
        .map_or_else(|| DEFAULT_IMAGE.to_string(), |i| i.value.clone());
    if let Some(i) = &s.image {
        check_image(name, i, problems);
    }

    let user = s
        .user
        .as_ref()
        .map_or_else(|| DEFAULT_SERVICE_USER.to_string(), |u| u.value.clone());
    let group = s
        .group
        .as_ref()
        .map_or_else(|| DEFAULT_SERVICE_USER.to_string(), |u| u.value.clone());
    for (key, v) in [("user", &s.user), ("group", &s.group)] {
        if let Some(v) = v {
            check_account(name, key, v, problems);
        }
    }
    let open_firewall = s.open_firewall.as_ref().is_some_and(|o| o.value);
    if let Some(o) = s.open_firewall.as_ref().filter(|o| o.value) {
        if bind == Bind::Loopback {
            problems.push(
                Problem::new(
                    Kind::Firewall,
                    format!("gateway `{name}` asks for `open_firewall` but binds `loopback`: nothing outside the host can reach it"),
                )
                .label(o.span, "nothing to open")
                .help("set `bind: lan` (with auth) to serve other hosts, or remove `open_firewall`"),
            );
        }
    }
    let secrets_env_file = s
        .secrets_env_file
        .as_ref()
        .and_then(|p| normalize_path(name, "secrets_env_file", p, problems))
        .unwrap_or_else(|| format!("{state_dir}/.env"));
    let container = resolve_container(name, s, problems);

    let secrets = resolve_secrets(name, s.secrets.as_ref(), &env, auth.as_ref(), problems);
    let config_mode = s.config.as_ref().map_or(ConfigMode::Managed, |c| c.value);
    let mut delivered: std::collections::HashSet<String> = secrets.iter().cloned().collect();
    delivered.extend(env.keys().cloned());
    delivered.extend(RESERVED_ENV.iter().map(ToString::to_string));
    if let Some(SecretSource::Env(v)) = auth.as_ref().and_then(|a| a.secret.as_ref()) {
        delivered.insert(v.clone());
    }
    let settings = settings::resolve_settings(
        &settings::Context {
            gw: name,
            delivered,
            browser_profiles: browser_profiles.iter().map(|b| b.name.clone()).collect(),
        },
        s.openclaw.as_ref(),
        problems,
    );

    Gateway {
        name: name.clone(),
        profile,
        port: 0,
        port_assigned: s.port.is_none(),
        home,
        state_dir,
        config_path,
        workspace,
        log_file,
        bind,
        custom_bind_host,
        auth,
        browser_profiles,
        env,
        allowed_origins,
        image,
        user,
        group,
        open_firewall,
        secrets_env_file,
        container,
        settings,
        secrets,
        config_mode,
        base_path: None,
        trusted_proxies: Vec::new(),
        kube: KubeGateway::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(yaml: &str) -> Result<Plan, Vec<Problem>> {
        let doc = crate::model::load(yaml)?;
        plan(&doc)
    }

    fn kinds(r: Result<Plan, Vec<Problem>>) -> Vec<Kind> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.kind)
            .collect()
    }

    const HEAD: &str = "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n";

    #[test]
    fn footprint_is_p_to_p_plus_110() {
        let p = plan_of(&format!("{HEAD}  a: {{port: 20000}}\n")).unwrap();
        let r = p.gateways[0].reserved();
        assert_eq!((r[0].start, r[0].end), (20000, 20000));
        assert_eq!((r[1].purpose, r[1].start), (Purpose::McpSandbox, 20001));
        assert_eq!((r[2].purpose, r[2].start), (Purpose::BrowserControl, 20002));
        assert_eq!((r[3].start, r[3].end), (20003, 20010));
        assert_eq!((r[4].start, r[4].end), (20011, 20110));
    }

    #[test]
    fn twenty_apart_collides_in_the_cdp_range() {
        let k = kinds(plan_of(&format!(
            "{HEAD}  a: {{port: 18789}}\n  b: {{port: 18809}}\n"
        )));
        assert_eq!(k, vec![Kind::PortOverlap]);
    }

    #[test]
    fn one_hundred_eleven_apart_is_fine() {
        assert!(
            plan_of(&format!(
                "{HEAD}  a: {{port: 18789}}\n  b: {{port: 18900}}\n"
            ))
            .is_ok()
        );
        let k = kinds(plan_of(&format!(
            "{HEAD}  a: {{port: 18789}}\n  b: {{port: 18899}}\n"
        )));
        assert_eq!(k, vec![Kind::PortOverlap]);
    }

    #[test]
    fn free_port_suggestions_are_distinct_and_what_assignment_gives() {
        let problems = plan_of(&format!(
            "{HEAD}  main: {{port: 18789}}\n  rescue: {{port: 18809}}\n  third: {{port: 18829}}\n"
        ))
        .unwrap_err();
        let helps: Vec<String> = problems.iter().filter_map(|p| p.help.clone()).collect();
        assert_eq!(helps.len(), 2, "{helps:?}");
        assert!(
            helps[0].contains("move `rescue` (18909 is free)"),
            "{helps:?}"
        );
        assert!(
            helps[1].contains("move `third` (19029 is free)"),
            "{helps:?}"
        );
        // Leaving both ports out assigns exactly those ports.
        let p = plan_of(&format!(
            "{HEAD}  main: {{port: 18789}}\n  rescue: {{}}\n  third: {{}}\n"
        ))
        .unwrap();
        let ports: Vec<u16> = p.gateways.iter().map(|g| g.port).collect();
        assert_eq!(ports, vec![18789, 18909, 19029]);
        // A suggestion never lands on an explicit port further down.
        let problems = plan_of(&format!(
            "{HEAD}  a: {{port: 18789}}\n  b: {{port: 18800}}\n  c: {{port: 19000}}\n"
        ))
        .unwrap_err();
        assert_eq!(problems.len(), 1);
        let help = problems[0].help.clone().unwrap();
        assert!(help.contains("move `b` (19149 is free)"), "{help}");
    }

    #[test]
    fn cdp_ports_below_1024_are_refused() {
        let y = format!("{HEAD}  a:\n    browser:\n      profiles:\n        w: {{cdp_port: 80}}\n");
        let problems = plan_of(&y).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, Kind::PortRange);
        assert!(
            problems[0].message.contains("privileged"),
            "{}",
            problems[0].message
        );
        let ok =
            format!("{HEAD}  a:\n    browser:\n      profiles:\n        w: {{cdp_port: 1024}}\n");
        assert!(plan_of(&ok).is_ok());
    }

    #[test]
    fn profiles_gateway_and_node_clash_with_openclaws_launchd_labels() {
        for y in [
            format!("{HEAD}  gateway: {{}}\n"),
            format!("{HEAD}  a: {{profile: node}}\n"),
            format!("{HEAD}  a: {{profile: Gateway}}\n"),
        ] {
            let problems = plan_of(&y).unwrap_err();
            assert_eq!(problems.len(), 1, "{y}");
            assert_eq!(problems[0].kind, Kind::Profile);
            assert!(
                problems[0].message.contains("ai.openclaw."),
                "{}",
                problems[0].message
            );
        }
        assert!(plan_of(&format!("{HEAD}  a: {{profile: gateway-1}}\n")).is_ok());
    }

    #[test]
    fn a_password_file_has_one_layout_for_install_and_the_unit() {
        let p = plan_of(&format!(
            "{HEAD}  main: {{auth: {{mode: password, file: /run/secrets/main-pass}}}}\n"
        ))
        .unwrap();
        let g = &p.gateways[0];
        // The config the unit reads is the config `install` writes.
        let unit_config = crate::render::openclaw::render(&g.service_view(Scope::System));
        assert_eq!(unit_config, crate::render::openclaw::render(g));
        assert!(
            unit_config.contains("/run/secrets/main-pass"),
            "{unit_config}"
        );
        let s = g.service(Scope::System);
        assert_eq!(s.credentials[0].path, "/run/secrets/main-pass");
        let bind = s
            .directives
            .iter()
            .find(|d| d.key == "BindReadOnlyPaths")
            .map(|d| d.value.clone());
        assert_eq!(
            bind,
            Some(Value::List(vec![format!(
                "/run/credentials/openclaw-gateway-main.service/{}:/run/secrets/main-pass",
                s.credentials[0].id
            )]))
        );
    }

    #[test]
    fn services_carry_openclaws_service_markers() {
        let p = plan_of(&format!("{HEAD}  main: {{}}\n")).unwrap();
        for scope in [Scope::System, Scope::User] {
            let env = p.gateways[0].service(scope).environment;
            for (k, v) in [
                ("OPENCLAW_SERVICE_MARKER", "openclaw"),
                ("OPENCLAW_SERVICE_KIND", "gateway"),
                ("OPENCLAW_SYSTEMD_UNIT", "openclaw-gateway-main.service"),
            ] {
                assert!(
                    env.contains(&(k.to_string(), v.to_string())),
                    "{k}={v} missing: {env:?}"
                );
            }
        }
        // A user may not set them.
        let k = kinds(plan_of(&format!(
            "{HEAD}  main:\n    env: {{OPENCLAW_SERVICE_KIND: node}}\n"
        )));
        assert_eq!(k.len(), 1, "{k:?}");
    }

    #[test]
    fn assigned_ports_are_120_apart_from_18789() {
        let p = plan_of(&format!("{HEAD}  a: {{}}\n  b: {{}}\n  c: {{}}\n")).unwrap();
        let ports: Vec<u16> = p.gateways.iter().map(|g| g.port).collect();
        assert_eq!(ports, vec![18789, 18909, 19029]);
        assert!(p.gateways.iter().all(|g| g.port_assigned));
    }

    #[test]
    fn assigned_ports_skip_explicit_ones_above_them() {
        let p = plan_of(&format!("{HEAD}  a: {{port: 18850}}\n  b: {{}}\n")).unwrap();
        // 18789 and 18909 are within 120 of 18850.
        assert_eq!(p.gateways[1].port, 19029);
    }

    #[test]
    fn adding_at_the_end_never_moves_existing_gateways() {
        let before = plan_of(&format!(
            "{HEAD}  a: {{}}\n  b: {{port: 30000}}\n  c: {{}}\n"
        ))
        .unwrap();
        let after = plan_of(&format!(
            "{HEAD}  a: {{}}\n  b: {{port: 30000}}\n  c: {{}}\n  d: {{}}\n"
        ))
        .unwrap();
        for (x, y) in before.gateways.iter().zip(&after.gateways) {
            assert_eq!(x.port, y.port);
        }
        // An explicit port added at the end that hits an assigned gateway is
        // an error, not a silent move.
        let k = kinds(plan_of(&format!("{HEAD}  a: {{}}\n  z: {{port: 18789}}\n")));
        assert_eq!(k, vec![Kind::PortOverlap]);
    }

    #[test]
    fn base_port_range_is_1024_to_65425() {
        assert!(plan_of(&format!("{HEAD}  a: {{port: 1024}}\n")).is_ok());
        assert!(plan_of(&format!("{HEAD}  a: {{port: 65425}}\n")).is_ok());
        for bad in ["1023", "65426", "0", "-1", "70000", "99999999999999999999"] {
            let k = kinds(plan_of(&format!("{HEAD}  a: {{port: {bad}}}\n")));
            assert!(
                k == vec![Kind::PortRange] || k == vec![Kind::Type],
                "{bad}: {k:?}"
            );
        }
    }

    #[test]
    fn cdp_ports_inside_a_footprint_or_twice_are_errors() {
        let inside = format!(
            "{HEAD}  a:\n    port: 20000\n  b:\n    port: 30000\n    browser:\n      profiles:\n        w: {{cdp_port: 20050}}\n"
        );
        assert_eq!(kinds(plan_of(&inside)), vec![Kind::CdpPort]);
        let own = format!(
            "{HEAD}  a:\n    port: 20000\n    browser:\n      profiles:\n        w: {{cdp_port: 20011}}\n"
        );
        assert_eq!(kinds(plan_of(&own)), vec![Kind::CdpPort]);
        let twice = format!(
            "{HEAD}  a:\n    port: 20000\n    browser:\n      profiles:\n        w: {{cdp_port: 9222}}\n  b:\n    port: 30000\n    browser:\n      profiles:\n        x: {{cdp_port: 9222}}\n"
        );
        assert_eq!(kinds(plan_of(&twice)), vec![Kind::CdpPort]);
        let fine = format!(
            "{HEAD}  a:\n    port: 20000\n    browser:\n      profiles:\n        w: {{cdp_port: 9222}}\n        x: {{cdp_port: 9223}}\n"
        );
        assert!(plan_of(&fine).is_ok());
    }

    #[test]
    fn shared_cdp_url_is_an_error() {
        let y = format!(
            "{HEAD}  a:\n    browser:\n      profiles:\n        w: {{cdp_url: 'http://127.0.0.1:9222'}}\n  b:\n    browser:\n      profiles:\n        w: {{cdp_url: 'http://127.0.0.1:9222/'}}\n"
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::CdpUrl]);
    }

    #[test]
    fn profiles_are_unique_case_insensitively_and_default_once() {
        let y = format!("{HEAD}  a: {{profile: Work}}\n  b: {{profile: work}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Profile]);
        let y =
            format!("{HEAD}  a: {{profile: default}}\n  b: {{profile: default, state_dir: /x}}\n");
        assert!(kinds(plan_of(&y)).contains(&Kind::Profile));
        let y = format!("{HEAD}  a: {{profile: 'bad name'}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Profile]);
    }

    #[test]
    fn profile_layout_under_home() {
        let p = plan_of(&format!(
            "{HEAD}  main: {{profile: default}}\n  rescue: {{}}\n"
        ))
        .unwrap();
        assert_eq!(p.gateways[0].state_dir, "/srv/oc/.openclaw");
        assert_eq!(p.gateways[0].config_path, "/srv/oc/.openclaw/openclaw.json");
        assert_eq!(p.gateways[1].state_dir, "/srv/oc/.openclaw-rescue");
        assert_eq!(
            p.gateways[1].workspace,
            "/srv/oc/.openclaw-rescue/workspace"
        );
        assert_eq!(
            p.gateways[1].log_file,
            "/srv/oc/.openclaw-rescue/logs/openclaw.log"
        );
    }

    #[test]
    fn env_file_sits_beside_the_config_named_after_the_gateway() {
        let p = plan_of(&format!(
            "{HEAD}  main: {{profile: default}}\n  a: {{config_path: /etc/oc/a.json}}\n  b: {{config_path: /etc/oc/b.json}}\n"
        ))
        .unwrap();
        assert_eq!(p.gateways[0].env_file_path(), "/srv/oc/.openclaw/main.env");
        assert_eq!(p.gateways[1].env_file_path(), "/etc/oc/a.env");
        assert_eq!(p.gateways[2].env_file_path(), "/etc/oc/b.env");
        // Another gateway's path on the env file is refused.
        let y = format!(
            "{HEAD}  a: {{config_path: /etc/oc/a.json}}\n  b: {{state_dir: /etc/oc/a.env}}\n"
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::PathOverlap]);
    }

    #[test]
    fn rooted_prefixes_every_path_and_nothing_else() {
        let y = format!(
            "{HEAD}  a:\n    workspace: /w/a\n    auth: {{mode: password, file: /run/secrets/pw}}\n    env: {{X: /not/a/path/key}}\n"
        );
        let g = plan_of(&y).unwrap().rooted("/tmp/r/").gateways.remove(0);
        assert_eq!(g.state_dir, "/tmp/r/srv/oc/.openclaw-a");
        assert_eq!(g.config_path, "/tmp/r/srv/oc/.openclaw-a/openclaw.json");
        assert_eq!(g.workspace, "/tmp/r/w/a");
        assert_eq!(g.log_file, "/tmp/r/srv/oc/.openclaw-a/logs/openclaw.log");
        assert_eq!(g.secret_file(), Some("/tmp/r/run/secrets/pw"));
        assert_eq!(g.secrets_env_file, "/tmp/r/srv/oc/.openclaw-a/.env");
        assert_eq!(g.env_file_path(), "/tmp/r/srv/oc/.openclaw-a/a.env");
        assert_eq!(g.env["X"], "/not/a/path/key");
        let same = plan_of(&y).unwrap();
        assert_eq!(
            same.rooted("/").gateways[0].state_dir,
            same.gateways[0].state_dir
        );
    }

    #[test]
    fn health_and_readiness_answers() {
        let ok = serde_json::json!({"ok": true, "status": "live"});
        assert!(is_healthy(200, &ok));
        assert!(!is_healthy(503, &ok));
        assert!(!is_healthy(200, &serde_json::json!({"ok": "true"})));
        assert!(is_ready(
            200,
            &serde_json::json!({"ready": true, "failing": []})
        ));
        assert!(!is_ready(503, &serde_json::json!({"ready": false})));
    }

    #[test]
    fn shared_or_nested_paths_are_errors() {
        let y = format!("{HEAD}  a: {{state_dir: /srv/x}}\n  b: {{state_dir: /srv/x/}}\n");
        assert!(kinds(plan_of(&y)).contains(&Kind::PathOverlap));
        let y = format!("{HEAD}  a: {{state_dir: /srv/x}}\n  b: {{workspace: /srv/x/ws}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::PathOverlap]);
        let y = format!(
            "{HEAD}  a: {{state_dir: /srv/x}}\n  b: {{state_dir: /srv/x-y}}\n  c: {{state_dir: /srv/xy}}\n"
        );
        assert!(plan_of(&y).is_ok());
        let y = format!("{HEAD}  a: {{state_dir: relative/dir}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Path]);
        let y = format!("{HEAD}  a: {{state_dir: /srv/../etc}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Path]);
    }

    #[test]
    fn non_loopback_bind_needs_auth() {
        let y = format!("{HEAD}  a: {{bind: lan}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Auth]);
        let y = format!("{HEAD}  a: {{bind: lan, auth: {{mode: none}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Auth]);
        let y = format!("{HEAD}  a: {{bind: lan, auth: {{mode: token, env: OC_TOKEN}}}}\n");
        assert!(plan_of(&y).is_ok());
        let y = format!("{HEAD}  a: {{auth: {{mode: token}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Auth]);
    }

    #[test]
    fn inline_secrets_are_refused_without_echoing_them() {
        let y = format!("{HEAD}  a: {{auth: {{mode: token, env: 'hunter2 secret'}}}}\n");
        let errs = plan_of(&y).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(!errs[0].message.contains("hunter2"));
        assert!(!errs[0].show_source);
        let y = format!("{HEAD}  a: {{env: {{OPENAI_API_KEY: sk-123}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Secret]);
    }

    #[test]
    fn trusted_proxy_needs_header_and_proxies() {
        let y = format!("{HEAD}  a: {{bind: lan, auth: {{mode: trusted-proxy}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Auth]);
        let y = format!(
            "{HEAD}  a: {{bind: lan, auth: {{mode: trusted-proxy, user_header: x-user, trusted_proxies: [10.0.0.2]}}}}\n"
        );
        let p = plan_of(&y).unwrap();
        let tp = p.gateways[0]
            .auth
            .as_ref()
            .unwrap()
            .trusted_proxy
            .as_ref()
            .unwrap();
        assert_eq!(
            (tp.user_header.as_str(), tp.proxies.clone()),
            ("x-user", vec!["10.0.0.2".to_string()])
        );
        let y = format!("{HEAD}  a: {{auth: {{mode: token, env: T, user_header: x}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Auth]);
    }

    #[test]
    fn secret_env_names_follow_openclaw() {
        assert!(is_secret_env_name("OPENCLAW_GATEWAY_TOKEN"));
        assert!(!is_secret_env_name("lower_case"));
        assert!(!is_secret_env_name("_LEADING"));
        assert!(!is_secret_env_name("1ABC"));
    }

    #[test]
    fn custom_bind_host_must_be_ipv4() {
        let ok = format!(
            "{HEAD}  a: {{bind: custom, custom_bind_host: 10.1.2.3, auth: {{mode: token, env: T}}}}\n"
        );
        assert!(plan_of(&ok).is_ok());
        let bad = format!(
            "{HEAD}  a: {{bind: custom, custom_bind_host: 'fe80::1', auth: {{mode: token, env: T}}}}\n"
        );
        assert_eq!(kinds(plan_of(&bad)), vec![Kind::Type]);
    }

    #[test]
    fn defaults_cannot_hold_per_gateway_keys() {
        let y = "version: 1\ndefaults:\n  home: /h\n  port: 20000\ngateways:\n  a: {}\n";
        assert!(kinds(plan_of(y)).contains(&Kind::Defaults));
    }

    #[test]
    fn env_merges_defaults_key_by_key() {
        let y = "version: 1\ndefaults:\n  home: /h\n  env: {A: '1', B: '2'}\ngateways:\n  g:\n    env: {B: '3', C: '4'}\n";
        let p = plan_of(y).unwrap();
        let env: Vec<(&str, &str)> = p.gateways[0]
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(env, vec![("A", "1"), ("B", "3"), ("C", "4")]);
    }

    #[test]
    fn many_colliding_gateways_are_all_reported() {
        // How fast is a benchmark (benches/pipeline.rs), not a test.
        let mut y = String::from(HEAD);
        for i in 0..10_000 {
            y.push_str(&format!("  g{i}: {{port: 20000}}\n"));
        }
        let errs = plan_of(&y).unwrap_err();
        assert!(errs.len() >= 9_999 && errs.len() < 100_000);
    }

    #[test]
    fn container_settings_resolve_with_defaults() {
        let y = format!(
            "{HEAD}  a: {{}}\n  b:\n    publish: all\n    network_mode: host\n    resources: {{memory: 2g, cpus: 1.5}}\n    workspace_host_path: /srv/ws/b/\n  c: {{publish: '192.168.1.10'}}\n"
        );
        let p = plan_of(&y).unwrap();
        let first = &p.gateways[0].container;
        assert_eq!(first.publish, Publish::Loopback);
        assert_eq!(first.network_mode, NetworkMode::Bridge);
        assert!(first.memory.is_none() && first.cpus.is_none());
        assert!(first.workspace_host_path.is_none());
        let second = &p.gateways[1].container;
        assert_eq!(second.publish, Publish::All);
        assert_eq!(second.network_mode, NetworkMode::Host);
        assert_eq!(second.memory.as_deref(), Some("2g"));
        assert_eq!(second.cpus, Some(1.5));
        assert_eq!(second.workspace_host_path.as_deref(), Some("/srv/ws/b"));
        let ip = "192.168.1.10".parse().unwrap();
        assert_eq!(p.gateways[2].container.publish, Publish::Address(ip));
        // Resources merge limit by limit.
        let y = "version: 1\ndefaults:\n  home: /h\n  resources: {memory: 1g, cpus: 2}\ngateways:\n  a: {resources: {cpus: 0.5}}\n";
        let c = plan_of(y).unwrap().gateways[0].container.clone();
        assert_eq!((c.memory.as_deref(), c.cpus), (Some("1g"), Some(0.5)));
    }

    #[test]
    fn bad_container_settings_are_errors() {
        for bad in [
            "publish: everywhere",
            "publish: '10.0.0.300'",
            "resources: {memory: 256m}",
            "resources: {memory: lots}",
            "resources: {memory: 1.g}",
            "resources: {cpus: 0}",
            "resources: {cpus: -1}",
            "workspace_host_path: rel/ws",
        ] {
            let k = kinds(plan_of(&format!("{HEAD}  a: {{{bad}}}\n")));
            assert!(
                k == vec![Kind::Type] || k == vec![Kind::Path],
                "{bad}: {k:?}"
            );
        }
        let k = kinds(plan_of(&format!("{HEAD}  a: {{network_mode: none}}\n")));
        assert_eq!(k, vec![Kind::Type]);
        let y = "version: 1\ndefaults:\n  home: /h\n  workspace_host_path: /srv/ws\ngateways:\n  a: {}\n";
        assert!(kinds(plan_of(y)).contains(&Kind::Defaults));
    }

    #[test]
    fn memory_sizes_read_like_docker() {
        assert_eq!(memory_bytes("512m"), Some(512 << 20));
        assert_eq!(memory_bytes("1.5g"), Some(3 << 29));
        assert_eq!(memory_bytes("2GiB"), Some(2 << 30));
        assert_eq!(memory_bytes("1073741824"), Some(1 << 30));
        for bad in ["", "g", "1.", ".5g", "1..5g", "1 g", "1x", "-1g"] {
            assert_eq!(memory_bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn shared_workspace_host_paths_are_errors() {
        let y = format!(
            "{HEAD}  a: {{workspace_host_path: /srv/ws}}\n  b: {{workspace_host_path: /srv/ws/b}}\n  c: {{workspace_host_path: /srv/ws-c}}\n"
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::PathOverlap]);
        let y = format!(
            "{HEAD}  a: {{workspace_host_path: /srv/ws}}\n  b: {{workspace_host_path: /srv/ws/}}\n"
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::PathOverlap]);
    }

    #[test]
    fn container_view_binds_lan_and_defaults_to_token_auth() {
        let p = plan_of(&format!("{HEAD}  a: {{port: 20000}}\n")).unwrap();
        let v = p.gateways[0].container_view();
        assert_eq!(
            (v.bind, v.config_path.as_str()),
            (Bind::Lan, CONTAINER_CONFIG_PATH)
        );
        let auth = v.auth.unwrap();
        assert_eq!(auth.mode, AuthMode::Token);
        assert_eq!(
            auth.secret,
            Some(SecretSource::Env(CONTAINER_DEFAULT_TOKEN_ENV.into()))
        );
        let env = p.gateways[0].container_environment();
        assert_eq!(env[0], ("HOME".into(), CONTAINER_HOME.into()));
        assert!(env.contains(&("OPENCLAW_CONFIG_READONLY".into(), "1".into())));
        // The token comes from the gateway's own secrets file, not from
        // the literal environment.
        assert!(env.iter().all(|(k, _)| k != CONTAINER_DEFAULT_TOKEN_ENV));
        assert_eq!(
            p.gateways[0].container_secret_vars(),
            [CONTAINER_DEFAULT_TOKEN_ENV]
        );
        assert!(
            p.gateways[0].container_healthcheck()[3].contains("'http://127.0.0.1:20000/healthz'")
        );
    }

    #[test]
    fn containers_pin_bind_and_port_and_seed_their_config_once() {
        let y = format!(
            "{HEAD}  a: {{port: 20000, secrets: [A_KEY]}}\n  b: {{config: seeded, resources: {{memory: 1g, cpus: 0.5}}}}\n"
        );
        let p = plan_of(&y).unwrap();
        let (a, b) = (&p.gateways[0], &p.gateways[1]);
        assert_eq!(
            a.container_command().join(" "),
            "node openclaw.mjs gateway --bind lan --port 20000"
        );
        assert_eq!(
            a.container_secret_vars(),
            [CONTAINER_DEFAULT_TOKEN_ENV, "A_KEY"]
        );
        assert_eq!(
            (a.container_memory().as_str(), a.container_cpus()),
            ("2g", 2.0)
        );
        assert_eq!(
            (b.container_memory().as_str(), b.container_cpus()),
            ("1g", 0.5)
        );
        // Seeded: the state volume's config, written only when absent, and
        // never read-only.
        let cmd = b.container_command();
        assert_eq!(cmd[..2], ["sh", "-c"]);
        assert_eq!(
            cmd[2],
            format!(
                "[ -e {CONTAINER_SEEDED_CONFIG_PATH} ] || install -m 600 {CONTAINER_CONFIG_PATH} {CONTAINER_SEEDED_CONFIG_PATH} && exec node openclaw.mjs gateway --bind lan --port {}",
                b.port
            )
        );
        assert_eq!(b.container_view().config_path, CONTAINER_SEEDED_CONFIG_PATH);
        let env = b.container_environment();
        assert!(env.iter().all(|(k, _)| k != CONTAINER_CONFIG_READONLY.0));
        assert!(env.contains(&(
            "OPENCLAW_CONFIG_PATH".into(),
            CONTAINER_SEEDED_CONFIG_PATH.into()
        )));
    }

    #[test]
    fn host_networking_binds_the_publish_address() {
        let y = format!(
            "{HEAD}  a: {{network_mode: host}}\n  b: {{network_mode: host, publish: '127.0.0.2', auth: {{mode: token, env: T}}}}\n"
        );
        let p = plan_of(&y).unwrap();
        let a = p.gateways[0].container_view();
        // Loopback needs no auth, so none is added.
        assert_eq!((a.bind, a.auth.is_none()), (Bind::Loopback, true));
        let b = p.gateways[1].container_view();
        assert_eq!(
            (b.bind, b.custom_bind_host.as_deref()),
            (Bind::Custom, Some("127.0.0.2"))
        );
        assert!(
            p.gateways[1].container_healthcheck()[3].contains("'http://127.0.0.2:18909/healthz'")
        );
        let y = format!(
            "{HEAD}  c: {{network_mode: host, publish: '::1', auth: {{mode: token, env: T}}}}\n"
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Type]);
    }

    #[test]
    fn auth_none_cannot_run_in_a_bridge_container() {
        let errs = plan_of(&format!("{HEAD}  a: {{auth: {{mode: none}}}}\n")).unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.kind).collect::<Vec<_>>(),
            vec![Kind::Auth]
        );
        assert!(errs[0].message.starts_with("compose: gateway `a`"));
        // Bare host and systemd run it as written: loopback needs no auth.
        let y = "version: 1\ntargets: [host, systemd]\ngateways:\n  a: {state_dir: /s/a, auth: {mode: none}}\n";
        assert!(plan_of(y).is_ok());
        assert!(
            errs[0]
                .help
                .as_deref()
                .unwrap()
                .contains("network_mode: host")
        );
        plan_of(&format!(
            "{HEAD}  a: {{auth: {{mode: none}}, network_mode: host}}\n"
        ))
        .unwrap();
    }

    #[test]
    fn env_defaults_merge_in_order_and_in_linear_time() {
        // 40,000 variables in `defaults`, half of them set again by the
        // gateway: a quadratic merge took minutes on inputs like this.
        let n = 40_000;
        let mut y = String::from("version: 1\ndefaults:\n  home: /srv/oc\n  env:\n");
        for i in 0..n {
            y.push_str(&format!("    V{i}: d\n"));
        }
        y.push_str("gateways:\n  a:\n    env:\n");
        for i in (0..n).step_by(2) {
            y.push_str(&format!("      V{i}: g\n"));
        }
        // A watchdog, not a speed limit: the quadratic merge took minutes.
        let started = std::time::Instant::now();
        let p = plan_of(&y).unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(90),
            "{:?}",
            started.elapsed()
        );
        let env = &p.gateways[0].env;
        assert_eq!(env.len(), n);
        // The defaults the gateway leaves alone, then the gateway's own.
        let (first, _) = env.get_index(0).unwrap();
        assert_eq!((first.as_str(), env["V1"].as_str()), ("V1", "d"));
        let (mid, _) = env.get_index(n / 2).unwrap();
        assert_eq!((mid.as_str(), env["V0"].as_str()), ("V0", "g"));
    }

    #[test]
    fn container_variables_cannot_be_set_twice() {
        let errs = plan_of(&format!("{HEAD}  a: {{env: {{HOME: /x}}}}\n")).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0]
                .message
                .contains("set by ocgen in its container and again by `env`"),
            "{}",
            errs[0].message
        );
        // The variable `auth.env` names, set in `env`: the secret inline,
        // refused for every output.
        let y =
            format!("{HEAD}  a: {{env: {{GW_AUTH: x}}, auth: {{mode: token, env: GW_AUTH}}}}\n");
        let errs = plan_of(&y).unwrap_err();
        assert_eq!(kinds(Err(errs.clone())), vec![Kind::Secret]);
        assert!(!errs[0].show_source, "{errs:?}");
    }

    #[test]
    fn service_settings_are_checked() {
        let y = format!("{HEAD}  a: {{user: root}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Account]);
        let y = format!("{HEAD}  a: {{group: 'Bad Name'}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Account]);
        let y = format!("{HEAD}  a: {{open_firewall: true}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Firewall]);
        let y = format!("{HEAD}  a: {{state_dir: '/srv/with space'}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Path]);
        let y = format!("{HEAD}  a: {{secrets_env_file: '/etc/x%i.env'}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Path]);
        let y =
            "version: 1\nsystemd: {openclaw: openclaw}\ndefaults: {home: /h}\ngateways:\n  a: {}\n";
        assert_eq!(kinds(plan_of(y)), vec![Kind::Path]);
        let y = "version: 1\nnixos: {backend: oci-containers}\ndefaults: {home: /h}\ngateways:\n  a: {bind: auto, auth: {mode: token, env: T}}\n";
        assert_eq!(kinds(plan_of(y)), vec![Kind::Publish]);
    }

    #[test]
    fn the_service_model() {
        let p = plan_of("version: 1\ndefaults: {home: /var/lib/oc}\ngateways:\n  a: {auth: {mode: token, file: /run/keys/a}}\n  b: {home: /home/u, workspace: /srv/ws, auth: {mode: token, env: T}}\n").unwrap();
        let a = p.gateways[0].service(Scope::System);
        assert_eq!(a.unit, "openclaw-gateway-a");
        assert_eq!(a.args, ["gateway", "--port", "18789"]);
        let gateway_env = p.gateways[0].environment();
        assert_eq!(a.environment[..gateway_env.len()], gateway_env[..]);
        let get = |s: &Service, k: &str| {
            s.directives
                .iter()
                .find(|d| d.key == k)
                .map(|d| d.value.clone())
        };
        assert_eq!(
            get(&a, "StateDirectory"),
            Some(Value::Str("oc/.openclaw-a".into()))
        );
        assert_eq!(get(&a, "ProtectHome"), Some(Value::Str("yes".into())));
        assert_eq!(get(&a, "RestartPreventExitStatus"), Some(Value::Int(78)));
        assert_eq!(
            a.credentials,
            [Credential {
                id: "a-auth".into(),
                path: "/run/keys/a".into()
            }]
        );
        assert!(!a.environment_file.required);
        assert_eq!(
            a.view.auth.as_ref().and_then(|x| x.secret.clone()),
            Some(SecretSource::File("/run/keys/a".into()))
        );
        let b = p.gateways[1].service(Scope::System);
        assert_eq!(get(&b, "StateDirectory"), None);
        assert_eq!(get(&b, "ProtectHome"), Some(Value::Str("read-only".into())));
        assert_eq!(b.directories, ["/home/u/.openclaw-b", "/srv/ws"]);
        assert_eq!(
            get(&b, "ReadWritePaths"),
            Some(Value::List(vec![
                "/home/u/.openclaw-b".into(),
                "/srv/ws".into()
            ]))
        );
        assert!(b.environment_file.required);
        let u = p.gateways[0].service(Scope::User);
        assert!(
            u.account.is_none() && u.credentials.is_empty() && get(&u, "ProtectSystem").is_none()
        );
        assert_eq!(get(&u, "Restart"), Some(Value::Str("always".into())));
        assert_eq!(
            u.view.auth.as_ref().and_then(|x| x.secret.clone()),
            Some(SecretSource::File("/run/keys/a".into()))
        );
    }

    #[test]
    fn a_full_host_plans() {
        let mut y = String::from(HEAD);
        let mut port = 1024;
        let mut n = 0;
        while port <= MAX_BASE_PORT {
            y.push_str(&format!("  g{n}: {{port: {port}}}\n"));
            port += 111;
            n += 1;
        }
        let p = plan_of(&y).unwrap();
        assert_eq!(p.gateways.len(), n);
        assert!(n >= 580);
    }
}
