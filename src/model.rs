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
    /// `systemd.services."openclaw-gateway-<name>"`.
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
    /// Container outputs: memory and CPU limits.
    pub resources: Option<Sp<Resources>>,
    /// Container outputs: an absolute host directory mounted as the agent
    /// workspace instead of a named volume. Must be writable by uid 1000.
    pub workspace_host_path: Option<Sp<String>>,
    /// Browser origins allowed to open the Control UI
    /// (`gateway.controlUi.allowedOrigins`), e.g. `https://gw.example.com`.
    /// Needed when the gateway is reached beyond loopback under a name or
    /// address other than localhost.
    pub allowed_origins: Option<Sp<Vec<String>>>,
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
pub const PER_GATEWAY_KEYS: &[&str] = &[
    "port",
    "profile",
    "state_dir",
    "config_path",
    "workspace",
    "workspace_host_path",
];

/// The JSON Schema of `ocgen.yaml`: schemars' schema of [`Document`], plus
/// what `check` refuses without needing the rest of the file, so that an
/// editor flags it as you type: the keys `defaults` cannot hold, gateway
/// and profile names (OpenClaw's grammars, lowercase; not `gateway` or
/// `node`), at least one gateway, `version: 1`.
pub fn json_schema() -> serde_json::Value {
    use serde_json::json;
    let mut schema = serde_json::to_value(schemars::schema_for!(Document)).unwrap_or_default();
    let props = &mut schema["properties"];
    props["version"] = json!({
        "description": "Format version. Always `1`.",
        "const": 1
    });
    let forbidden: serde_json::Map<String, serde_json::Value> = PER_GATEWAY_KEYS
        .iter()
        .map(|k| ((*k).to_string(), json!(false)))
        .collect();
    props["defaults"]["properties"] = serde_json::Value::Object(forbidden);
    props["gateways"]["minProperties"] = json!(1);
    props["gateways"]["propertyNames"] = json!({
        "description": "A gateway name: a file and unit name, OpenClaw's profile grammar in lowercase.",
        "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"
    });
    let settings = &mut schema["$defs"]["Settings"]["properties"];
    settings["profile"]["pattern"] = json!("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$");
    // `gateway` and `node` in any case: OpenClaw's own launchd labels.
    settings["profile"]["not"] = json!({
        "type": "string",
        "pattern": "^([gG][aA][tT][eE][wW][aA][yY]|[nN][oO][dD][eE])$"
    });
    schema["$defs"]["Browser"]["properties"]["profiles"]["propertyNames"] =
        json!({ "pattern": "^[a-z0-9-]+$" });
    schema
}

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

/// All keys of [`Settings`], for "did you mean" hints.
pub const SETTINGS_KEYS: &[&str] = &[
    "profile",
    "port",
    "home",
    "state_dir",
    "config_path",
    "workspace",
    "bind",
    "custom_bind_host",
    "auth",
    "browser",
    "env",
    "image",
    "user",
    "group",
    "open_firewall",
    "secrets_env_file",
    "publish",
    "network_mode",
    "resources",
    "workspace_host_path",
    "allowed_origins",
];

/// Upper bound on the input size. A deployment file is a few kilobytes; this
/// is room for tens of thousands of gateways and refuses worse.
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// Parses `text` into a [`Document`].
pub fn load(text: &str) -> Result<Document, Vec<Problem>> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(vec![
            Problem::new(
                Kind::Syntax,
                format!("the file is larger than {MAX_INPUT_BYTES} bytes, the most ocgen reads"),
            )
            .help("split the deployment into several files"),
        ]);
    }
    if text.trim().is_empty() {
        return Err(vec![Problem::new(Kind::Syntax, "the file is empty").help(
            "start from `ocgen init`, or write `version: 1` and a `gateways:` map",
        )]);
    }
    let options = yaml_options(serde_saphyr::DuplicateKeyPolicy::Error);
    let doc: Document = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| vec![crate::diag::from_yaml_error(&e, text)])?;
    if doc.version.value != FORMAT_VERSION {
        return Err(vec![
            Problem::new(
                Kind::Version,
                format!(
                    "format version {} is not supported; this ocgen reads version {FORMAT_VERSION}",
                    doc.version.value
                ),
            )
            .label(doc.version.span, "unsupported version")
            .help("write `version: 1`"),
        ]);
    }
    Ok(doc)
}
