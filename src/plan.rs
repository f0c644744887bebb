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
use crate::model::{
    Auth, AuthMode, Bind, Document, NetworkMode, NixosBackend, PortValue, Resources, Settings, Sp,
};

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
    /// How the NixOS module runs the gateways.
    pub nixos_backend: NixosBackend,
    /// Whether the plain systemd units are user units.
    pub user_units: bool,
    /// The `openclaw` executable the plain systemd units start.
    pub openclaw_bin: String,
    /// What keeps a gateway out of a container (see [`Gateway::container_view`]).
    /// Only container outputs fail on these, through [`Plan::check_containers`].
    #[serde(skip)]
    pub container_problems: Vec<Problem>,
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
}

/// Container settings of one gateway, resolved.
#[derive(Clone, Debug, Serialize)]
pub struct ContainerSettings {
    /// Host address P is published on.
    pub publish: Publish,
    /// Container networking.
    pub network_mode: NetworkMode,
    /// Memory limit, as written (validated compose syntax).
    pub memory: Option<String>,
    /// CPU limit in cores.
    pub cpus: Option<f64>,
    /// Host directory mounted as the workspace instead of a named volume.
    pub workspace_host_path: Option<String>,
}

/// Where a container's port is published (with host networking: which
/// address the gateway binds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Publish {
    /// 127.0.0.1 only.
    Loopback,
    /// Every interface.
    All,
    /// One address of the host.
    Address(std::net::IpAddr),
}

impl Publish {
    /// The host address a published port is bound to; None for every address.
    pub fn host_ip(self) -> Option<String> {
        match self {
            Publish::Loopback => Some("127.0.0.1".to_string()),
            Publish::All => None,
            Publish::Address(ip) => Some(ip.to_string()),
        }
    }
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
/// Where ocgen's `openclaw.json` is placed, read-only, inside a container.
///
/// Outside the state volume on purpose: OpenClaw rewrites a writable config
/// at startup (migrations, `.bak` files, a lock file beside it), and a file
/// in the volume would outlive the ocgen.yaml it came from. With
/// [`CONTAINER_CONFIG_READONLY`] OpenClaw reads it and writes nothing there.
pub const CONTAINER_CONFIG_PATH: &str = "/etc/openclaw/openclaw.json";
/// OpenClaw's switch for an externally managed config: startup migrations
/// stay in memory and config writers (setup, `config set`, doctor --fix)
/// refuse instead of failing halfway on a read-only file.
pub const CONTAINER_CONFIG_READONLY: (&str, &str) = ("OPENCLAW_CONFIG_READONLY", "1");
/// The token variable of a container gateway that declares no auth: the
/// one OpenClaw reads by itself and upstream's compose file passes.
pub const CONTAINER_DEFAULT_TOKEN_ENV: &str = "OPENCLAW_GATEWAY_TOKEN";
/// Health probe timings. The gateway answers `/healthz` 5 to 10 s after
/// start on a small machine; the first start of a new volume runs
/// migrations and plugin setup, hence the long start period.
pub const HEALTH_INTERVAL: &str = "30s";
/// See [`HEALTH_INTERVAL`].
pub const HEALTH_TIMEOUT: &str = "10s";
/// See [`HEALTH_INTERVAL`].
pub const HEALTH_START_PERIOD: &str = "90s";
/// See [`HEALTH_INTERVAL`].
pub const HEALTH_RETRIES: u32 = 3;
/// How long a stopping gateway may drain active work: OpenClaw's own stop
/// budget (its systemd unit's `TimeoutStopSec=330`). Docker's default of
/// 10 s would kill it mid-write.
pub const STOP_GRACE_PERIOD: &str = "330s";
/// Smallest memory limit accepted: the gateway alone uses 0.4 to 0.9 GB.
pub const MIN_CONTAINER_MEMORY: u64 = 512 * 1024 * 1024;

/// A variable of a container's environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvValue {
    /// A value written into the deployment file.
    Literal(String),
    /// The variable of the same name from the deployment's own environment
    /// (a secret: never written anywhere by ocgen).
    FromHost,
}

impl Gateway {
    /// The same gateway as seen from inside its own container: OpenClaw's
    /// paths in the official image, the config at [`CONTAINER_CONFIG_PATH`],
    /// and a file secret at its mount point under `/run/secrets`.
    ///
    /// Bind: with bridge networking `lan`, so the published port reaches it
    /// (the compose file decides which host address publishes it); with host
    /// networking the `publish` address itself. A non-loopback bind needs
    /// auth, so a gateway that declares none gets token auth from
    /// [`CONTAINER_DEFAULT_TOKEN_ENV`]; an explicit `mode: none` stays and is
    /// reported in [`Plan::container_problems`].
    #[must_use]
    pub fn container_view(&self) -> Gateway {
        let mut g = self.clone();
        g.state_dir = CONTAINER_STATE_DIR.to_string();
        g.config_path = CONTAINER_CONFIG_PATH.to_string();
        g.workspace = CONTAINER_WORKSPACE.to_string();
        g.log_file = format!("{CONTAINER_STATE_DIR}/logs/openclaw.log");
        (g.bind, g.custom_bind_host) = match (self.container.network_mode, self.container.publish) {
            (NetworkMode::Bridge, _) | (NetworkMode::Host, Publish::All) => (Bind::Lan, None),
            (NetworkMode::Host, Publish::Loopback) => (Bind::Loopback, None),
            (NetworkMode::Host, Publish::Address(ip)) => (Bind::Custom, Some(ip.to_string())),
        };
        if g.auth.is_none() && g.bind != Bind::Loopback {
            g.auth = Some(GatewayAuth {
                mode: AuthMode::Token,
                secret: Some(SecretSource::Env(CONTAINER_DEFAULT_TOKEN_ENV.to_string())),
                trusted_proxy: None,
            });
        }
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

    /// The container's environment, in a fixed order: `HOME`, the read-only
    /// config switch, OpenClaw's paths and port, the user's variables, then
    /// the secret passed from the deployment's environment.
    pub fn container_environment(&self) -> Vec<(String, EnvValue)> {
        let view = self.container_view();
        let mut vars = vec![
            (
                "HOME".to_string(),
                EnvValue::Literal(CONTAINER_HOME.to_string()),
            ),
            (
                CONTAINER_CONFIG_READONLY.0.to_string(),
                EnvValue::Literal(CONTAINER_CONFIG_READONLY.1.to_string()),
            ),
        ];
        vars.extend(
            view.environment()
                .into_iter()
                .map(|(k, v)| (k, EnvValue::Literal(v))),
        );
        if let Some(SecretSource::Env(var)) = view.auth.as_ref().and_then(|a| a.secret.as_ref()) {
            vars.push((var.clone(), EnvValue::FromHost));
        }
        vars
    }

    /// The container's health check command. The image's own HEALTHCHECK
    /// polls 18789, and the image has node but no curl: probe this
    /// gateway's own port with node's `fetch`, and require the probe's JSON
    /// (`{"ok":true}`), not just a 200 the Control UI gives any path.
    pub fn container_healthcheck(&self) -> Vec<String> {
        let view = self.container_view();
        let host = match (&view.bind, &view.custom_bind_host) {
            (Bind::Custom, Some(h)) if h.contains(':') => format!("[{h}]"),
            (Bind::Custom, Some(h)) => h.clone(),
            _ => "127.0.0.1".to_string(),
        };
        let url = format!("http://{host}:{}/healthz", self.port);
        let script = format!(
            "fetch('{url}').then(r=>r.json()).then(j=>process.exit(j.ok===true?0:1),()=>process.exit(1))"
        );
        ["CMD", "node", "-e", &script]
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Services: the plain systemd units and the NixOS module read only this.

/// `OpenClaw`'s own restart policy (its systemd unit): always restart, 5 s apart.
pub const RESTART: &str = "always";
/// Seconds between restarts.
pub const RESTART_SEC: u32 = 5;
/// `OpenClaw` exits 78 (`EX_CONFIG`) on an invalid config: restarting cannot help.
pub const RESTART_PREVENT_EXIT_STATUS: u32 = 78;
/// `OpenClaw` drains sessions for up to 300 s on SIGTERM; systemd waits a bit longer.
pub const TIMEOUT_STOP_SEC: u32 = 330;
/// SIGTERM to the gateway only, then SIGKILL to what is left (browsers it started).
pub const KILL_MODE: &str = "mixed";
/// 143 = 128 + SIGTERM: a gateway stopped by its signal exited as asked.
pub const SUCCESS_EXIT_STATUS: &str = "0 143";
/// Default user and group of the services; the NixOS module creates them.
pub const DEFAULT_SERVICE_USER: &str = "openclaw";
/// Default `openclaw` executable of the plain units (`npm install -g`).
pub const DEFAULT_OPENCLAW_BIN: &str = "/usr/local/bin/openclaw";
/// Default directory of the operators' secret env files.
pub const SECRETS_ENV_DIR: &str = "/etc/openclaw";
/// systemd's `$CREDENTIALS_DIRECTORY` of system units is `/run/credentials/<unit>`.
pub const CREDENTIALS_ROOT: &str = "/run/credentials";
/// Where `StateDirectory=` puts state for system units.
pub const STATE_ROOT: &str = "/var/lib";
/// What `ProtectHome=` hides.
pub const HOME_ROOTS: &[&str] = &["/home", "/root", "/run/user"];
/// Socket families the gateway needs: local IPC, IPv4, IPv6, and netlink to
/// list interfaces (Node's `os.networkInterfaces()`, used to resolve binds).
pub const ADDRESS_FAMILIES: &str = "AF_UNIX AF_INET AF_INET6 AF_NETLINK";
/// uid:gid of the `node` user in the official image, owner of mounted state.
pub const CONTAINER_UID: u32 = 1000;
/// Capabilities the container keeps: none (the gateway runs as `node` on
/// unprivileged ports).
pub const CONTAINER_CAP_DROP: &str = "ALL";

/// Which service manager runs a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The system manager (`/etc/systemd/system`, NixOS).
    System,
    /// A user's manager (`systemctl --user`, `~/.config/systemd/user`).
    User,
}

/// A value of a `[Service]` directive, typed so that Nix gets numbers and
/// booleans where systemd reads them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A word or a space-separated list, written as is.
    Str(String),
    /// A number.
    Int(u32),
    /// `yes` or `no`.
    Bool(bool),
    /// A directive given once per item.
    List(Vec<String>),
}

/// One `[Service]` directive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// systemd's name of the directive.
    pub key: &'static str,
    /// Its value.
    pub value: Value,
}

/// An `EnvironmentFile=` the operator writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnvFile {
    /// Absolute path.
    pub path: String,
    /// Whether the unit fails to start without it (it holds `auth.env`'s
    /// variable); an optional file is written with systemd's `-` prefix.
    pub required: bool,
}

impl EnvFile {
    /// The value of `EnvironmentFile=`.
    pub fn directive(&self) -> String {
        if self.required {
            self.path.clone()
        } else {
            format!("-{}", self.path)
        }
    }
}

/// A `LoadCredential=` entry: systemd copies `path` (readable by root
/// only, if you like) to `$CREDENTIALS_DIRECTORY/<id>` for the service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Credential {
    /// Name under the credentials directory.
    pub id: String,
    /// The operator's file.
    pub path: String,
}

/// One gateway as a long-running service: the single model behind the plain
/// systemd units and the NixOS module, so the two cannot drift apart.
#[derive(Clone, Debug, Serialize)]
pub struct Service {
    /// Unit name without `.service`: `openclaw-gateway-<name>`, `OpenClaw`'s own naming.
    pub unit: String,
    /// `Description=`.
    pub description: String,
    /// System or user unit.
    pub scope: Scope,
    /// Units this one wants and starts after.
    pub after: Vec<&'static str>,
    /// The target that starts it (`[Install] WantedBy=`).
    pub wanted_by: &'static str,
    /// Arguments after the `openclaw` executable: `gateway --port P`.
    pub args: Vec<String>,
    /// Base port P.
    pub port: u16,
    /// The process environment: exactly [`Gateway::environment`].
    pub environment: Vec<(String, String)>,
    /// `User=` and `Group=` (system units).
    pub account: Option<(String, String)>,
    /// `EnvironmentFile=`.
    pub environment_file: EnvFile,
    /// `LoadCredential=` (system units with `auth.file`).
    pub credentials: Vec<Credential>,
    /// Directories that must exist, owned by the account, before the unit
    /// starts (state outside `StateDirectory=`).
    pub directories: Vec<String>,
    /// Every other `[Service]` directive: state, restart policy, hardening.
    pub directives: Vec<Directive>,
    /// Ports that listen on the gateway's bind address (P, P+1); empty for loopback.
    pub public_ports: Vec<u16>,
    /// Whether the NixOS module opens `public_ports` in the firewall.
    pub open_firewall: bool,
    /// Where `OpenClaw` reads its config (`OPENCLAW_CONFIG_PATH`).
    pub config_path: String,
    /// The gateway as the service sees it: its openclaw.json comes from this.
    pub view: Gateway,
}

fn is_under(path: &str, root: &str) -> bool {
    path.strip_prefix(root)
        .is_some_and(|rest| rest.starts_with('/'))
}

impl Gateway {
    /// The systemd unit name, without `.service`.
    pub fn unit_name(&self) -> String {
        format!("openclaw-gateway-{}", self.name)
    }

    /// Name of the auth credential (`LoadCredential=`) and container secret.
    pub fn credential_id(&self) -> String {
        self.container_secret_name()
    }

    /// The container's bind mounts, `(host, container, read_only)`: the state
    /// dir, the workspace unless it already sits at the state dir's
    /// `workspace/`, and a file secret at its mount point.
    pub fn container_mounts(&self) -> Vec<(String, String, bool)> {
        let mut m = vec![(
            self.state_dir.clone(),
            CONTAINER_STATE_DIR.to_string(),
            false,
        )];
        if self.workspace != format!("{}/workspace", self.state_dir) {
            m.push((
                self.workspace.clone(),
                CONTAINER_WORKSPACE.to_string(),
                false,
            ));
        }
        if let Some(SecretSource::File(path)) = self.auth.as_ref().and_then(|a| a.secret.as_ref()) {
            m.push((
                path.clone(),
                format!("{CONTAINER_SECRET_DIR}/{}", self.container_secret_name()),
                true,
            ));
        }
        m
    }

    /// The container's health probe: the image's own polls port 18789, and
    /// the image has node but no curl.
    pub fn container_health_cmd(&self) -> String {
        format!(
            "node -e \"fetch('http://127.0.0.1:{}/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))\"",
            self.port
        )
    }

    /// The gateway as its service sees it. A system unit gets an `auth.file`
    /// secret through `LoadCredential=`, so `OpenClaw`'s file `SecretRef`, which
    /// takes a literal path, points at `/run/credentials/<unit>.service/<name>-auth`.
    /// User units read the file where it is (their credentials directory
    /// lies under `/run/user/<uid>`, unknown here).
    #[must_use]
    pub fn service_view(&self, scope: Scope) -> Gateway {
        let mut g = self.clone();
        if scope == Scope::System {
            if let Some(auth) = &mut g.auth {
                if let Some(SecretSource::File(_)) = auth.secret {
                    auth.secret = Some(SecretSource::File(format!(
                        "{CREDENTIALS_ROOT}/{}.service/{}",
                        self.unit_name(),
                        self.credential_id()
                    )));
                }
            }
        }
        g
    }

    /// Ports that listen on the bind address rather than loopback: the
    /// gateway (P) and the MCP Apps sandbox (P+1).
    pub fn public_ports(&self) -> Vec<u16> {
        if self.bind == Bind::Loopback {
            return Vec::new();
        }
        self.reserved()
            .iter()
            .filter(|r| matches!(r.purpose, Purpose::Gateway | Purpose::McpSandbox))
            .flat_map(|r| r.start..=r.end)
            .collect()
    }

    /// The host address a container's ports are published on, from `bind`:
    /// None for `tailnet` and `auto`, which only `OpenClaw` can resolve.
    pub fn publish_address(&self) -> Option<String> {
        match self.bind {
            Bind::Loopback => Some("127.0.0.1".to_string()),
            Bind::Lan => Some("0.0.0.0".to_string()),
            Bind::Custom => self.custom_bind_host.clone(),
            Bind::Tailnet | Bind::Auto => None,
        }
    }

    /// The gateway as a service of the given scope.
    pub fn service(&self, scope: Scope) -> Service {
        let view = self.service_view(scope);
        let system = scope == Scope::System;
        let state_managed = system && is_under(&self.state_dir, STATE_ROOT);
        let workspace_inside = is_under(&self.workspace, &self.state_dir);

        let mut directives = Vec::new();
        let mut d = |key: &'static str, value: Value| directives.push(Directive { key, value });
        let mut directories = Vec::new();
        d("Type", Value::Str("simple".to_string()));
        if system {
            let mut rw = Vec::new();
            if state_managed {
                d(
                    "StateDirectory",
                    Value::Str(self.state_dir[STATE_ROOT.len() + 1..].to_string()),
                );
                d("StateDirectoryMode", Value::Str("0700".to_string()));
            } else {
                directories.push(self.state_dir.clone());
                rw.push(self.state_dir.clone());
            }
            if workspace_inside {
                // Inside the state dir, so already writable; `-`: OpenClaw
                // creates it on first start.
                rw.push(format!("-{}", self.workspace));
            } else {
                directories.push(self.workspace.clone());
                rw.push(self.workspace.clone());
            }
            d("ReadWritePaths", Value::List(rw));
        }
        d("Restart", Value::Str(RESTART.to_string()));
        d("RestartSec", Value::Int(RESTART_SEC));
        d(
            "RestartPreventExitStatus",
            Value::Int(RESTART_PREVENT_EXIT_STATUS),
        );
        d("TimeoutStopSec", Value::Int(TIMEOUT_STOP_SEC));
        d("KillMode", Value::Str(KILL_MODE.to_string()));
        d(
            "SuccessExitStatus",
            Value::Str(SUCCESS_EXIT_STATUS.to_string()),
        );
        d("UMask", Value::Str("0077".to_string()));
        d("NoNewPrivileges", Value::Bool(true));
        if system {
            // Mount namespaces: a user manager has them only with
            // unprivileged user namespaces, so user units go without.
            let in_home = [&self.state_dir, &self.workspace, &self.config_path]
                .iter()
                .any(|p| HOME_ROOTS.iter().any(|h| is_under(p, h)));
            d("ProtectSystem", Value::Str("strict".to_string()));
            // `read-only` keeps a state dir under /home reachable for ReadWritePaths=.
            d(
                "ProtectHome",
                Value::Str(if in_home { "read-only" } else { "yes" }.to_string()),
            );
            d("PrivateTmp", Value::Bool(true));
            d("PrivateDevices", Value::Bool(true));
            d("ProtectKernelTunables", Value::Bool(true));
            d("ProtectKernelModules", Value::Bool(true));
            d("ProtectKernelLogs", Value::Bool(true));
            d("ProtectControlGroups", Value::Bool(true));
            d("ProtectClock", Value::Bool(true));
            d("ProtectHostname", Value::Bool(true));
            d("CapabilityBoundingSet", Value::Str(String::new()));
        }
        d(
            "RestrictAddressFamilies",
            Value::Str(ADDRESS_FAMILIES.to_string()),
        );
        d("RestrictRealtime", Value::Bool(true));
        d("RestrictSUIDSGID", Value::Bool(true));
        d("LockPersonality", Value::Bool(true));
        d("SystemCallArchitectures", Value::Str("native".to_string()));

        let uses_env_secret = self
            .auth
            .as_ref()
            .is_some_and(|a| matches!(a.secret, Some(SecretSource::Env(_))));
        let credentials = match self.auth.as_ref().and_then(|a| a.secret.as_ref()) {
            Some(SecretSource::File(path)) if system => {
                vec![Credential {
                    id: self.credential_id(),
                    path: path.clone(),
                }]
            }
            _ => Vec::new(),
        };
        Service {
            unit: self.unit_name(),
            description: format!("OpenClaw gateway {}", self.name),
            scope,
            after: if system {
                vec!["network-online.target"]
            } else {
                Vec::new()
            },
            wanted_by: if system {
                "multi-user.target"
            } else {
                "default.target"
            },
            args: vec![
                "gateway".to_string(),
                "--port".to_string(),
                self.port.to_string(),
            ],
            port: self.port,
            environment: self.environment(),
            account: system.then(|| (self.user.clone(), self.group.clone())),
            environment_file: EnvFile {
                path: self.secrets_env_file.clone(),
                required: uses_env_secret,
            },
            credentials,
            directories,
            directives,
            public_ports: self.public_ports(),
            open_firewall: self.open_firewall,
            config_path: self.config_path.clone(),
            view,
        }
    }
}

/// With the oci-containers backend every gateway's ports are published on a
/// host address ocgen must know.
fn check_publishable(resolved: &[Resolved], gateways: &[Gateway], problems: &mut Vec<Problem>) {
    for (r, g) in resolved.iter().zip(gateways) {
        if g.publish_address().is_none() {
            let span = r.s.bind.as_ref().map_or(r.body, |b| b.span);
            problems.push(
                Problem::new(
                    Kind::Publish,
                    format!(
                        "gateway `{}` binds `{}`, which a container cannot resolve: `nixos.backend: oci-containers` publishes ports on a host address",
                        g.name,
                        g.bind.as_str()
                    ),
                )
                .label(span, "no host address")
                .help("use `bind: custom` with `custom_bind_host: <the host's address>`, `bind: lan` or `bind: loopback`, or `nixos.backend: systemd`"),
            );
        }
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
            gateways: self.gateways.iter().map(|g| g.rooted(root)).collect(),
            ..self.clone()
        }
    }
}

impl Plan {
    /// Checks that every gateway can run in a container; container outputs
    /// call this before rendering.
    pub fn check_containers(&self) -> Result<(), Vec<Problem>> {
        if self.container_problems.is_empty() {
            Ok(())
        } else {
            Err(self.container_problems.clone())
        }
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
    check_workspace_host_paths(&resolved, &gateways, &mut problems);

    let nixos_backend = doc
        .nixos
        .as_ref()
        .and_then(|n| n.backend.as_ref())
        .map_or(NixosBackend::Systemd, |b| b.value);
    if nixos_backend == NixosBackend::OciContainers {
        check_publishable(&resolved, &gateways, &mut problems);
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

    if problems.is_empty() {
        let container_problems = check_containers(&resolved, &gateways);
        Ok(Plan {
            name,
            gateways,
            nixos_backend,
            user_units,
            openclaw_bin,
            container_problems,
        })
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

/// Whether an environment variable's name says it holds a secret
/// (`*TOKEN*`, `*PASSWORD*`, `*API_KEY*`, ...; not `*_FILE`, `*_PATH`, `*_ENV`).
pub fn looks_like_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("_FILE") || upper.ends_with("_PATH") || upper.ends_with("_ENV") {
        return false;
    }
    SECRET_NAME_PARTS.iter().any(|w| upper.contains(w))
}

/// Parts of a name (upper case) that say its value is a secret.
pub const SECRET_NAME_PARTS: &[&str] = &[
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

fn check_defaults(d: &Settings, problems: &mut Vec<Problem>) {
    let per_gateway: [(&str, Option<Span>); 6] = [
        ("port", d.port.as_ref().map(|v| v.span)),
        ("profile", d.profile.as_ref().map(|v| v.span)),
        ("state_dir", d.state_dir.as_ref().map(|v| v.span)),
        ("config_path", d.config_path.as_ref().map(|v| v.span)),
        ("workspace", d.workspace.as_ref().map(|v| v.span)),
        (
            "workspace_host_path",
            d.workspace_host_path.as_ref().map(|v| v.span),
        ),
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
    }
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

/// Checks an absolute path and returns it normalised (no `.`, no `//`, no
/// trailing `/`). `..` is refused: it would hide nesting.
fn normalize_path(
    gw: &str,
    key: &str,
    p: &Sp<String>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let v = &p.value;
    // `auth.file` takes the path of the secret: what is written there
    // instead may be the secret itself, so it is never echoed.
    let secret = key == "auth.file";
    let quoted = |v: &str| {
        if secret {
            String::new()
        } else {
            format!(": `{}`", v.escape_debug())
        }
    };
    let bad = |msg: String, help: &str| {
        let p = Problem::new(Kind::Path, format!("gateway `{gw}`: `{key}` {msg}"))
            .label(p.span, "here")
            .help(help.to_string());
        if secret { p.redact_source() } else { p }
    };
    if !v.starts_with('/') {
        problems.push(bad(
            if secret {
                "must be the absolute path of the file that holds the secret".to_string()
            } else {
                format!("must be an absolute path, got `{}`", v.escape_debug())
            },
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
                    format!("contains `..`{}", quoted(v)),
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
    if let Some(c) = v
        .chars()
        .find(|&c| UNSAFE_PATH_CHARS.contains(c) || c.is_whitespace())
    {
        let what = if secret {
            "a character that paths may not hold".to_string()
        } else {
            describe_char(c)
        };
        problems.push(bad(
            format!("contains {what}{}", quoted(v)),
            "ocgen writes paths into systemd units, tmpfiles rules and volume specs, which each escape these differently: use letters, digits and `/ . _ - + @ ,`",
        ));
        return None;
    }
    Some(format!("/{}", parts.join("/")))
}

/// Characters refused in paths, besides whitespace and control characters.
const UNSAFE_PATH_CHARS: &str = "\"'\\%$:;`*?[]{}<>|&#!=";

fn describe_char(c: char) -> String {
    if c.is_whitespace() {
        format!("whitespace ({c:?})")
    } else {
        format!("`{c}`")
    }
}

/// `systemd.openclaw`: an absolute path that needs no quoting in `ExecStart=`.
fn check_executable(p: &Sp<String>, problems: &mut Vec<Problem>) -> String {
    let v = &p.value;
    let ok = v.starts_with('/')
        && !v.ends_with('/')
        && !v.split('/').any(|c| c == "." || c == "..")
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@".contains(c));
    if !ok {
        problems.push(
            Problem::new(Kind::Path, format!("`systemd.openclaw` `{}` is not an absolute path to the executable", v.escape_debug()))
                .label(p.span, "not usable in ExecStart=")
                .help(format!("write the full path of `openclaw` from `/` in letters, digits and `/ . _ - + @`, e.g. `{DEFAULT_OPENCLAW_BIN}` (see `command -v openclaw`)")),
        );
    }
    v.clone()
}

/// `user` and `group`: a system account name, never root.
fn check_account(gw: &str, key: &str, v: &Sp<String>, problems: &mut Vec<Problem>) {
    let b = v.value.as_bytes();
    let valid = !b.is_empty()
        && b.len() <= 32
        && (b[0].is_ascii_lowercase() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-');
    if !valid {
        problems.push(
            Problem::new(Kind::Account, format!("gateway `{gw}`: `{key}` `{}` is not a valid account name", v.value.escape_debug()))
                .label(v.span, "invalid name")
                .help(format!("use 1 to 32 lowercase letters, digits, `_` and `-`, starting with a letter or `_` (default: `{DEFAULT_SERVICE_USER}`)")),
        );
    } else if v.value == "root" {
        problems.push(
            Problem::new(Kind::Account, format!("gateway `{gw}`: the service would run as {key} `root`"))
                .label(v.span, "root")
                .help(format!("run gateways as an unprivileged account: leave `{key}` out for `{DEFAULT_SERVICE_USER}`, or name another one")),
        );
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
        .unwrap_or_else(|| format!("{SECRETS_ENV_DIR}/{name}.secrets.env"));
    let container = resolve_container(name, s, problems);

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
        allowed_origins,
        image,
        user,
        group,
        open_firewall,
        secrets_env_file,
        container,
    }
}

fn resolve_container(gw: &str, s: &Settings, problems: &mut Vec<Problem>) -> ContainerSettings {
    let publish = s.publish.as_ref().map_or(Publish::Loopback, |p| {
        parse_publish(&p.value).unwrap_or_else(|| {
            problems.push(
                Problem::new(
                    Kind::Type,
                    format!("gateway `{gw}`: `publish: {}` is not `loopback`, `all` or an IP address", p.value.escape_debug()),
                )
                .label(p.span, "not a publish address")
                .help("write `loopback` (127.0.0.1, the default), `all` (every interface) or one host address such as 192.168.1.10"),
            );
            Publish::Loopback
        })
    });
    let network_mode = s
        .network_mode
        .as_ref()
        .map_or(NetworkMode::Bridge, |n| n.value);
    if let (NetworkMode::Host, Publish::Address(std::net::IpAddr::V6(ip)), Some(p)) =
        (network_mode, publish, &s.publish)
    {
        // With host networking the gateway binds this address itself, as
        // `gateway.customBindHost`, which OpenClaw 2026.9.6 takes in IPv4 only.
        problems.push(
            Problem::new(
                Kind::Type,
                format!("gateway `{gw}`: with `network_mode: host` the gateway binds `publish` itself, and OpenClaw binds only IPv4 addresses, not {ip}"),
            )
            .label(p.span, "IPv6 address")
            .help("use an IPv4 address, `loopback` or `all`, or `network_mode: bridge` to publish on this address"),
        );
    }
    let mut memory = None;
    let mut cpus = None;
    if let Some(r) = &s.resources {
        if let Some(m) = &r.value.memory {
            match memory_bytes(&m.value) {
                Some(b) if b >= MIN_CONTAINER_MEMORY => memory = Some(m.value.clone()),
                Some(_) => problems.push(
                    Problem::new(Kind::Type, format!("gateway `{gw}`: memory limit `{}` is below 512m", m.value))
                        .label(m.span, "too small")
                        .help("the gateway alone uses 0.4 to 0.9 GB and would be killed at start: give it at least `1g`"),
                ),
                None => problems.push(
                    Problem::new(Kind::Type, format!("gateway `{gw}`: memory limit `{}` is not a size", m.value.escape_debug()))
                        .label(m.span, "not a size")
                        .help("write a number with a unit, e.g. `1g` or `1536m`"),
                ),
            }
        }
        if let Some(c) = &r.value.cpus {
            if c.value.is_finite() && c.value > 0.0 && c.value <= 1024.0 {
                cpus = Some(c.value);
            } else {
                problems.push(
                    Problem::new(
                        Kind::Type,
                        format!("gateway `{gw}`: `cpus: {}` is not a CPU count", c.value),
                    )
                    .label(c.span, "must be more than 0")
                    .help("write the number of cores the container may use, e.g. `1.5`"),
                );
            }
        }
    }
    let workspace_host_path = s
        .workspace_host_path
        .as_ref()
        .and_then(|p| normalize_path(gw, "workspace_host_path", p, problems));
    ContainerSettings {
        publish,
        network_mode,
        memory,
        cpus,
        workspace_host_path,
    }
}

fn parse_publish(v: &str) -> Option<Publish> {
    match v {
        "loopback" => Some(Publish::Loopback),
        "all" => Some(Publish::All),
        _ => match v.parse::<std::net::IpAddr>().ok()? {
            ip if ip == std::net::IpAddr::from([127, 0, 0, 1]) => Some(Publish::Loopback),
            ip if ip == std::net::IpAddr::from([0, 0, 0, 0]) => Some(Publish::All),
            ip => Some(Publish::Address(ip)),
        },
    }
}

/// Bytes in a compose memory size (`512m`, `1.5g`, `2GiB`; binary units,
/// as Docker reads them), or None when it is not one.
fn memory_bytes(v: &str) -> Option<u64> {
    let split = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let mut parts = num.split('.');
    let whole = parts
        .next()
        .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))?;
    let frac = parts.next();
    if parts.next().is_some() || frac.is_some_and(str::is_empty) {
        return None;
    }
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return None,
    };
    let value: f64 = format!("{whole}.{}", frac.unwrap_or("0")).parse().ok()?;
    let bytes = value * 2f64.powi(shift);
    // Saturating float-to-int conversion is what we want for absurd sizes.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(bytes as u64)
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
    let mut reported_pairs = std::collections::HashSet::new();
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
            // A path derived from a state dir that already conflicts with
            // this gateway adds nothing: the state dir is the one to move.
            let explicit = |gi: usize, key: &str| match key {
                "config_path" | "env_file" => resolved[gi].s.config_path.is_some(),
                "workspace" => resolved[gi].s.workspace.is_some(),
                _ => true,
            };
            let derived = !explicit(*ag, ak) || !explicit(*cg, ck);
            if env_echo
                || (derived && reported_pairs.contains(&(pair.0, pair.1)))
                || !reported.insert(pair)
            {
                stack.push(idx);
                continue;
            }
            reported_pairs.insert((pair.0, pair.1));
            {
                let (ga, gc) = (&gateways[*ag], &gateways[*cg]);
                let rel = if same { "the same path as" } else { "inside" };
                let span = |gi: usize, key: &str| {
                    let s = &resolved[gi].s;
                    let v = match key {
                        "state_dir" => s.state_dir.as_ref(),
                        "config_path" | "env_file" => s.config_path.as_ref(),
                        _ => s.workspace.as_ref(),
                    };
                    v.or(s.state_dir.as_ref())
                        .or(s.home.as_ref())
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

/// Two gateways' container workspaces on one host directory (or one inside
/// the other) would share agent files.
fn check_workspace_host_paths(
    resolved: &[Resolved],
    gateways: &[Gateway],
    problems: &mut Vec<Problem>,
) {
    let mut items: Vec<(String, usize)> = gateways
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            g.container
                .workspace_host_path
                .as_ref()
                .map(|p| (format!("{p}/"), i))
        })
        .collect();
    items.sort();
    // Sorted, every ancestor comes before its descendants: a stack of open
    // ancestors finds each nesting against the nearest one.
    let mut open: Vec<usize> = Vec::new();
    for idx in 0..items.len() {
        while let Some(&top) = open.last() {
            if items[idx].0.starts_with(&items[top].0) {
                break;
            }
            open.pop();
        }
        if let Some(&anc) = open.last() {
            let (ap, ag) = &items[anc];
            let (cp, cg) = &items[idx];
            let span = |gi: usize| {
                resolved[gi]
                    .s
                    .workspace_host_path
                    .as_ref()
                    .map_or(resolved[gi].name.span, |v| v.span)
            };
            let rel = if ap == cp {
                "the same directory as"
            } else {
                "inside"
            };
            problems.push(
                Problem::new(
                    Kind::PathOverlap,
                    format!(
                        "gateway `{}`'s workspace_host_path {} is {rel} gateway `{}`'s {}",
                        gateways[*cg].name,
                        cp.trim_end_matches('/'),
                        gateways[*ag].name,
                        ap.trim_end_matches('/')
                    ),
                )
                .label(span(*cg), "here")
                .label(span(*ag), "conflicts with this")
                .help("give each gateway a workspace directory of its own, or leave `workspace_host_path` out to get a named volume per gateway"),
            );
        }
        open.push(idx);
    }
}

/// What keeps a valid gateway out of a container: OpenClaw's rules for the
/// bind the container needs, and variables that ocgen sets in it.
fn check_containers(resolved: &[Resolved], gateways: &[Gateway]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (r, g) in resolved.iter().zip(gateways) {
        let view = g.container_view();
        let open = view.auth.as_ref().is_none_or(|a| a.mode == AuthMode::None);
        if view.bind != Bind::Loopback && open {
            let span = r.s.auth.as_ref().map_or(r.name.span, |a| a.value.mode.span);
            problems.push(
                Problem::new(
                    Kind::Auth,
                    format!(
                        "gateway `{}` has `auth: {{ mode: none }}`, but in a container it binds `{}`, which OpenClaw refuses without a token or password",
                        g.name,
                        view.bind.as_str()
                    ),
                )
                .label(span, "no auth")
                .help(format!(
                    "use `auth: {{ mode: token, env: {CONTAINER_DEFAULT_TOKEN_ENV} }}` (or leave `auth` out: containers then take the token from {CONTAINER_DEFAULT_TOKEN_ENV}), or run it with `network_mode: host` and `publish: loopback`"
                )),
            );
        }
        // ocgen's own container variables, then the user's: a name twice
        // would make one silently win.
        let mut seen: HashMap<String, &'static str> = HashMap::new();
        for (name, value) in g.container_environment() {
            let ours = name == "HOME"
                || name == CONTAINER_CONFIG_READONLY.0
                || RESERVED_ENV.contains(&name.as_str());
            let what = match value {
                EnvValue::FromHost => "`auth.env`",
                EnvValue::Literal(_) if ours && !seen.contains_key(&name) => "ocgen",
                EnvValue::Literal(_) => "`env`",
            };
            if let Some(first) = seen.get(&name) {
                let span = match value {
                    EnvValue::FromHost => {
                        r.s.auth
                            .as_ref()
                            .and_then(|a| a.value.env.as_ref())
                            .map_or(r.name.span, |e| e.span)
                    }
                    EnvValue::Literal(_) => {
                        r.s.env
                            .iter()
                            .flatten()
                            .find(|(k, _)| k.value == name)
                            .map_or(r.name.span, |(k, _)| k.span)
                    }
                };
                problems.push(
                    Problem::new(
                        Kind::Env,
                        format!(
                            "gateway `{}`: `{name}` is set by {first} in its container and again by {what}",
                            g.name
                        ),
                    )
                    .label(span, "set twice in the container")
                    .help(format!(
                        "ocgen sets HOME, {} and OpenClaw's paths in every container: rename or remove this variable",
                        CONTAINER_CONFIG_READONLY.0
                    )),
                );
            } else {
                seen.insert(name, what);
            }
        }
    }
    problems
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
        assert!(p.check_containers().is_ok());
        let env = p.gateways[0].container_environment();
        assert_eq!(
            env[0],
            ("HOME".into(), EnvValue::Literal(CONTAINER_HOME.into()))
        );
        assert!(env.contains(&(
            "OPENCLAW_CONFIG_READONLY".into(),
            EnvValue::Literal("1".into())
        )));
        assert_eq!(
            env.last().unwrap(),
            &(CONTAINER_DEFAULT_TOKEN_ENV.into(), EnvValue::FromHost)
        );
        assert!(
            p.gateways[0].container_healthcheck()[3].contains("'http://127.0.0.1:20000/healthz'")
        );
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
        assert!(p.check_containers().is_ok());
    }

    #[test]
    fn auth_none_cannot_run_in_a_bridge_container() {
        let p = plan_of(&format!("{HEAD}  a: {{auth: {{mode: none}}}}\n")).unwrap();
        let errs = p.check_containers().unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.kind).collect::<Vec<_>>(),
            vec![Kind::Auth]
        );
        assert!(errs[0].message.contains("gateway `a`"));
        assert!(
            errs[0]
                .help
                .as_deref()
                .unwrap()
                .contains("network_mode: host")
        );
        let p = plan_of(&format!(
            "{HEAD}  a: {{auth: {{mode: none}}, network_mode: host}}\n"
        ))
        .unwrap();
        assert!(p.check_containers().is_ok());
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
        let started = std::time::Instant::now();
        let p = plan_of(&y).unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
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
        let p = plan_of(&format!("{HEAD}  a: {{env: {{HOME: /x}}}}\n")).unwrap();
        let errs = p.check_containers().unwrap_err();
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
        assert_eq!(a.environment, p.gateways[0].environment());
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
            Some(SecretSource::File(
                "/run/credentials/openclaw-gateway-a.service/a-auth".into()
            ))
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
