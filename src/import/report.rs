//! What `ocgen import` says: what it read, the gateways it found, where
//! each secret's value must go (never the value), what it could not read,
//! what it would not guess, what runs differently under ocgen's output,
//! and `ocgen check`'s verdict on the file, rendered exactly as `check`
//! renders it. Deterministic: sorted, no clock.

use std::fmt::Write as _;

use super::assemble::Imported;
use super::yaml::Moved;
use super::{Note, Section};
use crate::diag::Problem;
use crate::openclaw::STATE_DOTENV;

/// The report, for a file written as `name` with `text`.
pub(crate) fn render(
    imp: &Imported,
    name: &str,
    to_stdout: bool,
    text: &str,
    problems: &[Problem],
    moved: &[Moved],
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "ocgen import: read {}", imp.read.join("; "));
    let n = imp.gateways.len();
    let _ = writeln!(s, "\nfound {n} gateway{}:", if n == 1 { "" } else { "s" });
    let rows: Vec<[String; 4]> = imp
        .gateways
        .iter()
        .map(|g| {
            [
                g.name.clone(),
                format!("profile {}", g.profile),
                format!(
                    "port {}",
                    g.port.map_or_else(|| "?".to_string(), |p| p.to_string())
                ),
                format!("state {}", g.state_dir),
            ]
        })
        .collect();
    let mut width = [0usize; 4];
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    for (r, g) in rows.iter().zip(&imp.gateways) {
        let mut line = String::from(" ");
        for (i, c) in r.iter().enumerate() {
            line.push(' ');
            line.push_str(c);
            line.push_str(&" ".repeat(width[i] - c.chars().count()));
        }
        let _ = writeln!(s, "{}", line.trim_end());
        let _ = writeln!(s, "      from {}", g.sources.join(", "));
    }
    let with_secrets: Vec<_> = imp
        .gateways
        .iter()
        .filter(|g| !g.secrets.vars.is_empty())
        .collect();
    if !with_secrets.is_empty() {
        s.push_str("\nsecrets: ocgen.yaml names them, their values stay where they are (never copied).\nPut each value in the gateway's secrets file, then remove it from where it is now:\n");
        for g in with_secrets {
            let file = format!("{}/{STATE_DOTENV}", g.state_dir);
            let _ = writeln!(s, "  {}: {file} (mode 0600)", g.name);
            let w = g.secrets.vars.keys().map(String::len).max().unwrap_or(0);
            for (var, origin) in &g.secrets.vars {
                let now = if g.dotenv.contains(var) {
                    format!("already in {file}")
                } else {
                    format!("now: {}", origin.now)
                };
                let _ = writeln!(s, "    {var:<w$}  {now}");
            }
        }
    }
    if !moved.is_empty() {
        s.push_str("\nports moved (--fix-ports); clients, bookmarks and tunnels that use the old port must change:\n");
        for m in moved {
            let _ = writeln!(s, "  {}: {} -> {} ({})", m.gateway, m.from, m.to, m.because);
        }
    }
    for (section, title) in [
        (Section::Unread, "not imported (could not be read):"),
        (Section::Ambiguous, "ambiguous (reported, not guessed):"),
        (Section::Change, "what changes under ocgen's output:"),
    ] {
        let notes: Vec<&Note> = imp.notes.iter().filter(|n| n.section == section).collect();
        if notes.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{title}");
        for n in notes {
            match &n.gateway {
                Some(g) => {
                    let _ = writeln!(s, "  {g}: {}: {}", n.at, n.why);
                }
                None => {
                    let _ = writeln!(s, "  {}: {}", n.at, n.why);
                }
            }
        }
    }
    if n == 0 {
        return s;
    }
    if problems.is_empty() {
        if n == 1 {
            let _ = writeln!(s, "\nocgen check: the gateway is valid");
        } else {
            let _ = writeln!(s, "\nocgen check: the {n} gateways can run side by side");
        }
    } else {
        let _ = writeln!(s, "\nocgen check on {name}:");
        s.push_str(&crate::diag::render(problems, name, text, false));
        if problems.iter().any(|p| {
            matches!(
                p.kind,
                crate::diag::Kind::PortOverlap | crate::diag::Kind::PortRange
            )
        }) && moved.is_empty()
        {
            s.push_str("help: the file keeps the ports the host uses; `ocgen import --fix-ports` moves the colliding gateways onto free ports\n");
        }
    }
    let _ = writeln!(
        s,
        "\n{} {name}: {n} gateway{}{}",
        if to_stdout { "printed" } else { "wrote" },
        if n == 1 { "" } else { "s" },
        if problems.is_empty() && imp.gateways.iter().any(|g| !g.secrets.vars.is_empty()) {
            "; next: put the secrets in place, then `ocgen generate` or `ocgen install`"
        } else if problems.is_empty() {
            "; next: `ocgen generate` or `ocgen install`"
        } else {
            "; `ocgen check` lists its problems again"
        }
    );
    s
}
