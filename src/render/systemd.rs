//! Plain systemd units (`ocgen systemd NAME`, `systemd/openclaw-gateway-<profile>.service`).
//!
//! Everything comes from [`Service`]; this module only spells it as a unit
//! file: one `Environment=` per variable, list directives once per item,
//! booleans as `yes`/`no`.

use serde::Serialize;

use super::templates::{SYSTEMD, TemplateError, Templates};
use crate::plan::{Gateway, Plan, Scope, Service, Value, memory_bytes};

/// Context of `templates/systemd.service.hbs`.
#[derive(Serialize)]
pub struct Context {
    /// Gateway name (validated: safe in a comment).
    pub gateway: String,
    /// Whether this is a system unit (else a user unit).
    pub system: bool,
    /// `Description=`, raw (the template escapes it).
    pub description: String,
    /// `ExecStart=`: executable and arguments, all checked to need no quoting.
    pub exec_start: String,
    /// `Environment=` assignments, raw.
    pub environment: Vec<Var>,
    /// `EnvironmentFile=`, with systemd's `-` when the file is optional.
    pub environment_file: String,
    /// `LoadCredential=` values, `id:path`.
    pub credentials: Vec<String>,
    /// `User=`, `Group=` (system units).
    pub user: Option<String>,
    /// See `user`.
    pub group: Option<String>,
    /// Directories to create before the first start.
    pub directories: Vec<String>,
    /// Every other directive as `(key, value)` lines, raw values.
    pub lines: Vec<Line>,
    /// `Wants=` and `After=`.
    pub after: Vec<&'static str>,
    /// `WantedBy=`.
    pub wanted_by: &'static str,
    /// `After=` without `Wants=`: the unit this one waits for
    /// ([`crate::plan::Plan::starts_after`]).
    pub start_after: Vec<String>,
    /// `ExecStartPost=-`: the health wait, quoted for systemd.
    pub start_wait: String,
    /// Its deadline in seconds.
    pub start_wait_secs: u32,
}

/// An environment variable.
#[derive(Serialize)]
pub struct Var {
    /// Name.
    pub name: String,
    /// Raw value.
    pub value: String,
}

/// One `Key=value` line.
#[derive(Serialize)]
pub struct Line {
    /// Directive.
    pub key: &'static str,
    /// Raw value.
    pub value: String,
    /// Whether the value is written as is: the directive expands no
    /// specifiers, so `%%` would stay two characters (`CPUQuota=200%`).
    pub verbatim: bool,
}

/// Directives whose values systemd reads without specifier expansion and
/// that ocgen fills itself (no user text).
const VERBATIM: &[&str] = &["CPUQuota"];

/// The unit's scope for this plan (`user_units`), unless the command line forces user units.
pub fn scope(plan: &Plan, force_user: bool) -> Scope {
    if force_user || plan.user_units {
        Scope::User
    } else {
        Scope::System
    }
}

/// The unit's file name.
pub fn file_name(g: &Gateway) -> String {
    format!("{}.service", g.unit_name())
}

/// Builds the template context from the service model.
pub fn context(s: &Service, openclaw_bin: &str) -> Context {
    let mut lines = Vec::new();
    for d in &s.directives {
        let mut push = |value: String| {
            lines.push(Line {
                key: d.key,
                value,
                verbatim: VERBATIM.contains(&d.key),
            });
        };
        match &d.value {
            Value::Str(v) => push(v.clone()),
            Value::Int(n) => push(n.to_string()),
            Value::Bool(b) => push(if *b { "yes" } else { "no" }.to_string()),
            Value::List(items) => items.iter().for_each(|i| push(i.clone())),
        }
    }
    let system = s.scope == Scope::System;
    Context {
        gateway: s.runtime.gateway.name.clone(),
        system,
        description: s.description.clone(),
        exec_start: std::iter::once(openclaw_bin.to_string())
            .chain(s.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" "),
        environment: s
            .environment
            .iter()
            .map(|(name, value)| Var {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        environment_file: s.environment_file.directive(),
        credentials: s
            .credentials
            .iter()
            .map(|c| format!("{}:{}", c.id, c.path))
            .collect(),
        user: s.account.as_ref().map(|a| a.0.clone()),
        group: s.account.as_ref().map(|a| a.1.clone()),
        directories: s.directories.clone(),
        lines,
        after: s.after.clone(),
        wanted_by: s.wanted_by,
        start_after: s.start_after.clone(),
        start_wait: super::quote::systemd_exec(&s.start_wait),
        start_wait_secs: crate::plan::START_WAIT_SECS,
    }
}

/// Renders the unit of one gateway.
pub fn render(
    plan: &Plan,
    g: &Gateway,
    scope: Scope,
    t: &Templates,
) -> Result<String, TemplateError> {
    render_service(&plan.service(g, scope)?, &plan.openclaw_bin, t)
}

/// Renders the unit of a service.
pub fn render_service(
    s: &Service,
    openclaw_bin: &str,
    t: &Templates,
) -> Result<String, TemplateError> {
    t.render(SYSTEMD, &context(s, openclaw_bin))
}

/// `systemd/openclaw.slice`: the slice every gateway's unit runs in, with
/// the fleet's memory cap (`systemd.fleet_memory`) when the file sets one.
pub fn slice(plan: &Plan) -> String {
    let mut s = String::from(
        "# The slice of the OpenClaw gateways written by ocgen: each gateway's unit\n\
         # runs in it (Slice=), so the fleet as a whole can be capped.\n\
         [Unit]\n\
         Description=OpenClaw gateways\n",
    );
    if let Some(bytes) = plan.fleet_memory.as_deref().and_then(memory_bytes) {
        s.push_str(&format!("\n[Slice]\nMemoryMax={bytes}\n"));
    }
    s
}

/// The backup service of a gateway: the same directives as the gateway's
/// unit (from [`Service`]), spelled without a template.
pub fn render_backup_service(s: &Service, openclaw_bin: &str) -> String {
    use super::quote::{systemd as q, systemd_env};
    let c = context(s, openclaw_bin);
    let mut out = format!(
        "# Backup of OpenClaw gateway \"{}\": systemd {} unit written by ocgen. Do not edit;\n\
         # change `backup:` in ocgen.yaml and run `ocgen generate` again.\n\
         # Makes one archive with `openclaw backup create --verify`, then keeps the newest ones.\n\
         # Started by its timer, or now: systemctl {}start {}\n",
        c.gateway,
        if c.system { "system" } else { "user" },
        if c.system { "" } else { "--user " },
        s.unit,
    );
    out.push_str("# Create before the first start:\n");
    for d in &c.directories {
        match (&c.user, &c.group) {
            (Some(u), Some(g)) => {
                out.push_str(&format!("#   install -d -m 0700 -o {u} -g {g} {d}\n"));
            }
            _ => out.push_str(&format!("#   install -d -m 0700 {d}\n")),
        }
    }
    out.push_str(&format!("\n[Unit]\nDescription={}\n", q(&c.description)));
    for a in &c.after {
        out.push_str(&format!("Wants={a}\nAfter={a}\n"));
    }
    out.push_str(&format!("\n[Service]\nExecStart={}\n", q(&c.exec_start)));
    for v in &c.environment {
        out.push_str(&format!("Environment={}\n", systemd_env(&v.name, &v.value)));
    }
    out.push_str(&format!("EnvironmentFile={}\n", q(&c.environment_file)));
    for cr in &c.credentials {
        out.push_str(&format!("LoadCredential={}\n", q(cr)));
    }
    if let (Some(u), Some(g)) = (&c.user, &c.group) {
        out.push_str(&format!("User={}\nGroup={}\n", q(u), q(g)));
    }
    for l in &c.lines {
        let value = if l.verbatim {
            l.value.clone()
        } else {
            q(&l.value)
        };
        out.push_str(&format!("{}={}\n", l.key, value));
    }
    out
}

/// The timer of a scheduled backup.
pub fn render_timer(t: &crate::plan::Timer, system: bool) -> String {
    use super::quote::systemd as q;
    format!(
        "# Schedule of {unit}.service, written by ocgen. Do not edit; change\n\
         # `backup.schedule` in ocgen.yaml and run `ocgen generate` again.\n\
         # Install beside the service, then: systemctl {user}daemon-reload && systemctl {user}enable --now {unit}.timer\n\
         \n[Unit]\nDescription={desc}\n\n[Timer]\nOnCalendar={cal}\nPersistent=yes\nUnit={unit}.service\n\n[Install]\nWantedBy=timers.target\n",
        unit = t.unit,
        user = if system { "" } else { "--user " },
        desc = q(&t.description),
        cal = q(&t.on_calendar),
    )
}
