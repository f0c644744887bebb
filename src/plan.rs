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

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use serde::Serialize;

use crate::diag::{Kind, Problem, Span};
use crate::model::{Auth, AuthMode, Bind, Document, PortValue, Settings, Sp};

/// The OpenClaw release ocgen's rules were checked against, and the default image tag.
pub const OPENCLAW_VERSION: &str = "2026.9.6";
/// Default container image.
pub const DEFAULT_IMAGE: &str = "ghcr.io/openclaw/openclaw:2026.9.6";
/// Default deployment name.
pub const DEFAULT_NAME: &str = "openclaw";
/// The first base port handed out, OpenClaw's own default.
pub const FIRST_BASE_PORT: u16 = 18789;
/// Last port of the footprint, relative to P.
pub const FOOTPRINT: u16 = 110;
/// Minimum distance between base ports ocgen assigns (the footprint plus headroom,
/// as OpenClaw's multiple-gateways guide asks).
pub const SPACING: u16 = 120;
/// Lowest base port accepted: below it are privileged ports.
pub const MIN_BASE_PORT: u16 = 1024;
/// Highest base port accepted: above it P+110 passes 65535 and OpenClaw
/// silently moves the CDP range to 18800-18899.
pub const MAX_BASE_PORT: u16 = 65535 - FOOTPRINT;

/// Environment variables ocgen sets itself and a user may not override.
pub const RESERVED_ENV: &[&str] = &[
    "OPENCLAW_PROFILE",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_GATEWAY_PORT",
    "OPENCLAW_WORKSPACE_DIR",
    "OPENCLAW_HOME",
];

/// Everything ocgen will write, resolved.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Deployment name.
    pub name: String,
    /// Gateways in file order.
    pub gateways: Vec<Gateway>,
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
    /// Container image.
    pub image: String,
}

/// Resolved auth: the mode and where the secret lives.
#[derive(Clone, Debug, Serialize)]
pub struct GatewayAuth {
    /// Mode.
    pub mode: AuthMode,
    /// The secret's location, for `token` and `password`.
    pub secret: Option<SecretSource>,
    /// Settings of `trusted-proxy` mode.
    pub trusted_proxy: Option<TrustedProxy>,
}

/// `trusted-proxy` mode: OpenClaw needs the identity header and at least
/// one proxy address (it exits 78 without them).
#[derive(Clone, Debug, Serialize)]
pub struct TrustedProxy {
    /// `gateway.auth.trustedProxy.userHeader`.
    pub user_header: String,
    /// `gateway.trustedProxies`.
    pub proxies: Vec<String>,
    /// `gateway.auth.trustedProxy.allowLoopback`.
    pub allow_loopback: bool,
}

/// Where a secret is kept. Never the secret itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// An environment variable of the gateway process.
    Env(String),
    /// A file readable by the gateway process.
    File(String),
}

/// A resolved browser profile.
#[derive(Clone, Debug, Serialize)]
pub struct BrowserProfile {
    /// Profile name.
    pub name: String,
    /// Explicit CDP port.
    pub cdp_port: Option<u16>,
    /// CDP URL.
    pub cdp_url: Option<String>,
    /// Headless launch.
    pub headless: Option<bool>,
}

/// What a reserved port range is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// P: WebSocket + HTTP.
    Gateway,
    /// P+1: MCP Apps sandbox host.
    McpSandbox,
    /// P+2: browser control service.
    BrowserControl,
    /// P+3..P+10: extension relay ports.
    BrowserRelay,
    /// P+11..P+110: managed Chrome CDP range.
    Cdp,
    /// An explicit `cdp_port`.
    CdpExplicit,
}

impl Purpose {
    /// The name used in `ocgen ports` and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Gateway => "gateway",
            Purpose::McpSandbox => "mcp-sandbox",
            Purpose::BrowserControl => "browser-control",
            Purpose::BrowserRelay => "browser-relay",
            Purpose::Cdp => "cdp",
            Purpose::CdpExplicit => "cdp-explicit",
        }
    }
}

/// A reserved, inclusive port range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PortRange {
    /// Owner.
    pub gateway: String,
    /// What it is for.
    pub purpose: Purpose,
    /// First port.
    pub start: u16,
    /// Last port (inclusive).
    pub end: u16,
    /// Which addresses it listens on.
    pub bind: String,
}

/// The sub-ranges of the footprint of a gateway on base port `p`, relative
/// offsets, inclusive.
pub const FOOTPRINT_PARTS: &[(Purpose, u16, u16)] = &[
    (Purpose::Gateway, 0, 0),
    (Purpose::McpSandbox, 1, 1),
    (Purpose::BrowserControl, 2, 2),
    (Purpose::BrowserRelay, 3, 10),
    (Purpose::Cdp, 11, FOOTPRINT),
];

impl Gateway {
    /// Every port range this gateway reserves, footprint first.
    pub fn reserved(&self) -> Vec<PortRange> {
        let mut out: Vec<PortRange> = FOOTPRINT_PARTS
            .iter()
            .map(|&(purpose, a, b)| PortRange {
                gateway: self.name.clone(),
                purpose,
                start: self.port + a,
                end: self.port + b,
                bind: match purpose {
                    Purpose::Gateway | Purpose::McpSandbox => self.bind.as_str().to_string(),
                    _ => "loopback".to_string(),
                },
            })
            .collect();
        for bp in &self.browser_profiles {
            if let Some(port) = bp.cdp_port {
                out.push(PortRange {
                    gateway: self.name.clone(),
                    purpose: Purpose::CdpExplicit,
                    start: port,
                    end: port,
                    bind: "loopback".to_string(),
                });
            }
        }
        out
    }

    /// The process environment, in a fixed order: OpenClaw's variables, then
    /// the user's.
    pub fn environment(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            ("OPENCLAW_PROFILE".to_string(), self.profile.clone()),
            ("OPENCLAW_STATE_DIR".to_string(), self.state_dir.clone()),
            ("OPENCLAW_CONFIG_PATH".to_string(), self.config_path.clone()),
            ("OPENCLAW_GATEWAY_PORT".to_string(), self.port.to_string()),
            ("OPENCLAW_WORKSPACE_DIR".to_string(), self.workspace.clone()),
        ];
        vars.extend(self.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        vars
    }
}

/// `HOME` of the `node` user in the official image.
pub const CONTAINER_HOME: &str = "/home/node";
/// State directory inside a gateway's container (one gateway per container,
/// so OpenClaw's unsuffixed layout).
pub const CONTAINER_STATE_DIR: &str = "/home/node/.openclaw";
/// Workspace inside a gateway's container.
pub const CONTAINER_WORKSPACE: &str = "/home/node/.openclaw/workspace";
/// Where a file-based auth secret is mounted inside a container.
pub const CONTAINER_SECRET_DIR: &str = "/run/secrets";

impl Gateway {
    /// The same gateway as seen from inside its own container: OpenClaw's
    /// paths in the official image, `bind: lan` so a published port reaches
    /// it (the compose file decides which host address publishes it), and a
    /// file secret at its mount point under `/run/secrets`.
    #[must_use]
    pub fn container_view(&self) -> Gateway {
        let mut g = self.clone();
        g.state_dir = CONTAINER_STATE_DIR.to_string();
        g.config_path = format!("{CONTAINER_STATE_DIR}/openclaw.json");
        g.workspace = CONTAINER_WORKSPACE.to_string();
        g.log_file = format!("{CONTAINER_STATE_DIR}/logs/openclaw.log");
        g.bind = Bind::Lan;
        g.custom_bind_host = None;
        if let Some(auth) = &mut g.auth {
            if let Some(SecretSource::File(_)) = auth.secret {
                auth.secret = Some(SecretSource::File(format!(
                    "{CONTAINER_SECRET_DIR}/{}",
                    self.container_secret_name()
                )));
            }
        }
        g
    }

    /// Name of the gateway's auth secret in container outputs.
    pub fn container_secret_name(&self) -> String {
        format!("{}-auth", self.name)
    }
}

/// Path of a gateway's `/healthz` probe: 200 `{"ok":true,"status":"live"}`
/// once the gateway serves, no auth needed.
pub const HEALTH_PATH: &str = "/healthz";
/// Path of a gateway's `/readyz` probe: 200 `{"ready":true,...}` once its
/// startup sidecars run, 503 `{"ready":false,"failing":[...]}` before (about
/// 2 s after `/healthz` first answers).
pub const READY_PATH: &str = "/readyz";
/// Where a gateway is probed: every bind mode also listens on 127.0.0.1
/// (`lan` on 0.0.0.0; `custom` and `tailnet` add 127.0.0.1 to their own
/// address), so loopback reaches all of them and the probe never leaves the host.
pub const PROBE_ADDR: std::net::Ipv4Addr = std::net::Ipv4Addr::LOCALHOST;

/// Whether a `/healthz` answer means the gateway is alive.
pub fn is_healthy(status: u16, body: &serde_json::Value) -> bool {
    status == 200 && body.get("ok") == Some(&serde_json::Value::Bool(true))
}

/// Whether a `/readyz` answer means the gateway is ready.
pub fn is_ready(status: u16, body: &serde_json::Value) -> bool {
    status == 200 && body.get("ready") == Some(&serde_json::Value::Bool(true))
}

impl Gateway {
    /// The env file `ocgen install` writes for this gateway: beside its
    /// config, named after the gateway (`<dir of config_path>/<name>.env`),
    /// so gateways whose configs share a directory keep apart. It is not
    /// `<state_dir>/.env`: that file is the user's (OpenClaw loads it as
    /// trusted, which makes it the place for the gateway's token).
    pub fn env_file_path(&self) -> String {
        let dir = self.config_path.rsplit_once('/').map_or("", |(dir, _)| dir);
        format!("{dir}/{}.env", self.name)
    }

    /// Directories `ocgen install` creates for this gateway (mode 0700).
    pub fn private_dirs(&self) -> [&str; 2] {
        [&self.state_dir, &self.workspace]
    }

    /// The file the gateway's auth secret is read from, if it is a file.
    pub fn secret_file(&self) -> Option<&str> {
        match self.auth.as_ref()?.secret.as_ref()? {
            SecretSource::File(p) => Some(p),
            SecretSource::Env(_) => None,
        }
    }

    /// The same gateway relocated under `root` (an absolute, normalised
    /// path): every path ocgen derives or reads from a path key (state dir,
    /// config, workspace, log, auth file) becomes `<root><path>`, inside the
    /// files too, because the gateway really runs from there. Values in
    /// `env` and URLs are left alone.
    #[must_use]
    pub fn rooted(&self, root: &str) -> Gateway {
        let root = root.trim_end_matches('/');
        let re = |p: &str| format!("{root}{p}");
        let mut g = self.clone();
        g.state_dir = re(&self.state_dir);
        g.config_path = re(&self.config_path);
        g.workspace = re(&self.workspace);
        g.log_file = re(&self.log_file);
        if let Some(auth) = &mut g.auth {
            if let Some(SecretSource::File(p)) = &mut auth.secret {
                *p = re(p);
            }
        }
        g
    }
}

impl Plan {
    /// The plan relocated under `root`: see [`Gateway::rooted`].
    #[must_use]
    pub fn rooted(&self, root: &str) -> Plan {
        Plan {
            name: self.name.clone(),
            gateways: self.gateways.iter().map(|g| g.rooted(root)).collect(),
        }
    }
}

impl Plan {
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

/// Resolves and checks the whole document.
pub fn plan(doc: &Document) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    check_defaults(&doc.defaults, &mut problems);
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

    if problems.is_empty() {
        Ok(Plan { name, gateways })
    } else {
        Err(problems)
    }
}

fn is_project_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && s.len() <= 63
}

/// OpenClaw's profile grammar `^[a-z0-9][a-z0-9_-]{0,63}$`, case-insensitive.
pub fn is_profile_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

/// Gateway names are file and unit names: OpenClaw's profile grammar, lowercase only.
pub fn is_gateway_name(s: &str) -> bool {
    is_profile_name(s) && !s.bytes().any(|c| c.is_ascii_uppercase())
}

/// OpenClaw's browser profile grammar `^[a-z0-9-]+$` (checked in 2026.9.6's
/// config schema; 64 characters at most, like profiles).
pub fn is_browser_profile_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`
pub fn is_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn looks_like_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("_FILE") || upper.ends_with("_PATH") || upper.ends_with("_ENV") {
        return false;
    }
    [
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

fn check_defaults(d: &Settings, problems: &mut Vec<Problem>) {
    let per_gateway: [(&str, Option<Span>); 5] = [
        ("port", d.port.as_ref().map(|v| v.span)),
        ("profile", d.profile.as_ref().map(|v| v.span)),
        ("state_dir", d.state_dir.as_ref().map(|v| v.span)),
        ("config_path", d.config_path.as_ref().map(|v| v.span)),
        ("workspace", d.workspace.as_ref().map(|v| v.span)),
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
                    "move `{key}` into each gateway, or leave it out to have ocgen derive it{}",
                    if key == "port" { "" } else { " from `home`" }
                )),
            );
        }
    }
}

/// Defaults applied key by key; `env` merged per variable, `browser.profiles` per profile.
fn merge(d: &Settings, g: &Settings) -> Settings {
    let env = match (&d.env, &g.env) {
        (None, None) => None,
        (a, b) => {
            let mut out: IndexMap<Sp<String>, Sp<String>> = IndexMap::new();
            for (k, v) in a.iter().flatten().chain(b.iter().flatten()) {
                if let Some(idx) = out.keys().position(|ok| ok.value == k.value) {
                    out.shift_remove_index(idx);
                }
                out.insert(k.clone(), v.clone());
            }
            Some(out)
        }
    };
    let browser = match (&d.browser, &g.browser) {
        (None, None) => None,
        (a, b) => {
            let mut out = crate::model::Browser::default();
            for (k, v) in a.iter().chain(b.iter()).flat_map(|b| b.profiles.iter()) {
                if let Some(idx) = out.profiles.keys().position(|ok| ok.value == k.value) {
                    out.profiles.shift_remove_index(idx);
                }
                out.profiles.insert(k.clone(), v.clone());
            }
            Some(out)
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
    }
}

/// Checks an absolute path and returns it normalised (no `.`, no `//`, no
/// trailing `/`). `..` is refused: it would hide nesting.
fn normalize_path(
    gw: &str,
    key: &str,
    p: &Sp<String>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let v = &p.value;
    let bad = |msg: String, help: &str| {
        Problem::new(Kind::Path, format!("gateway `{gw}`: `{key}` {msg}"))
            .label(p.span, "here")
            .help(help.to_string())
    };
    if !v.starts_with('/') {
        problems.push(bad(
            format!("must be an absolute path, got `{}`", v.escape_debug()),
            "write the full path from `/`; output never depends on the directory ocgen runs in",
        ));
        return None;
    }
    if v.chars().any(char::is_control) {
        problems.push(bad(
            "contains a control character".to_string(),
            "remove newlines, tabs and other control characters from the path",
        ));
        return None;
    }
    let mut parts = Vec::new();
    for part in v.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                problems.push(bad(
                    format!("contains `..`: `{}`", v.escape_debug()),
                    "write the path without `..` so ocgen can tell whether gateways' paths nest",
                ));
                return None;
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        problems.push(bad(
            "is `/`".to_string(),
            "give the gateway a directory of its own",
        ));
        return None;
    }
    Some(format!("/{}", parts.join("/")))
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
                1,
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

    let image = s
        .image
        .as_ref()
        .map_or_else(|| DEFAULT_IMAGE.to_string(), |i| i.value.clone());
    if let Some(i) = &s.image {
        check_image(name, i, problems);
    }

    Gateway {
        name: name.clone(),
        profile,
        port: 0,
        port_assigned: s.port.is_none(),
        state_dir,
        config_path,
        workspace,
        log_file,
        bind,
        custom_bind_host,
        auth,
        browser_profiles,
        env,
        image,
    }
}

fn check_port(
    gw: &str,
    what: &str,
    p: &Sp<PortValue>,
    min: u16,
    max: u16,
    problems: &mut Vec<Problem>,
) -> Option<u16> {
    let v = p.value.0;
    if v >= i128::from(min) && v <= i128::from(max) {
        return u16::try_from(v).ok();
    }
    let why = if v > i128::from(max) && max == MAX_BASE_PORT && v <= 65535 {
        format!(
            "its footprint would end at {} (past 65535), and OpenClaw would silently move the CDP range onto 18800-18899",
            v + i128::from(FOOTPRINT)
        )
    } else if v < 1024 && min >= 1024 {
        "ports below 1024 are privileged".to_string()
    } else {
        format!("it must be from {min} to {max}")
    };
    problems.push(
        Problem::new(
            Kind::PortRange,
            format!("gateway `{gw}`: {what} {v} is out of range: {why}"),
        )
        .label(p.span, format!("must be {min}..={max}"))
        .help(if max == MAX_BASE_PORT {
            format!("use a base port from {min} to {max}, or leave `port` out to have one assigned")
        } else {
            format!("use a port from {min} to {max}")
        }),
    );
    None
}

fn resolve_auth(gw: &str, a: &Sp<Auth>, problems: &mut Vec<Problem>) -> GatewayAuth {
    let mode = a.value.mode.value;
    let needs_secret = matches!(mode, AuthMode::Token | AuthMode::Password);
    let secret = match (&a.value.env, &a.value.file) {
        (Some(e), None) => {
            if !is_secret_env_name(&e.value) {
                // The value may be the secret itself: never echo it or its line.
                problems.push(
                    Problem::new(
                        Kind::Secret,
                        format!("gateway `{gw}`: `auth.env` must be the name of an environment variable, not a secret value"),
                    )
                    .label(e.span, "not a variable name")
                    .redact_source()
                    .help("put the secret in an environment variable (or a file) and write its name, e.g. `env: OPENCLAW_GATEWAY_TOKEN`; OpenClaw's env SecretRefs take names matching ^[A-Z][A-Z0-9_]{0,127}$"),
                );
            }
            Some(SecretSource::Env(e.value.clone()))
        }
        (None, Some(f)) => {
            let path = normalize_path(gw, "auth.file", f, problems);
            Some(SecretSource::File(path.unwrap_or_default()))
        }
        (Some(e), Some(_)) => {
            problems.push(
                Problem::new(
                    Kind::Auth,
                    format!("gateway `{gw}`: `auth` has both `env` and `file`"),
                )
                .label(e.span, "one of env or file")
                .help("keep the one that holds the secret and remove the other"),
            );
            None
        }
        (None, None) => None,
    };
    if needs_secret && secret.is_none() && a.value.env.is_none() && a.value.file.is_none() {
        problems.push(
            Problem::new(Kind::Auth, format!("gateway `{gw}`: auth mode `{}` needs a reference to the secret", mode.as_str()))
                .label(a.value.mode.span, "no secret given")
                .help(format!(
                    "add `env: VAR_NAME` (the {} is read from that environment variable) or `file: /path/to/secret`",
                    mode.as_str()
                )),
        );
    }
    if !needs_secret && secret.is_some() {
        problems.push(
            Problem::new(
                Kind::Auth,
                format!(
                    "gateway `{gw}`: auth mode `{}` takes no secret",
                    mode.as_str()
                ),
            )
            .label(a.value.mode.span, "no secret used")
            .help("remove `env`/`file`, or use `mode: token` or `mode: password`"),
        );
    }
    let tp = &a.value;
    let trusted_proxy = if mode == AuthMode::TrustedProxy {
        let header = tp
            .user_header
            .as_ref()
            .map(|h| h.value.trim().to_string())
            .unwrap_or_default();
        let proxies: Vec<String> = tp
            .trusted_proxies
            .as_ref()
            .map(|p| p.value.clone())
            .unwrap_or_default();
        if header.is_empty() || proxies.is_empty() {
            problems.push(
                Problem::new(Kind::Auth, format!("gateway `{gw}`: auth mode `trusted-proxy` needs `user_header` and at least one of `trusted_proxies`"))
                    .label(a.value.mode.span, "incomplete trusted-proxy auth")
                    .help("add e.g. `user_header: x-forwarded-user` and `trusted_proxies: [10.0.0.2]` (OpenClaw refuses to start without them)"),
            );
        }
        if let Some(p) = &tp.trusted_proxies {
            if p.value
                .iter()
                .any(|ip| ip.parse::<std::net::IpAddr>().is_err())
            {
                problems.push(
                    Problem::new(
                        Kind::Auth,
                        format!("gateway `{gw}`: `trusted_proxies` must be IP addresses"),
                    )
                    .label(p.span, "not all IP addresses")
                    .help("list the proxies' IP addresses, e.g. [10.0.0.2, 127.0.0.1]"),
                );
            }
        }
        Some(TrustedProxy {
            user_header: header,
            proxies,
            allow_loopback: tp.allow_loopback.as_ref().is_some_and(|b| b.value),
        })
    } else {
        let stray = [
            tp.user_header.as_ref().map(|v| v.span),
            tp.trusted_proxies.as_ref().map(|v| v.span),
            tp.allow_loopback.as_ref().map(|v| v.span),
        ];
        if let Some(span) = stray.into_iter().flatten().next() {
            problems.push(
                Problem::new(Kind::Auth, format!("gateway `{gw}`: `user_header`, `trusted_proxies` and `allow_loopback` only apply to `mode: trusted-proxy`"))
                    .label(span, "not used by this mode")
                    .help("remove them, or set `mode: trusted-proxy`"),
            );
        }
        None
    };
    GatewayAuth {
        mode,
        secret: if needs_secret { secret } else { None },
        trusted_proxy,
    }
}

/// OpenClaw's env SecretRef ids: `^[A-Z][A-Z0-9_]{0,127}$`.
pub fn is_secret_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}

fn check_env(gw: &str, k: &Sp<String>, v: &Sp<String>, problems: &mut Vec<Problem>) {
    if !is_env_name(&k.value) {
        problems.push(
            Problem::new(
                Kind::Env,
                format!(
                    "gateway `{gw}`: `{}` is not a valid environment variable name",
                    k.value.escape_debug()
                ),
            )
            .label(k.span, "invalid name")
            .help("names match [A-Za-z_][A-Za-z0-9_]*"),
        );
    } else if RESERVED_ENV.contains(&k.value.as_str()) {
        problems.push(
            Problem::new(Kind::Env, format!("gateway `{gw}`: `{}` is set by ocgen and cannot be overridden in `env`", k.value))
                .label(k.span, "set by ocgen")
                .help("use the gateway's `profile`, `port`, `state_dir`, `config_path` or `workspace` settings instead"),
        );
    } else if looks_like_secret_name(&k.value) {
        problems.push(
            Problem::new(Kind::Secret, format!("gateway `{gw}`: `env.{}` looks like a secret written inline", k.value))
                .label(k.span, "secret value in the deployment file")
                .redact_source()
                .help("generated files must not hold secrets: keep it out of ocgen.yaml and pass it to the gateway from a file or the service's environment (for the gateway token use `auth: { mode: token, env: VAR }`)"),
        );
    }
    if v.value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        problems.push(
            Problem::new(Kind::Env, format!("gateway `{gw}`: `env.{}` holds a control character", k.value))
                .label(v.span, "control character")
                .help("systemd refuses control characters other than tab and newline in environment values"),
        );
    }
}

fn check_image(gw: &str, i: &Sp<String>, problems: &mut Vec<Problem>) {
    let v = &i.value;
    let last = v.rsplit('/').next().unwrap_or(v);
    let pinned = v.contains("@sha256:") || last.contains(':');
    let valid = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/:@".contains(c));
    if !valid {
        problems.push(
            Problem::new(
                Kind::Image,
                format!(
                    "gateway `{gw}`: image `{}` is not a valid image reference",
                    v.escape_debug()
                ),
            )
            .label(i.span, "invalid image")
            .help(format!("write e.g. `{DEFAULT_IMAGE}`")),
        );
    } else if !pinned {
        problems.push(
            Problem::new(
                Kind::Image,
                format!("gateway `{gw}`: image `{v}` has no tag, so it means `latest`"),
            )
            .label(i.span, "not pinned")
            .help(format!("pin a version tag, e.g. `{v}:{OPENCLAW_VERSION}`")),
        );
    }
}

fn check_profiles(resolved: &[Resolved], gateways: &[Gateway], problems: &mut Vec<Problem>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, g) in gateways.iter().enumerate() {
        let key = g.profile.to_ascii_lowercase();
        if let Some(&j) = seen.get(&key) {
            let span = |k: usize| {
                resolved[k]
                    .s
                    .profile
                    .as_ref()
                    .map_or(resolved[k].name.span, |p| p.span)
            };
            let what = if key == "default" {
                "the `default` profile (OpenClaw's unsuffixed ~/.openclaw) may be used by one gateway only".to_string()
            } else {
                format!(
                    "OpenClaw profiles are case-insensitive, so `{}` and `{}` are the same profile",
                    gateways[j].profile, g.profile
                )
            };
            problems.push(
                Problem::new(
                    Kind::Profile,
                    format!(
                        "gateways `{}` and `{}` use the same profile: {what}",
                        gateways[j].name, g.name
                    ),
                )
                .label(span(i), "duplicate profile")
                .label(span(j), "first used here")
                .help(format!(
                    "give `{}` a profile of its own, e.g. `profile: {}`",
                    g.name, g.name
                )),
            );
        } else {
            seen.insert(key, i);
        }
    }
}

/// An interval reserved by one gateway: its whole footprint, or one explicit CDP port.
#[derive(Clone, Copy)]
struct Interval {
    start: u32,
    end: u32,
    gw: usize,
    /// Index into the gateway's browser profiles for an explicit CDP port.
    cdp: Option<usize>,
}

fn assign_ports(resolved: &[Resolved], gateways: &mut [Gateway], problems: &mut Vec<Problem>) {
    // Occupied intervals from gateways above the current one, keyed by start
    // (multiple intervals may share a start when the input is invalid).
    let mut occupied: BTreeMap<u32, u32> = BTreeMap::new();
    let occupy = |m: &mut BTreeMap<u32, u32>, s: u32, e: u32| {
        let slot = m.entry(s).or_insert(e);
        *slot = (*slot).max(e);
    };
    let mut max_len: u32 = 0;
    let mut next_slot: u32 = 0;
    let slots = u32::from(MAX_BASE_PORT - FIRST_BASE_PORT) / u32::from(SPACING) + 1;
    let mut exhausted_reported = false;
    for (i, r) in resolved.iter().enumerate() {
        let g = &mut gateways[i];
        if let Some(p) = &r.s.port {
            g.port = check_port(
                &g.name,
                "base port",
                p,
                MIN_BASE_PORT,
                MAX_BASE_PORT,
                problems,
            )
            .unwrap_or(0);
        } else {
            // Lowest grid slot whose spacing window is clear of everything above.
            let mut found = None;
            while next_slot < slots {
                let b = u32::from(FIRST_BASE_PORT) + next_slot * u32::from(SPACING);
                if overlaps(&occupied, max_len, b, b + u32::from(SPACING) - 1) {
                    next_slot += 1;
                } else {
                    found = Some(b);
                    break;
                }
            }
            if let Some(b) = found {
                g.port = u16::try_from(b).unwrap_or(0);
            } else {
                if !exhausted_reported {
                    problems.push(
                            Problem::new(
                                Kind::PortExhausted,
                                format!(
                                    "gateway `{}`: no free base port is left between {FIRST_BASE_PORT} and {MAX_BASE_PORT} ({SPACING} ports apart)",
                                    g.name
                                ),
                            )
                            .label(r.name.span, "cannot be placed")
                            .help(format!("give this and later gateways explicit base ports below {FIRST_BASE_PORT} (from {MIN_BASE_PORT}, {SPACING} apart), or spread them over several hosts")),
                        );
                    exhausted_reported = true;
                }
                g.port = 0;
            }
        }
        if g.port != 0 {
            let s = u32::from(g.port);
            let e = s + u32::from(SPACING) - 1;
            occupy(&mut occupied, s, e);
            max_len = max_len.max(e - s);
        }
        for bp in &g.browser_profiles {
            if let Some(c) = bp.cdp_port {
                occupy(&mut occupied, u32::from(c), u32::from(c));
            }
        }
    }
}

/// Whether [a, b] meets any occupied interval. Intervals are at most
/// `max_len` long, so only starts in [a - max_len, b] need a look.
fn overlaps(occupied: &BTreeMap<u32, u32>, max_len: u32, a: u32, b: u32) -> bool {
    occupied
        .range(a.saturating_sub(max_len)..=b)
        .any(|(_, &end)| end >= a)
}

fn check_port_overlaps(resolved: &[Resolved], gateways: &[Gateway], problems: &mut Vec<Problem>) {
    let mut iv = Vec::new();
    for (i, g) in gateways.iter().enumerate() {
        if g.port != 0 {
            iv.push(Interval {
                start: u32::from(g.port),
                end: u32::from(g.port) + u32::from(FOOTPRINT),
                gw: i,
                cdp: None,
            });
        }
        for (j, bp) in g.browser_profiles.iter().enumerate() {
            if let Some(c) = bp.cdp_port {
                iv.push(Interval {
                    start: u32::from(c),
                    end: u32::from(c),
                    gw: i,
                    cdp: Some(j),
                });
            }
        }
    }
    iv.sort_by_key(|x| (x.start, x.end, x.gw));
    // Sweep: compare each interval with the one reaching furthest so far.
    let mut active: Option<Interval> = None;
    let mut found: Vec<(Interval, Interval)> = Vec::new();
    for cur in iv {
        if let Some(a) = active {
            let conflict =
                cur.start <= a.end && (a.gw != cur.gw || a.cdp.is_some() || cur.cdp.is_some());
            if conflict {
                found.push((a, cur));
            }
            if cur.end > a.end {
                active = Some(cur);
            }
        } else {
            active = Some(cur);
        }
    }
    if found.is_empty() {
        return;
    }
    // A fix that is valid for the whole file: the lowest clear grid slot.
    let mut occupied = BTreeMap::new();
    let mut max_len = 0;
    for g in gateways.iter().filter(|g| g.port != 0) {
        occupied.insert(
            u32::from(g.port),
            u32::from(g.port) + u32::from(SPACING) - 1,
        );
        max_len = u32::from(SPACING) - 1;
    }
    for bp in gateways.iter().flat_map(|g| &g.browser_profiles) {
        if let Some(c) = bp.cdp_port {
            occupied.entry(u32::from(c)).or_insert(u32::from(c));
        }
    }
    let free = (0..=u32::from(MAX_BASE_PORT - FIRST_BASE_PORT) / u32::from(SPACING))
        .map(|k| u32::from(FIRST_BASE_PORT) + k * u32::from(SPACING))
        .take_while(|b| *b <= u32::from(MAX_BASE_PORT))
        .find(|&b| !overlaps(&occupied, max_len, b, b + u32::from(SPACING) - 1));
    let suggestion = free.map_or_else(
        || "no free base port is left on the 120-port grid".to_string(),
        |b| format!("{b} is free"),
    );
    for (a, b) in found {
        problems.push(overlap_problem(resolved, gateways, a, b, &suggestion));
    }
}

fn describe(g: &Gateway, port: u32) -> &'static str {
    let off = port.saturating_sub(u32::from(g.port));
    FOOTPRINT_PARTS
        .iter()
        .find(|&&(_, a, b)| off >= u32::from(a) && off <= u32::from(b))
        .map_or("footprint", |&(p, _, _)| match p {
            Purpose::Gateway => "gateway port",
            Purpose::McpSandbox => "MCP sandbox port",
            Purpose::BrowserControl => "browser control port",
            Purpose::BrowserRelay => "browser relay range",
            _ => "CDP range",
        })
}

fn overlap_problem(
    resolved: &[Resolved],
    gateways: &[Gateway],
    a: Interval,
    b: Interval,
    suggestion: &str,
) -> Problem {
    let (ga, gb) = (&gateways[a.gw], &gateways[b.gw]);
    let lo = b.start;
    let hi = a.end.min(b.end);
    let span_of = |iv: Interval| -> Span {
        let r = &resolved[iv.gw];
        match iv.cdp {
            Some(j) => {
                r.s.browser
                    .as_ref()
                    .and_then(|br| br.profiles.get_index(j))
                    .and_then(|(_, p)| p.value.cdp_port.as_ref().map(|c| c.span))
                    .unwrap_or(r.name.span)
            }
            None => r.s.port.as_ref().map_or(r.name.span, |p| p.span),
        }
    };
    let what = |iv: Interval, g: &Gateway| -> String {
        match iv.cdp {
            Some(j) => format!(
                "`{}`'s browser profile `{}` (cdp_port {})",
                g.name, g.browser_profiles[j].name, iv.start
            ),
            None => format!(
                "`{}` ({}..{}{})",
                g.name,
                iv.start,
                iv.end,
                if g.port_assigned { ", assigned" } else { "" }
            ),
        }
    };
    let (kind, message, help) = match (a.cdp, b.cdp) {
        (None, None) => (
            Kind::PortOverlap,
            format!(
                "gateways {} and {} reserve overlapping ports {lo}..{hi}: `{}`'s {} {} falls in `{}`'s {}",
                what(a, ga),
                what(b, gb),
                gb.name,
                describe(gb, b.start),
                b.start,
                ga.name,
                describe(ga, b.start)
            ),
            format!(
                "each gateway uses P..P+{FOOTPRINT}, so base ports must be at least {SPACING} apart (the old \"20 apart\" advice is wrong): move `{}` ({suggestion}), or leave its `port` out to have one assigned",
                if gb.port_assigned { &ga.name } else { &gb.name }
            ),
        ),
        (Some(_), Some(_)) => (
            Kind::CdpPort,
            format!(
                "cdp_port {} is used twice: by {} and by {}",
                b.start,
                what(a, ga),
                what(b, gb)
            ),
            "every browser profile needs a CDP port of its own, outside every gateway's footprint"
                .to_string(),
        ),
        (None, Some(_)) | (Some(_), None) => {
            let (fp, cdp) = if a.cdp.is_none() { (a, b) } else { (b, a) };
            let (gf, gc) = (&gateways[fp.gw], &gateways[cdp.gw]);
            (
                Kind::CdpPort,
                format!(
                    "{} lies inside the footprint of `{}` ({}..{}), in its {}",
                    what(cdp, gc),
                    gf.name,
                    fp.start,
                    fp.end,
                    describe(gf, cdp.start)
                ),
                format!(
                    "explicit CDP ports must lie outside every gateway's P..P+{FOOTPRINT}: pick a port such as {}",
                    free_single_port(gateways)
                ),
            )
        }
    };
    Problem::new(kind, message)
        .label(span_of(b), "conflicts")
        .label(span_of(a), "with this")
        .help(help)
}

/// A port outside every footprint and every explicit CDP port, for hints.
fn free_single_port(gateways: &[Gateway]) -> u32 {
    let mut taken: Vec<(u32, u32)> = gateways
        .iter()
        .filter(|g| g.port != 0)
        .map(|g| (u32::from(g.port), u32::from(g.port) + u32::from(FOOTPRINT)))
        .chain(
            gateways
                .iter()
                .flat_map(|g| &g.browser_profiles)
                .filter_map(|b| b.cdp_port.map(|c| (u32::from(c), u32::from(c)))),
        )
        .collect();
    taken.sort_unstable();
    let mut cand = 9222;
    for (s, e) in taken {
        if cand < s {
            break;
        }
        if cand <= e {
            cand = e + 1;
        }
    }
    cand
}

fn check_cdp_urls(resolved: &[Resolved], problems: &mut Vec<Problem>) {
    let mut seen: HashMap<String, (usize, Span, String)> = HashMap::new();
    for (i, r) in resolved.iter().enumerate() {
        for (pname, prof) in r.s.browser.iter().flat_map(|b| b.profiles.iter()) {
            let Some(url) = &prof.value.cdp_url else {
                continue;
            };
            let key = url.value.trim_end_matches('/').to_ascii_lowercase();
            if let Some((j, first, first_profile)) = seen.get(&key) {
                let other = &resolved[*j].name.value;
                problems.push(
                    Problem::new(
                        Kind::CdpUrl,
                        format!(
                            "cdp_url `{}` is shared by `{other}` (profile `{first_profile}`) and `{}` (profile `{}`): both would drive the same Chrome",
                            url.value, r.name.value, pname.value
                        ),
                    )
                    .label(url.span, "shared CDP endpoint")
                    .label(*first, "first used here")
                    .help("give each gateway's browser profile its own Chrome endpoint"),
                );
                let _ = i;
            } else {
                seen.insert(key, (i, url.span, pname.value.clone()));
            }
        }
    }
}

fn check_path_overlaps(resolved: &[Resolved], gateways: &[Gateway], problems: &mut Vec<Problem>) {
    // (path + "/", gateway, key). Sorted, every ancestor of a path comes
    // before it and everything between them shares the ancestor's prefix, so
    // a stack of open ancestors finds all nesting in one pass.
    let mut items: Vec<(String, usize, &'static str)> = Vec::with_capacity(gateways.len() * 4);
    for (i, g) in gateways.iter().enumerate() {
        items.push((format!("{}/", g.state_dir), i, "state_dir"));
        items.push((format!("{}/", g.config_path), i, "config_path"));
        items.push((format!("{}/", g.workspace), i, "workspace"));
        items.push((format!("{}/", g.env_file_path()), i, "env_file"));
    }
    items.sort();
    let mut stack: Vec<usize> = Vec::new();
    let mut reported = std::collections::HashSet::new();
    for idx in 0..items.len() {
        while let Some(&top) = stack.last() {
            if items[idx].0.starts_with(&items[top].0) {
                break;
            }
            stack.pop();
        }
        if let Some(&anc) = stack.iter().rev().find(|&&a| items[a].1 != items[idx].1) {
            let (ap, ag, ak) = &items[anc];
            let (cp, cg, ck) = &items[idx];
            let pair = if *ak == "env_file" {
                // Whatever lies in a file: one report per pair of gateways.
                (*ag.min(cg), *ag.max(cg), "env_file", "")
            } else {
                (*ag.min(cg), *ag.max(cg), *ak, *ck)
            };
            let same = ap == cp;
            // An env file inside another gateway's directory means its
            // config is there too, which is reported already.
            let env_echo = *ck == "env_file" && !same;
            if !env_echo && reported.insert(pair) {
                let (ga, gc) = (&gateways[*ag], &gateways[*cg]);
                let rel = if same { "the same path as" } else { "inside" };
                let span = |gi: usize, key: &str| {
                    let s = &resolved[gi].s;
                    let v = match key {
                        "state_dir" => s.state_dir.as_ref(),
                        "config_path" | "env_file" => s.config_path.as_ref(),
                        _ => s.workspace.as_ref(),
                    };
                    v.or(s.home.as_ref())
                        .map_or(resolved[gi].name.span, |v| v.span)
                };
                problems.push(
                    Problem::new(
                        Kind::PathOverlap,
                        format!(
                            "gateway `{}`'s {ck} {} is {rel} gateway `{}`'s {ak} {}",
                            gc.name,
                            cp.trim_end_matches('/'),
                            ga.name,
                            ap.trim_end_matches('/')
                        ),
                    )
                    .label(span(*cg, ck), "here")
                    .label(span(*ag, ak), "conflicts with this")
                    .help("two gateways on one state dir hang waiting for each other's lock: give each gateway its own directories, or leave the paths out to get <home>/.openclaw-<profile>"),
                );
            }
        }
        stack.push(idx);
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
    fn many_colliding_gateways_are_rejected_quickly() {
        let mut y = String::from(HEAD);
        for i in 0..10_000 {
            y.push_str(&format!("  g{i}: {{port: 20000}}\n"));
        }
        let t = std::time::Instant::now();
        let errs = plan_of(&y).unwrap_err();
        assert!(t.elapsed().as_secs_f64() < 5.0);
        assert!(errs.len() >= 9_999 && errs.len() < 100_000);
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
