//! Renderers: each turns a [`Plan`] into the text of one output format.
//! They know their format's syntax and quoting, never OpenClaw's rules.

pub mod caddy;
pub mod compose;
pub mod env;
pub mod kubernetes;
pub mod launchd;
pub mod nixos;
pub mod openclaw;
pub mod quote;
pub mod systemd;
pub mod templates;
pub mod yaml;

use crate::plan::{Plan, SLICE, Target};
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

/// Every file `ocgen generate` writes for the plan's targets, in a fixed order.
///
/// The formats are independent, so they render on separate threads (the
/// template engine dominates the cost of a large plan); the order of the
/// result does not depend on which finishes first.
pub fn tree(plan: &Plan, templates: &Templates) -> Result<Vec<OutFile>, TemplateError> {
    type Part<'a> = Box<dyn FnOnce() -> Result<Vec<OutFile>, TemplateError> + Send + 'a>;
    let mut parts: Vec<Part> = Vec::new();
    if plan.has_target(Target::Host) {
        parts.push(Box::new(|| gateway_files(plan, templates)));
    }
    if plan.has_target(Target::Nixos) {
        parts.push(Box::new(|| {
            Ok(vec![OutFile {
                path: NIXOS_MODULE.to_string(),
                contents: nixos::render(plan)?,
                // Meant for the world-readable Nix store: it names secret files only.
                private: false,
            }])
        }));
    }
    if plan.has_target(Target::Systemd) {
        parts.push(Box::new(|| systemd_files(plan, templates)));
    }
    if plan.has_target(Target::Compose) {
        parts.push(Box::new(|| {
            Ok(vec![OutFile {
                path: "compose.yaml".to_string(),
                contents: compose::render(plan, templates)?,
                private: false,
            }])
        }));
    }
    if let Some(proxy) = &plan.proxy {
        // The Caddyfile proxies to gateways on this host: the host targets'.
        if Target::HOST_PATHS.iter().any(|t| plan.has_target(*t)) {
            parts.push(Box::new(move || proxy_files(plan, proxy, templates)));
        }
    }
    if plan.has_target(Target::Kubernetes) {
        parts.push(Box::new(|| Ok(kubernetes::files(plan))));
    }
    if plan.has_target(Target::Launchd) {
        parts.push(Box::new(|| launchd_files(plan)));
    }
    let rendered: Vec<Result<Vec<OutFile>, TemplateError>> = if plan.gateways.len() < 16 {
        parts.into_iter().map(|p| p()).collect()
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = parts.into_iter().map(|p| s.spawn(p)).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(TemplateError("a renderer panicked".into())))
                })
                .collect()
        })
    };
    let mut files = Vec::new();
    for part in rendered {
        files.extend(part?);
    }
    Ok(files)
}

/// `env/<name>.env` and `config/<name>/openclaw.json` of every gateway.
fn gateway_files(plan: &Plan, templates: &Templates) -> Result<Vec<OutFile>, TemplateError> {
    let mut files = Vec::with_capacity(plan.gateways.len() * 2);
    for g in &plan.gateways {
        files.push(OutFile {
            path: format!("env/{}.env", g.name),
            contents: env::render(g, templates)?,
            private: true,
        });
        files.push(OutFile {
            path: format!("config/{}/openclaw.json", g.name),
            contents: openclaw::render(&g.host_runtime()?),
            private: true,
        });
    }
    Ok(files)
}

/// The systemd unit of every gateway and the config each unit expects.
fn systemd_files(plan: &Plan, templates: &Templates) -> Result<Vec<OutFile>, TemplateError> {
    let scope = systemd::scope(plan, false);
    let mut files = Vec::with_capacity(plan.gateways.len() * 2);
    for g in &plan.gateways {
        let service = plan.service(g, scope)?;
        files.push(OutFile {
            path: format!("systemd/{}", systemd::file_name(g)),
            contents: systemd::render_service(&service, &plan.openclaw_bin, templates)?,
            // Units name secrets (EnvironmentFile=, LoadCredential=) but
            // hold none, and systemd warns about every unit that is not
            // world-readable ("marked world-inaccessible").
            private: false,
        });
        files.push(OutFile {
            path: format!("systemd/config/{}/openclaw.json", g.name),
            contents: openclaw::render(&service.runtime),
            private: true,
        });
        if g.backup.configured {
            let b = g.backup_service(scope)?;
            files.push(OutFile {
                path: format!("systemd/{}.service", b.unit),
                contents: systemd::render_backup_service(&b, &plan.openclaw_bin),
                private: false,
            });
            if let Some(t) = g.backup_timer() {
                files.push(OutFile {
                    path: format!("systemd/{}.timer", t.unit),
                    contents: systemd::render_timer(&t, scope == crate::plan::Scope::System),
                    private: false,
                });
            }
        }
    }
    files.push(OutFile {
        path: format!("systemd/{SLICE}"),
        contents: systemd::slice(plan),
        private: false,
    });
    Ok(files)
}

/// The Caddyfile and, for systemd and bare hosts, the unit of a host Caddy.
fn proxy_files(
    plan: &Plan,
    proxy: &crate::plan::Proxy,
    templates: &Templates,
) -> Result<Vec<OutFile>, TemplateError> {
    let mut files = vec![OutFile {
        path: caddy::CADDYFILE.to_string(),
        contents: caddy::render(plan, proxy, templates)?,
        private: false,
    }];
    if plan.has_target(Target::Systemd) || plan.has_target(Target::Host) {
        files.push(OutFile {
            path: format!("proxy/{}.service", caddy::UNIT),
            contents: caddy::render_unit(plan, templates)?,
            private: false,
        });
    }
    Ok(files)
}

/// The LaunchAgent of every gateway and the config it expects.
fn launchd_files(plan: &Plan) -> Result<Vec<OutFile>, TemplateError> {
    // The private configs first: a directory is made with the mode of the
    // first file written below it, and launchd/ holds private files.
    let mut files = Vec::with_capacity(plan.gateways.len() * 2);
    for g in &plan.gateways {
        files.push(OutFile {
            path: format!("launchd/config/{}/openclaw.json", g.name),
            contents: openclaw::render(&g.host_runtime()?),
            private: true,
        });
    }
    for g in &plan.gateways {
        files.push(OutFile {
            path: launchd::path(plan, g)?,
            contents: launchd::render(plan, g)?,
            // Paths and ports only: the secrets stay in <state_dir>/.env.
            private: false,
        });
        if let Some(b) = g.backup_agent(&plan.launchd)? {
            files.push(OutFile {
                path: format!("launchd/{}.plist", b.label),
                contents: launchd::backup_plist(&b),
                private: false,
            });
        }
    }
    Ok(files)
}

/// Where `generate` writes the NixOS module.
pub const NIXOS_MODULE: &str = "nixos/openclaw-gateways.nix";

pub use crate::plan::fnv1a64;
