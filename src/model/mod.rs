//! The input format: `ocgen.yaml`, as serde and schemars types.
//!
//! This module knows YAML and nothing of OpenClaw. Every value that a later
//! stage may complain about is wrapped in [`Sp`], which keeps the byte span
//! it was read from so that errors can point at it. [`load`] turns text into
//! a [`Document`] or a list of [`Problem`]s; [`crate::plan`] does the rest.

use std::fmt;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

use crate::diag::{Kind, Problem};
pub use crate::span::{Sp, yaml_options};
pub use crate::target::Target;

/// The only format version this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// The whole `ocgen.yaml` file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "ocgen.yaml",
    description = "A set of OpenClaw gateways to run side by side on one host."
)]
pub struct Document {
    /// Format version. Always `1`.
    pub version: Sp<u32>,
    /// Name of the deployment: the compose project name and a prefix for
    /// container volumes. Default: `openclaw`.
    #[serde(default)]
    pub name: Option<Sp<String>>,
    /// Settings applied to every gateway that leaves them out.
    #[serde(default)]
    pub defaults: Settings,
    /// The gateways, by name. The name becomes the OpenClaw profile (unless
    /// `profile` says otherwise), the file names and the service names.
    /// A gateway with nothing to set may be written `name:` or `name: {}`.
    #[schemars(with = "IndexMap<String, Option<Settings>>")]
    pub gateways: IndexMap<Sp<String>, Sp<Option<Settings>>>,
    /// The NixOS module (`ocgen nix`, `nixos/openclaw-gateways.nix`).
    #[serde(default)]
    pub nixos: Option<NixosSettings>,
    /// The plain systemd units (`ocgen systemd`, `systemd/`).
    #[serde(default)]
    pub systemd: Option<SystemdSettings>,
    /// The macOS LaunchAgents (`ocgen launchd`, `launchd/`).
    #[serde(default)]
    pub launchd: Option<LaunchdSettings>,
    /// Where the gateways run: `host`, `systemd`, `nixos`, `compose`,
    /// `kubernetes`, `launchd`. `check` and `generate` check and write these
    /// targets only. Default: `[host, systemd, nixos, compose]`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<Target>>")]
    pub targets: Option<Sp<Vec<Sp<Target>>>>,
    /// One front door: a reverse proxy (Caddy) in front of every gateway,
    /// each at a host name of its own and/or under a path prefix, over
    /// HTTPS (`ocgen proxy`, `proxy/Caddyfile`).
    #[serde(default)]
    pub proxy: Option<Sp<ProxySettings>>,
    /// How the gateways start: a few at once, each once the one it waits
    /// for is healthy (Compose `depends_on`, systemd ordering).
    #[serde(default)]
    pub start: Option<StartSettings>,
}

/// How the gateways start, for the whole file.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSettings {
    /// How many gateways start at once, in file order: each starts once the
    /// gateway this many places before it is healthy or has failed its
    /// health check. Default: 2. A number as large as the fleet starts all
    /// at once.
    pub batch: Option<Sp<u32>>,
}

/// The reverse proxy in front of the gateways.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxySettings {
    /// The public domain. A gateway without `host` is served at
    /// `<gateway>.<domain>`, or at `<domain><path>` when it has a `path`.
    pub domain: Option<Sp<String>>,
    /// Certificates: `acme` (default: Let's Encrypt / ZeroSSL through
    /// Caddy's automatic HTTPS), `internal` (Caddy's own local CA, for
    /// tests and private networks) or `off` (plain HTTP, behind another TLS
    /// terminator; the public origin is still `https://<host>`).
    pub tls: Option<Sp<ProxyTls>>,
    /// `tls: acme`: the address the certificate authority writes to.
    pub email: Option<Sp<String>>,
    /// The address Caddy listens on, e.g. `127.0.0.1` or `203.0.113.7`.
    /// Default: every interface.
    pub listen: Option<Sp<String>>,
    /// The HTTP port (ACME challenges, redirect to HTTPS; the only port
    /// with `tls: off`). Default: 80.
    #[schemars(with = "Option<u16>", range(min = 1, max = 65535))]
    pub http_port: Option<Sp<PortValue>>,
    /// The HTTPS port. Default: 443.
    #[schemars(with = "Option<u16>", range(min = 1, max = 65535))]
    pub https_port: Option<Sp<PortValue>>,
    /// Compose: the IPv4 range the gateways' networks are cut from, one
    /// /24 per gateway in file order (the proxy is `.2` on each). Default
    /// `10.231.0.0/16`: outside Docker's default pools (172.17-31.0.0/16,
    /// 192.168.0.0/16), Podman's 10.88-89 and Kubernetes' usual ranges.
    pub subnet: Option<Sp<String>>,
    /// Compose: the Caddy image, pinned to a version. Default
    /// `caddy:2.11.7`.
    pub image: Option<Sp<String>>,
    /// Kubernetes: the `ingressClassName` of the gateways' Ingresses.
    /// Default: the cluster's default IngressClass.
    pub ingress_class: Option<Sp<String>>,
    /// Kubernetes: the name of the Secret (of type `kubernetes.io/tls`, in each
    /// gateway's namespace) with the certificate the Ingresses serve, for
    /// example one cert-manager keeps. Required unless `tls: off`.
    pub tls_certificate: Option<Sp<String>>,
    /// Kubernetes: the addresses the ingress controller's pods connect
    /// from (its pod CIDR, e.g. `10.244.0.0/16`), which each gateway
    /// trusts as its proxy (`gateway.trustedProxies`). Required.
    pub trusted_proxies: Option<Sp<Vec<String>>>,
}

/// `proxy.tls` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProxyTls {
    /// Public certificates from an ACME certificate authority.
    #[default]
    Acme,
    /// Caddy's local certificate authority.
    Internal,
    /// No TLS at Caddy: another terminator sits in front of it.
    Off,
}

impl ProxyTls {
    /// The value as written in `ocgen.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyTls::Acme => "acme",
            ProxyTls::Internal => "internal",
            ProxyTls::Off => "off",
        }
    }
}

/// Settings of the NixOS module, for the whole file.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NixosSettings {
    /// How the module runs the gateways: `systemd` (default: one hardened
    /// service per gateway running `openclaw` from the Nix store) or
    /// `oci-containers` (one OCI container per gateway, from `image`).
    pub backend: Option<Sp<NixosBackend>>,
}

/// `nixos.backend` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NixosBackend {
    /// `systemd.services."openclaw-gateway-<profile>"`.
    #[default]
    Systemd,
    /// `virtualisation.oci-containers.containers."openclaw-gateway-<name>"`.
    OciContainers,
}

/// Settings of the plain systemd units, for the whole file.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemdSettings {
    /// Write user units (`systemctl --user`, state in the user's home)
    /// instead of system units. Default: `false`.
    pub user_units: Option<Sp<bool>>,
    /// Absolute path of the `openclaw` executable the units start.
    /// Default: `/usr/local/bin/openclaw` (where `npm install -g` puts it).
    pub openclaw: Option<Sp<String>>,
    /// Memory cap of the whole fleet: `MemoryMax=` of `openclaw.slice`,
    /// the slice every gateway's unit runs in (each gateway's own limit is
    /// its `resources.memory`), e.g. `8g`. Default: no cap of the slice.
    pub fleet_memory: Option<Sp<String>>,
}

/// Settings of the macOS LaunchAgents, for the whole file.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchdSettings {
    /// Absolute path of the `node` that runs the gateway, as OpenClaw's own
    /// `gateway install` starts it. Default: `/opt/homebrew/bin/node`
    /// (Homebrew on Apple silicon; `/usr/local/bin/node` on Intel Macs).
    pub node: Option<Sp<String>>,
    /// Absolute path of OpenClaw's entry script, the package's
    /// `dist/index.js`. Default:
    /// `/opt/homebrew/lib/node_modules/openclaw/dist/index.js` (`npm install -g openclaw`
    /// with Homebrew's node).
    pub entry: Option<Sp<String>>,
    /// Allow state dirs, configs, workspaces and secrets files outside the
    /// gateway's `home` (a LaunchAgent runs as that user, who must be able
    /// to write there). Default: `false`.
    pub allow_outside_home: Option<Sp<bool>>,
}

/// Per-gateway settings. In `defaults`, the same keys (except the ones that
/// must differ per gateway) apply to every gateway that leaves them out.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// OpenClaw profile name (`^[a-z0-9][a-z0-9_-]{0,63}$`). Default: the
    /// gateway's name. `default` is OpenClaw's unsuffixed profile.
    pub profile: Option<Sp<String>>,
    /// Base port P. The gateway reserves P..P+110. Left out: assigned from
    /// 18789 upward, 120 apart.
    #[schemars(with = "Option<u16>", range(min = 1024, max = 65425))]
    pub port: Option<Sp<PortValue>>,
    /// Home directory under which OpenClaw's `--profile` layout is derived:
    /// `<home>/.openclaw-<profile>` (`<home>/.openclaw` for `default`).
    pub home: Option<Sp<String>>,
    /// State directory (`OPENCLAW_STATE_DIR`). Absolute.
    pub state_dir: Option<Sp<String>>,
    /// Config file (`OPENCLAW_CONFIG_PATH`). Default: `<state_dir>/openclaw.json`.
    pub config_path: Option<Sp<String>>,
    /// Agent workspace. Default: `<state_dir>/workspace`.
    pub workspace: Option<Sp<String>>,
    /// Where the gateway listens: `loopback` (default), `lan`, `tailnet`,
    /// `auto` or `custom` (with `custom_bind_host`).
    pub bind: Option<Sp<Bind>>,
    /// Address to bind when `bind: custom`.
    pub custom_bind_host: Option<Sp<String>>,
    /// Gateway authentication: a mode and a reference to the secret.
    pub auth: Option<Sp<Auth>>,
    /// Browser settings.
    pub browser: Option<Browser>,
    /// Extra environment for the gateway process. Merged key by key with
    /// `defaults.env`; the gateway's value wins.
    #[schemars(with = "Option<IndexMap<String, String>>")]
    pub env: Option<IndexMap<Sp<String>, Sp<String>>>,
    /// Container image for container outputs, pinned to a version tag.
    pub image: Option<Sp<String>>,
    /// System user the gateway's service runs as (systemd units and the
    /// NixOS module). Default: `openclaw`, which the NixOS module creates.
    pub user: Option<Sp<String>>,
    /// Group of the gateway's service. Default: `openclaw`.
    pub group: Option<Sp<String>>,
    /// Open the gateway's ports (P and P+1) in the NixOS firewall. Only for
    /// gateways that bind beyond loopback. Default: `false`.
    pub open_firewall: Option<Sp<bool>>,
    /// File with secret environment variables (`VAR=value` lines) that the
    /// service reads (systemd `EnvironmentFile=`): the variable named by
    /// `auth.env`, model API keys. Written by you, never by ocgen. Required
    /// to exist when `auth.env` is set. Default:
    /// `/etc/openclaw/<name>.secrets.env`.
    pub secrets_env_file: Option<Sp<String>>,
    /// Container outputs: the host address the gateway's port P is published
    /// on: `loopback` (127.0.0.1, the default), `all` (every interface) or
    /// an IP address. Only P is published, never the derived ports.
    pub publish: Option<Sp<String>>,
    /// Container outputs: `bridge` (default: the container's own network,
    /// P published as set by `publish`) or `host` (the host's network; the
    /// gateway then binds the `publish` address itself).
    pub network_mode: Option<Sp<NetworkMode>>,
    /// Memory and CPU limits: of the container (compose, the NixOS
    /// containers), or of the systemd unit (`MemoryMax=`, `CPUQuota=`;
    /// plain units and NixOS services). Default: `{memory: 2g, cpus: 2}`.
    pub resources: Option<Sp<Resources>>,
    /// Container outputs: an absolute host directory mounted as the agent
    /// workspace instead of a named volume. Must be writable by uid 1000.
    pub workspace_host_path: Option<Sp<String>>,
    /// Browser origins allowed to open the Control UI
    /// (`gateway.controlUi.allowedOrigins`), e.g. `https://gw.example.com`.
    /// Needed when the gateway is reached beyond loopback under a name or
    /// address other than localhost.
    pub allowed_origins: Option<Sp<Vec<String>>>,
    /// OpenClaw settings merged into the gateway's `openclaw.json`, as
    /// OpenClaw spells them (`agents.defaults.model`, `channels.telegram`,
    /// ...). Deep-merged with `defaults.openclaw` key by key; a list replaces
    /// the list. Keys that ocgen sets itself (port, bind, auth, paths, ...)
    /// are refused, and credentials are SecretRefs, never literal values:
    /// `{source: env, provider: default, id: VAR}` with `VAR` in `secrets`.
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub openclaw: Option<Sp<Tree>>,
    /// Names of the environment variables that hold this gateway's secrets
    /// (model provider keys, channel tokens), `^[A-Z][A-Z0-9_]{0,127}$`.
    /// The values live in the gateway's own secrets env file, never in
    /// ocgen's output. Joined with `defaults.secrets`.
    #[schemars(with = "Option<Vec<String>>")]
    pub secrets: Option<Sp<Vec<Sp<String>>>>,
    /// Who owns `openclaw.json`: `managed` (default: ocgen writes it and
    /// OpenClaw may not change it) or `seeded` (ocgen writes it only where
    /// none exists; OpenClaw may edit it afterwards, e.g. `openclaw
    /// channels add`).
    pub config: Option<Sp<ConfigMode>>,
    /// Behind `proxy`: the host name this gateway is served at. Default:
    /// `<gateway>.<proxy.domain>`, or `proxy.domain` itself with `path`.
    pub host: Option<Sp<String>>,
    /// Behind `proxy`: a path prefix (`/rescue`) the gateway is served
    /// under; ocgen sets OpenClaw's `gateway.controlUi.basePath` to it.
    pub path: Option<Sp<String>>,
    /// The Kubernetes target (`ocgen kube`, `kubernetes/`): what a cluster
    /// needs and a host does not. Merged key by key with
    /// `defaults.kubernetes` (labels and annotations per key).
    pub kubernetes: Option<Sp<KubeSettings>>,
    /// Backups of the gateway's state by OpenClaw's own `openclaw backup
    /// create --verify`, on demand (`ocgen backup`) and, with `schedule`, on
    /// a timer. Off unless given. Merged key by key with `defaults.backup`.
    pub backup: Option<Sp<BackupSettings>>,
}

/// `backup`: where a gateway's archives go, how many stay, and when they are made.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupSettings {
    /// How many archives of the gateway to keep; older ones are removed
    /// after each new archive is verified. At least 1. Default: 7.
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub keep: Option<Sp<PortValue>>,
    /// When to make one: `hourly`, `daily`, `weekly`, `monthly`, `HH:MM`
    /// (every day at that time) or `DAY HH:MM` (`Mon`..`Sun`), in the
    /// machine's local time (UTC in Kubernetes). Left out: on demand only.
    pub schedule: Option<Sp<String>>,
    /// Absolute directory of the archives, outside every gateway's state:
    /// each gateway writes into `<dir>/<gateway>/`. Default: `openclaw-backups`
    /// beside the gateway's state dir (compose: `./backups` beside the
    /// compose file).
    pub dir: Option<Sp<String>>,
}

/// Kubernetes settings of a gateway (or of every gateway, in `defaults`).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubeSettings {
    /// Namespace of the gateway's objects, created by the output and
    /// labelled to enforce the `restricted` Pod Security profile. Default:
    /// the deployment's `name` (`openclaw`).
    pub namespace: Option<Sp<String>>,
    /// Storage class of the gateway's volumes. Default: the cluster's
    /// default storage class.
    pub storage_class: Option<Sp<String>>,
    /// Size of the state volume (`/home/node/.openclaw`), a Kubernetes
    /// quantity. Default: `1Gi`.
    pub state_size: Option<Sp<String>>,
    /// Size of the workspace volume. Default: `5Gi`.
    pub workspace_size: Option<Sp<String>>,
    /// CPU and memory requests and limits, as Kubernetes writes them.
    /// Default: requests `{cpu: 250m, memory: 1Gi}`, limits `{memory: 2Gi}`.
    pub resources: Option<Sp<KubeResources>>,
    /// Name of the Secret (in the gateway's namespace) that holds this
    /// gateway's secrets, one key per variable (`auth.env`, `secrets`) and
    /// `auth-file` for an `auth.file` secret. You create it; ocgen only
    /// refers to it. Default: `<name>-<gateway>-secrets`. Per gateway only.
    pub secret: Option<Sp<String>>,
    /// Labels added to every object of the gateway and to its pod.
    #[schemars(with = "Option<IndexMap<String, String>>")]
    pub labels: Option<IndexMap<Sp<String>, Sp<String>>>,
    /// Annotations added to every object of the gateway and to its pod.
    #[schemars(with = "Option<IndexMap<String, String>>")]
    pub annotations: Option<IndexMap<Sp<String>, Sp<String>>>,
    /// Who may connect to the gateway's port (its NetworkPolicy): a list of
    /// peers, each selecting namespaces and/or pods by labels, e.g. an
    /// ingress controller. Default: nobody (`kubectl port-forward` still
    /// works). Other gateways are never allowed.
    #[schemars(with = "Option<Vec<KubePeer>>")]
    pub allow_from: Option<Sp<Vec<Sp<KubePeer>>>>,
}

/// `kubernetes.resources`.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubeResources {
    /// What the scheduler reserves.
    pub requests: Option<KubeQuantities>,
    /// What the container may use at most.
    pub limits: Option<KubeQuantities>,
}

/// CPU and memory, as Kubernetes quantities (`500m`, `1`, `1Gi`).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubeQuantities {
    /// CPU: cores (`1`, `0.5`) or millicores (`250m`).
    pub cpu: Option<Sp<String>>,
    /// Memory: `512Mi`, `2Gi`. At least 512Mi for a limit.
    pub memory: Option<Sp<String>>,
}

/// One peer allowed to reach a gateway: pods matching `pod_selector` in
/// namespaces matching `namespace_selector` (both: label maps; only
/// `namespace_selector`: every pod there; only `pod_selector`: pods in the
/// gateway's own namespace).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubePeer {
    /// Labels the peer's namespace has, e.g.
    /// `{kubernetes.io/metadata.name: ingress-nginx}`.
    #[schemars(with = "Option<IndexMap<String, String>>")]
    pub namespace_selector: Option<IndexMap<Sp<String>, Sp<String>>>,
    /// Labels the peer's pods have, e.g.
    /// `{app.kubernetes.io/name: ingress-nginx}`.
    #[schemars(with = "Option<IndexMap<String, String>>")]
    pub pod_selector: Option<IndexMap<Sp<String>, Sp<String>>>,
}

/// `config` values: who owns a gateway's `openclaw.json`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigMode {
    /// ocgen writes the file on every run; the gateway reads it read-only.
    #[default]
    Managed,
    /// ocgen writes the file once, where none exists; OpenClaw owns it after.
    Seeded,
}

impl ConfigMode {
    /// The value as written in `ocgen.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigMode::Managed => "managed",
            ConfigMode::Seeded => "seeded",
        }
    }
}

/// A YAML value read without a schema (the `openclaw:` settings), with the
/// place of every key and value, so that rules can point at them.
#[derive(Clone, Debug, PartialEq)]
pub enum Tree {
    /// `null` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// Text.
    Str(String),
    /// A list.
    List(Vec<Sp<Tree>>),
    /// A map, in file order.
    Map(Vec<(Sp<String>, Sp<Tree>)>),
}

impl Tree {
    /// The value as JSON (what `openclaw.json` holds).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Tree::Null => Value::Null,
            Tree::Bool(b) => Value::Bool(*b),
            Tree::Int(i) => Value::from(*i),
            Tree::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Tree::Str(s) => Value::String(s.clone()),
            Tree::List(items) => Value::Array(items.iter().map(|i| i.value.to_json()).collect()),
            Tree::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// The entry `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Sp<Tree>> {
        match self {
            Tree::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Tree;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("OpenClaw settings (any YAML value)")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Tree, E> {
                Ok(Tree::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Tree, E> {
                Ok(Tree::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Tree, E> {
                i64::try_from(v)
                    .map(Tree::Int)
                    .map_err(|_| E::custom("a number too large for OpenClaw's config"))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Tree, E> {
                Ok(Tree::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Tree, E> {
                Ok(Tree::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Tree, E> {
                Ok(Tree::Str(v))
            }
            fn visit_unit<E>(self) -> Result<Tree, E> {
                Ok(Tree::Null)
            }
            fn visit_none<E>(self) -> Result<Tree, E> {
                Ok(Tree::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
                Tree::deserialize(d)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Tree, A::Error> {
                let mut items = Vec::new();
                while let Some(i) = a.next_element()? {
                    items.push(i);
                }
                Ok(Tree::List(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Tree, A::Error> {
                let mut entries = Vec::new();
                while let Some(e) = a.next_entry()? {
                    entries.push(e);
                }
                Ok(Tree::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Container networking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkMode {
    /// The container's own network namespace; P is published on the host.
    Bridge,
    /// The host's network namespace: nothing is published.
    Host,
}

impl NetworkMode {
    /// The value compose's `network_mode` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Host => "host",
        }
    }
}

/// Resource limits of a gateway's container.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Memory limit, as compose writes it: `1g`, `1536m`. OpenClaw uses
    /// about 0.4 to 0.9 GB; at least 512m.
    pub memory: Option<Sp<String>>,
    /// CPU limit in cores, e.g. `1.5`.
    #[schemars(with = "Option<f64>")]
    pub cpus: Option<Sp<f64>>,
}

/// `gateway.bind` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Bind {
    /// 127.0.0.1 only.
    Loopback,
    /// All interfaces (0.0.0.0).
    Lan,
    /// The Tailscale address.
    Tailnet,
    /// OpenClaw decides.
    Auto,
    /// `custom_bind_host`.
    Custom,
}

impl Bind {
    /// The value OpenClaw's `gateway.bind` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Bind::Loopback => "loopback",
            Bind::Lan => "lan",
            Bind::Tailnet => "tailnet",
            Bind::Auto => "auto",
            Bind::Custom => "custom",
        }
    }
}

/// Gateway authentication. The secret itself never appears here: name the
/// environment variable (`env`) or the file (`file`) that holds it.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// `none`, `token`, `password` or `trusted-proxy`.
    pub mode: Sp<AuthMode>,
    /// Name of the environment variable that holds the token or password.
    pub env: Option<Sp<String>>,
    /// Absolute path of a file that holds the token or password. OpenClaw
    /// wants it owned by the gateway's user, mode 0600, not a symlink.
    pub file: Option<Sp<String>>,
    /// `trusted-proxy`: the header that carries the user's identity.
    pub user_header: Option<Sp<String>>,
    /// `trusted-proxy`: IP addresses of the proxies to trust.
    pub trusted_proxies: Option<Sp<Vec<String>>>,
    /// `trusted-proxy`: accept the proxy on loopback.
    pub allow_loopback: Option<Sp<bool>>,
}

/// `gateway.auth.mode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// No authentication: only allowed with `bind: loopback`.
    None,
    /// A shared bearer token.
    Token,
    /// A password.
    Password,
    /// Identity from a trusted reverse proxy.
    TrustedProxy,
}

impl AuthMode {
    /// The value OpenClaw's `gateway.auth.mode` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::None => "none",
            AuthMode::Token => "token",
            AuthMode::Password => "password",
            AuthMode::TrustedProxy => "trusted-proxy",
        }
    }
}

/// Browser settings of one gateway.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Browser {
    /// Named browser profiles.
    #[schemars(with = "IndexMap<String, BrowserProfile>")]
    #[serde(default)]
    pub profiles: IndexMap<Sp<String>, Sp<BrowserProfile>>,
}

/// One browser profile: a managed Chrome on an explicit CDP port, or a
/// remote one at a CDP URL (OpenClaw requires one of the two). Profile names
/// match OpenClaw's `^[a-z0-9-]+$`.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BrowserProfile {
    /// Explicit Chrome DevTools port. Must lie outside every gateway's footprint.
    #[schemars(with = "Option<u16>", range(min = 1024, max = 65535))]
    pub cdp_port: Option<Sp<PortValue>>,
    /// URL of a Chrome DevTools endpoint. Never shared between gateways.
    pub cdp_url: Option<Sp<String>>,
    /// Launch this profile's Chrome headless.
    pub headless: Option<Sp<bool>>,
}

/// Keys that `check` refuses in `defaults`: every gateway needs its own.
/// The schema forbids them there too; [`Settings::per_gateway_keys`] finds
/// them in a file.
pub const PER_GATEWAY_KEYS: &[&str] = &[
    "port",
    "profile",
    "state_dir",
    "config_path",
    "workspace",
    "workspace_host_path",
    "host",
    "path",
];

impl Settings {
    /// The [`PER_GATEWAY_KEYS`] these settings set, with where each was read.
    pub fn per_gateway_keys(&self) -> Vec<(&'static str, crate::span::Span)> {
        PER_GATEWAY_KEYS
            .iter()
            .filter_map(|&k| self.span_of_per_gateway_key(k).map(|s| (k, s)))
            .collect()
    }

    fn span_of_per_gateway_key(&self, key: &str) -> Option<crate::span::Span> {
        match key {
            "port" => self.port.as_ref().map(|v| v.span),
            "profile" => self.profile.as_ref().map(|v| v.span),
            "state_dir" => self.state_dir.as_ref().map(|v| v.span),
            "config_path" => self.config_path.as_ref().map(|v| v.span),
            "workspace" => self.workspace.as_ref().map(|v| v.span),
            "workspace_host_path" => self.workspace_host_path.as_ref().map(|v| v.span),
            "host" => self.host.as_ref().map(|v| v.span),
            "path" => self.path.as_ref().map(|v| v.span),
            _ => None,
        }
    }
}

mod load;
mod schema;

pub use load::{MAX_INPUT_BYTES, load, load_lenient, load_lenient_blanked};
pub use schema::json_schema;

/// A port as written: any integer, range-checked later so the message can
/// name the gateway and a fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortValue(pub i128);

impl<'de> Deserialize<'de> for PortValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = PortValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a port number (a whole number)")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<PortValue, E> {
                Ok(PortValue(i128::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<PortValue, E> {
                Ok(PortValue(i128::from(v)))
            }
            fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<PortValue, E> {
                Ok(PortValue(v))
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<PortValue, E> {
                Ok(PortValue(i128::try_from(v).unwrap_or(i128::MAX)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<PortValue, E> {
                // Whole numbers too large for an integer arrive as floats.
                if v.is_finite() && v.fract() == 0.0 {
                    return Err(E::custom(format_args!(
                        "a port must be at most 65535, not `{v}`"
                    )));
                }
                Err(E::custom(format_args!(
                    "a port must be a whole number, not `{v}`"
                )))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PortValue, E> {
                let shown: String = v.chars().take(40).collect();
                Err(E::custom(format_args!(
                    "a port must be a whole number, not the string `{shown}`"
                )))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<PortValue, E> {
                Err(E::custom(format_args!(
                    "a port must be a whole number, not `{v}`"
                )))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<PortValue, E> {
                Err(E::custom(
                    "a port must be a whole number, not null; leave the key out to have the port assigned",
                ))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests;
