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

/// A sandbox setting of one agent, which overrides `agents.defaults.sandbox`
/// for that agent: `agents.entries.<id>.sandbox.<sub>` (OpenClaw 2026.9's
/// roster), or `agents.list[i].sandbox.<sub>` (the legacy roster, which
/// `openclaw doctor` migrates to `entries`). The dotted key, then the value.
fn agent_settings<'t>(r: &'t Resolved, sub: &[&str]) -> Vec<(String, &'t Sp<Tree>)> {
    let under = |agent: &'t Sp<Tree>| {
        let mut t = agent.value.get("sandbox")?;
        for k in sub {
            t = t.value.get(k)?;
        }
        Some(t)
    };
    let mut out = Vec::new();
    if let Some(Sp {
        value: Tree::Map(entries),
        ..
    }) = setting(r, &["agents", "entries"])
    {
        for (id, agent) in entries {
            if let Some(t) = under(agent) {
                out.push((
                    format!("agents.entries.{}.sandbox.{}", id.value, sub.join(".")),
                    t,
                ));
            }
        }
    }
    if let Some(Sp {
        value: Tree::List(list),
        ..
    }) = setting(r, &["agents", "list"])
    {
        for (i, agent) in list.iter().enumerate() {
            if let Some(t) = under(agent) {
                out.push((format!("agents.list[{i}].sandbox.{}", sub.join(".")), t));
            }
        }
    }
    out
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
    for (sub, kind) in [
        (&["docker", "containerPrefix"][..], "sbx"),
        (&["browser", "containerPrefix"][..], "browser"),
    ] {
        for (key, t) in agent_settings(r, sub) {
            let ok = matches!(&t.value, Tree::Str(p) if is_container_prefix(p));
            if !ok {
                problems.push(
                    Problem::new(
                        Kind::Sandbox,
                        format!(
                            "gateway `{}`: `{key}` is not a valid start of a Docker container name",
                            r.name.value
                        ),
                    )
                    .label(t.span, "not [a-zA-Z0-9][a-zA-Z0-9_.-]*")
                    .help(format!(
                        "Docker names match [a-zA-Z0-9][a-zA-Z0-9_.-]+; or remove the key: the agent then uses the gateway's `{}`",
                        if kind == "sbx" { &docker_prefix } else { &browser_prefix }
                    )),
                );
            }
        }
    }
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
/// sandbox `workspaceRoot`, would use each other's sandboxes: refused. An
/// agent's own settings (`agents.entries.<id>.sandbox`) count as its
/// gateway's: within one gateway agents may share, across gateways not.
pub(super) fn check_sandboxes(
    resolved: &[Resolved],
    drafts: &[Draft],
    problems: &mut Vec<Problem>,
) {
    // (gateway, what, prefix, where)
    let mut prefixes: Vec<(usize, String, &str, Span)> = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        let r = &resolved[i];
        let key = |path: &[&str], ours: bool| {
            let k = path.join(".");
            if ours { format!("{k} (ocgen's)") } else { k }
        };
        prefixes.push((
            i,
            key(DOCKER_PREFIX, d.sandbox.docker_prefix_ours),
            &d.sandbox.docker_prefix,
            place(r, DOCKER_PREFIX),
        ));
        prefixes.push((
            i,
            key(BROWSER_PREFIX, d.sandbox.browser_prefix_ours),
            &d.sandbox.browser_prefix,
            place(r, BROWSER_PREFIX),
        ));
    }
    // Agents' own after every gateway's: a clash is reported at the agent's.
    for (i, r) in resolved.iter().enumerate() {
        for sub in [
            &["docker", "containerPrefix"][..],
            &["browser", "containerPrefix"],
        ] {
            for (key, t) in agent_settings(r, sub) {
                if let Tree::Str(p) = &t.value {
                    prefixes.push((i, key, p, t.span));
                }
            }
        }
    }
    for (n, (i, what, p, span)) in prefixes.iter().enumerate() {
        let Some((j, other_what, q, other_span)) = prefixes[..n]
            .iter()
            .find(|(j, _, q, _)| j != i && (p.starts_with(q) || q.starts_with(p)))
        else {
            continue;
        };
        let (a, b) = (&resolved[*j].name.value, &resolved[*i].name.value);
        problems.push(
            Problem::new(
                Kind::Sandbox,
                format!(
                    "gateways `{a}` and `{b}` would share Docker sandbox containers: `{b}`'s {what} `{p}` and `{a}`'s {other_what} `{q}` {}",
                    if p == q { "are equal" } else { "start one another" }
                ),
            )
            .label(*span, "sandbox prefix here")
            .label(*other_span, "clashes with this one")
            .help("give each gateway (and each of its agents) its own prefix (no prefix may start another gateway's), or remove `containerPrefix` to get ocgen's `<deployment>.<gateway>.sbx-`"),
        );
    }
    // (gateway, what, root)
    let mut roots: Vec<(usize, String, &Sp<Tree>)> = Vec::new();
    for (i, r) in resolved.iter().enumerate() {
        let own = setting(r, WORKSPACE_ROOT).map(|t| (WORKSPACE_ROOT.join("."), t));
        let agents = agent_settings(r, &["workspaceRoot"]);
        for (what, root) in own.into_iter().chain(agents) {
            if let Some((j, first_what, first)) = roots
                .iter()
                .find(|(j, _, t)| *j != i && t.value == root.value)
            {
                problems.push(
                    Problem::new(
                        Kind::Sandbox,
                        format!(
                            "gateways `{}` and `{}` share the sandbox workspace root: `{}`'s {what} and `{}`'s {first_what}",
                            resolved[*j].name.value,
                            r.name.value,
                            r.name.value,
                            resolved[*j].name.value
                        ),
                    )
                    .label(root.span, "shared sandbox workspace root")
                    .label(first.span, "first used here")
                    .help("give each gateway (and each of its agents) its own, or remove `workspaceRoot` to get `<state_dir>/sandboxes`"),
                );
            } else {
                roots.push((i, what, root));
            }
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
    fn agents_own_sandboxes_count_as_their_gateways() {
        let agent = |id: &str, sb: &str| {
            format!("openclaw: {{agents: {{entries: {{main: {{}}, {id}: {{sandbox: {sb}}}}}}}}}")
        };
        // An agent's prefix inside another gateway's derived one: refused.
        let y = format!(
            "name: lab\n{HEAD}  a: {{{}}}\n  b: {{}}\n",
            agent("coder", "{docker: {containerPrefix: lab.b.sbx-x-}}")
        );
        let problems = plan_of(&y).unwrap_err();
        assert_eq!(kinds(Err(problems.clone())), vec![Kind::Sandbox]);
        assert!(
            problems[0]
                .message
                .contains("agents.entries.coder.sandbox.docker.containerPrefix"),
            "{}",
            problems[0].message
        );
        // Two agents of one gateway may share; of two gateways not.
        let y = format!(
            "name: lab\n{HEAD}  a: {{openclaw: {{agents: {{entries: {{x: {{sandbox: {{docker: {{containerPrefix: own-}}}}}}, y: {{sandbox: {{docker: {{containerPrefix: own-}}}}}}}}}}}}}}\n  b: {{}}\n"
        );
        assert!(plan_of(&y).is_ok(), "{:?}", plan_of(&y).err());
        let y = format!(
            "{HEAD}  a: {{{}}}\n  b: {{{}}}\n",
            agent("x", "{workspaceRoot: /srv/sbx}"),
            agent("y", "{workspaceRoot: /srv/sbx}")
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Sandbox]);
        // The legacy roster too, and Docker's grammar.
        let y = format!(
            "name: lab\n{HEAD}  a: {{openclaw: {{agents: {{list: [{{id: x, sandbox: {{browser: {{containerPrefix: lab.b.browser-}}}}}}]}}}}}}\n  b: {{}}\n"
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Sandbox]);
        let y = format!(
            "{HEAD}  a: {{{}}}\n",
            agent("x", "{docker: {containerPrefix: '-'}}")
        );
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
