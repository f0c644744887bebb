//! The drafts as `ocgen.yaml`, then read back and planned as `ocgen check`
//! does, so that every problem of the host is said by check's own rules.
//!
//! The text is deterministic: gateways in name order (the default
//! profile first), keys in the order of the README's reference, every
//! string double-quoted (`render::quote::yaml`), comments cleaned of
//! control characters. `--fix-ports` moves a gateway whose footprint
//! overlaps one above it to the lowest free slot of ocgen's grid.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::assemble::Imported;
use super::draft::Draft;
use crate::diag::Problem;
use crate::openclaw::{FIRST_BASE_PORT, FOOTPRINT, MAX_BASE_PORT, MIN_BASE_PORT, SPACING};
use crate::render::quote::yaml as q;

/// A gateway `--fix-ports` moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Moved {
    pub gateway: String,
    pub from: u16,
    pub to: u16,
    /// The gateway whose footprint it overlapped (or why it moved).
    pub because: String,
}

/// Writes the file, moving ports when asked, and checks it with the plan:
/// the text, check's problems (none when it passes) and the moves.
pub(crate) fn write_checked(imp: &Imported, fix_ports: bool) -> (String, Vec<Problem>, Vec<Moved>) {
    let moved = if fix_ports {
        free_slots(&imp.gateways)
    } else {
        Vec::new()
    };
    let ports: BTreeMap<&str, u16> = moved.iter().map(|m| (m.gateway.as_str(), m.to)).collect();
    let text = render(imp, &ports);
    let problems = match crate::model::load(&text) {
        Ok(doc) => match crate::plan::plan(&doc) {
            Ok(_) => Vec::new(),
            Err(p) => p,
        },
        Err(p) => p,
    };
    (text, problems, moved)
}

/// Gateways in file order keep their port unless its footprint overlaps a
/// kept one's or leaves 1024..=65425; those move to the lowest base port
/// of the grid 18789 + 120·k whose window is clear of every kept footprint
/// and explicit CDP port.
fn free_slots(gateways: &[Draft]) -> Vec<Moved> {
    let span = u32::from(FOOTPRINT);
    let mut kept: Vec<(u32, u32, &str)> = Vec::new();
    let mut movers = Vec::new();
    for g in gateways {
        let Some(p) = g.port.map(u32::from) else {
            continue;
        };
        let clash = kept.iter().find(|(a, b, _)| p <= *b && *a <= p + span);
        let in_range = (u32::from(MIN_BASE_PORT)..=u32::from(MAX_BASE_PORT)).contains(&p);
        match clash {
            None if in_range => kept.push((p, p + span, &g.name)),
            _ => movers.push((g, clash.map(|c| c.2.to_string()))),
        }
    }
    let cdp: Vec<u32> = gateways
        .iter()
        .flat_map(|g| g.browser.iter().filter_map(|b| b.cdp_port))
        .filter_map(|p| u32::try_from(p).ok())
        .collect();
    let mut out = Vec::new();
    let mut next = u32::from(FIRST_BASE_PORT);
    for (g, because) in movers {
        let window = u32::from(SPACING) - 1;
        while next <= u32::from(MAX_BASE_PORT)
            && (kept
                .iter()
                .any(|(a, b, _)| next <= *b && *a <= next + window)
                || cdp.iter().any(|c| (next..=next + window).contains(c)))
        {
            next += u32::from(SPACING);
        }
        let Ok(to) = u16::try_from(next) else { break };
        if next > u32::from(MAX_BASE_PORT) {
            break;
        }
        kept.push((next, next + span, &g.name));
        out.push(Moved {
            gateway: g.name.clone(),
            from: g.port.unwrap_or_default(),
            to,
            because: because.map_or_else(
                || "outside 1024..=65425".to_string(),
                |c| format!("overlapped `{c}`'s ports"),
            ),
        });
    }
    out
}

/// A comment's text: one line, no control characters.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn render(imp: &Imported, moved: &BTreeMap<&str, u16>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Written by `ocgen import` from: {}.",
        comment(&imp.read.join("; "))
    );
    s.push_str(
        "# Secrets are named here, never copied: the report says which value goes in which file.\n",
    );
    s.push_str("version: 1\n");
    let mut targets = vec!["host"];
    if imp.any_unit {
        targets.push("systemd");
    }
    if imp.any_launch_agent {
        targets.push("launchd");
    }
    let _ = writeln!(s, "targets: [{}]", targets.join(", "));
    if imp.any_unit && (imp.user_units || imp.openclaw_bin.is_some()) {
        s.push_str("systemd:\n");
        if imp.user_units {
            s.push_str("  user_units: true\n");
        }
        if let Some(b) = &imp.openclaw_bin {
            let _ = writeln!(s, "  openclaw: {}", q(b));
        }
    }
    if let Some((node, entry)) = &imp.launchd {
        let _ = writeln!(s, "launchd:\n  node: {}\n  entry: {}", q(node), q(entry));
    }
    // One home for all: say it once.
    let homes: std::collections::BTreeSet<Option<&String>> =
        imp.gateways.iter().map(|g| g.home.as_ref()).collect();
    let shared_home = match homes.iter().collect::<Vec<_>>().as_slice() {
        [Some(h)] => Some((*h).clone()),
        _ => None,
    };
    if let Some(h) = &shared_home {
        let _ = writeln!(s, "defaults:\n  home: {}", q(h));
    }
    s.push_str("gateways:\n");
    for g in &imp.gateways {
        let _ = writeln!(s, "  {}:", g.name);
        let _ = writeln!(s, "    # read from: {}", comment(&g.sources.join(", ")));
        if g.profile != g.name {
            let _ = writeln!(s, "    profile: {}", q(&g.profile));
        }
        match (&g.home, &shared_home) {
            (Some(_), Some(_)) => {}
            (Some(h), None) => {
                let _ = writeln!(s, "    home: {}", q(h));
            }
            (None, _) => {
                let _ = writeln!(s, "    state_dir: {}", q(&g.state_dir));
            }
        }
        if let Some(c) = &g.config_path {
            let _ = writeln!(s, "    config_path: {}", q(c));
        }
        if let Some(w) = &g.workspace {
            let _ = writeln!(s, "    workspace: {}", q(w));
        }
        if let Some(p) = moved.get(g.name.as_str()) {
            let _ = writeln!(
                s,
                "    port: {p}  # moved by --fix-ports from {}",
                g.port.unwrap_or_default()
            );
        } else if let Some(p) = g.port {
            let _ = writeln!(s, "    port: {p}  # {}", comment(&g.port_from));
        }
        if let Some(b) = &g.bind {
            let _ = writeln!(s, "    bind: {}", q(b));
        }
        if let Some(h) = &g.custom_bind_host {
            let _ = writeln!(s, "    custom_bind_host: {}", q(h));
        }
        if let Some(a) = &g.auth {
            let _ = writeln!(s, "    auth:\n      mode: {}", q(&a.mode));
            if let Some(e) = &a.env {
                let _ = writeln!(s, "      env: {}", q(e));
            }
            if let Some(f) = &a.file {
                let _ = writeln!(s, "      file: {}", q(f));
            }
            if let Some(h) = &a.user_header {
                let _ = writeln!(s, "      user_header: {}", q(h));
            }
            if !a.trusted_proxies.is_empty() {
                let list: Vec<String> = a.trusted_proxies.iter().map(|p| q(p)).collect();
                let _ = writeln!(s, "      trusted_proxies: [{}]", list.join(", "));
            }
            if let Some(l) = a.allow_loopback {
                let _ = writeln!(s, "      allow_loopback: {l}");
            }
        }
        if !g.browser.is_empty() {
            s.push_str("    browser:\n      profiles:\n");
            for b in &g.browser {
                let _ = writeln!(s, "        {}:", key(&b.name));
                if b.cdp_port.is_none() && b.cdp_url.is_none() && b.headless.is_none() {
                    s.push_str("          {}\n");
                }
                if let Some(p) = b.cdp_port {
                    let _ = writeln!(s, "          cdp_port: {p}");
                }
                if let Some(u) = &b.cdp_url {
                    let _ = writeln!(s, "          cdp_url: {}", q(u));
                }
                if let Some(h) = b.headless {
                    let _ = writeln!(s, "          headless: {h}");
                }
            }
        }
        if !g.allowed_origins.is_empty() {
            let list: Vec<String> = g.allowed_origins.iter().map(|o| q(o)).collect();
            let _ = writeln!(s, "    allowed_origins: [{}]", list.join(", "));
        }
        if !g.env.is_empty() {
            s.push_str("    env:\n");
            for (k, v) in &g.env {
                let _ = writeln!(s, "      {}: {}", key(k), q(v));
            }
        }
        let names: Vec<&String> = g
            .secrets
            .vars
            .keys()
            .filter(|v| g.auth.as_ref().and_then(|a| a.env.as_ref()) != Some(*v))
            .collect();
        if !names.is_empty() {
            s.push_str("    secrets:\n");
            for n in names {
                let _ = writeln!(s, "      - {}", key(n));
            }
        }
        if let Some(u) = &g.user {
            let _ = writeln!(s, "    user: {}", q(u));
        }
        if let Some(gr) = &g.group {
            let _ = writeln!(s, "    group: {}", q(gr));
        }
        if !g.openclaw.is_empty() {
            s.push_str("    openclaw:");
            emit_map(&g.openclaw, 6, &mut s);
            s.push('\n');
        }
    }
    s
}

/// A JSON map in block style at `indent`; lists and the maps inside them
/// in flow style (JSON is YAML), every string and key double-quoted.
fn emit_map(m: &serde_json::Map<String, Value>, indent: usize, s: &mut String) {
    if m.is_empty() {
        s.push_str(" {}");
        return;
    }
    for (k, v) in m {
        let _ = write!(s, "\n{}{}:", " ".repeat(indent), key(k));
        match v {
            Value::Object(inner) => emit_map(inner, indent + 2, s),
            other => {
                s.push(' ');
                flow(other, s);
            }
        }
    }
}

/// A map key: bare when it is a plain identifier that YAML reads as that
/// same string, else double-quoted.
fn key(k: &str) -> String {
    let plain = k.starts_with(|c: char| c.is_ascii_alphabetic())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && ![
            "true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf",
        ]
        .contains(&k.to_ascii_lowercase().as_str());
    if plain { k.to_string() } else { q(k) }
}

fn flow(v: &Value, s: &mut String) {
    match v {
        Value::Null => s.push_str("null"),
        Value::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => s.push_str(&n.to_string()),
        Value::String(t) => s.push_str(&q(t)),
        Value::Array(items) => {
            s.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                flow(item, s);
            }
            s.push(']');
        }
        Value::Object(m) => {
            s.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(&key(k));
                s.push_str(": ");
                flow(v, s);
            }
            s.push('}');
        }
    }
}
