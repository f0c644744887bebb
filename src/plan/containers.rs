//! Containers: how a gateway runs inside its own container (compose, the
//! NixOS oci-containers backend): the container's view of paths, bind and
//! auth, its environment, mounts and health check, and the rules that keep
//! a gateway out of one.

#[allow(clippy::wildcard_imports)]
use super::*;

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

/// Where a file-based auth secret is mounted inside a container.
pub const CONTAINER_SECRET_DIR: &str = "/run/secrets";

/// Where ocgen's `openclaw.json` is placed, read-only, inside a container.
///
/// Outside the state volume on purpose: OpenClaw rewrites a writable config
/// at startup (migrations, `.bak` files, a lock file beside it), and a file
/// in the volume would outlive the ocgen.yaml it came from. With
/// [`CONTAINER_CONFIG_READONLY`] OpenClaw reads it and writes nothing there.
pub const CONTAINER_CONFIG_PATH: &str = "/etc/openclaw/openclaw.json";

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

/// Where a `seeded` gateway's own config lives in its container: in the
/// state volume, where OpenClaw may edit it. ocgen's config, mounted at
/// [`CONTAINER_CONFIG_PATH`], is copied there only when none exists.
pub const CONTAINER_SEEDED_CONFIG_PATH: &str = "/home/node/.openclaw/openclaw.json";

impl Gateway {
    /// The same gateway as seen from inside its own container: OpenClaw's
    /// paths in the official image, the config at [`CONTAINER_CONFIG_PATH`]
    /// (`managed`) or [`CONTAINER_SEEDED_CONFIG_PATH`] (`seeded`), and a
    /// file secret at its mount point under `/run/secrets`.
    ///
    /// Bind: with bridge networking `lan`, so the published port reaches it
    /// (the compose file decides which host address publishes it); with host
    /// networking the `publish` address itself. A non-loopback bind needs
    /// auth, so a gateway that declares none gets token auth from
    /// [`CONTAINER_DEFAULT_TOKEN_ENV`]; an explicit `mode: none` stays and is
    /// reported for the container targets.
    #[must_use]
    pub fn container_view(&self) -> Gateway {
        let mut g = self.clone();
        g.state_dir = CONTAINER_STATE_DIR.to_string();
        g.config_path = match self.config_mode {
            ConfigMode::Managed => CONTAINER_CONFIG_PATH,
            ConfigMode::Seeded => CONTAINER_SEEDED_CONFIG_PATH,
        }
        .to_string();
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

    /// The container's environment, literal values in a fixed order:
    /// `HOME`, the cache directory, OpenClaw's paths and port, the
    /// read-only config switch (`managed` only), then the user's variables.
    /// Secrets are not here: see [`Gateway::container_secret_vars`].
    pub fn container_environment(&self) -> Vec<(String, String)> {
        let view = self.container_view();
        // The read-only switch (`managed` only) comes with OpenClaw's
        // variables, as on every target.
        let mut vars = vec![("HOME".to_string(), CONTAINER_HOME.to_string())];
        vars.push((
            CONTAINER_CACHE_DIR.0.to_string(),
            CONTAINER_CACHE_DIR.1.to_string(),
        ));
        vars.extend(view.environment());
        vars
    }

    /// Names of the variables the gateway's own secrets file must hold in
    /// its container: the auth token's variable (when auth is an env
    /// secret), then `secrets`. Values never pass through ocgen.
    pub fn container_secret_vars(&self) -> Vec<String> {
        let view = self.container_view();
        let mut vars: Vec<String> = Vec::new();
        if let Some(SecretSource::Env(var)) = view.auth.as_ref().and_then(|a| a.secret.as_ref()) {
            vars.push(var.clone());
        }
        for s in &self.secrets {
            if !vars.contains(s) {
                vars.push(s.clone());
            }
        }
        vars
    }

    /// The container's command (the image's entry point, `tini`, runs it).
    /// Port and bind are pinned as arguments, which beat any config, as
    /// `openclaw fleet` runs its cells. A `seeded` gateway first copies
    /// ocgen's config into its state volume when none is there yet, so
    /// OpenClaw's later edits survive restarts, upgrades and regenerations.
    pub fn container_command(&self) -> Vec<String> {
        let view = self.container_view();
        let mut gateway: Vec<String> = CONTAINER_GATEWAY_CMD
            .iter()
            .map(ToString::to_string)
            .collect();
        gateway.extend([
            "--bind".to_string(),
            view.bind.as_str().to_string(),
            "--port".to_string(),
            self.port.to_string(),
        ]);
        match self.config_mode {
            ConfigMode::Managed => gateway,
            ConfigMode::Seeded => {
                // Every word is a fixed path, a bind keyword or a number:
                // nothing here needs shell quoting.
                let script = format!(
                    "[ -e {dst} ] || install -m 600 {src} {dst} && exec {cmd}",
                    dst = CONTAINER_SEEDED_CONFIG_PATH,
                    src = CONTAINER_CONFIG_PATH,
                    cmd = gateway.join(" "),
                );
                vec!["sh".to_string(), "-c".to_string(), script]
            }
        }
    }

    /// The container's fixed host name (see [`STATE_LEASE_TTL_SECS`]).
    pub fn container_hostname(&self) -> String {
        self.name.replace('_', "-")
    }

    /// Memory limit of the container: the user's, else `openclaw fleet`'s.
    pub fn container_memory(&self) -> String {
        self.container
            .memory
            .clone()
            .unwrap_or_else(|| CONTAINER_MEMORY.to_string())
    }

    /// CPU limit of the container: the user's, else `openclaw fleet`'s.
    pub fn container_cpus(&self) -> f64 {
        self.container.cpus.unwrap_or(CONTAINER_CPUS)
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

/// Capabilities the container keeps: none (the gateway runs as `node` on
/// unprivileged ports).
pub const CONTAINER_CAP_DROP: &str = "ALL";

/// With the oci-containers backend every gateway's ports are published on a
/// host address ocgen must know.
pub(super) fn check_publishable(
    resolved: &[Resolved],
    gateways: &[Gateway],
    problems: &mut Vec<Problem>,
) {
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
                .only(Targets::of(&[Target::Nixos]))
                .label(span, "no host address")
                .help("use `bind: custom` with `custom_bind_host: <the host's address>`, `bind: lan` or `bind: loopback`, or `nixos.backend: systemd`"),
            );
        }
    }
}

pub(super) fn resolve_container(
    gw: &str,
    s: &Settings,
    problems: &mut Vec<Problem>,
) -> ContainerSettings {
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

pub(super) fn parse_publish(v: &str) -> Option<Publish> {
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
pub(super) fn memory_bytes(v: &str) -> Option<u64> {
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

pub(super) fn check_image(gw: &str, i: &Sp<String>, problems: &mut Vec<Problem>) {
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

/// What keeps a valid gateway out of a container: OpenClaw's rules for the
/// bind the container needs, and variables that ocgen sets in it.
pub(super) fn check_containers(
    resolved: &[Resolved],
    gateways: &[Gateway],
    targets: Targets,
    problems: &mut Vec<Problem>,
) {
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
                .only(targets)
                .label(span, "no auth")
                .help(format!(
                    "use `auth: {{ mode: token, env: {CONTAINER_DEFAULT_TOKEN_ENV} }}` (or leave `auth` out: containers then take the token from {CONTAINER_DEFAULT_TOKEN_ENV}), or run it with `network_mode: host` and `publish: loopback`"
                )),
            );
        }
        // ocgen's own container variables, then the user's, then the
        // secrets file's: a name twice would make one silently win.
        let mut seen: HashMap<String, &'static str> = HashMap::new();
        let literal = g
            .container_environment()
            .into_iter()
            .map(|(k, _)| (k, false));
        let secret = g.container_secret_vars().into_iter().map(|k| (k, true));
        for (name, from_secrets) in literal.chain(secret) {
            let ours = name == "HOME"
                || name == CONTAINER_CONFIG_READONLY.0
                || name == CONTAINER_CACHE_DIR.0
                || RESERVED_ENV.contains(&name.as_str());
            let what = if from_secrets {
                "the secrets file (`auth.env` or `secrets`)"
            } else if ours && !seen.contains_key(&name) {
                "ocgen"
            } else {
                "`env`"
            };
            if let Some(first) = seen.get(&name) {
                let span = if from_secrets {
                    r.s.auth
                        .as_ref()
                        .and_then(|a| a.value.env.as_ref())
                        .map(|e| e.span)
                        .or_else(|| {
                            r.s.secrets
                                .iter()
                                .flat_map(|s| s.value.iter())
                                .find(|s| s.value == name)
                                .map(|s| s.span)
                        })
                        .unwrap_or(r.name.span)
                } else {
                    r.s.env
                        .iter()
                        .flatten()
                        .find(|(k, _)| k.value == name)
                        .map_or(r.name.span, |(k, _)| k.span)
                };
                problems.push(
                    Problem::new(
                        Kind::Env,
                        format!(
                            "gateway `{}`: `{name}` is set by {first} in its container and again by {what}",
                            g.name
                        ),
                    )
                    .only(targets)
                    .label(span, "set twice in the container")
                    .help(format!(
                        "ocgen sets HOME, {}, {} and OpenClaw's paths in every container: rename or remove this variable",
                        CONTAINER_CONFIG_READONLY.0, CONTAINER_CACHE_DIR.0
                    )),
                );
            } else {
                seen.insert(name, what);
            }
        }
    }
}
