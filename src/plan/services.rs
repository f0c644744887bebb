//! Services: one gateway as a long-running service, the single model behind
//! the plain systemd units and the NixOS module, so the two cannot drift apart.

#[allow(clippy::wildcard_imports)]
use super::*;

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
    /// The process environment: [`Gateway::environment`], then the marker
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
    /// Ports that listen on the gateway's bind address (P, P+1); empty for loopback.
    pub public_ports: Vec<u16>,
    /// Whether the NixOS module opens `public_ports` in the firewall.
    pub open_firewall: bool,
    /// Where `OpenClaw` reads its config (`OPENCLAW_CONFIG_PATH`).
    pub config_path: String,
    /// The gateway as the service sees it: its openclaw.json comes from this.
    pub view: Gateway,
}

pub(super) fn is_under(path: &str, root: &str) -> bool {
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

    /// The gateway as its service sees it: the same as everywhere else, so
    /// that one openclaw.json serves a host whichever way the gateway is
    /// started (`ocgen install`, the unit, by hand). A system unit gets an
    /// `auth.file` secret through `LoadCredential=` and binds its copy over
    /// the file's own path (`BindReadOnlyPaths=/run/credentials/<unit>/<id>:<path>`;
    /// a literal path rather than `%d`, which the unit's quoting would
    /// escape), so the
    /// config's file `SecretRef` names the operator's path in every case.
    #[must_use]
    pub fn service_view(&self, _scope: Scope) -> Gateway {
        self.clone()
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
            args: self.service_args(),
            port: self.port,
            environment: {
                let mut vars = self.environment();
                vars.extend([
                    (SERVICE_MARKER_VAR.to_string(), SERVICE_MARKER.to_string()),
                    (SERVICE_KIND_VAR.to_string(), SERVICE_KIND.to_string()),
                    (
                        SYSTEMD_UNIT_VAR.to_string(),
                        format!("{}.service", self.unit_name()),
                    ),
                ]);
                vars
            },
            account: system.then(|| (self.user.clone(), self.group.clone())),
            environment_file: EnvFile {
                path: self.secrets_env_file.clone(),
                required: needs_secrets_file,
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

/// `user` and `group`: a system account name, never root.
pub(super) fn check_account(gw: &str, key: &str, v: &Sp<String>, problems: &mut Vec<Problem>) {
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
