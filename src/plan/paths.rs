//! Paths: where a gateway keeps its state on a machine that runs it
//! itself (state dir, config, workspace, log, secrets file), derived from
//! OpenClaw's `--profile` layout under `home` or written out, normalised,
//! relocated under a root, and checked for sharing and nesting.

use std::collections::HashSet;

use super::defaults::Resolved;
use super::gateway::{Draft, Gateway, HostPaths, SecretSource};
use crate::diag::{Kind, Problem};
use crate::model::Sp;
use crate::openclaw::dotenv_path;
use crate::target::{Target, Targets};

impl HostPaths {
    /// `<state_dir>/.env`, the file OpenClaw loads itself.
    pub fn dotenv(&self) -> String {
        dotenv_path(&self.state_dir)
    }

    /// Whether the secrets file is the one OpenClaw loads itself.
    pub fn secrets_in_dotenv(&self) -> bool {
        self.secrets_env_file == self.dotenv()
    }

    /// The env file `ocgen install` writes for gateway `name`: beside its
    /// config, named after the gateway (`<dir of config_path>/<name>.env`),
    /// so gateways whose configs share a directory keep apart. It is not
    /// `<state_dir>/.env`: that file is the user's (OpenClaw loads it as
    /// trusted, which makes it the place for the gateway's token).
    pub fn env_file(&self, name: &str) -> String {
        let dir = self.config_path.rsplit_once('/').map_or("", |(dir, _)| dir);
        format!("{dir}/{name}.env")
    }

    /// Directories `ocgen install` creates for the gateway (mode 0700).
    pub fn private_dirs(&self) -> [&str; 2] {
        [&self.state_dir, &self.workspace]
    }

    /// The same paths under `root` (an absolute, normalised path).
    #[must_use]
    pub fn rooted(&self, root: &str) -> HostPaths {
        let re = |p: &str| format!("{root}{p}");
        HostPaths {
            home: self.home.as_deref().map(re),
            state_dir: re(&self.state_dir),
            config_path: re(&self.config_path),
            workspace: re(&self.workspace),
            log_file: re(&self.log_file),
            secrets_env_file: re(&self.secrets_env_file),
        }
    }
}

/// A gateway asked to run on a machine itself without the paths it needs
/// there; the plan refuses such a file for the targets concerned, so only
/// a renderer called for a target the plan was not checked for sees it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoHostPaths {
    /// Neither `home` nor `state_dir`.
    #[error("gateway `{0}` has no `state_dir` and no `home`, which the host targets need")]
    State(String),
    /// No `home`, which a LaunchAgent runs in.
    #[error("gateway `{0}` has no `home`, which a LaunchAgent runs in")]
    Home(String),
}

impl<P> Gateway<P> {
    /// The gateway's paths on the machine that runs it.
    pub fn host_paths(&self) -> Result<&HostPaths, NoHostPaths> {
        self.paths
            .as_ref()
            .ok_or_else(|| NoHostPaths::State(self.name.clone()))
    }

    /// The file the gateway's auth secret is read from, if it is a file.
    pub fn secret_file(&self) -> Option<&str> {
        match self.auth.as_ref()?.secret.as_ref()? {
            SecretSource::File(p) => Some(p),
            SecretSource::Env(_) => None,
        }
    }
}

impl Gateway {
    /// The same gateway relocated under `root` (an absolute, normalised
    /// path): every path ocgen derives or reads from a path key (state dir,
    /// config, workspace, log, auth file) becomes `<root><path>`, inside the
    /// files too, because the gateway really runs from there. Values in
    /// `env` and URLs are left alone.
    #[must_use]
    pub fn rooted(&self, root: &str) -> Gateway {
        let root = root.trim_end_matches('/');
        let mut g = self.clone();
        g.paths = self.paths.as_ref().map(|p| p.rooted(root));
        if let Some(d) = &mut g.backup.host_dir {
            *d = format!("{root}{d}");
        }
        if let Some(auth) = &mut g.auth {
            if let Some(SecretSource::File(p)) = &mut auth.secret {
                *p = format!("{root}{p}");
            }
        }
        g
    }
}

impl super::Plan {
    /// The plan relocated under `root`: see [`Gateway::rooted`].
    #[must_use]
    pub fn rooted(&self, root: &str) -> super::Plan {
        super::Plan {
            gateways: self.gateways.iter().map(|g| g.rooted(root)).collect(),
            ..self.clone()
        }
    }
}

/// The gateway's paths: written out, else OpenClaw's `--profile` layout
/// under `home`; `None` (and a problem for the host targets) without either.
pub(super) fn resolve_paths(
    r: &Resolved,
    profile: &str,
    problems: &mut Vec<Problem>,
) -> Option<HostPaths> {
    let name = r.name.value.as_str();
    let s = &r.s;
    let path = |key: &str, v: Option<&Sp<String>>, problems: &mut Vec<Problem>| {
        v.and_then(|p| normalize_path(name, key, p, problems))
    };
    let home = path("home", s.home.as_ref(), problems);
    let explicit_state = path("state_dir", s.state_dir.as_ref(), problems);
    let config_path = path("config_path", s.config_path.as_ref(), problems);
    let workspace = path("workspace", s.workspace.as_ref(), problems);
    let secrets_env_file = path("secrets_env_file", s.secrets_env_file.as_ref(), problems);
    let state_dir = match (explicit_state, &home) {
        (Some(sd), _) => sd,
        (None, Some(h)) => {
            if profile.eq_ignore_ascii_case("default") {
                format!("{h}/.openclaw")
            } else {
                format!("{h}/.openclaw-{profile}")
            }
        }
        (None, None) => {
            if s.state_dir.is_none() && s.home.is_none() {
                problems.push(
                    Problem::new(Kind::Path, format!("gateway `{name}` has no `state_dir` and no `home`"))
                        .only(Targets::of(Target::HOST_PATHS))
                        .label(r.body, "needs a place for its state")
                        .help("set `home` in `defaults` (ocgen derives `<home>/.openclaw-<profile>`), or give the gateway a `state_dir`; or, to run the gateways in containers only, write `targets: [compose]` (or `[kubernetes]`), which need no host path"),
                );
            }
            return None;
        }
    };
    Some(HostPaths {
        config_path: config_path.unwrap_or_else(|| format!("{state_dir}/openclaw.json")),
        workspace: workspace.unwrap_or_else(|| format!("{state_dir}/workspace")),
        log_file: format!("{state_dir}/logs/openclaw.log"),
        secrets_env_file: secrets_env_file.unwrap_or_else(|| dotenv_path(&state_dir)),
        state_dir,
        home,
    })
}

/// Checks an absolute path and returns it normalised (no `.`, no `//`, no
/// trailing `/`). `..` is refused: it would hide nesting.
pub(super) fn normalize_path(
    gw: &str,
    key: &str,
    p: &Sp<String>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let v = &p.value;
    // `auth.file` takes the path of the secret: what is written there
    // instead may be the secret itself, so it is never echoed.
    let secret = key == "auth.file";
    let quoted = |v: &str| {
        if secret {
            String::new()
        } else {
            format!(": `{}`", v.escape_debug())
        }
    };
    let bad = |msg: String, help: &str| {
        let p = Problem::new(Kind::Path, format!("gateway `{gw}`: `{key}` {msg}"))
            .label(p.span, "here")
            .help(help.to_string());
        if secret { p.redact_source() } else { p }
    };
    if !v.starts_with('/') {
        problems.push(bad(
            if secret {
                "must be the absolute path of the file that holds the secret".to_string()
            } else {
                format!("must be an absolute path, got `{}`", v.escape_debug())
            },
            "write the full path from `/`; output never depends on the directory ocgen runs in",
        ));
        return None;
    }
    if v.chars().any(char::is_control) {
        problems.push(bad(
            "contains a control character".to_string(),
            "remove newlines, tabs and other control characters from the path",
        ));
        return None;
    }
    let mut parts = Vec::new();
    for part in v.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                problems.push(bad(
                    format!("contains `..`{}", quoted(v)),
                    "write the path without `..` so ocgen can tell whether gateways' paths nest",
                ));
                return None;
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        problems.push(bad(
            "is `/`".to_string(),
            "give the gateway a directory of its own",
        ));
        return None;
    }
    if let Some(c) = v
        .chars()
        .find(|&c| UNSAFE_PATH_CHARS.contains(c) || c.is_whitespace())
    {
        let what = if secret {
            "a character that paths may not hold".to_string()
        } else {
            describe_char(c)
        };
        problems.push(bad(
            format!("contains {what}{}", quoted(v)),
            "ocgen writes paths into systemd units, tmpfiles rules and volume specs, which each escape these differently: use letters, digits and `/ . _ - + @ ,`",
        ));
        return None;
    }
    Some(format!("/{}", parts.join("/")))
}

/// Characters refused in paths, besides whitespace and control characters.
pub(super) const UNSAFE_PATH_CHARS: &str = "\"'\\%$:;`*?[]{}<>|&#!=";

pub(super) fn describe_char(c: char) -> String {
    if c.is_whitespace() {
        format!("whitespace ({c:?})")
    } else {
        format!("`{c}`")
    }
}

pub(super) fn check_path_overlaps(
    resolved: &[Resolved],
    gateways: &[Draft],
    problems: &mut Vec<Problem>,
) {
    // (path + "/", gateway, key). Sorted, every ancestor of a path comes
    // before it and everything between them shares the ancestor's prefix, so
    // a stack of open ancestors finds all nesting in one pass.
    let mut items: Vec<(String, usize, &'static str)> = Vec::with_capacity(gateways.len() * 4);
    for (i, g) in gateways.iter().enumerate() {
        let Some(p) = &g.paths else { continue };
        items.push((format!("{}/", p.state_dir), i, "state_dir"));
        items.push((format!("{}/", p.config_path), i, "config_path"));
        items.push((format!("{}/", p.workspace), i, "workspace"));
        items.push((format!("{}/", p.env_file(&g.name)), i, "env_file"));
    }
    items.sort();
    let mut stack: Vec<usize> = Vec::new();
    let mut reported = HashSet::new();
    let mut reported_pairs = HashSet::new();
    for idx in 0..items.len() {
        while let Some(&top) = stack.last() {
            if items[idx].0.starts_with(&items[top].0) {
                break;
            }
            stack.pop();
        }
        if let Some(&anc) = stack.iter().rev().find(|&&a| items[a].1 != items[idx].1) {
            let (ap, ag, ak) = &items[anc];
            let (cp, cg, ck) = &items[idx];
            let pair = if *ak == "env_file" {
                // Whatever lies in a file: one report per pair of gateways.
                (*ag.min(cg), *ag.max(cg), "env_file", "")
            } else {
                (*ag.min(cg), *ag.max(cg), *ak, *ck)
            };
            let same = ap == cp;
            // An env file inside another gateway's directory means its
            // config is there too, which is reported already.
            let env_echo = *ck == "env_file" && !same;
            // A path derived from a state dir that already conflicts with
            // this gateway adds nothing: the state dir is the one to move.
            let explicit = |gi: usize, key: &str| match key {
                "config_path" | "env_file" => resolved[gi].s.config_path.is_some(),
                "workspace" => resolved[gi].s.workspace.is_some(),
                _ => true,
            };
            let derived = !explicit(*ag, ak) || !explicit(*cg, ck);
            if env_echo
                || (derived && reported_pairs.contains(&(pair.0, pair.1)))
                || !reported.insert(pair)
            {
                stack.push(idx);
                continue;
            }
            reported_pairs.insert((pair.0, pair.1));
            {
                let (ga, gc) = (&gateways[*ag], &gateways[*cg]);
                let rel = if same { "the same path as" } else { "inside" };
                let span = |gi: usize, key: &str| {
                    let s = &resolved[gi].s;
                    let v = match key {
                        "state_dir" => s.state_dir.as_ref(),
                        "config_path" | "env_file" => s.config_path.as_ref(),
                        _ => s.workspace.as_ref(),
                    };
                    v.or(s.state_dir.as_ref())
                        .or(s.home.as_ref())
                        .map_or(resolved[gi].name.span, |v| v.span)
                };
                problems.push(
                    Problem::new(
                        Kind::PathOverlap,
                        format!(
                            "gateway `{}`'s {ck} {} is {rel} gateway `{}`'s {ak} {}",
                            gc.name,
                            cp.trim_end_matches('/'),
                            ga.name,
                            ap.trim_end_matches('/')
                        ),
                    )
                    .only(Targets::of(Target::HOST_PATHS))
                    .label(span(*cg, ck), "here")
                    .label(span(*ag, ak), "conflicts with this")
                    .help("two gateways on one state dir hang waiting for each other's lock: give each gateway its own directories, or leave the paths out to get <home>/.openclaw-<profile>"),
                );
            }
        }
        stack.push(idx);
    }
}

/// Two gateways' container workspaces on one host directory (or one inside
/// the other) would share agent files.
pub(super) fn check_workspace_host_paths(
    resolved: &[Resolved],
    gateways: &[Draft],
    problems: &mut Vec<Problem>,
) {
    let mut items: Vec<(String, usize)> = gateways
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            g.container
                .workspace_host_path
                .as_ref()
                .map(|p| (format!("{p}/"), i))
        })
        .collect();
    items.sort();
    // Sorted, every ancestor comes before its descendants: a stack of open
    // ancestors finds each nesting against the nearest one.
    let mut open: Vec<usize> = Vec::new();
    for idx in 0..items.len() {
        while let Some(&top) = open.last() {
            if items[idx].0.starts_with(&items[top].0) {
                break;
            }
            open.pop();
        }
        if let Some(&anc) = open.last() {
            let (ap, ag) = &items[anc];
            let (cp, cg) = &items[idx];
            let span = |gi: usize| {
                resolved[gi]
                    .s
                    .workspace_host_path
                    .as_ref()
                    .map_or(resolved[gi].name.span, |v| v.span)
            };
            let rel = if ap == cp {
                "the same directory as"
            } else {
                "inside"
            };
            problems.push(
                Problem::new(
                    Kind::PathOverlap,
                    format!(
                        "gateway `{}`'s workspace_host_path {} is {rel} gateway `{}`'s {}",
                        gateways[*cg].name,
                        cp.trim_end_matches('/'),
                        gateways[*ag].name,
                        ap.trim_end_matches('/')
                    ),
                )
                .only(Targets::of(&[Target::Compose]))
                .label(span(*cg), "here")
                .label(span(*ag), "conflicts with this")
                .help("give each gateway a workspace directory of its own, or leave `workspace_host_path` out to get a named volume per gateway"),
            );
        }
        open.push(idx);
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Kind;
    use crate::plan::testing::{HEAD, kinds, plan_of};

    #[test]
    fn profile_layout_under_home() {
        let p = plan_of(&format!(
            "{HEAD}  main: {{profile: default}}\n  rescue: {{}}\n"
        ))
        .unwrap();
        let (main, rescue) = (
            p.gateways[0].host_paths().unwrap(),
            p.gateways[1].host_paths().unwrap(),
        );
        assert_eq!(main.state_dir, "/srv/oc/.openclaw");
        assert_eq!(main.config_path, "/srv/oc/.openclaw/openclaw.json");
        assert_eq!(rescue.state_dir, "/srv/oc/.openclaw-rescue");
        assert_eq!(rescue.workspace, "/srv/oc/.openclaw-rescue/workspace");
        assert_eq!(
            rescue.log_file,
            "/srv/oc/.openclaw-rescue/logs/openclaw.log"
        );
        assert_eq!(rescue.secrets_env_file, "/srv/oc/.openclaw-rescue/.env");
        assert!(rescue.secrets_in_dotenv());
    }

    #[test]
    fn a_container_only_file_has_no_host_paths() {
        let y = "version: 1\ntargets: [compose]\ngateways:\n  a: {}\n";
        let p = plan_of(y).unwrap();
        assert!(p.gateways[0].paths.is_none());
        assert!(p.gateways[0].host_paths().is_err());
        let y = "version: 1\ntargets: [host]\ngateways:\n  a: {}\n";
        assert_eq!(kinds(plan_of(y)), vec![Kind::Path]);
    }

    #[test]
    fn env_file_sits_beside_the_config_named_after_the_gateway() {
        let p = plan_of(&format!(
            "{HEAD}  main: {{profile: default}}\n  a: {{config_path: /etc/oc/a.json}}\n  b: {{config_path: /etc/oc/b.json}}\n"
        ))
        .unwrap();
        let env = |i: usize| {
            let g = &p.gateways[i];
            g.host_paths().unwrap().env_file(&g.name)
        };
        assert_eq!(env(0), "/srv/oc/.openclaw/main.env");
        assert_eq!(env(1), "/etc/oc/a.env");
        assert_eq!(env(2), "/etc/oc/b.env");
        // Another gateway's path on the env file is refused.
        let y = format!(
            "{HEAD}  a: {{config_path: /etc/oc/a.json}}\n  b: {{state_dir: /etc/oc/a.env}}\n"
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::PathOverlap]);
    }

    #[test]
    fn rooted_prefixes_every_path_and_nothing_else() {
        let y = format!(
            "{HEAD}  a:\n    workspace: /w/a\n    auth: {{mode: password, file: /run/secrets/pw}}\n    env: {{X: /not/a/path/key}}\n"
        );
        let g = plan_of(&y).unwrap().rooted("/tmp/r/").gateways.remove(0);
        let p = g.host_paths().unwrap();
        assert_eq!(p.state_dir, "/tmp/r/srv/oc/.openclaw-a");
        assert_eq!(p.config_path, "/tmp/r/srv/oc/.openclaw-a/openclaw.json");
        assert_eq!(p.workspace, "/tmp/r/w/a");
        assert_eq!(p.log_file, "/tmp/r/srv/oc/.openclaw-a/logs/openclaw.log");
        assert_eq!(g.secret_file(), Some("/tmp/r/run/secrets/pw"));
        assert_eq!(p.secrets_env_file, "/tmp/r/srv/oc/.openclaw-a/.env");
        assert_eq!(p.env_file(&g.name), "/tmp/r/srv/oc/.openclaw-a/a.env");
        assert_eq!(g.env["X"], "/not/a/path/key");
        let same = plan_of(&y).unwrap();
        assert_eq!(same.rooted("/").gateways[0].paths, same.gateways[0].paths);
    }

    #[test]
    fn shared_or_nested_paths_are_errors() {
        let y = format!("{HEAD}  a: {{state_dir: /srv/x}}\n  b: {{state_dir: /srv/x/}}\n");
        assert!(kinds(plan_of(&y)).contains(&Kind::PathOverlap));
        let y = format!("{HEAD}  a: {{state_dir: /srv/x}}\n  b: {{workspace: /srv/x/ws}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::PathOverlap]);
        let y = format!(
            "{HEAD}  a: {{state_dir: /srv/x}}\n  b: {{state_dir: /srv/x-y}}\n  c: {{state_dir: /srv/xy}}\n"
        );
        assert!(plan_of(&y).is_ok());
        let y = format!("{HEAD}  a: {{state_dir: relative/dir}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Path]);
        let y = format!("{HEAD}  a: {{state_dir: /srv/../etc}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Path]);
    }

    #[test]
    fn shared_workspace_host_paths_are_errors() {
        let y = format!(
            "{HEAD}  a: {{workspace_host_path: /srv/ws}}\n  b: {{workspace_host_path: /srv/ws/b}}\n  c: {{workspace_host_path: /srv/ws-c}}\n"
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::PathOverlap]);
        let y = format!(
            "{HEAD}  a: {{workspace_host_path: /srv/ws}}\n  b: {{workspace_host_path: /srv/ws/}}\n"
        );
        assert_eq!(kinds(plan_of(&y)), vec![Kind::PathOverlap]);
    }
}
