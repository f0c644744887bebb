//! The env file of one gateway (`ocgen env NAME`, `env/<name>.env`).

use serde::Serialize;

use super::templates::{ENV, TemplateError, Templates};
use crate::plan::{Gateway, Runtime, Site};

/// Context of `templates/env.hbs`.
#[derive(Serialize)]
pub struct Context<'a> {
    /// Gateway name (validated: no quoting needed in a comment).
    pub gateway: &'a str,
    /// The ocgen command that writes this file (`ocgen generate`, `ocgen install`).
    pub command: &'a str,
    /// Variables in order; values are quoted by the template's `env` helper.
    pub vars: Vec<Var>,
    /// The gateway's own secrets file (a validated absolute path).
    pub secrets_file: &'a str,
    /// Names of the secrets the gateway expects there (validated names).
    pub secrets: Vec<&'a str>,
    /// `<state_dir>/.env`, when the secrets file is elsewhere: the link to
    /// it that `ocgen install` makes, which OpenClaw loads.
    pub dotenv_link: Option<String>,
}

/// One variable.
#[derive(Serialize)]
pub struct Var {
    /// Name (validated `[A-Za-z_][A-Za-z0-9_]*`).
    pub name: String,
    /// Raw value.
    pub value: String,
}

/// Renders the env file as `ocgen generate` writes it.
pub fn render(g: &Gateway, t: &Templates) -> Result<String, TemplateError> {
    render_by(g, t, "ocgen generate")
}

/// Renders the env file, naming `command` as the one that rewrites it.
pub fn render_by(g: &Gateway, t: &Templates, command: &str) -> Result<String, TemplateError> {
    let vars = g
        .host_runtime()?
        .environment()
        .into_iter()
        .map(|(name, value)| Var { name, value })
        .collect();
    t.render(
        ENV,
        &Context {
            gateway: &g.name,
            command,
            vars,
            secrets_file: &g.host_paths()?.secrets_env_file,
            secrets: g.secret_names(),
            dotenv_link: Some(g.host_paths()?)
                .filter(|p| !p.secrets_in_dotenv())
                .map(crate::plan::HostPaths::dotenv),
        },
    )
}

/// The environment a gateway's container gets (`ocgen env NAME --target
/// compose|kubernetes`, or the NixOS oci-containers backend), for reading:
/// the compose file, the pod spec or the NixOS module sets it there.
pub fn render_container(rt: &Runtime) -> String {
    let g = rt.gateway;
    let (what, secrets) = match rt.site {
        Site::Pod => ("pod", "its Secret (secretKeyRef)".to_string()),
        Site::Compose => (
            "compose container",
            format!("secrets/{}.env (env_file:)", g.name),
        ),
        Site::Container | Site::Host => (
            "container",
            "its secrets file (EnvironmentFile=)".to_string(),
        ),
    };
    let mut out = format!(
        "# OpenClaw gateway \"{}\" in its {what}: the environment it gets, as ocgen\n\
         # sets it there. For reading: the deployment file itself sets it.\n",
        g.name
    );
    let names = rt.secret_vars();
    if names.is_empty() {
        out.push_str("# Secrets are never here, and this gateway names none.\n");
    } else {
        out.push_str(&format!(
            "# Secrets are never here: {secrets} holds {}.\n",
            names.join(", ")
        ));
    }
    for (name, value) in rt.environment() {
        out.push_str(&format!("{name}={}\n", super::quote::env(&value)));
    }
    out
}
