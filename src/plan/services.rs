//! Services: one gateway as a long-running service, the single model behind
//! the plain systemd units and the NixOS module, so the two cannot drift
//! apart; its account, its executable and its firewall.

use serde::Serialize;

use super::containers::memory_bytes;
use super::defaults::Resolved;
use super::gateway::{Gateway, SecretSource};
use super::paths::NoHostPaths;
use super::runtime::Runtime;
use super::start::{START_TIMEOUT_SECS, START_WAIT_BASH, start_wait_command};
use crate::diag::{Kind, Problem};
use crate::model::{Bind, ConfigMode, Sp, SystemdSettings};
use crate::openclaw::{
    COMPILE_CACHE_VAR, CONTAINER_PIDS_LIMIT, KILL_MODE, MIN_CONTAINER_MEMORY, RESTART,
    RESTART_PREVENT_EXIT_STATUS, RESTART_SEC, SERVICE_KIND, SERVICE_KIND_VAR, SERVICE_MARKER,
    SERVICE_MARKER_VAR, SUCCESS_EXIT_STATUS, SYSTEMD_UNIT_PREFIX, SYSTEMD_UNIT_VAR,
    TIMEOUT_STOP_SEC, systemd_unit_name,
};
use crate::target::{Target, Targets};

/// Default user and group of the services; the NixOS module creates them.
pub const DEFAULT_SERVICE_USER: &str = "openclaw";

/// Default `openclaw` executable of the plain units (`npm install -g`).
pub const DEFAULT_OPENCLAW_BIN: &str = "/usr/local/bin/openclaw";

/// systemd's `$CREDENTIALS_DIRECTORY` of system units is `/run/credentials/<unit>`.
pub const CREDENTIALS_ROOT: &str = "/run/credentials";

/// Where `StateDirectory=` puts state for system units.
pub const STATE_ROOT: &str = "/var/lib";

/// Where `CacheDirectory=` puts caches for system units: each unit's own
/// `<root>/<unit>` holds its gateway's Node compile cache
/// ([`crate::openclaw::COMPILE_CACHE_VAR`]).
pub const CACHE_ROOT: &str = "/var/cache";

/// What `ProtectHome=` hides.
pub const HOME_ROOTS: &[&str] = &["/home", "/root", "/run/user"];

/// Socket families the gateway needs: local IPC, IPv4, IPv6, and netlink to
/// list interfaces (Node's `os.networkInterfaces()`, used to resolve binds).
pub const ADDRESS_FAMILIES: &str = "AF_UNIX AF_INET AF_INET6 AF_NETLINK";

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
pub struct Service<'g> {
    /// Unit name without `.service`: [`Gateway::unit_name`].
    pub unit: String,
    /// `Description=`.
    pub description: String,
    /// System or user unit.
    pub scope: Scope,
    /// Units this one wants and starts after.
    pub after: Vec<&'static str>,
    /// The target that starts it (`[Install] WantedBy=`).
    pub wanted_by: &'static str,
    /// Units (`<unit>.service`) this one starts after when they start
    /// together, without needing them: the gateway it waits for
    /// ([`super::Plan::starts_after`]). Filled by
    /// [`super::Plan::service`]; empty from [`Gateway::service`].
    pub start_after: Vec<String>,
    /// `ExecStartPost=-`: waits until the gateway is healthy, or its
    /// deadline has passed ([`super::start_wait_command`]), before the
    /// unit counts as started and the unit ordered after it starts.
    pub start_wait: Vec<String>,
    /// Arguments after the `openclaw` executable: `gateway --port P`.
    pub args: Vec<String>,
    /// Base port P.
    pub port: u16,
    /// The process environment: [`Runtime::environment`] on the host, then the marker
    /// variables by which OpenClaw recognises a service it manages.
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
    /// Whether the NixOS module opens the gateway's public ports in the firewall.
    pub open_firewall: bool,
    /// The gateway as the service runs it: its openclaw.json comes from this.
    pub runtime: Runtime<'g>,
}

pub(super) fn is_under(path: &str, root: &str) -> bool {
    path.strip_prefix(root)
        .is_some_and(|rest| rest.starts_with('/'))
}

impl<P> Gateway<P> {
    /// The systemd unit name, without `.service`: OpenClaw's own for the
    /// gateway's profile (`openclaw-gateway-<profile>`, `openclaw-gateway`
    /// for `default`), so that `openclaw doctor` and `gateway install`
    /// find this unit and install no competing one. The one source of the
    /// name: every unit, the NixOS values, `install`, `doctor`, `status`
    /// and `rollout` take it from here.
    pub fn unit_name(&self) -> String {
        systemd_unit_name(&self.profile)
    }

    /// The name ocgen gave this gateway's unit before units were named by
    /// profile (`openclaw-gateway-<name>`), when it differs from
    /// [`Gateway::unit_name`]: `ocgen install` sets an installed unit of
    /// that name aside, and `ocgen doctor` names it.
    pub fn former_unit_name(&self) -> Option<String> {
        let former = format!("{SYSTEMD_UNIT_PREFIX}-{}", self.name);
        (former != self.unit_name()).then_some(former)
    }

    /// Name of the auth credential (`LoadCredential=`).
    pub fn credential_id(&self) -> String {
        self.container_secret_name()
    }
}

impl Gateway {
    /// The gateway as a service of the given scope. A system unit gets an
    /// `auth.file` secret through `LoadCredential=` and binds its copy over
    /// the file's own path (`BindReadOnlyPaths=/run/credentials/<unit>/<id>:<path>`;
    /// a literal path rather than `%d`, which the unit's quoting would
    /// escape), so the config's file `SecretRef` names the operator's path
    /// in every case and one openclaw.json serves a host whichever way the
    /// gateway is started (`ocgen install`, the unit, by hand).
    pub fn service(&self, scope: Scope) -> Result<Service<'_>, NoHostPaths> {
        let runtime = self.host_runtime()?;
        let paths = self.host_paths()?;
        let system = scope == Scope::System;
        let state_managed = system && is_under(&paths.state_dir, STATE_ROOT);
        let workspace_inside = is_under(&paths.workspace, &paths.state_dir);

        let mut directives = Vec::new();
        let mut d = |key: &'static str, value: Value| directives.push(Directive { key, value });
        let mut directories = Vec::new();
        d("Type", Value::Str("simple".to_string()));
        if system {
            let mut rw = Vec::new();
            if state_managed {
                d(
                    "StateDirectory",
                    Value::Str(paths.state_dir[STATE_ROOT.len() + 1..].to_string()),
                );
                d("StateDirectoryMode", Value::Str("0700".to_string()));
            } else {
                directories.push(paths.state_dir.clone());
                rw.push(paths.state_dir.clone());
            }
            if workspace_inside {
                // Inside the state dir, so already writable; `-`: OpenClaw
                // creates it on first start.
                rw.push(format!("-{}", paths.workspace));
            } else {
                directories.push(paths.workspace.clone());
                rw.push(paths.workspace.clone());
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
        // The start lasts until the gateway is healthy (`start_wait`).
        d("TimeoutStartSec", Value::Int(START_TIMEOUT_SECS));
        d("KillMode", Value::Str(KILL_MODE.to_string()));
        d(
            "SuccessExitStatus",
            Value::Str(SUCCESS_EXIT_STATUS.to_string()),
        );
        d("UMask", Value::Str("0077".to_string()));
        d("NoNewPrivileges", Value::Bool(true));
        if system {
            // Node's compile cache, kept across starts (PrivateTmp= empties
            // /tmp at every start); the gateway's own, like its state.
            d("CacheDirectory", Value::Str(self.unit_name()));
            d("CacheDirectoryMode", Value::Str("0700".to_string()));
            // Mount namespaces: a user manager has them only with
            // unprivileged user namespaces, so user units go without.
            let in_home = [&paths.state_dir, &paths.workspace, &paths.config_path]
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
        // What a container gets, for the unit: memory, CPU, tasks; in one
        // slice, so that the fleet as a whole can be capped too.
        d("Slice", Value::Str(SLICE.to_string()));
        if let Some(bytes) = memory_bytes(&self.container_memory()) {
            d("MemoryMax", Value::Str(bytes.to_string()));
        }
        d("CPUQuota", Value::Str(cpu_quota(self.container_cpus())));
        d("TasksMax", Value::Int(CONTAINER_PIDS_LIMIT));

        // The unit must not start without the secrets the gateway needs.
        let needs_secrets_file = !self.secrets.is_empty()
            || self
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
        if !credentials.is_empty() {
            // The service's copy (readable by its user) where the config
            // looks for the secret: the operator's own path. The service
            // sees `/run/credentials/<unit>` as `$CREDENTIALS_DIRECTORY`.
            directives.push(Directive {
                key: "BindReadOnlyPaths",
                value: Value::List(
                    credentials
                        .iter()
                        .map(|c| {
                            format!(
                                "{CREDENTIALS_ROOT}/{}.service/{}:{}",
                                self.unit_name(),
                                c.id,
                                c.path
                            )
                        })
                        .collect(),
                ),
            });
        }
        Ok(Service {
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
            start_after: Vec::new(),
            start_wait: start_wait_command(START_WAIT_BASH, self.port),
            args: self.service_args(),
            port: self.port,
            environment: {
                let mut vars = runtime.environment();
                vars.extend([
                    (SERVICE_MARKER_VAR.to_string(), SERVICE_MARKER.to_string()),
                    (SERVICE_KIND_VAR.to_string(), SERVICE_KIND.to_string()),
                    (
                        SYSTEMD_UNIT_VAR.to_string(),
                        format!("{}.service", self.unit_name()),
                    ),
                ]);
                if system && !vars.iter().any(|(k, _)| k == COMPILE_CACHE_VAR) {
                    vars.push((
                        COMPILE_CACHE_VAR.to_string(),
                        format!("{CACHE_ROOT}/{}", self.unit_name()),
                    ));
                }
                vars
            },
            account: system.then(|| (self.user.clone(), self.group.clone())),
            environment_file: EnvFile {
                path: paths.secrets_env_file.clone(),
                required: needs_secrets_file,
            },
            credentials,
            directories,
            directives,
            open_firewall: self.open_firewall,
            runtime,
        })
    }
}

/// The service's account and firewall: `user` and `group` (default
/// [`DEFAULT_SERVICE_USER`]), and `open_firewall`, which needs a bind
/// beyond loopback.
pub(super) fn resolve_account(
    r: &Resolved,
    bind: Bind,
    problems: &mut Vec<Problem>,
) -> (String, String, bool) {
    let name = &r.name.value;
    let s = &r.s;
    let account = |v: &Option<Sp<String>>| {
        v.as_ref()
            .map_or_else(|| DEFAULT_SERVICE_USER.to_string(), |u| u.value.clone())
    };
    for (key, v) in [("user", &s.user), ("group", &s.group)] {
        if let Some(v) = v {
            check_account(name, key, v, problems);
        }
    }
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
    (
        account(&s.user),
        account(&s.group),
        s.open_firewall.as_ref().is_some_and(|o| o.value),
    )
}

/// `systemd.openclaw`: an absolute path that needs no quoting in `ExecStart=`.
/// The slice every gateway's unit runs in (`systemd/openclaw.slice`).
pub const SLICE: &str = "openclaw.slice";

/// `CPUQuota=` for a number of cores: `1.5` is `150%`.
pub fn cpu_quota(cpus: f64) -> String {
    // Whole percent: systemd takes no fraction of one.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let percent = (cpus * 100.0).round() as u64;
    format!("{percent}%")
}

/// `systemd.fleet_memory`, checked: a memory size.
pub(super) fn resolve_fleet_memory(
    s: Option<&SystemdSettings>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let m = s.and_then(|s| s.fleet_memory.as_ref())?;
    if memory_bytes(&m.value).is_none_or(|b| b < MIN_CONTAINER_MEMORY) {
        problems.push(
            Problem::new(
                Kind::Type,
                format!(
                    "`systemd.fleet_memory` `{}` is not a memory size of at least 512m",
                    m.value.escape_debug()
                ),
            )
            .label(m.span, "not a memory size")
            .help("write it as compose does, e.g. `8g` or `6144m`"),
        );
        return None;
    }
    Some(m.value.clone())
}

pub(super) fn resolve_openclaw_bin(
    s: Option<&SystemdSettings>,
    problems: &mut Vec<Problem>,
) -> String {
    let Some(p) = s.and_then(|s| s.openclaw.as_ref()) else {
        return DEFAULT_OPENCLAW_BIN.to_string();
    };
    let v = &p.value;
    let ok = v.starts_with('/')
        && !v.ends_with('/')
        && !v.split('/').any(|c| c == "." || c == "..")
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@".contains(c));
    if !ok {
        problems.push(
            Problem::new(Kind::Path, format!("`systemd.openclaw` `{}` is not an absolute path to the executable", v.escape_debug()))
                .only(Targets::one(Target::Systemd))
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
                .only(Targets::of(&[Target::Systemd, Target::Nixos]))
                .label(v.span, "invalid name")
                .help(format!("use 1 to 32 lowercase letters, digits, `_` and `-`, starting with a letter or `_` (default: `{DEFAULT_SERVICE_USER}`)")),
        );
    } else if v.value == "root" {
        problems.push(
            Problem::new(Kind::Account, format!("gateway `{gw}`: the service would run as {key} `root`"))
                .only(Targets::of(&[Target::Systemd, Target::Nixos]))
                .label(v.span, "root")
                .help(format!("run gateways as an unprivileged account: leave `{key}` out for `{DEFAULT_SERVICE_USER}`, or name another one")),
        );
    }
}

impl Gateway {
    /// Arguments after the `openclaw` executable. A seeded config may be
    /// edited by OpenClaw, so what ocgen owns is pinned on the command line
    /// too: the port always, the bind for seeded configs.
    pub fn service_args(&self) -> Vec<String> {
        let mut args = vec![
            "gateway".to_string(),
            "--port".to_string(),
            self.port.to_string(),
        ];
        if self.config_mode == ConfigMode::Seeded {
            args.push("--bind".to_string());
            args.push(self.bind.as_str().to_string());
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::{Credential, Scope, Service, Value};
    use crate::diag::Kind;
    use crate::plan::SecretSource;
    use crate::plan::testing::{HEAD, kinds, plan_of};

    #[test]
    fn a_password_file_has_one_layout_for_install_and_the_unit() {
        let p = plan_of(&format!(
            "{HEAD}  main: {{auth: {{mode: password, file: /run/secrets/main-pass}}}}\n"
        ))
        .unwrap();
        let g = &p.gateways[0];
        // The config the unit reads is the config `install` writes.
        let s = g.service(Scope::System).unwrap();
        let unit_config = crate::render::openclaw::render(&s.runtime);
        assert_eq!(
            unit_config,
            crate::render::openclaw::render(&g.host_runtime().unwrap())
        );
        assert!(
            unit_config.contains("/run/secrets/main-pass"),
            "{unit_config}"
        );
        assert_eq!(s.credentials[0].path, "/run/secrets/main-pass");
        let bind = s
            .directives
            .iter()
            .find(|d| d.key == "BindReadOnlyPaths")
            .map(|d| d.value.clone());
        assert_eq!(
            bind,
            Some(Value::List(vec![format!(
                "/run/credentials/openclaw-gateway-main.service/{}:/run/secrets/main-pass",
                s.credentials[0].id
            )]))
        );
    }

    #[test]
    fn services_carry_openclaws_service_markers() {
        let p = plan_of(&format!("{HEAD}  main: {{}}\n")).unwrap();
        for scope in [Scope::System, Scope::User] {
            let env = p.gateways[0].service(scope).unwrap().environment;
            for (k, v) in [
                ("OPENCLAW_SERVICE_MARKER", "openclaw"),
                ("OPENCLAW_SERVICE_KIND", "gateway"),
                ("OPENCLAW_SYSTEMD_UNIT", "openclaw-gateway-main.service"),
            ] {
                assert!(
                    env.contains(&(k.to_string(), v.to_string())),
                    "{k}={v} missing: {env:?}"
                );
            }
        }
        // A user may not set them.
        let k = kinds(plan_of(&format!(
            "{HEAD}  main:\n    env: {{OPENCLAW_SERVICE_KIND: node}}\n"
        )));
        assert_eq!(k.len(), 1, "{k:?}");
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
    fn units_are_named_by_openclaw_profile() {
        let p = plan_of("version: 1\ndefaults: {home: /var/lib/oc}\ngateways:\n  main: {profile: default}\n  ops: {profile: work, auth: {mode: token, file: /run/keys/o}}\n  lab: {}\n").unwrap();
        let units: Vec<(String, Option<String>)> = p
            .gateways
            .iter()
            .map(|g| (g.unit_name(), g.former_unit_name()))
            .collect();
        assert_eq!(
            units,
            [
                (
                    "openclaw-gateway".into(),
                    Some("openclaw-gateway-main".into())
                ),
                (
                    "openclaw-gateway-work".into(),
                    Some("openclaw-gateway-ops".into())
                ),
                ("openclaw-gateway-lab".into(), None),
            ]
        );
        let s = p.gateways[1].service(Scope::System).unwrap();
        assert_eq!(s.unit, "openclaw-gateway-work");
        assert!(s.environment.contains(&(
            crate::openclaw::SYSTEMD_UNIT_VAR.to_string(),
            "openclaw-gateway-work.service".to_string()
        )));
        let bind = s.directives.iter().find(|d| d.key == "BindReadOnlyPaths");
        assert!(
            matches!(bind.map(|d| &d.value), Some(Value::List(l)) if l[0].starts_with("/run/credentials/openclaw-gateway-work.service/")),
            "{bind:?}"
        );
        assert_eq!(
            crate::plan::backup_unit_name(&p.gateways[0]),
            "openclaw-backup"
        );
        assert_eq!(
            crate::plan::backup_unit_name(&p.gateways[1]),
            "openclaw-backup-work"
        );
        assert_eq!(
            crate::plan::former_backup_unit_name(&p.gateways[1]).as_deref(),
            Some("openclaw-backup-ops")
        );
    }

    #[test]
    fn the_service_model() {
        let p = plan_of("version: 1\ndefaults: {home: /var/lib/oc}\ngateways:\n  a: {auth: {mode: token, file: /run/keys/a}}\n  b: {home: /home/u, workspace: /srv/ws, auth: {mode: token, env: T}}\n").unwrap();
        let a = p.gateways[0].service(Scope::System).unwrap();
        assert_eq!(a.unit, "openclaw-gateway-a");
        assert_eq!(a.args, ["gateway", "--port", "18789"]);
        let gateway_env = p.gateways[0].host_runtime().unwrap().environment();
        assert_eq!(a.environment[..gateway_env.len()], gateway_env[..]);
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
            a.runtime.auth.as_ref().and_then(|x| x.secret.clone()),
            Some(SecretSource::File("/run/keys/a".into()))
        );
        let b = p.gateways[1].service(Scope::System).unwrap();
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
        let u = p.gateways[0].service(Scope::User).unwrap();
        assert!(
            u.account.is_none() && u.credentials.is_empty() && get(&u, "ProtectSystem").is_none()
        );
        assert_eq!(get(&u, "Restart"), Some(Value::Str("always".into())));
        assert_eq!(
            u.runtime.auth.as_ref().and_then(|x| x.secret.clone()),
            Some(SecretSource::File("/run/keys/a".into()))
        );
    }
}
