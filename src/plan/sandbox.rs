//! Neighbours beyond ports: what gateways on one host share unless ocgen
//! keeps them apart.
//!
//! - **Docker sandboxes.** OpenClaw names a sandbox container
//!   `<containerPrefix><slug>` and reuses a running container of that name;
//!   every gateway's default prefix is `openclaw-sbx-`, so two gateways on
//!   one Docker engine would share each other's sandboxes (OpenClaw issue
//!   #51363). Each gateway gets its own prefixes, `<deployment>.<gateway>.sbx-`
//!   and `<deployment>.<gateway>.browser-` (names hold no `.`, so no
//!   gateway's prefix is the start of another's), and its own sandbox
//!   `workspaceRoot` under its state dir, unless the user sets them; prefixes
//!   of which one starts another are refused.
//! - **Tailscale Serve/Funnel.** A tailnet host has one HTTPS port 443 for
//!   Serve and Funnel; two gateways that both set `gateway.tailscale.mode`
//!   to `serve` or `funnel` on one host clash (#125369).

use super::defaults::Resolved;
use super::gateway::{Draft, Sandbox};
use super::runtime::Runtime;
use crate::diag::{Kind, Problem, Span};
use crate::model::{Sp, Tree};
use crate::target::{Target, Targets};

/// The longest prefix ocgen derives: OpenClaw cuts container names at 63
/// characters (keeping a hash), so a short prefix keeps them readable.
pub const MAX_DERIVED_PREFIX: usize = 40;

impl Runtime<'_> {
    /// `agents.defaults.sandbox.workspaceRoot` as ocgen writes it there:
    /// `<state_dir>/sandboxes` (OpenClaw's own default, pinned), or `None`
    /// when the user sets it.
    pub fn sandbox_workspace_root(&self) -> Option<String> {
        self.gateway
            .sandbox
            .workspace_root_ours
            .then(|| format!("{}/sandboxes", self.state_dir))
    }
}

/// FNV-1a, 64 bit: a stable hash (not for security) for names that must
/// stay short, and for the manifest of written files.
pub fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Docker's container name grammar `^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`, as a
/// prefix (OpenClaw appends at least one character).
pub fn is_container_prefix(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// ocgen's prefix for a gateway's sandboxes of one `kind` (`sbx` for the
/// Docker sandboxes, `browser` for the sandbox browsers): readable when
/// short, else a hash of the two names.
pub fn derived_prefix(deployment: &str, gateway: &str, kind: &str) -> String {
    let full = format!("{deployment}.{gateway}.{kind}-");
    if full.len() <= MAX_DERIVED_PREFIX {
        full
    } else {
        let h = fnv1a64(format!("{deployment}/{gateway}").as_bytes());
        format!("oc.{h:016x}.{kind}-")
    }
}

/// The user's setting at `path` under `openclaw:`.
fn setting<'t>(r: &'t Resolved, path: &[&str]) -> Option<&'t Sp<Tree>> {
    let mut t = r.s.openclaw.as_ref()?;
    for k in path {
        t = t.value.get(k)?;
    }
    Some(t)
}

const DOCKER_PREFIX: &[&str] = &["agents", "defaults", "sandbox", "docker", "containerPrefix"];
const BROWSER_PREFIX: &[&str] = &[
    "agents",
    "defaults",
    "sandbox",
    "browser",
    "containerPrefix",
];
const WORKSPACE_ROOT: &[&str] = &["agents", "defaults", "sandbox", "workspaceRoot"];
const TAILSCALE_MODE: &[&str] = &["gateway", "tailscale", "mode"];

/// One prefix: the user's (with its place) or ocgen's.
fn prefix(
    deployment: &str,
    r: &Resolved,
    path: &[&str],
    kind: &str,
    problems: &mut Vec<Problem>,
) -> (String, bool) {
    let gw = &r.name.value;
    match setting(r, path) {
        Some(Sp {
            value: Tree::Str(s),
            span,
        }) => {
            if !is_container_prefix(s) {
                problems.push(
                    Problem::new(
                        Kind::Sandbox,
                        format!(
                            "gateway `{gw}`: `{}` `{}` is not a valid start of a Docker container name",
                            path.join("."),
                            s.escape_debug()
                        ),
                    )
                    .label(*span, "not [a-zA-Z0-9][a-zA-Z0-9_.-]*")
                    .help(format!(
                        "Docker names match [a-zA-Z0-9][a-zA-Z0-9_.-]+; or remove the key to get ocgen's `{}`",
                        derived_prefix(deployment, gw, kind)
                    )),
                );
            }
            (s.clone(), false)
        }
        _ => (derived_prefix(deployment, gw, kind), true),
    }
}

/// The gateway's sandbox prefixes and workspace root.
pub(super) fn resolve_sandbox(
    deployment: &str,
    r: &Resolved,
    problems: &mut Vec<Problem>,
) -> Sandbox {
    let (docker_prefix, docker_prefix_ours) = prefix(deployment, r, DOCKER_PREFIX, "sbx", problems);
    let (browser_prefix, browser_prefix_ours) =
        prefix(deployment, r, BROWSER_PREFIX, "browser", problems);
    Sandbox {
        docker_prefix,
        docker_prefix_ours,
        browser_prefix,
        browser_prefix_ours,
        workspace_root_ours: setting(r, WORKSPACE_ROOT).is_none(),
    }
}

/// Where a prefix or root is in the input: the user's key, else the
/// gateway's name.
fn place(r: &Resolved, path: &[&str]) -> Span {
    setting(r, path).map_or(r.name.span, |s| s.span)
}

/// Two gateways whose sandbox prefixes start one another, or that share a
/// sandbox `workspaceRoot`, would use each other's sandboxes: refused.
pub(super) fn check_sandboxes(
    resolved: &[Resolved],
    drafts: &[Draft],
    problems: &mut Vec<Problem>,
) {
    let mut seen: Vec<(usize, &str, &str, &[&str])> = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        for (what, p, path) in [
            (
                "docker.containerPrefix",
                &d.sandbox.docker_prefix,
                DOCKER_PREFIX,
            ),
            (
                "browser.containerPrefix",
                &d.sandbox.browser_prefix,
                BROWSER_PREFIX,
            ),
        ] {
            for (j, other_what, q, other_path) in &seen {
                if *j == i || !(p.starts_with(q) || q.starts_with(p.as_str())) {
                    continue;
                }
                let (a, b) = (&resolved[*j].name.value, &resolved[i].name.value);
                problems.push(
                    Problem::new(
                        Kind::Sandbox,
                        format!(
                            "gateways `{a}` and `{b}` would share Docker sandbox containers: `{b}`'s sandbox {what} `{p}` and `{a}`'s {other_what} `{q}` {}",
                            if p == q { "are equal" } else { "start one another" }
                        ),
                    )
                    .label(place(&resolved[i], path), "sandbox prefix here")
                    .label(place(&resolved[*j], other_path), "clashes with this one")
                    .help("give each gateway its own prefix (no prefix may start another), or remove `containerPrefix` to get ocgen's `<deployment>.<gateway>.sbx-`"),
                );
            }
            seen.push((i, what, p, path));
        }
    }
    let mut roots: Vec<(usize, &Sp<Tree>)> = Vec::new();
    for (i, r) in resolved.iter().enumerate() {
        let Some(root) = setting(r, WORKSPACE_ROOT) else {
            continue;
        };
        if let Some((j, first)) = roots.iter().find(|(_, t)| t.value == root.value) {
            problems.push(
                Problem::new(
                    Kind::Sandbox,
                    format!(
                        "gateways `{}` and `{}` share the sandbox `workspaceRoot`",
                        resolved[*j].name.value, r.name.value
                    ),
                )
                .label(root.span, "shared sandbox workspace root")
                .label(first.span, "first used here")
                .help("give each gateway its own, or remove `workspaceRoot` to get `<state_dir>/sandboxes`"),
            );
        } else {
            roots.push((i, root));
        }
    }
}

/// Two gateways on one host that both expose themselves with Tailscale
/// Serve or Funnel: both would claim the host's HTTPS port 443.
pub(super) fn check_tailscale(resolved: &[Resolved], problems: &mut Vec<Problem>) {
    let mut first: Option<(&Resolved, &Sp<Tree>, &str)> = None;
    for r in resolved {
        let Some(mode) = setting(r, TAILSCALE_MODE) else {
            continue;
        };
        let Tree::Str(m) = &mode.value else { continue };
        if m != "serve" && m != "funnel" {
            continue;
        }
        match first {
            None => first = Some((r, mode, m)),
            Some((f, fmode, fm)) => problems.push(
                Problem::new(
                    Kind::Tailscale,
                    format!(
                        "gateways `{}` (tailscale {fm}) and `{}` (tailscale {m}) would both claim this host's Tailscale HTTPS port 443",
                        f.name.value, r.name.value
                    ),
                )
                .label(mode.span, "second Serve/Funnel claim")
                .label(fmode.span, "first claim")
                .help("let one gateway use Tailscale Serve/Funnel and reach the others through the front door (`proxy:` with `path:` routes), or run them on distinct tailnet hosts")
                // Pods are hosts of their own.
                .only(Targets::of(&[
                    Target::Host,
                    Target::Systemd,
                    Target::Nixos,
                    Target::Compose,
                    Target::Launchd,
                ])),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::{HEAD, kinds, plan_of};

    #[test]
    fn every_gateway_gets_its_own_prefixes() {
        let p = plan_of(&format!("name: fleet\n{HEAD}  a: {{}}\n  b: {{}}\n")).unwrap();
        assert_eq!(p.gateways[0].sandbox.docker_prefix, "fleet.a.sbx-");
        assert_eq!(p.gateways[1].sandbox.browser_prefix, "fleet.b.browser-");
        assert!(
            p.gateways
                .iter()
                .all(|g| is_container_prefix(&g.sandbox.docker_prefix))
        );
        let long = "x".repeat(50);
        let d = derived_prefix("fleet", &long, "browser");
        assert!(
            d.len() <= MAX_DERIVED_PREFIX && is_container_prefix(&d),
            "{d}"
        );
    }

    #[test]
    fn shared_or_nested_prefixes_are_refused() {
        let s = "openclaw: {agents: {defaults: {sandbox: {docker: {containerPrefix: ";
        let y = format!("{HEAD}  a: {{{s}box-}}}}}}}}}}}}\n  b: {{{s}box-b-}}}}}}}}}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Sandbox]);
        let y = format!("{HEAD}  a: {{{s}'bad name'}}}}}}}}}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Sandbox]);
    }

    #[test]
    fn two_tailscale_serves_are_refused() {
        let t = "openclaw: {gateway: {tailscale: {mode: ";
        let y = format!("{HEAD}  a: {{{t}serve}}}}}}}}\n  b: {{{t}funnel}}}}}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Tailscale]);
        let y = format!("{HEAD}  a: {{{t}serve}}}}}}}}\n  b: {{{t}off}}}}}}}}\n");
        assert!(plan_of(&y).is_ok());
    }
}
