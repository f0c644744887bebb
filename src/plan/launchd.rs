//! launchd: one gateway as a macOS LaunchAgent, the way OpenClaw's own
//! `gateway install` writes it on a Mac (label, policy keys, log paths,
//! service markers), with the profile, port and paths of the plan.
//!
//! A LaunchAgent runs as the user who loads it, with `HOME` set to the
//! gateway's `home`. Its plist is a plain file in that user's Library, so
//! it holds no secret: OpenClaw itself loads `<state_dir>/.env` (its global
//! `.env`), which is therefore the gateway's secrets file on macOS.

use std::collections::HashMap;

use serde::Serialize;

use super::defaults::Resolved;
use super::gateway::{Draft, Gateway};
use super::paths::NoHostPaths;
use super::services::is_under;
use crate::diag::{Kind, Problem, Span};
use crate::openclaw::{
    LAUNCH_AGENTS_DIR, LAUNCHD_DEFAULT_ENTRY, LAUNCHD_DEFAULT_NODE, LAUNCHD_LABEL_ENV,
    LAUNCHD_LOG_DIR, LAUNCHD_PATH, LAUNCHD_POLICY, LAUNCHD_TLS_ENV, LaunchdValue, SERVICE_MARKERS,
    launchd_comment, launchd_label, launchd_log_name, other_service_names,
};
use crate::target::{Target, Targets};

/// The `launchd:` section, resolved.
#[derive(Clone, Debug, Serialize)]
pub struct LaunchdPlan {
    /// The `node` that runs the gateway.
    pub node: String,
    /// OpenClaw's entry script (`dist/index.js`).
    pub entry: String,
    /// Whether paths may lie outside the gateway's home.
    pub allow_outside_home: bool,
}

impl Default for LaunchdPlan {
    fn default() -> Self {
        LaunchdPlan {
            node: LAUNCHD_DEFAULT_NODE.to_string(),
            entry: LAUNCHD_DEFAULT_ENTRY.to_string(),
            allow_outside_home: false,
        }
    }
}

/// One gateway's LaunchAgent: every key of its plist.
#[derive(Clone, Debug, Serialize)]
pub struct LaunchAgent {
    /// `Label`: `ai.openclaw.<profile>` (`ai.openclaw.gateway` for `default`).
    pub label: String,
    /// `Comment`: OpenClaw's service description.
    pub comment: String,
    /// The fixed policy keys, in OpenClaw's order.
    pub policy: &'static [(&'static str, LaunchdValue)],
    /// `ProgramArguments`: node, the entry script, `gateway --port P`.
    pub program_arguments: Vec<String>,
    /// `StandardOutPath`.
    pub stdout_path: String,
    /// `StandardErrorPath` (the same file, as OpenClaw does it).
    pub stderr_path: String,
    /// `EnvironmentVariables`, in a fixed order; no secret among them.
    pub environment: Vec<(String, String)>,
    /// Where the plist goes: `<home>/Library/LaunchAgents/<label>.plist`.
    pub plist_path: String,
    /// The user's home (`HOME`).
    pub home: String,
}

impl LaunchAgent {
    /// The plist's file name.
    pub fn file_name(&self) -> String {
        format!("{}.plist", self.label)
    }

    /// `TMPDIR`, which must exist before the gateway starts.
    pub fn tmp_dir(&self) -> &str {
        self.environment
            .iter()
            .find(|(k, _)| k == "TMPDIR")
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Variables the LaunchAgent sets besides [`Gateway::environment`], which
/// `env` may not set again (the value would be ambiguous).
const AGENT_ENV: &[&str] = &[
    "HOME",
    LAUNCHD_LABEL_ENV,
    "OPENCLAW_SYSTEMD_UNIT",
    "OPENCLAW_WINDOWS_TASK_NAME",
    "OPENCLAW_WINDOWS_TASK_HIDDEN_LAUNCHER",
];

impl<P> Gateway<P> {
    /// The gateway's LaunchAgent label.
    pub fn launchd_label(&self) -> String {
        launchd_label(&self.profile)
    }
}

impl Gateway {
    /// The gateway as a LaunchAgent, which runs in the gateway's `home`.
    pub fn launch_agent(&self, l: &LaunchdPlan) -> Result<LaunchAgent, NoHostPaths> {
        let paths = self.host_paths()?;
        let home = paths
            .home
            .clone()
            .ok_or_else(|| NoHostPaths::Home(self.name.clone()))?;
        let runtime = self.host_runtime()?;
        let label = self.launchd_label();
        let log = format!(
            "{home}/{LAUNCHD_LOG_DIR}/{}",
            launchd_log_name(&self.profile)
        );
        // node's own directory first, as `gateway install` adds it, then macOS's.
        let node_dir = l.node.rsplit_once('/').map_or("", |(d, _)| d);
        let mut path_dirs: Vec<&str> = Vec::new();
        for d in std::iter::once(node_dir).chain(LAUNCHD_PATH.split(':')) {
            if !d.is_empty() && !path_dirs.contains(&d) {
                path_dirs.push(d);
            }
        }
        // In the order OpenClaw's `buildServiceEnvironment` sets them on darwin.
        let mut env: Vec<(String, String)> = vec![
            ("HOME".into(), home.clone()),
            ("TMPDIR".into(), format!("{}/tmp", paths.state_dir)),
        ];
        env.extend(
            LAUNCHD_TLS_ENV
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
        );
        env.push(("OPENCLAW_STATE_DIR".into(), paths.state_dir.clone()));
        env.push(("OPENCLAW_CONFIG_PATH".into(), paths.config_path.clone()));
        env.push(("PATH".into(), path_dirs.join(":")));
        // Empty, as OpenClaw writes it: no NODE_OPTIONS set elsewhere
        // (`launchctl setenv`) reaches the gateway.
        env.push(("NODE_OPTIONS".into(), String::new()));
        env.push(("OPENCLAW_PROFILE".into(), self.profile.clone()));
        env.push(("OPENCLAW_GATEWAY_PORT".into(), self.port.to_string()));
        env.push((LAUNCHD_LABEL_ENV.into(), label.clone()));
        env.extend(
            other_service_names(&self.profile)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v)),
        );
        env.extend(
            SERVICE_MARKERS
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
        );
        // OpenClaw's variables and the user's; the user's may replace the
        // defaults above (PATH, TMPDIR, TLS, NODE_OPTIONS), never HOME or
        // the markers (checked).
        for (k, v) in runtime.environment() {
            if let Some(slot) = env.iter_mut().find(|(name, _)| *name == k) {
                slot.1 = v;
            } else {
                env.push((k, v));
            }
        }
        Ok(LaunchAgent {
            plist_path: format!("{home}/{LAUNCH_AGENTS_DIR}/{label}.plist"),
            comment: launchd_comment(&self.profile),
            policy: LAUNCHD_POLICY,
            program_arguments: vec![
                l.node.clone(),
                l.entry.clone(),
                "gateway".into(),
                "--port".into(),
                self.port.to_string(),
            ],
            stdout_path: log.clone(),
            stderr_path: log,
            environment: env,
            label,
            home,
        })
    }
}

/// The `launchd:` section, checked.
pub(super) fn resolve_launchd(
    s: Option<&crate::model::LaunchdSettings>,
    problems: &mut Vec<Problem>,
) -> LaunchdPlan {
    let mut l = LaunchdPlan::default();
    let Some(s) = s else { return l };
    for (key, v, slot) in [
        ("node", &s.node, &mut l.node),
        ("entry", &s.entry, &mut l.entry),
    ] {
        let Some(v) = v else { continue };
        let ok = v.value.starts_with('/')
            && !v.value.ends_with('/')
            && !v.value.chars().any(char::is_control)
            && !v.value.split('/').any(|c| c == "." || c == "..");
        if !ok {
            problems.push(
                Problem::new(
                    Kind::Path,
                    format!(
                        "`launchd.{key}` `{}` is not an absolute path to a file",
                        v.value.escape_debug()
                    ),
                )
                .only(Targets::one(Target::Launchd))
                .label(v.span, "not an absolute file path")
                .help(if key == "node" {
                    format!("write the full path of node from `/`, e.g. `{LAUNCHD_DEFAULT_NODE}` (see `command -v node`)")
                } else {
                    format!("write the full path of OpenClaw's dist/index.js from `/`, e.g. `{LAUNCHD_DEFAULT_ENTRY}` (see `npm root -g`)")
                }),
            );
        }
        slot.clone_from(&v.value);
    }
    l.allow_outside_home = s.allow_outside_home.as_ref().is_some_and(|a| a.value);
    l
}

/// The rules of macOS LaunchAgents.
pub(super) fn check_launchd(
    resolved: &[Resolved],
    gateways: &[Draft],
    l: &LaunchdPlan,
    problems: &mut Vec<Problem>,
) {
    let mut labels: HashMap<String, usize> = HashMap::new();
    for (i, (r, g)) in resolved.iter().zip(gateways).enumerate() {
        let name = &g.name;
        let label = g.launchd_label();
        if let Some(&j) = labels.get(&label) {
            let span = |k: usize| {
                resolved[k]
                    .s
                    .profile
                    .as_ref()
                    .map_or(resolved[k].name.span, |p| p.span)
            };
            problems.push(
                Problem::new(
                    Kind::Profile,
                    format!(
                        "gateways `{}` and `{name}` would share the LaunchAgent label `{label}`",
                        gateways[j].name
                    ),
                )
                .only(Targets::one(Target::Launchd))
                .label(span(i), "same label")
                .label(span(j), "first used here")
                .help("launchd runs one job per label, and the profile `default` takes `ai.openclaw.gateway`: give each gateway a profile of its own"),
            );
        } else {
            labels.insert(label, i);
            // The profiles `gateway` and `node` (OpenClaw's own labels) are
            // refused for every target, in plan/profiles.rs.
        }

        // Without paths the gateway is refused for every host target already.
        let Some(paths) = &g.paths else { continue };
        let Some(home) = &paths.home else {
            problems.push(
                Problem::new(
                    Kind::Path,
                    format!("gateway `{name}` has no `home`: a LaunchAgent needs the home of the macOS user who runs it"),
                )
                .only(Targets::one(Target::Launchd))
                .label(r.body, "no home")
                .help("set `home: /Users/NAME` (in `defaults` for every gateway): the plist goes to <home>/Library/LaunchAgents and its logs to <home>/Library/Logs/openclaw"),
            );
            continue;
        };
        for env_key in AGENT_ENV
            .iter()
            .copied()
            .chain(SERVICE_MARKERS.iter().map(|(k, _)| *k))
        {
            if let Some((k, _)) = r.s.env.iter().flatten().find(|(k, _)| k.value == env_key) {
                problems.push(
                    Problem::new(
                        Kind::Env,
                        format!("gateway `{name}`: `{env_key}` is set by the LaunchAgent and again by `env`"),
                    )
                    .only(Targets::one(Target::Launchd))
                    .label(k.span, "set by ocgen")
                    .help(if env_key == "HOME" {
                        "remove it from `env`: the LaunchAgent's HOME is the gateway's `home`"
                    } else {
                        "remove it from `env`: OpenClaw recognises its own services by these variables"
                    }),
                );
            }
        }
        for (k, v) in r.s.env.iter().flatten() {
            if v.value.chars().any(|c| c == '\u{fffe}' || c == '\u{ffff}') {
                problems.push(
                    Problem::new(
                        Kind::Env,
                        format!("gateway `{name}`: `env.{}` holds U+FFFE or U+FFFF, which a plist (XML) cannot carry", k.value),
                    )
                    .only(Targets::one(Target::Launchd))
                    .label(v.span, "not an XML character")
                    .help("remove the noncharacter from the value"),
                );
            }
        }
        if !paths.secrets_in_dotenv() {
            let expected_env = paths.dotenv();
            let span = r.s.secrets_env_file.as_ref().map_or(r.body, |s| s.span);
            problems.push(
                Problem::new(
                    Kind::Path,
                    format!(
                        "gateway `{name}`: launchd has no EnvironmentFile, so `secrets_env_file` must be the `.env` OpenClaw loads itself, `{expected_env}`"
                    ),
                )
                .only(Targets::one(Target::Launchd))
                .label(span, "not read on macOS")
                .help("remove `secrets_env_file` (it defaults to <state_dir>/.env) and put the gateway's secrets there; a plist never holds them"),
            );
        }
        if !l.allow_outside_home {
            let keys: [(&str, &str, Option<Span>); 3] = [
                (
                    "state_dir",
                    &paths.state_dir,
                    r.s.state_dir.as_ref().map(|s| s.span),
                ),
                (
                    "config_path",
                    &paths.config_path,
                    r.s.config_path.as_ref().map(|s| s.span),
                ),
                (
                    "workspace",
                    &paths.workspace,
                    r.s.workspace.as_ref().map(|s| s.span),
                ),
            ];
            for (key, path, span) in keys {
                if !is_under(path, home) {
                    problems.push(
                        Problem::new(
                            Kind::Path,
                            format!("gateway `{name}`: `{key}` `{path}` is outside its home `{home}`, where a LaunchAgent's user may not write"),
                        )
                        .only(Targets::one(Target::Launchd))
                        .label(span.unwrap_or(r.body), "outside the home")
                        .help("move it under the gateway's `home`, or set `launchd: { allow_outside_home: true }` if that user owns it"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::testing::plan_of;

    const HEAD: &str = "version: 1\ntargets: [launchd]\ndefaults: {home: /Users/a}\n";

    #[test]
    fn user_env_replaces_defaults_in_place_and_follows_openclaws() {
        let p = plan_of(&format!(
            "{HEAD}gateways:\n  w: {{env: {{PATH: /usr/bin, EXTRA: x}}}}\n"
        ))
        .unwrap();
        let a = p.gateways[0].launch_agent(&p.launchd).unwrap();
        let keys: Vec<&str> = a.environment.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys.iter().filter(|k| **k == "PATH").count(), 1);
        let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
        assert!(at("PATH") < at("OPENCLAW_SERVICE_KIND"));
        assert_eq!(keys.last(), Some(&"EXTRA"));
        assert_eq!(a.environment[at("PATH")].1, "/usr/bin");
        assert_eq!(a.tmp_dir(), "/Users/a/.openclaw-w/tmp");
        assert_eq!(
            a.plist_path,
            "/Users/a/Library/LaunchAgents/ai.openclaw.w.plist"
        );
    }

    #[test]
    fn outside_home_needs_consent_and_plists_refuse_nonchars() {
        let y = format!("{HEAD}gateways:\n  w: {{workspace: /srv/ws}}\n");
        assert_eq!(plan_of(&y).unwrap_err().len(), 1);
        let y = format!(
            "{HEAD}launchd: {{allow_outside_home: true}}\ngateways:\n  w: {{workspace: /srv/ws}}\n"
        );
        assert!(plan_of(&y).is_ok());
        let y = format!("{HEAD}gateways:\n  w: {{env: {{X: \"a\\uFFFFb\"}}}}\n");
        let errs = plan_of(&y).unwrap_err();
        assert!(errs[0].message.contains("U+FFFE or U+FFFF"), "{errs:?}");
        // The same file for another target: not a launchd rule there.
        let y = y.replace("[launchd]", "[host]");
        assert!(plan_of(&y).is_ok());
    }
}
