//! The env file of one gateway (`ocgen env NAME`, `env/<name>.env`).

use serde::Serialize;

use super::templates::{ENV, TemplateError, Templates};
use crate::plan::Gateway;

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
        },
    )
}
