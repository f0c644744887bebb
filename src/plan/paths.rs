//! Paths: state dir, config, workspace and log of each gateway, normalised,
//! relocated under a root, and checked for sharing and nesting.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Gateway {
    /// The env file `ocgen install` writes for this gateway: beside its
    /// config, named after the gateway (`<dir of config_path>/<name>.env`),
    /// so gateways whose configs share a directory keep apart. It is not
    /// `<state_dir>/.env`: that file is the user's (OpenClaw loads it as
    /// trusted, which makes it the place for the gateway's token).
    pub fn env_file_path(&self) -> String {
        let dir = self.config_path.rsplit_once('/').map_or("", |(dir, _)| dir);
        format!("{dir}/{}.env", self.name)
    }

    /// Directories `ocgen install` creates for this gateway (mode 0700).
    pub fn private_dirs(&self) -> [&str; 2] {
        [&self.state_dir, &self.workspace]
    }

    /// The file the gateway's auth secret is read from, if it is a file.
    pub fn secret_file(&self) -> Option<&str> {
        match self.auth.as_ref()?.secret.as_ref()? {
            SecretSource::File(p) => Some(p),
            SecretSource::Env(_) => None,
        }
    }

    /// The same gateway relocated under `root` (an absolute, normalised
    /// path): every path ocgen derives or reads from a path key (state dir,
    /// config, workspace, log, auth file) becomes `<root><path>`, inside the
    /// files too, because the gateway really runs from there. Values in
    /// `env` and URLs are left alone.
    #[must_use]
    pub fn rooted(&self, root: &str) -> Gateway {
        let root = root.trim_end_matches('/');
        let re = |p: &str| format!("{root}{p}");
        let mut g = self.clone();
        g.home = self.home.as_deref().map(re);
        g.state_dir = re(&self.state_dir);
        g.config_path = re(&self.config_path);
        g.workspace = re(&self.workspace);
        g.log_file = re(&self.log_file);
        g.secrets_env_file = re(&self.secrets_env_file);
        if let Some(auth) = &mut g.auth {
            if let Some(SecretSource::File(p)) = &mut auth.secret {
                *p = re(p);
            }
        }
        g
    }
}

impl Plan {
    /// The plan relocated under `root`: see [`Gateway::rooted`].
    #[must_use]
    pub fn rooted(&self, root: &str) -> Plan {
        Plan {
            gateways: self.gateways.iter().map(|g| g.rooted(root)).collect(),
            ..self.clone()
        }
    }
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

/// `systemd.openclaw`: an absolute path that needs no quoting in `ExecStart=`.
pub(super) fn check_executable(p: &Sp<String>, problems: &mut Vec<Problem>) -> String {
    let v = &p.value;
    let ok = v.starts_with('/')
        && !v.ends_with('/')
        && !v.split('/').any(|c| c == "." || c == "..")
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@".contains(c));
    if !ok {
        problems.push(
            Problem::new(Kind::Path, format!("`systemd.openclaw` `{}` is not an absolute path to the executable", v.escape_debug()))
                .only(Targets::of(&[Target::Systemd]))
                .label(p.span, "not usable in ExecStart=")
                .help(format!("write the full path of `openclaw` from `/` in letters, digits and `/ . _ - + @`, e.g. `{DEFAULT_OPENCLAW_BIN}` (see `command -v openclaw`)")),
        );
    }
    v.clone()
}

pub(super) fn check_path_overlaps(
    resolved: &[Resolved],
    gateways: &[Gateway],
    problems: &mut Vec<Problem>,
) {
    // (path + "/", gateway, key). Sorted, every ancestor of a path comes
    // before it and everything between them shares the ancestor's prefix, so
    // a stack of open ancestors finds all nesting in one pass.
    let mut items: Vec<(String, usize, &'static str)> = Vec::with_capacity(gateways.len() * 4);
    for (i, g) in gateways.iter().enumerate() {
        items.push((format!("{}/", g.state_dir), i, "state_dir"));
        items.push((format!("{}/", g.config_path), i, "config_path"));
        items.push((format!("{}/", g.workspace), i, "workspace"));
        items.push((format!("{}/", g.env_file_path()), i, "env_file"));
    }
    items.sort();
    let mut stack: Vec<usize> = Vec::new();
    let mut reported = std::collections::HashSet::new();
    let mut reported_pairs = std::collections::HashSet::new();
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
    gateways: &[Gateway],
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
