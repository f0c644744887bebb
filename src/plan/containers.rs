//! Containers: how a gateway runs inside its own container (compose, the
//! NixOS oci-containers backend, Kubernetes): the bind its network needs,
//! the auth that bind needs, its config path, command, mounts, limits and
//! health check, and the rules that keep a gateway out of one.

use std::collections::HashMap;

use super::auth::{bind_address, is_open};
use super::defaults::Resolved;
use super::gateway::{ContainerSettings, Draft, Gateway, Publish};
use super::paths::{NoHostPaths, normalize_path};
use super::probe::{bash_command, health_script};
use super::runtime::{
    CONTAINER_CONFIG_PATH, CONTAINER_SECRET_DIR, CONTAINER_SEEDED_CONFIG_PATH, Runtime,
};
use crate::diag::{Kind, Problem};
use crate::model::{Bind, ConfigMode, NetworkMode, Settings, Sp};
use crate::openclaw::{
    CONTAINER_CACHE_DIR, CONTAINER_CONFIG_READONLY, CONTAINER_CPUS, CONTAINER_DEFAULT_TOKEN_ENV,
    CONTAINER_GATEWAY_CMD, CONTAINER_MEMORY, CONTAINER_STATE_DIR, CONTAINER_WORKSPACE,
    DEFAULT_IMAGE, LIVE, MIN_CONTAINER_MEMORY, OPENCLAW_VERSION, RESERVED_ENV,
};
use crate::target::{Target, Targets};

/// How long a stopping gateway may drain active work: OpenClaw's own stop
/// budget (its systemd unit's `TimeoutStopSec=330`). Docker's default of
/// 10 s would kill it mid-write.
pub const STOP_GRACE_PERIOD: &str = "330s";

impl<P> Gateway<P> {
    /// Name of the gateway's auth secret in container outputs (and of its
    /// `LoadCredential=`).
    pub fn container_secret_name(&self) -> String {
        format!("{}-auth", self.name)
    }

    /// Where a file secret is mounted in the gateway's container.
    pub fn container_secret_path(&self) -> String {
        format!("{CONTAINER_SECRET_DIR}/{}", self.container_secret_name())
    }

    /// The container's fixed host name (see [`crate::openclaw::STATE_LEASE_TTL_SECS`]).
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
}

impl Gateway {
    /// The container's bind mounts of host paths, `(host, container,
    /// read_only)`: the state dir, the workspace unless it already sits at
    /// the state dir's `workspace/`, and a file secret at its mount point
    /// (the NixOS oci-containers backend, which keeps state on the host).
    pub fn container_mounts(&self) -> Result<Vec<(String, String, bool)>, NoHostPaths> {
        let p = self.host_paths()?;
        let mut m = vec![(p.state_dir.clone(), CONTAINER_STATE_DIR.to_string(), false)];
        if p.workspace != format!("{}/workspace", p.state_dir) {
            m.push((p.workspace.clone(), CONTAINER_WORKSPACE.to_string(), false));
        }
        if let Some(path) = self.secret_file() {
            m.push((path.to_string(), self.container_secret_path(), true));
        }
        Ok(m)
    }
}

impl Runtime<'_> {
    /// The container's command (the image's entry point, `tini`, runs it).
    /// Port and bind are pinned as arguments, which beat any config, as
    /// `openclaw fleet` runs its cells. A `seeded` gateway first copies
    /// ocgen's config into its state volume when none is there yet, so
    /// OpenClaw's later edits survive restarts, upgrades and regenerations.
    pub fn container_command(&self) -> Vec<String> {
        let gateway = self.gateway_command();
        match self.gateway.config_mode {
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

    /// The gateway itself in its container, port and bind pinned as
    /// arguments: the image's `CMD` replaced, its entry point (`tini`)
    /// kept. A pod runs exactly this (its init container seeds a `seeded`
    /// config); compose and the oci-containers backend wrap it for
    /// `seeded` (see [`Runtime::container_command`]).
    pub fn gateway_command(&self) -> Vec<String> {
        let mut gateway: Vec<String> = CONTAINER_GATEWAY_CMD
            .iter()
            .map(ToString::to_string)
            .collect();
        gateway.extend([
            "--bind".to_string(),
            self.bind.as_str().to_string(),
            "--port".to_string(),
            self.gateway.port.to_string(),
        ]);
        gateway
    }

    /// The address the container probes: the bind's own with host
    /// networking on one address, else loopback.
    pub fn probe_host(&self) -> String {
        match (self.bind, &self.custom_bind_host) {
            (Bind::Custom, Some(h)) => h.clone(),
            _ => super::auth::LOOPBACK.to_string(),
        }
    }

    /// The container's health check command: this gateway's `/healthz`
    /// through [`health_script`], watched during the start period.
    pub fn container_healthcheck(&self) -> Vec<String> {
        std::iter::once("CMD".to_string())
            .chain(bash_command(health_script(
                &self.probe_host(),
                self.gateway.port,
                LIVE,
            )))
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
    gateways: &[Draft],
    problems: &mut Vec<Problem>,
) {
    for (r, g) in resolved.iter().zip(gateways) {
        if bind_address(g.bind, g.custom_bind_host.as_deref()).is_none() {
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
        publish_asked: s.publish.is_some(),
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
pub fn memory_bytes(v: &str) -> Option<u64> {
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

/// Compose reads every key that starts with `x-` under `services`,
/// `networks`, `volumes`, `configs` and `secrets` as an extension field,
/// not as an object: the names compose gives a gateway (its service,
/// `<gateway>-net`, `<gateway>-state`, ...) must not start with it.
pub(super) fn check_compose_name(r: &Resolved, problems: &mut Vec<Problem>) {
    let name = &r.name.value;
    if name == "x" || name.starts_with("x-") {
        problems.push(
            Problem::new(
                Kind::Name,
                format!("gateway `{name}`: Docker Compose reads names that start with `x-` as extension fields, so its service, network and volumes (`{name}`, `{name}-net`, `{name}-state`) would not exist"),
            )
            .only(Targets::one(Target::Compose))
            .label(r.name.span, "an extension field to compose")
            .help(format!(
                "rename the gateway so that it does not start with `x-` or equal `x`, e.g. `{}`",
                suggested_compose_name(name)
            )),
        );
    }
}

fn suggested_compose_name(name: &str) -> String {
    match name.strip_prefix("x-") {
        Some(rest) if !rest.is_empty() => format!("{rest}-x"),
        _ => "gw-x".to_string(),
    }
}

/// The container image: `image`, else the release ocgen's rules were
/// checked against.
pub(super) fn resolve_image(r: &Resolved, problems: &mut Vec<Problem>) -> String {
    match &r.s.image {
        None => DEFAULT_IMAGE.to_string(),
        Some(i) => {
            check_image(&r.name.value, i, problems);
            i.value.clone()
        }
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

/// What keeps a valid gateway out of a container: OpenClaw's rules for the
/// bind the container needs, and variables that ocgen sets in it.
pub(super) fn check_containers(
    resolved: &[Resolved],
    gateways: &[Gateway],
    targets: Targets,
    problems: &mut Vec<Problem>,
) {
    for (r, g) in resolved.iter().zip(gateways) {
        let view = g.compose_runtime();
        if view.bind != Bind::Loopback && is_open(view.auth.as_ref()) {
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
        let literal = view.environment().into_iter().map(|(k, _)| (k, false));
        let secret = view.secret_vars().into_iter().map(|k| (k, true));
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

#[cfg(test)]
mod tests {
    use super::{Publish, memory_bytes};
    use crate::diag::Kind;
    use crate::model::{AuthMode, Bind, NetworkMode};
    use crate::openclaw::{CONTAINER_CONFIG_READONLY, CONTAINER_DEFAULT_TOKEN_ENV, CONTAINER_HOME};
    use crate::plan::testing::{HEAD, kinds, plan_of};
    use crate::plan::{CONTAINER_CONFIG_PATH, CONTAINER_SEEDED_CONFIG_PATH, SecretSource};

    #[test]
    fn compose_names_never_start_with_x_dash() {
        for bad in ["x", "x-lab"] {
            let y = format!("version: 1\ntargets: [compose]\ngateways:\n  {bad}: {{}}\n");
            assert_eq!(kinds(plan_of(&y)), vec![Kind::Name], "{bad}");
            // Not a compose rule for the host targets.
            let y = format!("{HEAD}  {bad}: {{}}\n")
                .replace("version: 1\n", "version: 1\ntargets: [host]\n");
            assert!(plan_of(&y).is_ok(), "{bad}");
        }
        for fine in ["xx", "lab-x", "x_lab", "ax-1"] {
            let y = format!("version: 1\ntargets: [compose]\ngateways:\n  {fine}: {{}}\n");
            assert!(plan_of(&y).is_ok(), "{fine}");
        }
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
    fn container_view_binds_lan_and_defaults_to_token_auth() {
        let p = plan_of(&format!("{HEAD}  a: {{port: 20000}}\n")).unwrap();
        let v = p.gateways[0].compose_runtime();
        assert_eq!(
            (v.bind, v.config_path.as_str()),
            (Bind::Lan, CONTAINER_CONFIG_PATH)
        );
        let auth = v.auth.clone().unwrap();
        assert_eq!(auth.mode, AuthMode::Token);
        assert_eq!(
            auth.secret,
            Some(SecretSource::Env(CONTAINER_DEFAULT_TOKEN_ENV.into()))
        );
        let env = v.environment();
        assert_eq!(env[0], ("HOME".into(), CONTAINER_HOME.into()));
        assert!(env.contains(&("OPENCLAW_CONFIG_READONLY".into(), "1".into())));
        // The token comes from the gateway's own secrets file, not from
        // the literal environment.
        assert!(env.iter().all(|(k, _)| k != CONTAINER_DEFAULT_TOKEN_ENV));
        assert_eq!(v.secret_vars(), [CONTAINER_DEFAULT_TOKEN_ENV]);
        assert!(v.container_healthcheck()[3].contains("/dev/tcp/127.0.0.1/20000; "));
    }

    #[test]
    fn containers_pin_bind_and_port_and_seed_their_config_once() {
        let y = format!(
            "{HEAD}  a: {{port: 20000, secrets: [A_KEY]}}\n  b: {{config: seeded, resources: {{memory: 1g, cpus: 0.5}}}}\n"
        );
        let p = plan_of(&y).unwrap();
        let (a, b) = (&p.gateways[0], &p.gateways[1]);
        let (ar, br) = (a.compose_runtime(), b.compose_runtime());
        assert_eq!(
            ar.container_command().join(" "),
            "node openclaw.mjs gateway --bind lan --port 20000"
        );
        assert_eq!(ar.secret_vars(), [CONTAINER_DEFAULT_TOKEN_ENV, "A_KEY"]);
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
        let cmd = br.container_command();
        assert_eq!(cmd[..2], ["sh", "-c"]);
        assert_eq!(
            cmd[2],
            format!(
                "[ -e {CONTAINER_SEEDED_CONFIG_PATH} ] || install -m 600 {CONTAINER_CONFIG_PATH} {CONTAINER_SEEDED_CONFIG_PATH} && exec node openclaw.mjs gateway --bind lan --port {}",
                b.port
            )
        );
        assert_eq!(br.config_path, CONTAINER_SEEDED_CONFIG_PATH);
        let env = br.environment();
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
        let a = p.gateways[0].compose_runtime();
        // Loopback needs no auth, so none is added.
        assert_eq!((a.bind, a.auth.is_none()), (Bind::Loopback, true));
        let b = p.gateways[1].compose_runtime();
        assert_eq!(
            (b.bind, b.custom_bind_host.as_deref()),
            (Bind::Custom, Some("127.0.0.2"))
        );
        assert!(b.container_healthcheck()[3].contains("/dev/tcp/127.0.0.2/18909; "));
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
}
