//! Handlebars templates: compiled into the binary, or read from a user's
//! `--templates DIR`. Strict mode makes a missing variable an error, HTML
//! escaping is off, and every value must pass through a quoting helper
//! named after its target language (`env`, `yaml`, `json`, `systemd`,
//! `caddy`) or
//! compose rule (`compose`, `compose_block`, `compose_var`).

use std::path::Path;

use handlebars::Handlebars;
use serde::Serialize;

/// A template compiled into ocgen: its name and source.
pub struct Builtin {
    /// Name, also the file name under `templates/`.
    pub name: &'static str,
    /// Source.
    pub source: &'static str,
}

/// The env file of one gateway. Context: [`crate::render::env::Context`].
pub const ENV: &str = "env.hbs";

/// The systemd unit of one gateway. Context: [`crate::render::systemd::Context`].
pub const SYSTEMD: &str = "systemd.service.hbs";
/// The compose file of the deployment. Context: [`crate::render::compose::Context`].
pub const COMPOSE: &str = "compose.hbs";

/// The Caddyfile of the proxy. Context: [`crate::render::caddy::Context`].
pub const CADDY: &str = "Caddyfile.hbs";
/// The systemd unit of a host Caddy. Context: [`crate::render::caddy::UnitContext`].
pub const CADDY_UNIT: &str = "caddy.service.hbs";

/// Every built-in template.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: ENV,
        source: include_str!("../../templates/env.hbs"),
    },
    Builtin {
        name: SYSTEMD,
        source: include_str!("../../templates/systemd.service.hbs"),
    },
    Builtin {
        name: COMPOSE,
        source: include_str!("../../templates/compose.hbs"),
    },
    Builtin {
        name: CADDY,
        source: include_str!("../../templates/Caddyfile.hbs"),
    },
    Builtin {
        name: CADDY_UNIT,
        source: include_str!("../../templates/caddy.service.hbs"),
    },
];

mod helpers {
    #![allow(missing_docs)]
    use handlebars::handlebars_helper;
    handlebars_helper!(env_helper: |v: str| crate::render::quote::env(v));
    handlebars_helper!(yaml_helper: |v: str| crate::render::quote::yaml(v));
    handlebars_helper!(json_helper: |v: Json| v.to_string());
    handlebars_helper!(caddy_helper: |v: str| crate::render::quote::caddy(v));
    handlebars_helper!(systemd_helper: |v: str| crate::render::quote::systemd(v));
    handlebars_helper!(systemd_env_helper: |name: str, value: str| crate::render::quote::systemd_env(name, value));
    handlebars_helper!(compose_helper: |v: str| crate::render::quote::yaml(&crate::render::quote::compose_literal(v)));
    handlebars_helper!(compose_block_helper: |v: str, indent: u64|
        crate::render::quote::compose_block(v, usize::try_from(indent).unwrap_or(0)));

    /// `{{compose_var NAME}}`: an error, not a broken file, for a bad name.
    pub(super) fn compose_var_helper(
        h: &handlebars::Helper<'_>,
        _: &handlebars::Handlebars<'_>,
        _: &handlebars::Context,
        _: &mut handlebars::RenderContext<'_, '_>,
        out: &mut dyn handlebars::Output,
    ) -> handlebars::HelperResult {
        let name = h.param(0).and_then(|p| p.value().as_str()).ok_or(
            handlebars::RenderErrorReason::ParamNotFoundForIndex("compose_var", 0),
        )?;
        let text = crate::render::quote::compose_var(name).ok_or(
            handlebars::RenderErrorReason::InvalidParamType("an environment variable name"),
        )?;
        out.write(&text)?;
        Ok(())
    }
}
use helpers::{
    caddy_helper, compose_block_helper, compose_helper, compose_var_helper, env_helper,
    json_helper, systemd_env_helper, systemd_helper, yaml_helper,
};

/// The template registry. A built-in template is compiled the first time
/// it renders (a command that writes one format compiles one template); a
/// user's override is compiled when it is loaded, so a broken file is
/// reported before anything renders.
pub struct Templates {
    slots: Vec<Slot>,
}

struct Slot {
    name: &'static str,
    source: &'static str,
    compiled: std::sync::OnceLock<Result<Handlebars<'static>, String>>,
}

/// A template failed to load or render: the message names the template
/// (or the file of an override) and what handlebars said.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
pub struct TemplateError(pub String);

impl From<crate::plan::NoHostPaths> for TemplateError {
    fn from(e: crate::plan::NoHostPaths) -> Self {
        TemplateError(e.to_string())
    }
}

impl Templates {
    fn registry() -> Handlebars<'static> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        hb.register_helper("env", Box::new(env_helper));
        hb.register_helper("yaml", Box::new(yaml_helper));
        hb.register_helper("json", Box::new(json_helper));
        hb.register_helper("compose", Box::new(compose_helper));
        hb.register_helper("systemd", Box::new(systemd_helper));
        hb.register_helper("systemd_env", Box::new(systemd_env_helper));
        hb.register_helper("compose_block", Box::new(compose_block_helper));
        hb.register_helper("compose_var", Box::new(compose_var_helper));
        hb.register_helper("caddy", Box::new(caddy_helper));
        hb
    }

    /// One registry holding one template, or what handlebars said.
    fn compile(name: &str, source: &str) -> Result<Handlebars<'static>, String> {
        let mut hb = Self::registry();
        hb.register_template_string(name, source)
            .map_err(|e| e.to_string())?;
        Ok(hb)
    }

    /// The templates compiled into ocgen.
    pub fn builtin() -> Result<Self, TemplateError> {
        let slots = BUILTINS
            .iter()
            .map(|b| Slot {
                name: b.name,
                source: b.source,
                compiled: std::sync::OnceLock::new(),
            })
            .collect();
        Ok(Templates { slots })
    }

    /// The built-in templates, each replaced by `DIR/<name>` where that file exists.
    pub fn with_overrides(dir: &Path) -> Result<Self, TemplateError> {
        let mut t = Self::builtin()?;
        for slot in &mut t.slots {
            let path = dir.join(slot.name);
            match std::fs::read_to_string(&path) {
                Ok(src) => {
                    let hb = Self::compile(slot.name, &src)
                        .map_err(|e| TemplateError(format!("{}: {e}", path.display())))?;
                    slot.compiled = std::sync::OnceLock::from(Ok(hb));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(TemplateError(format!("{}: {e}", path.display()))),
            }
        }
        Ok(t)
    }

    /// Renders a template with its typed context.
    pub fn render<C: Serialize>(&self, name: &str, ctx: &C) -> Result<String, TemplateError> {
        let slot = self
            .slots
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| TemplateError(format!("template {name}: no such template")))?;
        let hb = slot
            .compiled
            .get_or_init(|| Self::compile(slot.name, slot.source))
            .as_ref()
            .map_err(|e| TemplateError(format!("built-in template {name}: {e}")))?;
        hb.render(name, ctx)
            .map_err(|e| TemplateError(format!("template {name}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_compiles() {
        for b in BUILTINS {
            let hb = Templates::compile(b.name, b.source).unwrap();
            assert!(hb.has_template(b.name), "{}", b.name);
        }
    }

    #[test]
    fn strict_mode_rejects_missing_variables() {
        let mut hb = Templates::registry();
        hb.register_template_string("t", "{{missing}}").unwrap();
        assert!(hb.render("t", &serde_json::json!({})).is_err());
    }

    #[test]
    fn no_html_escaping() {
        let mut hb = Templates::registry();
        hb.register_template_string("t", "{{{v}}}|{{v}}").unwrap();
        assert_eq!(
            hb.render("t", &serde_json::json!({"v": "<&>"})).unwrap(),
            "<&>|<&>"
        );
    }
}
