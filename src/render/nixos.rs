//! The NixOS output (`ocgen nix`, `nixos/openclaw-gateways.nix`): the values
//! of ocgen's NixOS module for one deployment.
//!
//! The module itself, `nix/module.nix`, is a plain Nix file, the same for
//! every input, and exported by the flake as `nixosModules.default`: its
//! options (`services.openclaw-gateways.gateways.<name>`), the units or
//! containers it derives from them, and assertions that repeat the checks
//! of `ocgen check`. What differs per input is only the values: the
//! backend, and each gateway's port, bind, profile, paths, account, auth,
//! secrets, environment and the rest of its openclaw.json (`settings`).
//! They come from the plan; nothing here knows an OpenClaw rule.
//!
//! Two forms. [`render`] (`ocgen nix`, and what `generate` writes) is the
//! values alone, to import beside `ocgen.nixosModules.default`: the module
//! is then reviewed once and updated with ocgen (`nix flake update ocgen`),
//! a deployment's diff shows only what changed in ocgen.yaml, and two files
//! of values can be imported into one system (the options are declared
//! once). [`render_self_contained`] (`ocgen nix --self-contained`) is one
//! file for users without flakes: the module byte for byte, then the
//! values, so `imports = [ ./openclaw-gateways.nix ]` is all it takes.
//!
//! openclaw.json splits the same way: the keys the module derives from the
//! options ([`DERIVED_KEYS`], a superset of the pinned keys) are left out
//! of `settings`, everything else is `settings`.

use serde_json::{Map, Value as Json, json};

use super::quote::nix_expr;
use super::templates::TemplateError;
use crate::model::NixosBackend;
use crate::plan::{DEFAULT_SERVICE_USER, Gateway, NoHostPaths, Plan, SecretSource};

/// ocgen's NixOS module, as `nix/module.nix` holds it.
pub const MODULE: &str = include_str!("../../nix/module.nix");

/// Paths of openclaw.json that the module derives from a gateway's options
/// (port, bind, auth, workspace, log file): ocgen's `settings` value leaves
/// them out, and the module refuses settings that set them.
pub const DERIVED_KEYS: &[&[&str]] = &[
    &["gateway", "mode"],
    &["gateway", "port"],
    &["gateway", "bind"],
    &["gateway", "customBindHost"],
    &["gateway", "auth", "mode"],
    &["gateway", "auth", "token"],
    &["gateway", "auth", "password"],
    &["agents", "defaults", "workspace"],
    &["logging", "file"],
    &["secrets", "providers", crate::plan::FILE_PROVIDER],
];

/// Removes `path` from `v` and every object it leaves empty.
fn remove_path(v: &mut Json, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Some(m) = v.as_object_mut() else { return };
    if rest.is_empty() {
        m.remove(*first);
        return;
    }
    if let Some(child) = m.get_mut(*first) {
        remove_path(child, rest);
        if child.as_object().is_some_and(Map::is_empty) {
            m.remove(*first);
        }
    }
}

fn oci(plan: &Plan) -> bool {
    plan.nixos_backend == NixosBackend::OciContainers
}

/// The values of one gateway: `services.openclaw-gateways.gateways.<name>`.
pub fn gateway_values(plan: &Plan, g: &Gateway) -> Result<Json, NoHostPaths> {
    let oci = oci(plan);
    let p = g.host_paths()?;
    let runtime = if oci {
        g.oci_runtime()
    } else {
        g.host_runtime()?
    };
    let mut m = Map::new();
    if oci {
        m.insert("image".into(), json!(g.image));
    }
    m.insert("port".into(), json!(g.port));
    m.insert("bind".into(), json!(g.bind.as_str()));
    if let Some(h) = &g.custom_bind_host {
        m.insert("customBindHost".into(), json!(h));
    }
    m.insert("profile".into(), json!(g.profile));
    m.insert("stateDir".into(), json!(p.state_dir));
    if !oci {
        m.insert("configPath".into(), json!(p.config_path));
    }
    m.insert("workspace".into(), json!(p.workspace));
    if !oci {
        m.insert("logFile".into(), json!(p.log_file));
        m.insert("user".into(), json!(g.user));
        m.insert("group".into(), json!(g.group));
    }
    m.insert("config".into(), json!(g.config_mode.as_str()));
    if let Some(a) = &g.auth {
        let mut auth = Map::new();
        auth.insert("mode".into(), json!(a.mode.as_str()));
        match &a.secret {
            Some(SecretSource::Env(var)) => {
                auth.insert("env".into(), json!(var));
            }
            Some(SecretSource::File(path)) => {
                auth.insert("file".into(), json!(path));
            }
            None => {}
        }
        m.insert("auth".into(), Json::Object(auth));
    }
    m.insert("secretsFile".into(), json!(p.secrets_env_file));
    if !g.secrets.is_empty() {
        m.insert("secrets".into(), json!(g.secrets));
    }
    if !g.env.is_empty() {
        m.insert("environment".into(), json!(g.env));
    }
    if g.open_firewall {
        m.insert("openFirewall".into(), json!(true));
    }
    if oci {
        if let Some(memory) = &g.container.memory {
            m.insert("memory".into(), json!(memory));
        }
        if g.container.cpus.is_some() {
            m.insert("cpus".into(), json!(g.container_cpus().to_string()));
        }
    }
    if g.backup.configured {
        // `dir` holds each gateway's directory `<dir>/<name>`, as in ocgen.yaml.
        let mut b = Map::new();
        b.insert("enable".into(), json!(true));
        if let Some(dir) = g
            .backup
            .host_dir
            .as_deref()
            .and_then(|d| d.strip_suffix(&format!("/{}", g.name)))
        {
            b.insert("dir".into(), json!(dir));
        }
        b.insert("keep".into(), json!(g.backup.keep));
        if let Some(s) = g.backup.schedule {
            b.insert("schedule".into(), json!(s.text()));
        }
        m.insert("backup".into(), Json::Object(b));
    }
    let mut settings = super::openclaw::value(&runtime);
    for path in DERIVED_KEYS {
        remove_path(&mut settings, path);
    }
    if settings.as_object().is_some_and(|s| !s.is_empty()) {
        m.insert("settings".into(), settings);
    }
    Ok(Json::Object(m))
}

/// The value of `services.openclaw-gateways`: the backend, the account's
/// home, and every gateway in file order.
pub fn values(plan: &Plan) -> Result<Json, NoHostPaths> {
    let mut m = Map::new();
    m.insert(
        "backend".into(),
        json!(if oci(plan) {
            "oci-containers"
        } else {
            "systemd"
        }),
    );
    if !oci(plan) {
        // The account the module creates lives in the home its gateways'
        // paths were derived from.
        let home = plan
            .gateways
            .iter()
            .filter(|g| g.user == DEFAULT_SERVICE_USER)
            .find_map(|g| g.paths.as_ref().and_then(|p| p.home.clone()));
        if let Some(home) = home {
            m.insert("userHome".into(), json!(home));
        }
        if let Some(cap) = &plan.fleet_memory {
            m.insert("fleetMemory".into(), json!(cap));
        }
    }
    if !oci(plan) && plan.start.batch != crate::plan::DEFAULT_START_BATCH {
        m.insert("startBatch".into(), json!(plan.start.batch));
    }
    let mut gateways = Map::new();
    for (i, g) in plan.gateways.iter().enumerate() {
        let mut v = gateway_values(plan, g)?;
        if !oci(plan) {
            // File order, which the module cannot know (it orders by name).
            let after: Vec<&str> = plan.starts_after(i).map(|d| d.name.as_str()).collect();
            v["startAfter"] = json!(after);
        }
        gateways.insert(g.name.clone(), v);
    }
    m.insert("gateways".into(), Json::Object(gateways));
    Ok(Json::Object(m))
}

/// The line of the header that reminds the systemd backend of its package.
fn package_hint(plan: &Plan) -> &'static str {
    if oci(plan) {
        ""
    } else {
        "#   services.openclaw-gateways.package = <an OpenClaw package>;  # see ocgen's README\n"
    }
}

/// `ocgen nix`, `nixos/openclaw-gateways.nix`: the values alone, a module
/// to import beside `ocgen.nixosModules.default`.
pub fn render(plan: &Plan) -> Result<String, TemplateError> {
    let v = values(plan)?;
    Ok(format!(
        "# OpenClaw gateways of deployment \"{name}\": the values of ocgen's NixOS\n\
         # module, written by ocgen. Do not edit; change ocgen.yaml and run\n\
         # `ocgen generate` (or `ocgen nix`) again.\n\
         #\n\
         # Import it beside the module, which declares the options and derives\n\
         # the units, openclaw.json and firewall from them (ocgen's flake):\n\
         #\n\
         #   modules = [ ocgen.nixosModules.default ./openclaw-gateways.nix ];\n\
         {package}\
         #\n\
         # Every value is defined at normal priority: override one with\n\
         # lib.mkForce, e.g.\n\
         #   services.openclaw-gateways.gateways.<name>.port = lib.mkForce 30000;\n\
         {{\n  services.openclaw-gateways = {body};\n}}\n",
        name = plan.name,
        package = package_hint(plan),
        body = nix_expr(&v, 2),
    ))
}

/// `ocgen nix --self-contained`: one module for users without flakes,
/// ocgen's module byte for byte followed by this deployment's values.
pub fn render_self_contained(plan: &Plan) -> Result<String, TemplateError> {
    let v = values(plan)?;
    Ok(format!(
        "# OpenClaw gateways of deployment \"{name}\" as a NixOS module, written\n\
         # by ocgen. Do not edit; change ocgen.yaml and run\n\
         # `ocgen nix --self-contained` again.\n\
         #\n\
         #   imports = [ ./openclaw-gateways.nix ];\n\
         {package}\
         #\n\
         # ocgen's NixOS module (nix/module.nix, the same for every deployment)\n\
         # comes first, byte for byte, then the values of this deployment. With\n\
         # ocgen's flake, import ocgen.nixosModules.default and the output of\n\
         # `ocgen nix` instead: this file declares the options itself.\n\
         #\n\
         {MODULE}  // {{\n  \
         # The values of deployment \"{name}\", each at normal priority:\n  \
         # override one with lib.mkForce, e.g.\n  \
         #   services.openclaw-gateways.gateways.<name>.port = lib.mkForce 30000;\n  \
         imports = [\n    {{\n      services.openclaw-gateways = {body};\n    }}\n  ];\n}}\n",
        name = plan.name,
        package = package_hint(plan),
        body = nix_expr(&v, 6),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value as Json, json};

    use super::{DERIVED_KEYS, MODULE, nix_expr};
    use crate::model::Bind;
    use crate::plan::{
        CACHE_ROOT, COMPILE_CACHE_VAR, CONTAINER_CACHE_DIR, CONTAINER_CAP_DROP,
        CONTAINER_CONFIG_PATH, CONTAINER_CONFIG_READONLY, CONTAINER_CPUS,
        CONTAINER_DEFAULT_TOKEN_ENV, CONTAINER_GATEWAY_CMD, CONTAINER_HOME, CONTAINER_MEMORY,
        CONTAINER_PIDS_LIMIT, CONTAINER_SECRET_DIR, CONTAINER_SEEDED_CONFIG_PATH,
        CONTAINER_STATE_DIR, CONTAINER_UID, CONTAINER_WORKSPACE, CREDENTIALS_ROOT, DEFAULT_AGENT,
        DEFAULT_IMAGE, DEFAULT_NAME, DEFAULT_PROFILE, DEFAULT_SERVICE_USER, DEFAULT_START_BATCH,
        FILE_PROVIDER, FOOTPRINT, HEALTH_INTERVAL, HEALTH_RETRIES, HEALTH_START_PERIOD,
        HEALTH_TIMEOUT, HOME_ROOTS, LIVE, MAX_BASE_PORT, MAX_DERIVED_PREFIX, MIN_BASE_PORT,
        PINNED_KEYS, PROBE_SHELL, RESERVED_ENV, RESTART, RESTART_SEC, SERVICE_MARKERS,
        SERVICE_REPAIR_POLICY, SPACING, START_WAIT_SECS, STATE_ROOT, STOP_GRACE_PERIOD,
        SYSTEMD_UNIT_PREFIX, SYSTEMD_UNIT_VAR, Schedule, Scope, TIMEOUT_STOP_SEC, Value,
        bind_address, create_args, health_script_parts, start_wait_args,
    };
    use crate::plan::{DEFAULT_KEEP, HOST_BACKUP_DIR};

    /// `[Service]` settings the module derives per gateway from its paths
    /// and auth; the others are the same for every gateway.
    const PER_GATEWAY: &[&str] = &[
        "CacheDirectory",
        "MemoryMax",
        "CPUQuota",
        "StateDirectory",
        "StateDirectoryMode",
        "ReadWritePaths",
        "ProtectHome",
        "BindReadOnlyPaths",
    ];

    fn directive(v: &Value) -> Json {
        match v {
            Value::Str(s) => json!(s),
            Value::Int(n) => json!(n),
            Value::Bool(b) => json!(b),
            Value::List(items) => json!(items),
        }
    }

    /// The facts the module states, from the plan: its constants, and the
    /// service of a gateway whose state systemd manages.
    fn facts() -> Json {
        let doc =
            crate::model::load("version: 1\ndefaults:\n  home: /var/lib/oc\ngateways:\n  a: {}\n")
                .unwrap();
        let plan = crate::plan::plan(&doc).unwrap();
        let s = plan.gateways[0].service(Scope::System).unwrap();
        let state_mode = s
            .directives
            .iter()
            .find(|d| d.key == "StateDirectoryMode")
            .map(|d| directive(&d.value))
            .unwrap();
        let service_config: serde_json::Map<String, Json> = s
            .directives
            .iter()
            .filter(|d| !PER_GATEWAY.contains(&d.key))
            .map(|d| (d.key.to_string(), directive(&d.value)))
            .collect();
        let g = &plan.gateways[0];
        let public: Vec<u16> = g.public_ports().iter().map(|p| p - g.port).collect();
        // Where a bind listens (and a container publishes); custom is its
        // host, tailnet and auto have no address ocgen knows.
        let addresses: serde_json::Map<String, Json> = [Bind::Loopback, Bind::Lan]
            .into_iter()
            .map(|b| (b.as_str().to_string(), json!(bind_address(b, None))))
            .collect();
        assert_eq!(bind_address(Bind::Tailnet, None), None);
        assert_eq!(bind_address(Bind::Auto, None), None);
        assert_eq!(
            bind_address(Bind::Custom, Some("10.0.0.1")).as_deref(),
            Some("10.0.0.1")
        );
        // The container's probe script around its host and port.
        let (before, probe_after) = health_script_parts("@HOST@", LIVE);
        let (probe_before_host, probe_before_port) = before.split_once("@HOST@").unwrap();
        let markers: serde_json::Map<String, Json> = SERVICE_MARKERS
            .iter()
            .map(|(k, v)| ((*k).to_string(), json!(v)))
            .collect();
        let mut facts = json!({
            "footprint": FOOTPRINT,
            "spacing": SPACING,
            "minPort": MIN_BASE_PORT,
            "maxPort": MAX_BASE_PORT,
            "publicOffsets": public,
            "bindAddresses": addresses,
            "defaultUser": DEFAULT_SERVICE_USER,
            "stateRoot": STATE_ROOT,
            "stateDirectoryMode": state_mode,
            "homeRoots": HOME_ROOTS,
            "credentialsRoot": CREDENTIALS_ROOT,
            "fileProvider": FILE_PROVIDER,
            "reservedEnv": RESERVED_ENV,
            "readOnlyEnv": { CONTAINER_CONFIG_READONLY.0: CONTAINER_CONFIG_READONLY.1 },
            "serviceMarkers": markers,
            "repairPolicyEnv": { SERVICE_REPAIR_POLICY.0: SERVICE_REPAIR_POLICY.1 },
            "unitVar": SYSTEMD_UNIT_VAR,
            "derivedKeys": DERIVED_KEYS,
            "after": s.after,
            "wantedBy": s.wanted_by,
            "serviceConfig": service_config,
            "container": {
                "image": DEFAULT_IMAGE,
                "uid": CONTAINER_UID,
                "env": {
                    "HOME": CONTAINER_HOME,
                    CONTAINER_CACHE_DIR.0: CONTAINER_CACHE_DIR.1,
                },
                "stateDir": CONTAINER_STATE_DIR,
                "workspace": CONTAINER_WORKSPACE,
                "configPath": CONTAINER_CONFIG_PATH,
                "seededConfigPath": CONTAINER_SEEDED_CONFIG_PATH,
                "secretDir": CONTAINER_SECRET_DIR,
                "defaultTokenEnv": CONTAINER_DEFAULT_TOKEN_ENV,
                "command": CONTAINER_GATEWAY_CMD,
                "memory": CONTAINER_MEMORY,
                "cpus": CONTAINER_CPUS.to_string(),
                "options": [
                    format!("--cap-drop={CONTAINER_CAP_DROP}"),
                    "--security-opt=no-new-privileges",
                    format!("--stop-timeout={}", STOP_GRACE_PERIOD.trim_end_matches('s')),
                    format!("--health-interval={HEALTH_INTERVAL}"),
                    format!("--health-timeout={HEALTH_TIMEOUT}"),
                    format!("--health-start-period={HEALTH_START_PERIOD}"),
                    format!("--health-retries={HEALTH_RETRIES}"),
                    format!("--pids-limit={CONTAINER_PIDS_LIMIT}"),
                ],
                "probe": {
                    "shell": PROBE_SHELL,
                    "beforeHost": probe_before_host,
                    "beforePort": probe_before_port,
                    "after": probe_after,
                },
                // The engine's stop (`--stop-timeout`) runs inside systemd's.
                "unit": {
                    "Restart": RESTART,
                    "RestartSec": RESTART_SEC,
                    "TimeoutStopSec": TIMEOUT_STOP_SEC + 30,
                },
            },
        });
        // The sandbox defaults the module writes for gateways declared in Nix.
        facts["deployment"] = json!(DEFAULT_NAME);
        facts["maxDerivedPrefix"] = json!(MAX_DERIVED_PREFIX);
        facts["defaultAgent"] = json!(DEFAULT_AGENT);
        facts["backup"] = backup_facts(&s);
        // A gateway's unit is named by its profile, as OpenClaw names it.
        facts["unitPrefix"] = json!(SYSTEMD_UNIT_PREFIX);
        facts["defaultProfile"] = json!(DEFAULT_PROFILE);
        // How the systemd backend's units start, and the wait that ends each.
        facts["compileCache"] = json!({ "var": COMPILE_CACHE_VAR, "root": CACHE_ROOT });
        facts["startBatch"] = json!(DEFAULT_START_BATCH);
        facts["startWait"] = json!({
            "args": start_wait_args(),
            "deadline": START_WAIT_SECS,
        });
        facts
    }

    /// What the module needs to make a gateway's backup unit and timer:
    /// the plan's backup service of a gateway, taken apart around its
    /// archive directory and retention.
    fn backup_facts(gateway: &crate::plan::Service) -> Json {
        let doc = crate::model::load(
            "version: 1\ndefaults:\n  home: /var/lib/oc\ngateways:\n  a: { backup: { dir: /b, keep: 99998 } }\n",
        )
        .unwrap();
        let plan = crate::plan::plan(&doc).unwrap();
        let g = &plan.gateways[0];
        let b = g.backup_service(Scope::System).unwrap();
        let keys = |s: &crate::plan::Service| -> Vec<&'static str> {
            s.directives.iter().map(|d| d.key).collect()
        };
        // The gateway's directives a oneshot drops, then what it sets itself.
        let gateway_only: Vec<&str> = keys(gateway)
            .into_iter()
            .filter(|k| !keys(&b).contains(k) || *k == "Type")
            .collect();
        let get = |key: &str| {
            b.directives
                .iter()
                .find(|d| d.key == key)
                .map(|d| directive(&d.value))
                .unwrap()
        };
        let post = get("ExecStartPost");
        let (before, rest) = post.as_str().unwrap().split_once("/b/a").unwrap();
        let (middle, after) = rest.split_once("99999").unwrap();
        let mut create = create_args("/b/a");
        assert_eq!(create.pop().as_deref(), Some("/b/a/"));
        assert_eq!(b.args, create_args("/b/a"));
        // The variables it adds to the gateway's own (the service markers aside).
        let env: serde_json::Map<String, Json> = b
            .environment
            .iter()
            .filter(|v| !b.runtime.environment().contains(v))
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let named = ["hourly", "daily", "weekly", "monthly"];
        let calendars: serde_json::Map<String, Json> = named
            .iter()
            .map(|n| {
                let s = Schedule::parse(n).unwrap();
                ((*n).to_string(), json!(s.on_calendar()))
            })
            .collect();
        let days: Vec<String> = (0..7)
            .map(|d| {
                Schedule::At {
                    hour: 0,
                    minute: 0,
                    weekday: Some(d),
                }
                .text()
                .split_once(' ')
                .unwrap()
                .0
                .to_string()
            })
            .collect();
        json!({
            "dirName": HOST_BACKUP_DIR,
            "keep": DEFAULT_KEEP,
            "env": env,
            "create": create,
            "gatewayOnly": gateway_only,
            "serviceConfig": { "Type": get("Type") },
            "prune": [before, middle, after],
            "days": days,
            "calendars": calendars,
            "unitPrefix": crate::plan::BACKUP_UNIT_PREFIX,
        })
    }

    #[test]
    fn the_module_states_the_plans_facts() {
        let block = format!("\n  facts = {};\n", nix_expr(&facts(), 2));
        assert!(
            MODULE.contains(&block),
            "nix/module.nix must hold the plan's facts exactly as:\n{block}"
        );
    }

    #[test]
    fn the_derived_keys_cover_the_pinned_keys() {
        for key in PINNED_KEYS {
            let path: Vec<&str> = key.split('.').collect();
            assert!(
                DERIVED_KEYS.iter().any(|d| path.starts_with(d)),
                "{key} is pinned but not derived by the module"
            );
        }
    }

    #[test]
    fn derived_keys_leave_the_rest_of_the_settings() {
        let mut v = json!({
            "gateway": { "port": 1, "auth": { "mode": "token", "trustedProxy": { "userHeader": "x" } } },
            "agents": { "defaults": { "workspace": "/w", "model": "m" } },
            "logging": { "file": "/l" },
        });
        for path in DERIVED_KEYS {
            super::remove_path(&mut v, path);
        }
        assert_eq!(
            v,
            json!({
                "gateway": { "auth": { "trustedProxy": { "userHeader": "x" } } },
                "agents": { "defaults": { "model": "m" } },
            })
        );
    }
}
