//! Defaults: `defaults:` applied to every gateway, key by key, and the keys
//! that every gateway must set for itself.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;

use crate::diag::{Kind, Problem, Span};
use crate::model::{
    BackupSettings, Browser, KubeQuantities, KubeResources, KubeSettings, Resources, Settings, Sp,
    Tree,
};

/// A gateway's settings with the defaults applied, spans kept: what every
/// rule reads.
pub(super) struct Resolved<'a> {
    /// The gateway's name as written.
    pub name: &'a Sp<String>,
    /// The gateway's whole entry (its name when the entry is empty).
    pub body: Span,
    /// The settings.
    pub s: Settings,
}

/// Refuses the keys of [`crate::model::PER_GATEWAY_KEYS`] in `defaults`.
pub(super) fn check_defaults(d: &Settings, problems: &mut Vec<Problem>) {
    for (key, span) in d.per_gateway_keys() {
        problems.push(
            Problem::new(
                Kind::Defaults,
                format!("`{key}` cannot be a default: every gateway needs its own"),
            )
            .label(span, "set per gateway")
            .help(format!(
                "move `{key}` into each gateway, or leave it out to have ocgen {}",
                match key {
                    "port" => "assign it",
                    "workspace_host_path" => "give each container a named workspace volume",
                    "host" | "path" => "serve each at `<gateway>.<proxy.domain>`",
                    _ => "derive it from `home`",
                }
            )),
        );
    }
}

/// Defaults applied key by key; `env` merged per variable, `browser.profiles` per profile.
pub(super) fn merge(d: &Settings, g: &Settings) -> Settings {
    // The gateway's entries replace the defaults' of the same name, and
    // follow them. Linear: a file may hold many thousands of entries.
    let env = match (&d.env, &g.env) {
        (None, None) => None,
        (a, b) => {
            let own: HashSet<&str> = b.iter().flatten().map(|(k, _)| k.value.as_str()).collect();
            Some(
                a.iter()
                    .flatten()
                    .filter(|(k, _)| !own.contains(k.value.as_str()))
                    .chain(b.iter().flatten())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        }
    };
    let browser = match (&d.browser, &g.browser) {
        (None, None) => None,
        (a, b) => {
            let own: HashSet<&str> = b
                .iter()
                .flat_map(|b| b.profiles.keys())
                .map(|k| k.value.as_str())
                .collect();
            Some(Browser {
                profiles: a
                    .iter()
                    .flat_map(|b| b.profiles.iter())
                    .filter(|(k, _)| !own.contains(k.value.as_str()))
                    .chain(b.iter().flat_map(|b| b.profiles.iter()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            })
        }
    };
    Settings {
        profile: g.profile.clone().or_else(|| d.profile.clone()),
        port: g.port.clone().or_else(|| d.port.clone()),
        home: g.home.clone().or_else(|| d.home.clone()),
        state_dir: g.state_dir.clone().or_else(|| d.state_dir.clone()),
        config_path: g.config_path.clone().or_else(|| d.config_path.clone()),
        workspace: g.workspace.clone().or_else(|| d.workspace.clone()),
        bind: g.bind.clone().or_else(|| d.bind.clone()),
        custom_bind_host: g
            .custom_bind_host
            .clone()
            .or_else(|| d.custom_bind_host.clone()),
        auth: g.auth.clone().or_else(|| d.auth.clone()),
        browser,
        env,
        image: g.image.clone().or_else(|| d.image.clone()),
        user: g.user.clone().or_else(|| d.user.clone()),
        group: g.group.clone().or_else(|| d.group.clone()),
        open_firewall: g.open_firewall.clone().or_else(|| d.open_firewall.clone()),
        secrets_env_file: g
            .secrets_env_file
            .clone()
            .or_else(|| d.secrets_env_file.clone()),
        publish: g.publish.clone().or_else(|| d.publish.clone()),
        network_mode: g.network_mode.clone().or_else(|| d.network_mode.clone()),
        resources: merge_resources(d.resources.as_ref(), g.resources.as_ref()),
        workspace_host_path: g
            .workspace_host_path
            .clone()
            .or_else(|| d.workspace_host_path.clone()),
        allowed_origins: g
            .allowed_origins
            .clone()
            .or_else(|| d.allowed_origins.clone()),
        openclaw: merge_tree(d.openclaw.as_ref(), g.openclaw.as_ref()),
        secrets: merge_secrets(d.secrets.as_ref(), g.secrets.as_ref()),
        config: g.config.clone().or_else(|| d.config.clone()),
        // Per gateway only: check_defaults refuses them in `defaults`.
        host: g.host.clone(),
        path: g.path.clone(),
        kubernetes: merge_kube(d.kubernetes.as_ref(), g.kubernetes.as_ref()),
        backup: merge_backup(d.backup.as_ref(), g.backup.as_ref()),
    }
}

/// `backup` merged key by key; the span is the gateway's when it has one.
fn merge_backup(
    d: Option<&Sp<BackupSettings>>,
    g: Option<&Sp<BackupSettings>>,
) -> Option<Sp<BackupSettings>> {
    match (d, g) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(d), Some(g)) => Some(Sp {
            value: BackupSettings {
                keep: g.value.keep.clone().or_else(|| d.value.keep.clone()),
                schedule: g
                    .value
                    .schedule
                    .clone()
                    .or_else(|| d.value.schedule.clone()),
                dir: g.value.dir.clone().or_else(|| d.value.dir.clone()),
            },
            span: g.span,
        }),
    }
}

/// `secrets` joined: the defaults' names, then the gateway's own.
fn merge_secrets(
    d: Option<&Sp<Vec<Sp<String>>>>,
    g: Option<&Sp<Vec<Sp<String>>>>,
) -> Option<Sp<Vec<Sp<String>>>> {
    match (d, g) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(d), Some(g)) => {
            let inherited: HashSet<&str> = d.value.iter().map(|v| v.value.as_str()).collect();
            Some(Sp {
                value: d
                    .value
                    .iter()
                    .chain(
                        g.value
                            .iter()
                            .filter(|v| !inherited.contains(v.value.as_str())),
                    )
                    .cloned()
                    .collect(),
                span: g.span,
            })
        }
    }
}

/// `resources` merged limit by limit; the span is the gateway's when it has one.
fn merge_resources(d: Option<&Sp<Resources>>, g: Option<&Sp<Resources>>) -> Option<Sp<Resources>> {
    match (d, g) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(d), Some(g)) => Some(Sp {
            value: Resources {
                memory: g.value.memory.clone().or_else(|| d.value.memory.clone()),
                cpus: g.value.cpus.clone().or_else(|| d.value.cpus.clone()),
            },
            span: g.span,
        }),
    }
}

/// `kubernetes` merged: the gateway's keys over the defaults', labels and
/// annotations per key.
fn merge_kube(
    defaults: Option<&Sp<KubeSettings>>,
    own: Option<&Sp<KubeSettings>>,
) -> Option<Sp<KubeSettings>> {
    let (base, top) = match (defaults, own) {
        (None, None) => return None,
        (Some(one), None) | (None, Some(one)) => return Some(one.clone()),
        (Some(base), Some(top)) => (base, top),
    };
    let map = |lower: &Option<IndexMap<Sp<String>, Sp<String>>>,
               upper: &Option<IndexMap<Sp<String>, Sp<String>>>| {
        match (lower, upper) {
            (None, None) => None,
            (lower, upper) => {
                let mut m: IndexMap<Sp<String>, Sp<String>> = IndexMap::new();
                for (k, v) in lower.iter().flatten() {
                    m.insert(k.clone(), v.clone());
                }
                for (k, v) in upper.iter().flatten() {
                    if let Some(old) = m.keys().find(|o| o.value == k.value).cloned() {
                        m.shift_remove(&old);
                    }
                    m.insert(k.clone(), v.clone());
                }
                Some(m)
            }
        }
    };
    let (dv, gv) = (&base.value, &top.value);
    let resources = match (&dv.resources, &gv.resources) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(a), Some(b)) => Some(Sp {
            value: KubeResources {
                requests: merge_quantities(a.value.requests.as_ref(), b.value.requests.as_ref()),
                limits: merge_quantities(a.value.limits.as_ref(), b.value.limits.as_ref()),
            },
            span: b.span,
        }),
    };
    Some(Sp {
        value: KubeSettings {
            namespace: gv.namespace.clone().or_else(|| dv.namespace.clone()),
            storage_class: gv
                .storage_class
                .clone()
                .or_else(|| dv.storage_class.clone()),
            state_size: gv.state_size.clone().or_else(|| dv.state_size.clone()),
            workspace_size: gv
                .workspace_size
                .clone()
                .or_else(|| dv.workspace_size.clone()),
            resources,
            secret: gv.secret.clone().or_else(|| dv.secret.clone()),
            labels: map(&dv.labels, &gv.labels),
            annotations: map(&dv.annotations, &gv.annotations),
            allow_from: gv.allow_from.clone().or_else(|| dv.allow_from.clone()),
        },
        span: top.span,
    })
}

fn merge_quantities(
    a: Option<&KubeQuantities>,
    b: Option<&KubeQuantities>,
) -> Option<KubeQuantities> {
    match (a, b) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(a), Some(b)) => Some(KubeQuantities {
            cpu: b.cpu.clone().or_else(|| a.cpu.clone()),
            memory: b.memory.clone().or_else(|| a.memory.clone()),
        }),
    }
}

/// Defaults and gateway settings merged: maps key by key (the gateway's
/// value wins, recursively), anything else (lists too) replaced whole.
fn merge_tree(d: Option<&Sp<Tree>>, g: Option<&Sp<Tree>>) -> Option<Sp<Tree>> {
    match (d, g) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(d), Some(g)) => Some(merge_values(d, g)),
    }
}

fn merge_values(d: &Sp<Tree>, g: &Sp<Tree>) -> Sp<Tree> {
    let (Tree::Map(de), Tree::Map(ge)) = (&d.value, &g.value) else {
        return g.clone();
    };
    let own: HashMap<&str, &Sp<Tree>> = ge.iter().map(|(k, v)| (k.value.as_str(), v)).collect();
    let mut out: Vec<(Sp<String>, Sp<Tree>)> = de
        .iter()
        .map(|(k, v)| match own.get(k.value.as_str()) {
            Some(gv) => (k.clone(), merge_values(v, gv)),
            None => (k.clone(), v.clone()),
        })
        .collect();
    let inherited: HashSet<&str> = de.iter().map(|(k, _)| k.value.as_str()).collect();
    out.extend(
        ge.iter()
            .filter(|(k, _)| !inherited.contains(k.value.as_str()))
            .cloned(),
    );
    Sp {
        value: Tree::Map(out),
        span: g.span,
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Kind;
    use crate::plan::testing::{kinds, plan_of};

    #[test]
    fn defaults_cannot_hold_per_gateway_keys() {
        let y = "version: 1\ndefaults:\n  home: /h\n  port: 20000\ngateways:\n  a: {}\n";
        assert!(kinds(plan_of(y)).contains(&Kind::Defaults));
        let y = "version: 1\ndefaults:\n  home: /h\n  workspace_host_path: /srv/ws\ngateways:\n  a: {}\n";
        assert!(kinds(plan_of(y)).contains(&Kind::Defaults));
    }

    #[test]
    fn env_merges_defaults_key_by_key() {
        let y = "version: 1\ndefaults:\n  home: /h\n  env: {A: '1', B: '2'}\ngateways:\n  g:\n    env: {B: '3', C: '4'}\n";
        let p = plan_of(y).unwrap();
        let env: Vec<(&str, &str)> = p.gateways[0]
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(env, vec![("A", "1"), ("B", "3"), ("C", "4")]);
    }

    #[test]
    fn env_defaults_merge_in_order_and_in_linear_time() {
        // 40,000 variables in `defaults`, half of them set again by the
        // gateway: a quadratic merge took minutes on inputs like this.
        let n = 40_000;
        let mut y = String::from("version: 1\ndefaults:\n  home: /srv/oc\n  env:\n");
        for i in 0..n {
            y.push_str(&format!("    V{i}: d\n"));
        }
        y.push_str("gateways:\n  a:\n    env:\n");
        for i in (0..n).step_by(2) {
            y.push_str(&format!("      V{i}: g\n"));
        }
        // A watchdog, not a speed limit: the quadratic merge took minutes.
        let started = std::time::Instant::now();
        let p = plan_of(&y).unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(90),
            "{:?}",
            started.elapsed()
        );
        let env = &p.gateways[0].env;
        assert_eq!(env.len(), n);
        // The defaults the gateway leaves alone, then the gateway's own.
        let (first, _) = env.get_index(0).unwrap();
        assert_eq!((first.as_str(), env["V1"].as_str()), ("V1", "d"));
        let (mid, _) = env.get_index(n / 2).unwrap();
        assert_eq!((mid.as_str(), env["V0"].as_str()), ("V0", "g"));
    }
}
