//! Runtimes: one gateway as its process sees it on one site.
//!
//! A gateway runs on the machine itself (bare host, systemd, NixOS
//! services, launchd) or in a container of the official image (compose,
//! the NixOS oci-containers backend, a Kubernetes pod). Where it runs
//! decides its paths, its bind, the auth it needs and the front door it
//! trusts; [`Gateway::runtime`] computes them once, and every renderer of
//! that site reads its `openclaw.json`, environment and command from the
//! [`Runtime`].

use serde::Serialize;

use super::gateway::{Gateway, GatewayAuth, Publish, SecretSource};
use super::paths::NoHostPaths;
use crate::model::{AuthMode, Bind, ConfigMode, NetworkMode};
use crate::openclaw::{
    CONTAINER_CACHE_DIR, CONTAINER_CONFIG_READONLY, CONTAINER_DEFAULT_TOKEN_ENV, CONTAINER_HOME,
    CONTAINER_OAUTH_DIR, CONTAINER_STATE_DIR, CONTAINER_TMP_DIR, CONTAINER_WORKSPACE,
    SERVICE_REPAIR_POLICY,
};

/// Where a file-based auth secret is mounted inside a container.
pub const CONTAINER_SECRET_DIR: &str = "/run/secrets";

/// Where ocgen's `openclaw.json` is placed, read-only, inside a container.
///
/// Outside the state volume on purpose: OpenClaw rewrites a writable config
/// at startup (migrations, `.bak` files, a lock file beside it), and a file
/// in the volume would outlive the ocgen.yaml it came from. With
/// [`CONTAINER_CONFIG_READONLY`] OpenClaw reads it and writes nothing there.
pub const CONTAINER_CONFIG_PATH: &str = "/etc/openclaw/openclaw.json";

/// Where a `seeded` gateway's own config lives in its container: in the
/// state volume, where OpenClaw may edit it. ocgen's config, mounted at
/// [`CONTAINER_CONFIG_PATH`], is copied there only when none exists.
pub const CONTAINER_SEEDED_CONFIG_PATH: &str = "/home/node/.openclaw/openclaw.json";

/// Where a gateway process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Site {
    /// The machine itself: `ocgen install`, systemd units, NixOS services,
    /// LaunchAgents. One `openclaw.json` serves every way it is started.
    Host,
    /// A container of the compose file.
    Compose,
    /// A container of the NixOS oci-containers backend.
    Container,
    /// A Kubernetes pod.
    Pod,
}

impl Site {
    /// Whether the gateway runs in a container of the official image.
    pub fn in_container(self) -> bool {
        self != Site::Host
    }
}

/// One gateway where it runs: what its `openclaw.json`, environment and
/// command say there.
#[derive(Clone, Debug, Serialize)]
pub struct Runtime<'g> {
    /// The gateway.
    pub gateway: &'g Gateway,
    /// Where it runs.
    pub site: Site,
    /// `OPENCLAW_STATE_DIR`.
    pub state_dir: String,
    /// `OPENCLAW_CONFIG_PATH`: where it reads its `openclaw.json`.
    pub config_path: String,
    /// The agent workspace.
    pub workspace: String,
    /// `logging.file`.
    pub log_file: String,
    /// `gateway.bind`.
    pub bind: Bind,
    /// `gateway.customBindHost`.
    pub custom_bind_host: Option<String>,
    /// The auth it needs there (a container binds beyond loopback, so it
    /// gets a token when the file declares none).
    pub auth: Option<GatewayAuth>,
    /// `gateway.trustedProxies`.
    pub trusted_proxies: Vec<String>,
}

impl Gateway {
    /// The gateway on `site`; an error for [`Site::Host`] when the file
    /// gives it no `home` or `state_dir` (which the plan refuses for the
    /// host targets).
    pub fn runtime(&self, site: Site) -> Result<Runtime<'_>, NoHostPaths> {
        match site {
            Site::Host => self.host_runtime(),
            Site::Compose => Ok(self.compose_runtime()),
            Site::Container => Ok(self.oci_runtime()),
            Site::Pod => Ok(self.pod_runtime()),
        }
    }

    /// The gateway on the machine itself, with its own paths, bind and auth.
    pub fn host_runtime(&self) -> Result<Runtime<'_>, NoHostPaths> {
        let p = self.host_paths()?;
        Ok(Runtime {
            gateway: self,
            site: Site::Host,
            state_dir: p.state_dir.clone(),
            config_path: p.config_path.clone(),
            workspace: p.workspace.clone(),
            log_file: p.log_file.clone(),
            bind: self.bind,
            custom_bind_host: self.custom_bind_host.clone(),
            auth: self.auth.clone(),
            trusted_proxies: self.trusted_proxies.host.clone(),
        })
    }

    /// The gateway in its compose container, behind the compose front door.
    pub fn compose_runtime(&self) -> Runtime<'_> {
        self.container(Site::Compose, self.container.network_mode)
    }

    /// The gateway in its container of the NixOS oci-containers backend.
    pub fn oci_runtime(&self) -> Runtime<'_> {
        self.container(Site::Container, self.container.network_mode)
    }

    /// The gateway in its pod, which has an address of its own, reached
    /// through its Service.
    pub fn pod_runtime(&self) -> Runtime<'_> {
        self.container(Site::Pod, NetworkMode::Bridge)
    }

    /// The official image's paths, the bind its network needs, the auth
    /// that bind needs, and the front door of `site`.
    fn container(&self, site: Site, network: NetworkMode) -> Runtime<'_> {
        let (bind, custom_bind_host) = container_bind(network, self.container.publish);
        Runtime {
            gateway: self,
            site,
            state_dir: CONTAINER_STATE_DIR.to_string(),
            config_path: container_config_path(self.config_mode).to_string(),
            workspace: CONTAINER_WORKSPACE.to_string(),
            log_file: format!("{CONTAINER_STATE_DIR}/logs/openclaw.log"),
            auth: container_auth(self, bind),
            bind,
            custom_bind_host,
            trusted_proxies: match site {
                Site::Compose => self.trusted_proxies.compose.clone(),
                Site::Pod => self.trusted_proxies.pod.clone(),
                Site::Host | Site::Container => self.trusted_proxies.host.clone(),
            },
        }
    }
}

impl Runtime<'_> {
    /// The process environment, literal values in a fixed order: in a
    /// container `HOME` and the variables of its writable places
    /// ([`container_writable_places`]: the cache directory) first, then OpenClaw's
    /// variables and the user's. Secrets are not here: see
    /// [`Runtime::secret_vars`].
    pub fn environment(&self) -> Vec<(String, String)> {
        let mut vars = Vec::new();
        if self.site.in_container() {
            vars.push(("HOME".to_string(), CONTAINER_HOME.to_string()));
            vars.extend(
                container_writable_places()
                    .iter()
                    .filter_map(|p| p.env.map(|e| (e.to_string(), p.path.to_string()))),
            );
        }
        vars.extend(openclaw_environment(self));
        vars
    }

    /// Names of the variables the gateway's own secrets file (or Secret)
    /// must hold there: the auth token's variable when auth is an env
    /// secret, then `secrets`. Values never pass through ocgen.
    pub fn secret_vars(&self) -> Vec<String> {
        let mut vars: Vec<String> = Vec::new();
        if let Some(SecretSource::Env(var)) = self.auth.as_ref().and_then(|a| a.secret.as_ref()) {
            vars.push(var.clone());
        }
        for s in &self.gateway.secrets {
            if !vars.contains(s) {
                vars.push(s.clone());
            }
        }
        vars
    }
}

/// How long what OpenClaw writes in a place outside its state dir must
/// last, and so what a container target gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Keep {
    /// Under the state dir: on the state volume already, kept with the
    /// state through restarts, new containers and upgrades.
    InState,
    /// Kept like the state, on a mount of its own outside the state dir.
    Persistent,
    /// Scratch: kept while the container lives (Kubernetes: the pod, so a
    /// restart in place keeps it), emptied when it is replaced.
    Scratch,
}

/// A place a gateway's container writes to outside OpenClaw's state dir.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WritablePlace {
    /// Short name: names the volume a target makes for it.
    pub name: &'static str,
    /// The path in the container.
    pub path: &'static str,
    /// The variable that points OpenClaw at it, if OpenClaw needs telling.
    pub env: Option<&'static str>,
    /// How long its content must last.
    pub keep: Keep,
}

/// Everything OpenClaw writes outside its state dir at run time in a
/// container, and how long each must last: the same places on every
/// container target, each target choosing the means (compose: its writable
/// layer and named volumes; Kubernetes, whose root filesystem is read-only:
/// an `emptyDir` and the state claim).
///
/// - the cache ([`CONTAINER_CACHE_DIR`]): SQLite snapshot staging and
///   caches, on the state volume as `openclaw fleet` puts it: large, on the
///   database's disk, worth keeping;
/// - the legacy OAuth recovery key directory ([`CONTAINER_OAUTH_DIR`]),
///   which upstream's Compose file and `openclaw fleet` keep per instance:
///   a key must outlive the container;
/// - `/tmp` ([`CONTAINER_TMP_DIR`]): lock files and staging that only the
///   running processes use.
pub fn container_writable_places() -> [WritablePlace; 3] {
    [
        WritablePlace {
            name: "cache",
            path: CONTAINER_CACHE_DIR.1,
            env: Some(CONTAINER_CACHE_DIR.0),
            keep: Keep::InState,
        },
        WritablePlace {
            name: "oauth",
            path: CONTAINER_OAUTH_DIR,
            env: None,
            keep: Keep::Persistent,
        },
        WritablePlace {
            name: "tmp",
            path: CONTAINER_TMP_DIR,
            env: None,
            keep: Keep::Scratch,
        },
    ]
}

/// The bind of a gateway in a container: with bridge networking `lan`, so
/// that the published port (or the pod's Service) reaches it; with host
/// networking the `publish` address itself.
pub(super) fn container_bind(network: NetworkMode, publish: Publish) -> (Bind, Option<String>) {
    match network {
        NetworkMode::Bridge => (Bind::Lan, None),
        NetworkMode::Host => publish.as_bind(),
    }
}

/// The auth of a gateway in a container that binds `bind`. A non-loopback
/// bind needs auth, so a gateway that declares none gets token auth from
/// [`CONTAINER_DEFAULT_TOKEN_ENV`]; an explicit `mode: none` stays and is
/// refused for the container targets. A file secret is read at its mount
/// point under [`CONTAINER_SECRET_DIR`].
pub(super) fn container_auth<P>(g: &Gateway<P>, bind: Bind) -> Option<GatewayAuth> {
    let mut auth = g.auth.clone();
    if auth.is_none() && bind != Bind::Loopback {
        auth = Some(GatewayAuth {
            mode: AuthMode::Token,
            secret: Some(SecretSource::Env(CONTAINER_DEFAULT_TOKEN_ENV.to_string())),
            trusted_proxy: None,
        });
    }
    if let Some(a) = &mut auth {
        if let Some(SecretSource::File(_)) = a.secret {
            a.secret = Some(SecretSource::File(g.container_secret_path()));
        }
    }
    auth
}

/// Where a container reads its `openclaw.json`: ocgen's, read-only
/// (`managed`), or the state volume's copy (`seeded`).
pub(super) fn container_config_path(mode: ConfigMode) -> &'static str {
    match mode {
        ConfigMode::Managed => CONTAINER_CONFIG_PATH,
        ConfigMode::Seeded => CONTAINER_SEEDED_CONFIG_PATH,
    }
}

/// OpenClaw's own variables of a gateway where it runs, then the user's,
/// in a fixed order. A managed config is read-only for the gateway:
/// OpenClaw keeps startup migrations in memory and its config writers
/// refuse.
fn openclaw_environment(rt: &Runtime) -> Vec<(String, String)> {
    let g = rt.gateway;
    let mut vars = vec![
        ("OPENCLAW_PROFILE".to_string(), g.profile.clone()),
        ("OPENCLAW_STATE_DIR".to_string(), rt.state_dir.clone()),
        ("OPENCLAW_CONFIG_PATH".to_string(), rt.config_path.clone()),
        ("OPENCLAW_GATEWAY_PORT".to_string(), g.port.to_string()),
        ("OPENCLAW_WORKSPACE_DIR".to_string(), rt.workspace.clone()),
        (
            SERVICE_REPAIR_POLICY.0.to_string(),
            SERVICE_REPAIR_POLICY.1.to_string(),
        ),
    ];
    if g.config_mode == ConfigMode::Managed {
        vars.push((
            CONTAINER_CONFIG_READONLY.0.to_string(),
            CONTAINER_CONFIG_READONLY.1.to_string(),
        ));
    }
    vars.extend(g.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    vars
}
