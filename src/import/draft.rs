//! One gateway drafted from its sources: the types `ocgen.yaml` is written
//! from, and how a state dir's config, services and environment become a
//! draft (auth, secrets, browser profiles).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::secrets::{self, Secrets};
use super::{Note, Secret, Service, ServiceKind, Where, env_file, read_host_text, state};
use crate::openclaw::{
    CONFIG_FILE_NAME, DEFAULT_PROFILE, GATEWAY_PASSWORD_ENV, GATEWAY_TOKEN_ENV, RETIRED_KEYS,
    SERVICE_PLUMBING_ENV, STATE_DOTENV, looks_like_secret_name, profile_state_dir_name,
    unpinned_port,
};
use crate::plan::looks_like_credential;

/// `auth:` of a draft.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DraftAuth {
    pub mode: String,
    pub env: Option<String>,
    pub file: Option<String>,
    pub user_header: Option<String>,
    pub trusted_proxies: Vec<String>,
    pub allow_loopback: Option<bool>,
}

/// One browser profile of a draft.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DraftBrowser {
    pub name: String,
    pub cdp_port: Option<i64>,
    pub cdp_url: Option<String>,
    pub headless: Option<bool>,
}

/// A gateway as found, in `ocgen.yaml`'s terms.
#[derive(Clone, Debug, Default)]
pub(crate) struct Draft {
    pub name: String,
    pub profile: String,
    /// The home whose `--profile` layout holds the state dir, if it does.
    pub home: Option<String>,
    pub state_dir: String,
    /// Only when it is not `<state_dir>/openclaw.json`.
    pub config_path: Option<String>,
    /// Only when it is not `<state_dir>/workspace`.
    pub workspace: Option<String>,
    pub port: Option<u16>,
    /// Where the port came from, for the report.
    pub port_from: String,
    pub bind: Option<String>,
    pub custom_bind_host: Option<String>,
    pub auth: Option<DraftAuth>,
    pub browser: Vec<DraftBrowser>,
    pub allowed_origins: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub secrets: Secrets,
    /// Names already set in `<state_dir>/.env` (OpenClaw's global `.env`).
    pub dotenv: BTreeSet<String>,
    pub openclaw: Map<String, Value>,
    pub user: Option<String>,
    pub group: Option<String>,
    /// What the gateway was read from, for the report and the file.
    pub sources: Vec<String>,
    /// The service that runs it, when exactly one does.
    pub service: Option<ServiceKind>,
}

/// A state dir with what is known of it before its config is read.
pub(super) struct Candidate {
    pub(super) path: String,
    pub(super) home: Option<String>,
    pub(super) profile: Option<String>,
    pub(super) services: Vec<Resolved>,
}

/// A service, understood: where its gateway lives and what it pins.
#[derive(Debug)]
pub(super) struct Resolved {
    pub(super) service: Service,
    pub(super) profile: String,
    pub(super) home: Option<String>,
    pub(super) state_dir: String,
    pub(super) config_path: Option<String>,
    pub(super) workspace: Option<String>,
    pub(super) port: Option<(String, String)>,
    pub(super) bind: Option<String>,
    pub(super) token_on_cli: bool,
    pub(super) node_entry: Option<(String, String)>,
    pub(super) bin: Option<String>,
}

/// Reads a candidate's config and turns it, with its service, into a draft.
pub(super) fn draft(c: Candidate, notes: &mut Vec<Note>) -> Option<Draft> {
    let mut d = Draft {
        state_dir: c.path.trim_end_matches('/').to_string(),
        ..Draft::default()
    };
    let tag = d.state_dir.clone();
    let mut local: Vec<Note> = Vec::new();
    // Exactly one service is used; two are reported, not chosen between.
    let service = match c.services.len() {
        0 => None,
        1 => c.services.into_iter().next(),
        _ => {
            let names: Vec<String> = c
                .services
                .iter()
                .map(|r| format!("{} {}", r.service.kind.as_str(), r.service.path))
                .collect();
            local.push(Note::ambiguous(
                Where::file(&d.state_dir),
                format!("{} services run this gateway ({}); two gateways on one state dir hang on its lock. ocgen used neither's settings: keep one, remove the others, and import again", names.len(), names.join(", ")),
            ));
            None
        }
    };
    if let Some(r) = &service {
        d.sources
            .push(format!("{} {}", r.service.kind.as_str(), r.service.path));
        d.service = Some(r.service.kind);
        d.user.clone_from(&r.service.user);
        d.group.clone_from(&r.service.group);
    }
    d.profile = service
        .as_ref()
        .map(|r| r.profile.clone())
        .or(c.profile)
        .unwrap_or_else(|| {
            let base = d.state_dir.rsplit('/').next().unwrap_or("gateway");
            base.trim_start_matches('.')
                .trim_start_matches("openclaw-")
                .to_ascii_lowercase()
        });
    let home = service.as_ref().and_then(|r| r.home.clone()).or(c.home);
    if let Some(h) = &home {
        if format!(
            "{}/{}",
            h.trim_end_matches('/'),
            profile_state_dir_name(&d.profile)
        ) == d.state_dir
        {
            d.home = Some(h.trim_end_matches('/').to_string());
        }
    }
    let default_config = format!("{}/{CONFIG_FILE_NAME}", d.state_dir);
    let config_path = service
        .as_ref()
        .and_then(|r| r.config_path.clone())
        .unwrap_or_else(|| default_config.clone());
    if config_path != default_config {
        d.config_path = Some(config_path.clone());
    }
    if !state::is_dir(&d.state_dir) {
        local.push(Note::unread(
            Where::file(&d.state_dir),
            "the state dir its service names does not exist (yet): imported from the service alone"
                .to_string(),
        ));
    }
    // The config, if there is one.
    let mut config = Map::new();
    match read_host_text(std::path::Path::new(&config_path)) {
        Ok(text) => match state::read_config(&config_path, &text) {
            Ok(m) => {
                config = m;
                d.sources.push(config_path.clone());
            }
            Err(n) => {
                notes.extend(local.into_iter().map(|n| n.of(&tag)));
                notes.push(n.of(&tag));
                return None;
            }
        },
        Err(why) if why == "does not exist" => {}
        Err(why) => {
            notes.extend(local.into_iter().map(|n| n.of(&tag)));
            notes.push(
                Note::unread(
                    Where::file(&config_path),
                    format!("the config cannot be read ({why}); this gateway is not imported"),
                )
                .of(&tag),
            );
            return None;
        }
    }
    let cfg = config_path.as_str();
    if config
        .get("gateway")
        .and_then(|g| g.get("mode"))
        .and_then(Value::as_str)
        == Some("remote")
    {
        notes.push(
            Note::unread(
                Where::key(cfg, "gateway.mode"),
                "`remote`: a client of another gateway, not a gateway; not imported".to_string(),
            )
            .of(&tag),
        );
        return None;
    }
    // Keys ocgen models.
    let _ = state::take(&mut config, &["gateway", "mode"]);
    let mut config_port = None;
    if let Some(v) = state::take(&mut config, &["gateway", "port"]) {
        match v.as_u64().and_then(|p| u16::try_from(p).ok()) {
            Some(p) if p > 0 => config_port = Some(p),
            _ => local.push(Note::unread(
                Where::key(cfg, "gateway.port"),
                format!("is {}, not a port: ignored", state::kind(&v)),
            )),
        }
    }
    let service_port = service.as_ref().and_then(|r| r.port.clone());
    match (service_port, config_port) {
        (Some((raw, from)), cp) => match raw.parse::<u16>() {
            Ok(p) if p > 0 => {
                d.port = Some(p);
                d.port_from = from.replace(&format!(" `{}`", r_name(service.as_ref())), "");
                if let Some(cp) = cp.filter(|cp| *cp != p) {
                    local.push(Note::change(
                        Where::key(cfg, "gateway.port"),
                        format!("says {cp}, but {from} is {p}, which OpenClaw uses: the gateway keeps {p}"),
                    ));
                }
            }
            _ => local.push(Note::unread(
                service
                    .as_ref()
                    .map_or_else(|| Where::file(cfg), |r| r.service.argv_at.clone()),
                format!("{from} is not a port number: ignored"),
            )),
        },
        (None, Some(cp)) => {
            d.port = Some(cp);
            d.port_from = "`gateway.port` of its openclaw.json".to_string();
        }
        (None, None) => {}
    }
    if d.port.is_none() {
        let p = unpinned_port(&d.profile);
        d.port = Some(p);
        d.port_from = if d.profile.eq_ignore_ascii_case(DEFAULT_PROFILE) {
            "nothing pins a port: OpenClaw's default".to_string()
        } else {
            format!(
                "nothing pins a port: OpenClaw's choice for profile `{}`, a hash of its name",
                d.profile
            )
        };
        local.push(Note::change(
            Where::file(&d.state_dir),
            format!(
                "no port is pinned anywhere: OpenClaw picks {p} ({}); ocgen pins it",
                d.port_from.trim_start_matches("nothing pins a port: ")
            ),
        ));
    }
    let config_bind = state::take(&mut config, &["gateway", "bind"]);
    let bind = service.as_ref().and_then(|r| r.bind.clone()).or_else(|| {
        config_bind
            .as_ref()
            .and_then(Value::as_str)
            .map(ToString::to_string)
    });
    if let Some(b) = bind {
        if ["loopback", "lan", "tailnet", "auto", "custom"].contains(&b.as_str()) {
            if b != "loopback" {
                d.bind = Some(b);
            }
        } else {
            local.push(Note::unread(
                Where::key(cfg, "gateway.bind"),
                "is not one of loopback, lan, tailnet, auto, custom: left out (loopback)"
                    .to_string(),
            ));
        }
    }
    if let Some(h) = state::take(&mut config, &["gateway", "customBindHost"]) {
        match h.as_str() {
            Some(h) if d.bind.as_deref() == Some("custom") => {
                d.custom_bind_host = Some(h.to_string());
            }
            _ => local.push(Note::change(
                Where::key(cfg, "gateway.customBindHost"),
                "is set without `bind: custom`, where OpenClaw ignores it: left out".to_string(),
            )),
        }
    }
    // Auth.
    let auth_cfg = state::take(&mut config, &["gateway", "auth"]);
    let trusted = state::take(&mut config, &["gateway", "trustedProxies"]);
    let service_env: Vec<(String, Secret, Where, bool)> = service
        .as_ref()
        .map(|r| service_environment(&r.service, notes))
        .unwrap_or_default();
    let env_has = |k: &str| service_env.iter().any(|(n, ..)| n == k);
    let providers = config
        .get("secrets")
        .and_then(|s| s.get("providers"))
        .and_then(Value::as_object)
        .cloned();
    d.auth = auth(
        auth_cfg.as_ref(),
        trusted.as_ref(),
        providers.as_ref(),
        &env_has,
        cfg,
        &mut d.secrets,
        &mut local,
    );
    if service.as_ref().is_some_and(|r| r.token_on_cli) {
        let r = service
            .as_ref()
            .map_or_else(|| Where::file(cfg), |r| r.service.argv_at.clone());
        local.push(Note::change(r.clone(), format!("the service passes the gateway's token or password on its command line; ocgen's units never do: the gateway reads `{GATEWAY_TOKEN_ENV}`")));
        if d.auth.is_none() {
            d.auth = Some(DraftAuth {
                mode: "token".into(),
                env: Some(GATEWAY_TOKEN_ENV.into()),
                ..DraftAuth::default()
            });
        }
        d.secrets
            .add(GATEWAY_TOKEN_ENV, format!("the command line of {r}"));
    }
    // Origins, base path.
    if let Some(v) = state::take(&mut config, &["gateway", "controlUi", "allowedOrigins"]) {
        match v.as_array().map(|a| {
            a.iter()
                .map(|o| o.as_str().map(ToString::to_string))
                .collect::<Option<Vec<_>>>()
        }) {
            Some(Some(o)) => d.allowed_origins = o,
            _ => local.push(Note::unread(
                Where::key(cfg, "gateway.controlUi.allowedOrigins"),
                "is not a list of origins: left out".to_string(),
            )),
        }
    }
    if let Some(v) = state::take(&mut config, &["gateway", "controlUi", "basePath"]) {
        local.push(Note::change(
            Where::key(cfg, "gateway.controlUi.basePath"),
            format!("`{}` is not kept: ocgen sets a base path only behind its front door (`proxy:` and the gateway's `path`)", v.as_str().unwrap_or("").escape_debug()),
        ));
    }
    state::prune(&mut config, &["gateway", "controlUi"]);
    // Workspace: `agents.defaults.workspace` beats `OPENCLAW_WORKSPACE_DIR`.
    let ws_cfg = state::take(&mut config, &["agents", "defaults", "workspace"]);
    let workspace = match ws_cfg.as_ref().and_then(Value::as_str) {
        Some(w) => expand_home(w, home.as_deref()).or_else(|| {
            local.push(Note::unread(
                Where::key(cfg, "agents.defaults.workspace"),
                "is not an absolute path: left out (ocgen uses <state_dir>/workspace)".to_string(),
            ));
            None
        }),
        None => service.as_ref().and_then(|r| r.workspace.clone()),
    };
    if let Some(w) = workspace.map(|w| w.trim_end_matches('/').to_string()) {
        if w != format!("{}/workspace", d.state_dir) {
            d.workspace = Some(w);
        }
    }
    state::prune(&mut config, &["agents", "defaults"]);
    if let Some(Value::String(f)) = state::take(&mut config, &["logging", "file"]) {
        local.push(Note::change(Where::key(cfg, "logging.file"), format!("`{}` is replaced: ocgen gives every gateway its own log, <state_dir>/logs/openclaw.log", f.escape_debug())));
    }
    state::prune(&mut config, &["logging"]);
    browser_profiles(&mut d, &mut config, cfg, &mut local);
    // OpenClaw's own bookkeeping and retired keys.
    if config.remove("meta").is_some() {
        local.push(Note::change(Where::key(cfg, "meta"), "OpenClaw's own bookkeeping (`lastTouchedVersion`, migrations) is not carried over; OpenClaw keeps it in memory for a managed config".to_string()));
    }
    for (k, why) in RETIRED_KEYS {
        if config.remove(*k).is_some() {
            local.push(Note::change(Where::key(cfg, k), format!("dropped: {why}")));
        }
    }
    if config.remove("$include").is_some() {
        local.push(Note::unread(Where::key(cfg, "$include"), "the config includes other files, which ocgen does not read: their settings are not imported; merge them into the config and import again".to_string()));
    }
    for path in [&["gateway"][..], &["agents"][..]] {
        state::prune(&mut config, path);
    }
    // The service's environment: plain settings to `env`, secrets to `secrets`.
    let mut env = BTreeMap::new();
    for (k, v, at, from_file) in &service_env {
        if SERVICE_PLUMBING_ENV.contains(&k.as_str()) {
            continue;
        }
        if k == GATEWAY_TOKEN_ENV || k == GATEWAY_PASSWORD_ENV {
            d.secrets.add(k, format!("{at}"));
            continue;
        }
        if *from_file
            || looks_like_secret_name(k)
            || looks_like_credential(v.expose())
            || !is_plain_env_value(v.expose())
        {
            if crate::openclaw::is_secret_env_name(k) {
                d.secrets.add(k, format!("{at}"));
            } else {
                local.push(Note::unread(at.clone(), format!("`{}` may hold a secret but is not a variable name ocgen can list (^[A-Z][A-Z0-9_]*$): not imported", k.escape_debug())));
            }
        } else {
            env.insert(k.clone(), v.expose().to_string());
        }
    }
    let dropped: BTreeSet<&str> = service_env
        .iter()
        .map(|(k, ..)| k.as_str())
        .filter(|k| SERVICE_PLUMBING_ENV.contains(k))
        .collect();
    if !dropped.is_empty() {
        if let Some(r) = &service {
            local.push(Note::change(
                Where::file(&r.service.path),
                format!(
                    "the service's own variables are set by ocgen's outputs instead: {}",
                    dropped.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    d.env = env;
    // Secrets in the settings.
    let env_names: BTreeSet<String> = d.env.keys().cloned().collect();
    secrets::extract(&mut config, cfg, &|n| env_names.contains(n), &mut d.secrets);
    if let Some(a) = &d.auth {
        if let Some(v) = &a.env {
            d.secrets.vars.entry(v.clone()).or_insert(secrets::Origin {
                now: "the gateway's environment".to_string(),
            });
        }
    }
    // Names in OpenClaw's global .env (values never read into anything).
    let dotenv = format!("{}/{STATE_DOTENV}", d.state_dir);
    if let Ok(text) = read_host_text(std::path::Path::new(&dotenv)) {
        match env_file::parse(&text) {
            Ok(vars) => d.dotenv = vars.into_iter().map(|(k, _, _)| k).collect(),
            Err((line, why)) => local.push(Note::unread(
                Where::line(&dotenv, line),
                format!("{why}: which secrets it holds is not known"),
            )),
        }
    }
    d.openclaw = config;
    notes.extend(local.into_iter().map(|n| n.of(&tag)));
    Some(d)
}

/// The name of the service a draft uses, for shortening its messages.
fn r_name(r: Option<&Resolved>) -> String {
    r.map(|r| r.service.name.clone()).unwrap_or_default()
}

/// A value that can go in `env:` as it is: no control characters but tab
/// and newline (the plan refuses the others).
fn is_plain_env_value(v: &str) -> bool {
    !v.chars().any(|c| c.is_control() && c != '\t' && c != '\n')
}

/// The service's variables with where each is set; `true` for those read
/// from a file of secrets (`EnvironmentFile=`, the LaunchAgent's env file).
fn service_environment(s: &Service, notes: &mut Vec<Note>) -> Vec<(String, Secret, Where, bool)> {
    let mut out: Vec<(String, Secret, Where, bool)> = s
        .env
        .iter()
        .map(|(k, v, at)| (k.clone(), v.clone(), at.clone(), at.path != s.path))
        .collect();
    for f in &s.env_files {
        match read_host_text(std::path::Path::new(&f.path)) {
            Ok(text) => match env_file::parse(&text) {
                Ok(vars) => out.extend(
                    vars.into_iter()
                        .map(|(k, v, line)| (k, v, Where::line(&f.path, line), true)),
                ),
                Err((line, why)) => notes.push(Note::unread(
                    Where::line(&f.path, line),
                    format!("{why}: the variables of this `EnvironmentFile=` are not imported"),
                )),
            },
            Err(why) if f.optional && why == "does not exist" => {}
            Err(why) => notes.push(Note::unread(
                f.at.clone(),
                format!(
                    "`EnvironmentFile={}` cannot be read ({why}): its variables are not imported",
                    f.path
                ),
            )),
        }
    }
    // The last assignment wins, as for the service.
    let mut seen = BTreeSet::new();
    let mut last: Vec<_> = out
        .into_iter()
        .rev()
        .filter(|(k, ..)| seen.insert(k.clone()))
        .collect();
    last.reverse();
    last
}

/// `gateway.auth` (and the token variables of the service) as `auth:`.
fn auth(
    cfg_auth: Option<&Value>,
    trusted: Option<&Value>,
    providers: Option<&Map<String, Value>>,
    env_has: &dyn Fn(&str) -> bool,
    cfg: &str,
    secrets: &mut Secrets,
    local: &mut Vec<Note>,
) -> Option<DraftAuth> {
    let a = cfg_auth
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if cfg_auth.is_some_and(|v| !v.is_object()) {
        local.push(Note::unread(
            Where::key(cfg, "gateway.auth"),
            "is not an object: auth not imported".to_string(),
        ));
    }
    let mode = a
        .get("mode")
        .and_then(Value::as_str)
        .map(ToString::to_string)
        .or_else(|| {
            if a.contains_key("token") || env_has(GATEWAY_TOKEN_ENV) {
                Some("token".into())
            } else if a.contains_key("password") || env_has(GATEWAY_PASSWORD_ENV) {
                Some("password".into())
            } else {
                None
            }
        })?;
    if !["none", "token", "password", "trusted-proxy"].contains(&mode.as_str()) {
        local.push(Note::unread(
            Where::key(cfg, "gateway.auth.mode"),
            "is not one of none, token, password, trusted-proxy: auth not imported".to_string(),
        ));
        return None;
    }
    let mut out = DraftAuth {
        mode: mode.clone(),
        ..DraftAuth::default()
    };
    let (field, var) = if mode == "password" {
        ("password", GATEWAY_PASSWORD_ENV)
    } else {
        ("token", GATEWAY_TOKEN_ENV)
    };
    if mode == "token" || mode == "password" {
        match a.get(field) {
            None => out.env = Some(var.to_string()),
            Some(Value::String(s)) => {
                let inner = s
                    .strip_prefix("${")
                    .and_then(|r| r.strip_suffix('}'))
                    .filter(|v| crate::openclaw::is_secret_env_name(v));
                out.env = Some(inner.unwrap_or(var).to_string());
                let at = format!("`gateway.auth.{field}` in {cfg}");
                match inner {
                    Some(v) => secrets.add(v, format!("the environment (`${{{v}}}` at {at})")),
                    None => secrets.add(var, format!("literal at {at}")),
                }
                if inner.is_none() && env_has(var) {
                    local.push(Note::ambiguous(
                        Where::key(cfg, &format!("gateway.auth.{field}")),
                        format!("a literal {field} here and `{var}` in the service's environment: put the one the gateway uses in its secrets file as `{var}`"),
                    ));
                }
            }
            Some(v) => {
                if let Some(id) = secrets::env_ref(v) {
                    out.env = Some(id.to_string());
                    secrets.add(
                        id,
                        format!(
                            "the environment (the SecretRef at `gateway.auth.{field}` in {cfg})"
                        ),
                    );
                } else if let Some(path) = single_value_file(v, providers) {
                    out.file = Some(path);
                } else {
                    local.push(Note::unread(
                        Where::key(cfg, &format!("gateway.auth.{field}")),
                        format!("a SecretRef ocgen cannot express (only env variables and single-value files): write `auth: {{mode: {mode}, env: VAR}}` or `file: PATH` yourself"),
                    ));
                }
            }
        }
    }
    if mode == "trusted-proxy" {
        let tp = a.get("trustedProxy").and_then(Value::as_object);
        out.user_header = tp
            .and_then(|t| t.get("userHeader"))
            .and_then(Value::as_str)
            .map(ToString::to_string);
        out.allow_loopback = tp
            .and_then(|t| t.get("allowLoopback"))
            .and_then(Value::as_bool);
        out.trusted_proxies = trusted
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(ToString::to_string)
                    .collect()
            })
            .unwrap_or_default();
    } else if trusted.is_some() {
        local.push(Note::change(
            Where::key(cfg, "gateway.trustedProxies"),
            "is not kept: ocgen trusts a proxy only for `trusted-proxy` auth or behind its own front door (`proxy:`)".to_string(),
        ));
    }
    let known = ["mode", "token", "password", "trustedProxy"];
    let other: Vec<&str> = a
        .keys()
        .map(String::as_str)
        .filter(|k| !known.contains(k))
        .collect();
    if !other.is_empty() {
        local.push(Note::change(
            Where::key(cfg, "gateway.auth"),
            format!(
                "keys ocgen does not model are not kept: {}",
                other.join(", ")
            ),
        ));
    }
    Some(out)
}

/// A file SecretRef through a provider the config declares as a
/// `singleValue` file: the file's path, which `auth.file` takes.
fn single_value_file(v: &Value, providers: Option<&Map<String, Value>>) -> Option<String> {
    let m = v.as_object()?;
    (m.get("source")?.as_str()? == "file").then_some(())?;
    let name = m
        .get("provider")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let p = providers?.get(name)?.as_object()?;
    let single = p.get("source")?.as_str()? == "file"
        && p.get("mode").and_then(Value::as_str) == Some("singleValue");
    single.then(|| {
        p.get("path")?
            .as_str()
            .filter(|s| s.starts_with('/'))
            .map(ToString::to_string)
    })?
}

fn browser_profiles(
    d: &mut Draft,
    config: &mut Map<String, Value>,
    cfg: &str,
    local: &mut Vec<Note>,
) {
    let Some(profiles) = config
        .get_mut("browser")
        .and_then(|b| b.get_mut("profiles"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let names: Vec<String> = profiles.keys().cloned().collect();
    for name in names {
        let Some(p) = profiles.get_mut(&name).and_then(Value::as_object_mut) else {
            local.push(Note::unread(
                Where::key(cfg, &format!("browser.profiles.{name}")),
                "is not an object: left as it is".to_string(),
            ));
            continue;
        };
        let cdp_port = p.remove("cdpPort");
        let cdp_url = p.remove("cdpUrl");
        let headless = p.get("headless").and_then(Value::as_bool);
        if headless.is_some() {
            p.remove("headless");
        }
        let port = cdp_port.as_ref().and_then(|v| {
            let n = v.as_i64();
            if n.is_none() {
                local.push(Note::unread(
                    Where::key(cfg, &format!("browser.profiles.{name}.cdpPort")),
                    "is not a number: left out".to_string(),
                ));
            }
            n
        });
        d.browser.push(DraftBrowser {
            name: name.clone(),
            cdp_port: port,
            cdp_url: cdp_url.and_then(|u| u.as_str().map(ToString::to_string)),
            headless,
        });
        if p.is_empty() {
            profiles.remove(&name);
        }
    }
    state::prune(config, &["browser", "profiles"]);
    state::prune(config, &["browser"]);
}

/// `~` and `~/x` as OpenClaw resolves them, against `home`.
pub(super) fn expand_home(p: &str, home: Option<&str>) -> Option<String> {
    if p == "~" {
        return home.map(ToString::to_string);
    }
    if let Some(rest) = p.strip_prefix("~/") {
        return home.map(|h| format!("{}/{rest}", h.trim_end_matches('/')));
    }
    p.starts_with('/').then(|| p.to_string())
}
