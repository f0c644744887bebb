//! The resolved plan: every OpenClaw rule ocgen knows lives in this module.
//!
//! [`plan`] takes a parsed [`Document`] and returns, for each gateway, its
//! profile, base port, paths, bind, auth and environment, all resolved and
//! checked against each other, or every [`Problem`] it found. Renderers only
//! read a [`Plan`]; none of them knows a port offset or a path layout. What
//! a gateway process sees on one target (its paths, bind, auth and
//! environment there) is its [`Runtime`] on that target's [`Site`].
//!
//! One file per rule family: [`defaults`](self) (what `defaults:` gives),
//! names and profiles, paths, ports, auth and secrets, environment,
//! OpenClaw settings, containers, services, Kubernetes, launchd, the front
//! door; `gateway.rs` assembles one gateway from them, and this file only
//! runs the passes in order.
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
mod backup;
mod containers;
mod defaults;
mod document;
mod env;
mod gateway;
mod kube_pod;
mod kubernetes;
mod launchd;
mod paths;
mod ports;
mod probe;
mod profiles;
mod proxy;
mod runtime;
mod sandbox;
mod services;
mod settings;
mod start;

use serde::Serialize;

use crate::diag::Problem;
use crate::model::{ConfigMode as Mode, Document, NixosBackend, Settings};
use auth::{resolve_auth, resolve_bind, resolve_secrets};
use containers::{resolve_container, resolve_image};
use defaults::Resolved;
use env::resolve_env;
use kubernetes::resolve_kube;
use paths::resolve_paths;
use profiles::{check_gateway_name, resolve_browser_profiles, resolve_profile};
use proxy::resolve_origins;
use services::resolve_account;

pub use crate::model::ConfigMode;
pub use crate::openclaw::*;
pub use crate::target::{Target, Targets};
pub use auth::{ANY_ADDRESS, LOOPBACK, bind_address};
pub use backup::{
    ARCHIVE_SUFFIX, BACKUP_TZ, BACKUP_UNIT_PREFIX, BackupAgent, COMPOSE_BACKUP_DIR,
    COMPOSE_BACKUP_PROFILE, CONTAINER_BACKUP_DIR, ComposeBackup, DEFAULT_KEEP, HOST_BACKUP_DIR,
    KUBE_BACKUP_ON_DEMAND, KUBE_BACKUP_SIZE, KUBE_BACKUP_SUFFIX, KUBE_MAX_CRONJOB_NAME, KubeBackup,
    RESTORE_STAGING_TAG, SET_ASIDE_TAG, Timer, archives_to_prune, backup_unit_name,
    compose_backup_service, create_args, former_backup_unit_name, prune_command, restore_staging,
    set_aside_path,
};
pub use containers::{CONTAINER_CAP_DROP, STOP_GRACE_PERIOD, memory_bytes};
pub use document::DEFAULT_NAME;
pub use env::is_env_name;
pub use gateway::{
    Backup, BrowserProfile, ContainerSettings, Draft, Gateway, GatewayAuth, HostPaths, KubeGateway,
    KubePeerSel, ProxyTrust, Publish, Sandbox, Schedule, SecretSource, TrustedProxy,
};
pub use kube_pod::{
    KUBE_CLAIM_FOREIGN, KUBE_FS_GROUP_CHANGE_POLICY, KUBE_PERSISTENT_SUBPATH_PREFIX,
    KUBE_POD_MANAGEMENT_POLICY, KUBE_STATE_SUBPATH, kube_backup_pod_labels, kube_claim_dirs,
    kube_place_subpath,
};
pub use kubernetes::{
    EnvValue, KUBE_AUTH_FILE_KEY, KUBE_LIMITS, KUBE_LIVE_PERIOD, KUBE_MAX_OBJECT_NAME,
    KUBE_OWN_PREFIXES, KUBE_PROBE_FAILURES, KUBE_PROBE_TIMEOUT, KUBE_READY_PERIOD, KUBE_REQUESTS,
    KUBE_SECRET_DIR, KUBE_STARTUP_FAILURES, KUBE_STARTUP_PERIOD, KUBE_STATE_SIZE,
    KUBE_WORKSPACE_SIZE, POD_SECURITY_VERSION, is_dns_label, is_dns_subdomain, is_label_value,
    is_qualified_name, kube_namespace_known_labels, kube_namespace_labels, kube_pod_labels,
    kube_selector_labels, quantity,
};
pub use launchd::{LaunchAgent, LaunchdPlan};
pub use paths::NoHostPaths;
pub use ports::{PortRange, listens_on_bind};
pub use probe::{
    HEALTH_INTERVAL, HEALTH_RETRIES, HEALTH_START_PERIOD, HEALTH_START_PERIOD_SECS, HEALTH_TIMEOUT,
    HEALTH_WATCH_SECS, PROBE_SHELL, check, health_script, health_script_parts, probe_command,
    shell_probe,
};
pub use profiles::is_gateway_name;
pub use proxy::{
    CADDY_IMAGE, DEFAULT_PROXY_SUBNET, PROXY_HOST, PROXY_SERVICE, Proxy, Route, Site as ProxySite,
};
pub use runtime::{
    CONTAINER_CONFIG_PATH, CONTAINER_SECRET_DIR, CONTAINER_SEEDED_CONFIG_PATH, Keep, Runtime, Site,
    WritablePlace, container_writable_places,
};
pub use sandbox::{MAX_DERIVED_PREFIX, derived_prefix, fnv1a64, is_container_prefix};
pub use services::{
    ADDRESS_FAMILIES, CACHE_ROOT, CREDENTIALS_ROOT, Credential, DEFAULT_OPENCLAW_BIN,
    DEFAULT_SERVICE_USER, Directive, EnvFile, HOME_ROOTS, SLICE, STATE_ROOT, Scope, Service, Value,
    cpu_quota,
};
pub(crate) use settings::suggested_var;
pub use settings::{DEFAULT_AGENT, PINNED_KEYS, is_credential_key, looks_like_credential};
pub use start::{
    DEFAULT_START_BATCH, START_TIMEOUT_SECS, START_WAIT_BASH, START_WAIT_NAME, START_WAIT_SECS,
    StartPolicy, start_wait_args, start_wait_command, start_wait_script,
};

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
    /// `MemoryMax=` of `openclaw.slice` (`systemd.fleet_memory`), as written.
    pub fleet_memory: Option<String>,
    /// The targets the file names (`targets:`), or the default ones.
    pub targets: Vec<Target>,
    /// The reverse proxy in front of the gateways, when `proxy:` is set.
    pub proxy: Option<Proxy>,
    /// How the LaunchAgents start the gateways (`launchd:`).
    pub launchd: LaunchdPlan,
    /// How the gateways start (`start:`).
    pub start: StartPolicy,
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

    /// Where the gateways of target `t` run.
    pub fn site(&self, t: Target) -> Site {
        match t {
            Target::Nixos if self.nixos_backend == NixosBackend::OciContainers => Site::Container,
            Target::Host | Target::Systemd | Target::Launchd | Target::Nixos => Site::Host,
            Target::Compose => Site::Compose,
            Target::Kubernetes => Site::Pod,
        }
    }

    /// The site a summary shows: the machine itself when the file lists a
    /// target that runs gateways there, else its first container target.
    pub fn primary_site(&self) -> Site {
        self.targets
            .iter()
            .map(|t| self.site(*t))
            .min()
            .unwrap_or(Site::Host)
    }
}

/// Resolves the whole document and checks it for the targets it names.
pub fn plan(doc: &Document) -> Result<Plan, Vec<Problem>> {
    plan_for(doc, None)
}

/// Resolves the whole document and checks the rules every target shares,
/// plus those of `only` when given (`ocgen compose` checks compose's rules,
/// not the host's), else those of the targets the file names.
pub fn plan_for(doc: &Document, only: Option<Target>) -> Result<Plan, Vec<Problem>> {
    plan_checked(doc, only.map(Targets::one))
}

/// Resolves the whole document and checks only the rules every target
/// shares: for what depends on no target (`ocgen ports`).
pub fn plan_shared(doc: &Document) -> Result<Plan, Vec<Problem>> {
    plan_checked(doc, Some(Targets::NONE))
}

/// Resolves the whole document and checks the shared rules and those of
/// `only`, else of the file's targets.
fn plan_checked(doc: &Document, only: Option<Targets>) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let targets = document::resolve_targets(doc, &mut problems);
    let wanted = only.unwrap_or_else(|| Targets::of(&targets));
    defaults::check_defaults(&doc.defaults, &mut problems);
    kubernetes::check_kube_defaults(&doc.defaults, &mut problems);
    let name = document::resolve_name(doc, &mut problems);
    document::check_gateways_present(doc, &mut problems);
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
            s: defaults::merge(
                &doc.defaults,
                body.value.as_ref().unwrap_or(&Settings::default()),
            ),
        })
        .collect();

    // Each gateway on its own, then the rules between them.
    let mut drafts: Vec<Draft> = resolved
        .iter()
        .map(|r| resolve_gateway(&name, r, &mut problems))
        .collect();
    profiles::check_profiles(&resolved, &drafts, &mut problems);
    ports::assign_ports(&resolved, &mut drafts, &mut problems);
    ports::check_port_overlaps(&resolved, &drafts, &mut problems);
    profiles::check_cdp_urls(&resolved, &mut problems);
    sandbox::check_sandboxes(&resolved, &drafts, &mut problems);
    sandbox::check_tailscale(&resolved, &mut problems);
    paths::check_path_overlaps(&resolved, &drafts, &mut problems);
    paths::check_workspace_host_paths(&resolved, &drafts, &mut problems);
    backup::check_backup_dirs(&resolved, &drafts, &mut problems);
    backup::check_kube_backup_names(&resolved, &drafts, &mut problems);
    let mut proxy = doc
        .proxy
        .as_ref()
        .map(|p| proxy::resolve_proxy(p, &resolved, &mut drafts, &mut problems));
    if doc.proxy.is_none() {
        proxy::refuse_routes_without_proxy(&resolved, &mut problems);
    }
    kubernetes::check_kubernetes(&resolved, &drafts, &mut problems);
    if let (Some(p), Some(px)) = (&doc.proxy, &mut proxy) {
        proxy::resolve_kube_proxy(p, px, &resolved, &mut drafts, &mut problems);
    }
    let nixos_backend = doc
        .nixos
        .as_ref()
        .and_then(|n| n.backend.as_ref())
        .map_or(NixosBackend::Systemd, |b| b.value);
    backup::check_nixos_backups(&resolved, &drafts, nixos_backend, &mut problems);
    let container_targets = if nixos_backend == NixosBackend::OciContainers {
        containers::check_publishable(&resolved, &drafts, &mut problems);
        Targets::of(Target::CONTAINERS).with(Targets::one(Target::Nixos))
    } else {
        Targets::of(Target::CONTAINERS)
    };
    let user_units = doc
        .systemd
        .as_ref()
        .and_then(|s| s.user_units.as_ref())
        .is_some_and(|u| u.value);
    let openclaw_bin = services::resolve_openclaw_bin(doc.systemd.as_ref(), &mut problems);
    let fleet_memory = services::resolve_fleet_memory(doc.systemd.as_ref(), &mut problems);
    let launchd = launchd::resolve_launchd(doc.launchd.as_ref(), &mut problems);
    let start = start::resolve_start(doc.start.as_ref(), &mut problems);
    if wanted.contains(Target::Launchd) {
        launchd::check_launchd(&resolved, &drafts, &launchd, &mut problems);
    }

    // Every gateway has its port unless a problem says why not.
    let gateways: Option<Vec<Gateway>> = drafts
        .into_iter()
        .map(|d| d.port.map(|p| d.finish(p)))
        .collect();
    if let Some(gateways) = &gateways {
        // A gateway that is wrong already would only repeat itself here.
        if container_targets.intersects(wanted) && !problems.iter().any(|p| p.applies_to(wanted)) {
            containers::check_containers(&resolved, gateways, container_targets, &mut problems);
        }
    }

    problems.retain(|p| p.applies_to(wanted));
    match gateways {
        Some(gateways) if problems.is_empty() => Ok(Plan {
            name,
            gateways,
            nixos_backend,
            user_units,
            openclaw_bin,
            fleet_memory,
            targets,
            proxy,
            launchd,
            start,
        }),
        _ => Err(problems
            .into_iter()
            .map(|p| p.for_targets(wanted))
            .collect()),
    }
}

/// Every rule of one gateway on its own: names, paths, bind and auth,
/// browser profiles, environment, origins, container, service account,
/// secrets, settings, Kubernetes. The checks between gateways come after.
fn resolve_gateway(deployment: &str, r: &Resolved, problems: &mut Vec<Problem>) -> Draft {
    let name = &r.name.value;
    let s = &r.s;
    check_gateway_name(r, problems);
    containers::check_compose_name(r, problems);
    let profile = resolve_profile(r, problems);
    let paths = resolve_paths(r, &profile, problems);
    let (bind, custom_bind_host) = resolve_bind(r, problems);
    let auth = s.auth.as_ref().map(|a| resolve_auth(name, a, problems));
    auth::check_needs_auth(r, bind, auth.as_ref(), problems);
    let browser_profiles = resolve_browser_profiles(r, problems);
    let env = resolve_env(r, auth.as_ref(), problems);
    let allowed_origins = resolve_origins(r, problems);
    let image = resolve_image(r, problems);
    let (user, group, open_firewall) = resolve_account(r, bind, problems);
    let container = resolve_container(name, s, problems);
    let secrets = resolve_secrets(name, s.secrets.as_ref(), &env, auth.as_ref(), problems);
    let settings = settings::resolve(
        r,
        &env,
        &secrets,
        auth.as_ref(),
        &browser_profiles,
        problems,
    );
    let kube = resolve_kube(deployment, r, problems);
    let sandbox = sandbox::resolve_sandbox(deployment, r, problems);
    let backup = backup::resolve_backup(r, paths.as_ref(), problems);
    Gateway {
        name: name.clone(),
        profile,
        port: None,
        port_assigned: s.port.is_none(),
        paths,
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
        container,
        settings,
        secrets,
        config_mode: s.config.as_ref().map_or(Mode::Managed, |c| c.value),
        base_path: None,
        trusted_proxies: ProxyTrust::default(),
        kube,
        sandbox,
        backup,
    }
}

/// Shorthands for the unit tests of the rule families.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Plan, plan};
    use crate::diag::{Kind, Problem};

    /// A file's plan, or its problems.
    pub(crate) fn plan_of(yaml: &str) -> Result<Plan, Vec<Problem>> {
        plan(&crate::model::load(yaml)?)
    }

    /// The kinds of the problems of a result.
    pub(crate) fn kinds(r: Result<Plan, Vec<Problem>>) -> Vec<Kind> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.kind)
            .collect()
    }

    /// A file head: version and a home; gateways follow.
    pub(crate) const HEAD: &str = "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n";
}
