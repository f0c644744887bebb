//! One draft per gateway: every source found on the host, joined by state
//! dir (a gateway *is* its state dir), with OpenClaw's own precedence
//! applied (`--port`, then `OPENCLAW_GATEWAY_PORT`, then `gateway.port`;
//! `--bind` before `gateway.bind`; `agents.defaults.workspace` before
//! `OPENCLAW_WORKSPACE_DIR`). A gateway that two services start, or whose
//! sources disagree in a way OpenClaw's rules do not settle, is reported,
//! never decided.

use std::collections::BTreeSet;

use super::draft::{Candidate, Draft, Resolved, draft, expand_home};
use super::{
    Note, Options, Service, ServiceKind, Where, absolute, fleet, io_words, launchd, read_host_file,
    read_host_text, state, systemd,
};
use crate::openclaw::{
    DEFAULT_PROFILE, LAUNCH_AGENTS_DIR, LAUNCHD_DEFAULT_LABEL, LAUNCHD_LABEL_PREFIX,
    SYSTEMD_SYSTEM_UNIT_DIR, SYSTEMD_UNIT_PREFIX, SYSTEMD_USER_UNIT_DIR, is_profile_name,
    profile_state_dir_name,
};
use crate::plan::is_gateway_name;

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
