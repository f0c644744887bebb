//! The gateway: what one resolved gateway is, as data. Every field is
//! set by a rule family of this folder (paths by `paths.rs`, auth by
//! `auth.rs`, ...), which also holds the methods that derive facts from
//! it; this file holds only the types, so that every family can read them
//! without reaching into another.
//!
//! A gateway is built in two steps: every rule of its own gives a
//! [`Draft`], whose base port is `None` until the ports of the whole file
//! are assigned; only when every draft has its port does [`Draft::finish`]
//! give the final [`Gateway`]. So no value of a plan is a placeholder that
//! a later pass must remember to replace.

use indexmap::IndexMap;
use serde::Serialize;

use crate::model::{AuthMode, Bind, ConfigMode, NetworkMode};

/// One gateway, resolved. `P` is its base port: `u16` in a [`Plan`]
/// (`Gateway`), `Option<u16>` while the plan is being made ([`Draft`]).
///
/// [`Plan`]: super::Plan
#[derive(Clone, Debug, Serialize)]
pub struct Gateway<P = u16> {
    /// Name from the file: file names, service names.
    pub name: String,
    /// OpenClaw profile.
    pub profile: String,
    /// Base port P.
    pub port: P,
    /// Whether ocgen chose the port.
    pub port_assigned: bool,
    /// Where the gateway keeps its state on a machine that runs it itself
    /// (host, systemd, NixOS, launchd); `None` when the file gives neither
    /// `home` nor `state_dir`, which only the container targets allow.
    pub paths: Option<HostPaths>,
    /// `gateway.bind`.
    pub bind: Bind,
    /// `gateway.customBindHost` when `bind` is `custom`.
    pub custom_bind_host: Option<String>,
    /// Authentication, as written.
    pub auth: Option<GatewayAuth>,
    /// Browser profiles in file order.
    pub browser_profiles: Vec<BrowserProfile>,
    /// The user's extra environment (defaults merged in).
    pub env: IndexMap<String, String>,
    /// `gateway.controlUi.allowedOrigins`: the user's, then the front door's.
    pub allowed_origins: Vec<String>,
    /// Container image.
    pub image: String,
    /// User of the gateway's system service.
    pub user: String,
    /// Group of the gateway's system service.
    pub group: String,
    /// Whether the NixOS module opens the gateway's public ports in the firewall.
    pub open_firewall: bool,
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
    /// `gateway.controlUi.basePath`: the path prefix the front door serves
    /// the gateway under.
    pub base_path: Option<String>,
    /// `gateway.trustedProxies` on each site: the addresses the front door
    /// connects from (empty without `proxy:`).
    pub trusted_proxies: ProxyTrust,
    /// How the gateway runs in a cluster (the Kubernetes target).
    pub kube: KubeGateway,
    /// Its Docker sandboxes' container prefixes and workspace root.
    pub sandbox: Sandbox,
    /// Its backups: where archives go, how many stay, when.
    pub backup: Backup,
}

/// A gateway while the plan is being made: every rule of its own applied,
/// its base port known only when the file gave a valid one.
pub type Draft = Gateway<Option<u16>>;

/// The addresses a gateway trusts to report the client's address, per
/// site: each front door connects from somewhere else.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ProxyTrust {
    /// A Caddy on the same machine: its loopback addresses.
    pub host: Vec<String>,
    /// The compose file's Caddy: its fixed address on the gateway's network.
    pub compose: Vec<String>,
    /// A cluster's ingress controller: `proxy.trusted_proxies`.
    pub pod: Vec<String>,
}

impl Draft {
    /// The gateway with its base port, once ports are assigned.
    pub fn finish(self, port: u16) -> Gateway {
        Gateway {
            name: self.name,
            profile: self.profile,
            port,
            port_assigned: self.port_assigned,
            paths: self.paths,
            bind: self.bind,
            custom_bind_host: self.custom_bind_host,
            auth: self.auth,
            browser_profiles: self.browser_profiles,
            env: self.env,
            allowed_origins: self.allowed_origins,
            image: self.image,
            user: self.user,
            group: self.group,
            open_firewall: self.open_firewall,
            container: self.container,
            settings: self.settings,
            secrets: self.secrets,
            config_mode: self.config_mode,
            base_path: self.base_path,
            trusted_proxies: self.trusted_proxies,
            kube: self.kube,
            sandbox: self.sandbox,
            backup: self.backup,
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

/// A gateway's paths on the machine that runs it (host, systemd, NixOS
/// services, launchd). Containers see other paths: see [`super::Runtime`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostPaths {
    /// The home directory the paths were derived from, when one was given
    /// (the NixOS module's account and a LaunchAgent run in it).
    pub home: Option<String>,
    /// `OPENCLAW_STATE_DIR`.
    pub state_dir: String,
    /// `OPENCLAW_CONFIG_PATH`.
    pub config_path: String,
    /// Agent workspace.
    pub workspace: String,
    /// The gateway's own log file.
    pub log_file: String,
    /// The operator's file of the gateway's secret variables.
    pub secrets_env_file: String,
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

/// Container settings of one gateway, resolved.
#[derive(Clone, Debug, Serialize)]
pub struct ContainerSettings {
    /// Host address P is published on.
    pub publish: Publish,
    /// Whether `publish` was written (defaults or gateway): behind the
    /// compose proxy only such a gateway still publishes its port.
    pub publish_asked: bool,
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

/// Kubernetes settings of one gateway, resolved.
#[derive(Clone, Debug, Serialize)]
pub struct KubeGateway {
    /// The deployment the gateway belongs to (`app.kubernetes.io/part-of`).
    pub deployment: String,
    /// Namespace.
    pub namespace: String,
    /// Name of the gateway's objects: `<deployment>-<gateway>`.
    pub object: String,
    /// Storage class of both claims; None: the cluster's default.
    pub storage_class: Option<String>,
    /// Size of the state claim.
    pub state_size: String,
    /// Size of the workspace claim.
    pub workspace_size: String,
    /// Resource requests (`cpu`, `memory`), in that order.
    pub requests: Vec<(String, String)>,
    /// Resource limits.
    pub limits: Vec<(String, String)>,
    /// The Secret that holds the gateway's secrets.
    pub secret: String,
    /// The user's labels.
    pub labels: Vec<(String, String)>,
    /// The user's annotations.
    pub annotations: Vec<(String, String)>,
    /// Who may connect to port P.
    pub allow_from: Vec<KubePeerSel>,
}

/// One peer of a NetworkPolicy.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct KubePeerSel {
    /// `namespaceSelector.matchLabels`.
    pub namespace_selector: Option<Vec<(String, String)>>,
    /// `podSelector.matchLabels`.
    pub pod_selector: Option<Vec<(String, String)>>,
}

/// A gateway's sandbox settings: the container prefixes in force (the
/// user's or ocgen's) and which of them ocgen writes.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Sandbox {
    /// `agents.defaults.sandbox.docker.containerPrefix` in force.
    pub docker_prefix: String,
    /// Whether ocgen writes it (the user did not).
    pub docker_prefix_ours: bool,
    /// `agents.defaults.sandbox.browser.containerPrefix` in force.
    pub browser_prefix: String,
    /// Whether ocgen writes it.
    pub browser_prefix_ours: bool,
    /// Whether ocgen writes `agents.defaults.sandbox.workspaceRoot`
    /// (`<state_dir>/sandboxes` on each site); false when the user sets it.
    pub workspace_root_ours: bool,
}

/// A gateway's backups, resolved: always present, so that `ocgen backup`
/// works on demand; `configured` when the file asks for them (then the
/// targets generate what makes them on schedule).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Backup {
    /// Whether `backup:` was given (in `defaults` or the gateway).
    pub configured: bool,
    /// How many archives to keep.
    pub keep: u32,
    /// When to make one; `None`: on demand only.
    pub schedule: Option<Schedule>,
    /// The gateway's own archive directory on the machine that runs it
    /// (`<dir>/<gateway>`); `None` without host paths or `dir`.
    pub host_dir: Option<String>,
    /// The gateway's archive directory for compose: `./backups/<gateway>`
    /// relative to the compose file, or `<dir>/<gateway>`.
    pub compose_dir: String,
}

/// When a scheduled backup runs, in a form every target can say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Every hour, on the hour.
    Hourly,
    /// Every day at 00:00.
    Daily,
    /// Mondays at 00:00.
    Weekly,
    /// The first of the month at 00:00.
    Monthly,
    /// At a time of day, every day or on one weekday (0 = Sunday).
    At {
        /// 0..=23.
        hour: u8,
        /// 0..=59.
        minute: u8,
        /// 0 (Sunday) ..= 6, or every day.
        weekday: Option<u8>,
    },
}
