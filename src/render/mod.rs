//! Renderers: each turns a [`Plan`] into the text of one output format.
//! They know their format's syntax and quoting, never OpenClaw's rules.

pub mod compose;
pub mod env;
pub mod nixos;
pub mod openclaw;
pub mod quote;
pub mod systemd;
pub mod templates;

use crate::plan::Plan;
pub use templates::{TemplateError, Templates};

/// One file of the output tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutFile {
    /// Path relative to the output directory, `/`-separated.
    pub path: String,
    /// Full contents.
    pub contents: String,
    /// Whether the file may hold or lead to secrets: written 0600 in a 0700 directory.
    pub private: bool,
}

/// Every file `ocgen generate` writes, in a fixed order.
pub fn tree(plan: &Plan, templates: &Templates) -> Result<Vec<OutFile>, TemplateError> {
    let mut files = Vec::new();
    for g in &plan.gateways {
        files.push(OutFile {
            path: format!("env/{}.env", g.name),
            contents: env::render(g, templates)?,
            private: true,
        });
        files.push(OutFile {
            path: format!("config/{}/openclaw.json", g.name),
            contents: openclaw::render(g),
            private: true,
        });
    }
    files.push(OutFile {
        path: NIXOS_MODULE.to_string(),
        contents: nixos::render(plan, templates)?,
        // Meant for the world-readable Nix store: it names secret files only.
        private: false,
    });
    let scope = systemd::scope(plan, false);
    for g in &plan.gateways {
        files.push(OutFile {
            path: format!("systemd/{}", systemd::file_name(g)),
            contents: systemd::render(plan, g, scope, templates)?,
            // The same environment as env/<name>.env.
            private: true,
        });
        files.push(OutFile {
            path: format!("systemd/config/{}/openclaw.json", g.name),
            contents: openclaw::render(&g.service_view(scope)),
            private: true,
        });
    }
    files.push(OutFile {
        path: "compose.yaml".to_string(),
        contents: compose::render(plan, templates)?,
        private: false,
    });
    Ok(files)
}

/// Where `generate` writes the NixOS module.
pub const NIXOS_MODULE: &str = "nixos/openclaw-gateways.nix";
