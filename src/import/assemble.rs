//! One draft per gateway: every source found on the host, joined by state
//! dir (a gateway *is* its state dir), with OpenClaw's own precedence
//! applied (`--port`, then `OPENCLAW_GATEWAY_PORT`, then `gateway.port`;
//! `--bind` before `gateway.bind`; `agents.defaults.workspace` before
//! `OPENCLAW_WORKSPACE_DIR`). A gateway that two services start, or whose
//! sources disagree in a way OpenClaw's rules do not settle, is reported,
//! never decided.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::secrets::{self, Secrets};
use super::{
    Note, Options, Secret, Service, ServiceKind, Where, absolute, env_file, fleet, io_words,
    launchd, read_host_file, read_host_text, state, systemd,
};
use crate::openclaw::{
    CONFIG_FILE_NAME, DEFAULT_PROFILE, GATEWAY_PASSWORD_ENV, GATEWAY_TOKEN_ENV, LAUNCH_AGENTS_DIR,
    LAUNCHD_DEFAULT_LABEL, LAUNCHD_LABEL_PREFIX, RETIRED_KEYS, SERVICE_PLUMBING_ENV, STATE_DOTENV,
    SYSTEMD_SYSTEM_UNIT_DIR, SYSTEMD_UNIT_PREFIX, SYSTEMD_USER_UNIT_DIR, is_profile_name,
    looks_like_secret_name, profile_state_dir_name, unpinned_port,
};
use crate::plan::{is_gateway_name, looks_like_credential};

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

/// Everything read from the host.
#[derive(Debug, Default)]
pub(crate) struct Imported {
    pub gateways: Vec<Draft>,
    pub notes: Vec<Note>,
    /// What was read, for the report's first line.
    pub read: Vec<String>,
    /// `systemd.user_units` when every unit found is a user unit.
    pub user_units: bool,
    pub any_unit: bool,
    pub any_launch_agent: bool,
    /// `launchd: {node, entry}` when every LaunchAgent agrees.
    pub launchd: Option<(String, String)>,
    /// `systemd: {openclaw}` when every unit starts the same installed CLI.
    pub openclaw_bin: Option<String>,
}

/// A state dir with what is known of it before its config is read.
struct Candidate {
    path: String,
    home: Option<String>,
    profile: Option<String>,
    services: Vec<Resolved>,
}

/// A service, understood: where its gateway lives and what it pins.
#[derive(Debug)]
struct Resolved {
    service: Service,
    profile: String,
    home: Option<String>,
    state_dir: String,
    config_path: Option<String>,
    workspace: Option<String>,
    port: Option<(String, String)>,
    bind: Option<String>,
    token_on_cli: bool,
    node_entry: Option<(String, String)>,
    bin: Option<String>,
}

/// Reads the host as `opts` says and drafts every gateway on it.
pub(crate) fn import(opts: &Options) -> Imported {
    let mut out = Imported::default();
    let mut notes = Vec::new();
    let mut homes: Vec<String> = opts.homes.iter().map(|h| absolute(h)).collect();
    let mut unit_dirs: Vec<String> = opts.system_units.iter().map(|d| absolute(d)).collect();
    if homes.is_empty() && opts.state_dirs.is_empty() && unit_dirs.is_empty() {
        // The whole host of the user running ocgen: their home, and the system units.
        if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            homes.push(absolute(std::path::Path::new(&h)));
        }
        unit_dirs.push(SYSTEMD_SYSTEM_UNIT_DIR.to_string());
    }
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut services: Vec<(Service, Option<String>)> = Vec::new();
    for home in &homes {
        out.read.push(format!("home {home}"));
        for f in state::scan_home(home, &mut notes) {
            candidates.push(Candidate {
                path: f.path,
                home: Some(home.clone()),
                profile: Some(f.profile),
                services: Vec::new(),
            });
        }
        let units = format!("{}/{SYSTEMD_USER_UNIT_DIR}", home.trim_end_matches('/'));
        for path in list(&units, is_gateway_unit) {
            read_unit(
                &path,
                ServiceKind::SystemdUser,
                Some(home),
                &mut services,
                &mut notes,
            );
        }
        let agents = format!("{}/{LAUNCH_AGENTS_DIR}", home.trim_end_matches('/'));
        for path in list(&agents, |n| {
            n.starts_with(LAUNCHD_LABEL_PREFIX) && n.ends_with(".plist")
        }) {
            if path.ends_with(&format!("{LAUNCHD_LABEL_PREFIX}node.plist")) {
                notes.push(Note::unread(
                    Where::file(&path),
                    "the node host's LaunchAgent, not a gateway: not imported".to_string(),
                ));
                continue;
            }
            match read_host_file(std::path::Path::new(&path)) {
                Ok(bytes) => {
                    let reader = |p: &str| read_host_text(std::path::Path::new(p));
                    if let Some(s) = launchd::read(&path, &bytes, &reader, &mut notes) {
                        services.push((s, Some(home.clone())));
                    }
                }
                Err(why) => notes.push(Note::unread(
                    Where::file(&path),
                    format!("cannot be read: {why}; not imported"),
                )),
            }
        }
    }
    for dir in &unit_dirs {
        out.read.push(format!("system units in {dir}"));
        for path in list(dir, is_gateway_unit) {
            read_unit(
                &path,
                ServiceKind::SystemdSystem,
                None,
                &mut services,
                &mut notes,
            );
        }
    }
    for d in &opts.state_dirs {
        let path = absolute(d);
        out.read.push(format!("state dir {path}"));
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                let base = path.rsplit('/').next().unwrap_or("");
                let profile = if base == crate::openclaw::STATE_DIR_NAME {
                    Some(DEFAULT_PROFILE.to_string())
                } else {
                    base.strip_prefix(".openclaw-")
                        .filter(|p| is_profile_name(p))
                        .map(ToString::to_string)
                };
                candidates.push(Candidate {
                    path,
                    home: None,
                    profile,
                    services: Vec::new(),
                });
            }
            Ok(_) => notes.push(Note::unread(
                Where::file(&path),
                "not a directory: not imported".to_string(),
            )),
            Err(e) => notes.push(Note::unread(
                Where::file(&path),
                format!(
                    "cannot be read as a state dir: {}; not imported",
                    io_words(&e)
                ),
            )),
        }
    }
    // Services: where does each one's gateway live?
    let kinds: BTreeSet<ServiceKind> = services.iter().map(|(s, _)| s.kind).collect();
    out.any_unit = kinds.iter().any(|k| *k != ServiceKind::LaunchAgent);
    out.any_launch_agent = kinds.contains(&ServiceKind::LaunchAgent);
    out.user_units = out.any_unit && !kinds.contains(&ServiceKind::SystemdSystem);
    if kinds.contains(&ServiceKind::SystemdUser) && kinds.contains(&ServiceKind::SystemdSystem) {
        notes.push(Note::ambiguous(
            Where::file(&unit_dirs.first().cloned().unwrap_or_default()),
            "both user and system units run gateways here; ocgen writes one kind: system units (set `systemd: {user_units: true}` for user units)".to_string(),
        ));
    }
    let mut node_entries = BTreeSet::new();
    let mut bins = BTreeSet::new();
    for (service, scanned_home) in services {
        let Some(r) = resolve(service, scanned_home.as_deref(), &mut notes) else {
            continue;
        };
        if let Some(ne) = &r.node_entry {
            if r.service.kind == ServiceKind::LaunchAgent {
                node_entries.insert(ne.clone());
            }
        }
        if let Some(b) = &r.bin {
            bins.insert(b.clone());
        }
        let key = same_dir_key(&r.state_dir);
        match candidates.iter_mut().find(|c| same_dir_key(&c.path) == key) {
            Some(c) => c.services.push(r),
            None => candidates.push(Candidate {
                path: r.state_dir.clone(),
                home: r.home.clone(),
                profile: Some(r.profile.clone()),
                services: vec![r],
            }),
        }
    }
    if node_entries.len() == 1 {
        out.launchd = node_entries.into_iter().next();
    } else if node_entries.len() > 1 {
        notes.push(Note::ambiguous(
            Where::file(&homes.first().cloned().unwrap_or_default()),
            "the LaunchAgents start different node binaries or OpenClaw packages; `launchd.node`/`launchd.entry` are left at ocgen's defaults: set them".to_string(),
        ));
    }
    if bins.len() == 1 {
        out.openclaw_bin = bins.into_iter().next();
    }
    // Fleet cells live in the state dirs of the OpenClaw that made them.
    let fleet_roots: Vec<String> = candidates.iter().map(|c| c.path.clone()).collect();
    for root in &fleet_roots {
        fleet::scan(root, &mut notes);
    }
    // One gateway per directory, however many names lead to it.
    let mut seen: Vec<(Option<String>, String)> = Vec::new();
    let mut drafts: Vec<Candidate> = Vec::new();
    for mut c in candidates {
        let key = match std::fs::canonicalize(&c.path) {
            Ok(p) => Some(p.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                notes.push(Note::unread(
                    Where::file(&c.path),
                    format!(
                        "cannot be read as a state dir: {}; not imported",
                        io_words(&e)
                    ),
                ));
                continue;
            }
        };
        if let Some((_, first)) = seen
            .iter()
            .find(|(k, p)| (k.is_some() && *k == key) || *p == c.path)
        {
            if *first != c.path {
                notes.push(Note::ambiguous(
                    Where::file(&c.path),
                    format!("the same directory as {first} (a symlink): imported once, as {first}"),
                ));
            }
            // Its services join the first reading's: counted there.
            if let Some(d) = drafts.iter_mut().find(|d| d.path == *first) {
                d.services.append(&mut c.services);
            }
            continue;
        }
        seen.push((key, c.path.clone()));
        drafts.push(c);
    }
    let mut gateways: Vec<Draft> = drafts
        .into_iter()
        .filter_map(|c| draft(c, &mut notes))
        .collect();
    name_gateways(&mut gateways);
    for n in &mut notes {
        if let Some(g) = &n.gateway {
            n.gateway = gateways
                .iter()
                .find(|d| d.state_dir == *g)
                .map(|d| d.name.clone());
        }
    }
    notes.sort();
    notes.dedup();
    out.gateways = gateways;
    out.notes = notes;
    out
}

/// A directory as a key: its canonical path when it exists.
fn same_dir_key(p: &str) -> String {
    std::fs::canonicalize(p).map_or_else(
        |_| p.trim_end_matches('/').to_string(),
        |c| c.display().to_string(),
    )
}

fn is_gateway_unit(name: &str) -> bool {
    name.ends_with(".service")
        && (name == format!("{SYSTEMD_UNIT_PREFIX}.service")
            || name.starts_with(&format!("{SYSTEMD_UNIT_PREFIX}-")))
}

/// The files of `dir` whose names pass `keep`, sorted; nothing when the
/// directory does not exist.
fn list(dir: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| keep(n))
        .map(|n| format!("{}/{n}", dir.trim_end_matches('/')))
        .collect();
    out.sort();
    out
}

fn read_unit(
    path: &str,
    kind: ServiceKind,
    home: Option<&str>,
    services: &mut Vec<(Service, Option<String>)>,
    notes: &mut Vec<Note>,
) {
    match read_host_text(std::path::Path::new(path)) {
        Ok(text) => {
            if let Some(s) = systemd::read(path, &text, kind, home, notes) {
                services.push((s, home.map(ToString::to_string)));
            }
        }
        Err(why) => notes.push(Note::unread(
            Where::file(path),
            format!("cannot be read: {why}; not imported"),
        )),
    }
}

/// `~` and `~/x` as OpenClaw resolves them, against `home`.
fn expand_home(p: &str, home: Option<&str>) -> Option<String> {
    if p == "~" {
        return home.map(ToString::to_string);
    }
    if let Some(rest) = p.strip_prefix("~/") {
        return home.map(|h| format!("{}/{rest}", h.trim_end_matches('/')));
    }
    p.starts_with('/').then(|| p.to_string())
}

/// What a service's command line and environment say of its gateway.
fn resolve(
    service: Service,
    scanned_home: Option<&str>,
    notes: &mut Vec<Note>,
) -> Option<Resolved> {
    let argv = &service.argv;
    let Some(g) = argv.iter().position(|a| a == "gateway") else {
        notes.push(Note::unread(
            service.argv_at.clone(),
            format!(
                "{} `{}` does not run `openclaw gateway`: not imported",
                service.kind.as_str(),
                service.name
            ),
        ));
        return None;
    };
    let mut profile_arg = None;
    let mut dev = false;
    let mut i = 0;
    while i < g {
        let a = &argv[i];
        if a == "--profile" {
            profile_arg = argv.get(i + 1).filter(|_| i + 1 < g).cloned();
            i += 1;
        } else if let Some(p) = a.strip_prefix("--profile=") {
            profile_arg = Some(p.to_string());
        } else if a == "--dev" {
            dev = true;
        }
        i += 1;
    }
    let mut port = None;
    let mut bind = None;
    let mut token_on_cli = false;
    let mut rest = argv[g + 1..].iter().peekable();
    if rest.peek().is_some_and(|a| *a == "run") {
        rest.next();
    } else if let Some(sub) = rest.peek().filter(|a| !a.starts_with('-')) {
        notes.push(Note::unread(
            service.argv_at.clone(),
            format!(
                "{} `{}` runs `openclaw gateway {}`, not the gateway itself: not imported",
                service.kind.as_str(),
                service.name,
                // A command word, never an argument that could be a value.
                if sub.len() <= 20 && sub.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                    sub.as_str()
                } else {
                    "<subcommand>"
                }
            ),
        ));
        return None;
    }
    while let Some(a) = rest.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| rest.next().cloned());
        match flag {
            "--port" => port = value().map(|v| (v, format!("`--port` of {} `{}`", service.kind.as_str(), service.name))),
            "--bind" => bind = value(),
            "--token" | "--password" => {
                let _ = value();
                token_on_cli = true;
            }
            "--force" | "--verbose" | "--allow-unconfigured" | "--compact" | "--raw-stream" => {}
            f if f.starts_with("--") => notes.push(Note::change(
                service.argv_at.clone(),
                format!("{} `{}` passes `{}` to the gateway; ocgen's output does not (set it in `openclaw:` if it is a setting)", service.kind.as_str(), service.name, f.escape_debug()),
            )),
            _ => {}
        }
    }
    let env_home = service
        .env_value("OPENCLAW_HOME")
        .or_else(|| service.env_value("HOME"))
        .map(ToString::to_string);
    let home = env_home.or_else(|| scanned_home.map(ToString::to_string));
    let from_name = if service.kind == ServiceKind::LaunchAgent {
        if service.name == LAUNCHD_DEFAULT_LABEL {
            Some(DEFAULT_PROFILE.to_string())
        } else {
            service
                .name
                .strip_prefix(LAUNCHD_LABEL_PREFIX)
                .map(ToString::to_string)
        }
    } else if service.name == SYSTEMD_UNIT_PREFIX {
        Some(DEFAULT_PROFILE.to_string())
    } else {
        service
            .name
            .strip_prefix(&format!("{SYSTEMD_UNIT_PREFIX}-"))
            .map(ToString::to_string)
    };
    let profile = profile_arg
        .or_else(|| dev.then(|| "dev".to_string()))
        .or_else(|| {
            service
                .env_value("OPENCLAW_PROFILE")
                .filter(|p| !p.trim().is_empty())
                .map(|p| p.trim().to_string())
        })
        .or(from_name)
        .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
    let state_dir = match service
        .env_value("OPENCLAW_STATE_DIR")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => expand_home(s, home.as_deref()),
        None => home.as_deref().map(|h| {
            format!(
                "{}/{}",
                h.trim_end_matches('/'),
                profile_state_dir_name(&profile)
            )
        }),
    };
    let Some(state_dir) = state_dir else {
        notes.push(Note::unread(
            service.argv_at.clone(),
            format!("{} `{}`: its state dir cannot be told (no absolute `OPENCLAW_STATE_DIR`, no `HOME`): not imported", service.kind.as_str(), service.name),
        ));
        return None;
    };
    let config_path = service
        .env_value("OPENCLAW_CONFIG_PATH")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|p| expand_home(p, home.as_deref()));
    let workspace = service
        .env_value("OPENCLAW_WORKSPACE_DIR")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|p| expand_home(p, home.as_deref()));
    let port = port.or_else(|| {
        service.env_value("OPENCLAW_GATEWAY_PORT").map(|p| {
            (
                p.trim().to_string(),
                format!(
                    "`OPENCLAW_GATEWAY_PORT` of {} `{}`",
                    service.kind.as_str(),
                    service.name
                ),
            )
        })
    });
    let prog = argv[0].rsplit('/').next().unwrap_or("");
    // `node [node options] <entry> [--profile X] gateway ...`
    let node_entry = if prog.starts_with("node") {
        let opts: Vec<&String> = argv[1..g]
            .iter()
            .take_while(|a| a.starts_with('-'))
            .collect();
        if !opts.is_empty() {
            let shown: Vec<String> = opts
                .iter()
                .map(|o| o.split('=').next().unwrap_or("").escape_debug().to_string())
                .collect();
            notes.push(Note::change(
                service.argv_at.clone(),
                format!("{} `{}` gives node `{}`; ocgen's services do not (set `NODE_OPTIONS` in the gateway's `env` to keep it)", service.kind.as_str(), service.name, shown.join(" ")),
            ));
        }
        argv.get(1 + opts.len())
            .filter(|_| 1 + opts.len() < g)
            .map(|e| (argv[0].clone(), e.clone()))
    } else {
        None
    };
    let bin = (prog == "openclaw" && argv[0].starts_with('/')).then(|| argv[0].clone());
    let bin = bin.or_else(|| {
        // npm's global layout: <prefix>/lib/node_modules/openclaw/dist/index.js ↔ <prefix>/bin/openclaw.
        let (_, entry) = node_entry.as_ref()?;
        let prefix = entry.strip_suffix("/lib/node_modules/openclaw/dist/index.js")?;
        let b = format!("{prefix}/bin/openclaw");
        std::path::Path::new(&b).exists().then_some(b)
    });
    Some(Resolved {
        service,
        profile,
        home,
        state_dir,
        config_path,
        workspace,
        port,
        bind,
        token_on_cli,
        node_entry,
        bin,
    })
}

/// Reads a candidate's config and turns it, with its service, into a draft.
fn draft(c: Candidate, notes: &mut Vec<Note>) -> Option<Draft> {
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

/// Gateway names: the profile, `main` for the default one; unique.
fn name_gateways(gateways: &mut [Draft]) {
    gateways.sort_by(|a, b| {
        let da = a.profile.eq_ignore_ascii_case(DEFAULT_PROFILE);
        let db = b.profile.eq_ignore_ascii_case(DEFAULT_PROFILE);
        (!da, a.profile.to_ascii_lowercase(), &a.state_dir).cmp(&(
            !db,
            b.profile.to_ascii_lowercase(),
            &b.state_dir,
        ))
    });
    let profiles: BTreeSet<String> = gateways
        .iter()
        .map(|g| g.profile.to_ascii_lowercase())
        .collect();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for g in gateways.iter_mut() {
        let base = if g.profile.eq_ignore_ascii_case(DEFAULT_PROFILE) && !profiles.contains("main")
        {
            "main".to_string()
        } else {
            let s: String = g
                .profile
                .to_ascii_lowercase()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .take(60)
                .collect();
            let s = s.trim_start_matches(['-', '_']).to_string();
            if is_gateway_name(&s) {
                s
            } else {
                "gateway".to_string()
            }
        };
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(name.clone());
        g.name = name;
    }
}
