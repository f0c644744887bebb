//! The Docker Compose file of the deployment (`ocgen compose`, `compose.yaml`).
//!
//! One service per gateway, each isolated from the others: a network of its
//! own (no traffic between gateways), named volumes of its own (state,
//! workspace, OAuth key directory), its own `openclaw.json` (inline in
//! `configs:`; read-only in the container, or a seed copied into the state
//! volume once), its own port published on one host address, and its own
//! secrets file. Every container gets `openclaw fleet`'s security profile:
//! no capabilities, `no-new-privileges`, an init process, PID, memory and
//! CPU limits. Not a read-only root filesystem: the gateway runs with one
//! (checked with `docker run --read-only`), but Compose refuses
//! `configs.content` in a read-only service, and the inline config is what
//! keeps the file self-contained. Everything OpenClaw-specific (paths, bind, auth, environment,
//! command, health probe, limits) comes from the plan's container view;
//! this module knows compose: the names of networks, volumes, configs and
//! secrets.
//!
//! With `proxy:` a Caddy service joins every gateway's network at the
//! address the plan gives it there (each network a fixed subnet, so the
//! gateway can trust exactly that address), publishes the proxy's ports,
//! and the gateways publish none unless their `publish:` is written.
//!
//! Secrets: the gateway's token and its `secrets:` reach the container
//! through its own `env_file` (`secrets/<gateway>.env` beside the compose
//! file, which the operator writes; ocgen never does). Nothing in the file
//! is interpolated from the shell's environment, so `up`, `logs` and `down`
//! need no exported variables, and two gateways may hold different values
//! under one variable name. It needs Docker Compose 2.24.0 or later
//! (`configs.content`, `env_file.required`).

use serde::Serialize;

use super::templates::{COMPOSE, TemplateError, Templates};
use crate::model::{NetworkMode, ProxyTls};
use crate::plan::{
    COMPOSE_BACKUP_PROFILE, CONTAINER_BACKUP_DIR, CONTAINER_CAP_DROP, CONTAINER_CONFIG_PATH,
    CONTAINER_PIDS_LIMIT, CONTAINER_STATE_DIR, Gateway, HEALTH_INTERVAL, HEALTH_RETRIES,
    HEALTH_START_PERIOD, HEALTH_TIMEOUT, Keep, PROXY_SERVICE, Plan, Proxy, STOP_GRACE_PERIOD,
    SecretSource, container_writable_places,
};

/// Context of `templates/compose.hbs`. Names are validated by the plan
/// (compose project and gateway name rules); every other string is a raw
/// value that the template quotes with `compose` (a literal: YAML-quoted,
/// `$` doubled), `compose_block` (the same, multi-line) or `compose_var`
/// (taken from the environment).
#[derive(Debug, Serialize)]
pub struct Context {
    /// Compose project name (`name:`).
    pub name: String,
    /// One service per gateway, in file order.
    pub services: Vec<Service>,
    /// Top-level named volumes; each is used by exactly one service.
    pub volumes: Vec<String>,
    /// Top-level networks; each is one gateway's (and the proxy's).
    pub networks: Vec<Network>,
    /// The proxy's service, when the file has `proxy:`.
    pub proxy: Option<ProxyService>,
    /// Top-level inline configs: each gateway's `openclaw.json`.
    pub configs: Vec<Config>,
    /// Top-level file secrets: one per gateway whose auth is a file.
    pub secrets: Vec<Secret>,
}

/// One gateway's service.
#[derive(Debug, Serialize)]
pub struct Service {
    /// Service name: the gateway's name.
    pub name: String,
    /// Image, pinned to a version tag.
    pub image: String,
    /// `network_mode: host`; `ports` and `network` are then empty.
    pub host_network: bool,
    /// The gateway's own network.
    pub network: Option<String>,
    /// Fixed host name: a new container reclaims its predecessor's state lease.
    pub hostname: String,
    /// The command: the gateway with its bind and port pinned.
    pub command: Vec<String>,
    /// The gateway's own secrets file, relative to the compose file.
    pub env_file: String,
    /// Whether the secrets file must exist (the gateway has secrets).
    pub env_file_required: bool,
    /// Names of the variables the secrets file must set.
    pub secret_vars: Vec<String>,
    /// Published ports: the ones that listen on the gateway's own address
    /// (P and P+1, [`Gateway::public_ports`]), never the loopback ones.
    pub ports: Vec<Port>,
    /// Environment in order: literals only.
    pub environment: Vec<EnvVar>,
    /// Mounts: the state volume, the workspace, the OAuth key directory.
    pub volumes: Vec<Mount>,
    /// The gateway's config.
    pub config: FileMount,
    /// The auth secret file, when auth is a file.
    pub secret: Option<FileMount>,
    /// Health check.
    pub healthcheck: Healthcheck,
    /// The gateway this one waits for ([`Plan::starts_after`]): Compose
    /// starts this one when it is healthy, or unhealthy
    /// (`required: false`), never before.
    pub depends_on: Vec<String>,
    /// How long a stopping gateway may drain its work.
    pub stop_grace_period: String,
    /// Hash of the config content, as a label: a changed config changes the
    /// service, so `docker compose up -d` recreates the container.
    pub config_hash: String,
    /// Resource limits.
    pub limits: Limits,
    /// Largest number of processes.
    pub pids_limit: u32,
    /// Capabilities dropped.
    pub cap_drop: &'static str,
    /// Its on-demand backup service (Compose profile `backup`).
    pub backup: BackupService,
}

/// A gateway's backup service: run on demand only (`profiles:`), the
/// gateway's image, environment, secrets and hardening, no network, its
/// volumes read-only but the state (OpenClaw's snapshots need it), its own
/// archive directory.
#[derive(Debug, Serialize)]
pub struct BackupService {
    /// Service name: `<gateway>-backup`.
    pub name: String,
    /// The Compose profile it is under.
    pub profile: &'static str,
    /// `openclaw backup create --verify`, then retention.
    pub command: Vec<String>,
    /// The gateway's environment and `TZ`.
    pub environment: Vec<EnvVar>,
    /// The gateway's volumes, read-only but the state.
    pub volumes: Vec<Mount>,
    /// The archive directory on the host.
    pub dir: String,
    /// Where the service sees it.
    pub target: &'static str,
}

/// A gateway's network.
#[derive(Debug, Serialize)]
pub struct Network {
    /// Name: `<gateway>-net`.
    pub name: String,
    /// Behind the proxy: a fixed subnet, so the proxy's address is known.
    pub subnet: Option<String>,
    /// The part the gateway's address is taken from (the upper half),
    /// never the proxy's.
    pub ip_range: Option<String>,
}

/// The Caddy service in front of the gateways.
#[derive(Debug, Serialize)]
pub struct ProxyService {
    /// Service name.
    pub name: &'static str,
    /// Image, pinned.
    pub image: String,
    /// Ports published on `proxy.listen`: HTTP and (unless `tls: off`) HTTPS.
    pub ports: Vec<Port>,
    /// Its address on each gateway's network.
    pub networks: Vec<ProxyNet>,
    /// `NET_BIND_SERVICE` when it listens below 1024.
    pub bind_low: bool,
    /// The Caddyfile.
    pub config: FileMount,
    /// Volumes: certificates (`/data`) and Caddy's autosave (`/config`).
    pub volumes: Vec<Mount>,
    /// Hash of the Caddyfile, as a label.
    pub config_hash: String,
}

/// The proxy on one gateway's network.
#[derive(Debug, Serialize)]
pub struct ProxyNet {
    /// Network name.
    pub name: String,
    /// Fixed address.
    pub address: String,
}

/// A published port: container port P on host port P.
#[derive(Debug, Serialize)]
pub struct Port {
    /// P.
    pub port: u16,
    /// Host address; None publishes on every address.
    pub host_ip: Option<String>,
}

/// One environment variable.
#[derive(Debug, Serialize)]
pub struct EnvVar {
    /// Name (validated).
    pub name: String,
    /// The literal value.
    pub value: String,
}

/// A volume or bind mount.
#[derive(Debug, Serialize)]
pub struct Mount {
    /// `volume` or `bind`.
    pub kind: &'static str,
    /// Volume name or host path.
    pub source: String,
    /// Path in the container.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
}

/// A top-level config or secret mounted into a service.
#[derive(Debug, Serialize)]
pub struct FileMount {
    /// Top-level name.
    pub source: String,
    /// Path in the container.
    pub target: String,
}

/// Health check of a service.
#[derive(Debug, Serialize)]
pub struct Healthcheck {
    /// Command, exec form (`CMD`, ...).
    pub test: Vec<String>,
    /// Interval.
    pub interval: &'static str,
    /// Timeout.
    pub timeout: &'static str,
    /// Start period.
    pub start_period: &'static str,
    /// Retries.
    pub retries: u32,
}

/// `deploy.resources.limits`.
#[derive(Debug, Serialize)]
pub struct Limits {
    /// Memory, compose syntax.
    pub memory: String,
    /// CPUs.
    pub cpus: String,
}

/// A top-level inline config.
#[derive(Debug, Serialize)]
pub struct Config {
    /// Name.
    pub name: String,
    /// Content.
    pub content: String,
}

/// A top-level file secret.
#[derive(Debug, Serialize)]
pub struct Secret {
    /// Name.
    pub name: String,
    /// Host path of the file.
    pub file: String,
}

/// The template context for a plan.
pub fn context(plan: &Plan, caddyfile: Option<String>) -> Context {
    let mut ctx = Context {
        name: plan.name.clone(),
        services: Vec::with_capacity(plan.gateways.len()),
        volumes: Vec::new(),
        networks: Vec::new(),
        proxy: None,
        configs: Vec::new(),
        secrets: Vec::new(),
    };
    for (i, g) in plan.gateways.iter().enumerate() {
        let mut s = service(
            g,
            plan.proxy.as_ref(),
            &mut ctx.volumes,
            &mut ctx.networks,
            &mut ctx.configs,
            &mut ctx.secrets,
        );
        s.depends_on = plan.starts_after(i).map(|d| d.name.clone()).collect();
        ctx.services.push(s);
    }
    if let (Some(p), Some(content)) = (plan.proxy.as_ref(), caddyfile) {
        let mut ports = vec![Port {
            port: p.http_port,
            host_ip: p.listen.clone(),
        }];
        if p.tls != ProxyTls::Off {
            ports.push(Port {
                port: p.https_port,
                host_ip: p.listen.clone(),
            });
        }
        let networks = p
            .routes
            .iter()
            .filter_map(|r| {
                Some(ProxyNet {
                    name: network_name(&r.gateway),
                    address: r.network.as_ref()?.proxy_address.clone(),
                })
            })
            .collect();
        let config_hash = format!("{:016x}", super::fnv1a64(content.as_bytes()));
        let config_name = format!("{PROXY_SERVICE}-caddyfile");
        ctx.configs.push(Config {
            name: config_name.clone(),
            content,
        });
        let mut volumes = Vec::new();
        for (dir, target) in [("data", "/data"), ("config", "/config")] {
            let v = format!("{PROXY_SERVICE}-{dir}");
            ctx.volumes.push(v.clone());
            volumes.push(Mount {
                kind: "volume",
                source: v,
                target: target.to_string(),
                read_only: false,
            });
        }
        ctx.proxy = Some(ProxyService {
            name: PROXY_SERVICE,
            image: p.image.clone(),
            bind_low: ports.iter().any(|x| x.port < 1024),
            ports,
            networks,
            config: FileMount {
                source: config_name,
                target: CADDY_CONFIG_PATH.to_string(),
            },
            volumes,
            config_hash,
        });
    }
    ctx
}

/// Where the proxy's container reads its Caddyfile (the official image's
/// own place).
pub const CADDY_CONFIG_PATH: &str = "/etc/caddy/Caddyfile";

fn network_name(gateway: &str) -> String {
    format!("{gateway}-net")
}

fn service(
    g: &Gateway,
    proxy: Option<&Proxy>,
    volumes: &mut Vec<String>,
    networks: &mut Vec<Network>,
    configs: &mut Vec<Config>,
    secrets: &mut Vec<Secret>,
) -> Service {
    let view = g.compose_runtime();
    let route = proxy.and_then(|p| p.route(&g.name));
    let host_network = g.container.network_mode == NetworkMode::Host;
    // Behind the proxy a gateway publishes nothing unless asked to.
    let ports = if host_network || (route.is_some() && !g.container.publish_asked) {
        Vec::new()
    } else {
        g.public_ports()
            .into_iter()
            .map(|port| Port {
                port,
                host_ip: g.container.publish.host_ip(),
            })
            .collect()
    };
    let network = (!host_network).then(|| {
        let n = network_name(&g.name);
        let net = route.and_then(|r| r.network.as_ref());
        networks.push(Network {
            name: n.clone(),
            subnet: net.map(|n| n.subnet.clone()),
            ip_range: net.map(|n| n.ip_range.clone()),
        });
        n
    });
    let environment = view
        .environment()
        .into_iter()
        .map(|(name, value)| EnvVar { name, value })
        .collect();
    let secret_vars = view.secret_vars();

    let state = format!("{}-state", g.name);
    volumes.push(state.clone());
    let mut mounts = vec![Mount {
        kind: "volume",
        source: state,
        target: CONTAINER_STATE_DIR.to_string(),
        read_only: false,
    }];
    // A host directory the user mapped, or a volume of the gateway's own.
    let workspace = g.container.workspace_host_path.clone().map_or_else(
        || {
            let ws = format!("{}-workspace", g.name);
            volumes.push(ws.clone());
            ("volume", ws)
        },
        |path| ("bind", path),
    );
    mounts.push(Mount {
        kind: workspace.0,
        source: workspace.1,
        target: view.workspace.clone(),
        read_only: false,
    });
    // What OpenClaw writes outside its state dir: kept places get named
    // volumes of their own; scratch stays in the container's own layer,
    // which lives as long as the container.
    for place in container_writable_places() {
        if place.keep == Keep::Persistent {
            let volume = format!("{}-{}", g.name, place.name);
            volumes.push(volume.clone());
            mounts.push(Mount {
                kind: "volume",
                source: volume,
                target: place.path.to_string(),
                read_only: false,
            });
        }
    }

    let content = super::openclaw::render(&view);
    let config_hash = format!("{:016x}", super::fnv1a64(content.as_bytes()));
    let config_name = format!("{}-config", g.name);
    configs.push(Config {
        name: config_name.clone(),
        content,
    });

    let host_secret = g.auth.as_ref().and_then(|a| a.secret.as_ref());
    let container_secret = view.auth.as_ref().and_then(|a| a.secret.as_ref());
    let secret = match (host_secret, container_secret) {
        (Some(SecretSource::File(host)), Some(SecretSource::File(target))) => {
            let name = g.container_secret_name();
            secrets.push(Secret {
                name: name.clone(),
                file: host.clone(),
            });
            Some(FileMount {
                source: name,
                target: target.clone(),
            })
        }
        _ => None,
    };

    let b = g.compose_backup();
    let backup = BackupService {
        name: b.service,
        profile: COMPOSE_BACKUP_PROFILE,
        command: b.command,
        environment: b
            .environment
            .into_iter()
            .map(|(name, value)| EnvVar { name, value })
            .collect(),
        volumes: mounts
            .iter()
            .map(|m| Mount {
                kind: m.kind,
                source: m.source.clone(),
                target: m.target.clone(),
                read_only: !b.writable.contains(&m.target.as_str()),
            })
            .collect(),
        dir: b.host_dir,
        target: CONTAINER_BACKUP_DIR,
    };

    Service {
        backup,
        name: g.name.clone(),
        image: g.image.clone(),
        host_network,
        network,
        hostname: g.container_hostname(),
        command: view.container_command(),
        env_file: format!("{SECRETS_DIR}/{}.env", g.name),
        env_file_required: !secret_vars.is_empty(),
        secret_vars,
        ports,
        environment,
        volumes: mounts,
        // The config itself (`managed`) or the seed (`seeded`), read-only.
        config: FileMount {
            source: config_name,
            target: CONTAINER_CONFIG_PATH.to_string(),
        },
        secret,
        healthcheck: Healthcheck {
            test: view.container_healthcheck(),
            interval: HEALTH_INTERVAL,
            timeout: HEALTH_TIMEOUT,
            start_period: HEALTH_START_PERIOD,
            retries: HEALTH_RETRIES,
        },
        depends_on: Vec::new(),
        stop_grace_period: STOP_GRACE_PERIOD.to_string(),
        config_hash,
        limits: Limits {
            memory: g.container_memory(),
            cpus: g.container_cpus().to_string(),
        },
        pids_limit: CONTAINER_PIDS_LIMIT,
        cap_drop: CONTAINER_CAP_DROP,
    }
}

/// The folder beside the compose file that holds each gateway's secrets
/// file, `<gateway>.env`; written by the operator, never by ocgen.
pub const SECRETS_DIR: &str = "secrets";

/// Renders the compose file of a plan checked for the compose target
/// ([`crate::plan::plan_for`] with [`crate::target::Target::Compose`]).
pub fn render(plan: &Plan, t: &Templates) -> Result<String, TemplateError> {
    let caddyfile = match &plan.proxy {
        Some(p) => Some(super::caddy::render_compose(plan, p, t)?),
        None => None,
    };
    t.render(COMPOSE, &context(plan, caddyfile))
}
