//! The proxy in front of the gateways (`ocgen proxy`, `proxy/Caddyfile`)
//! and the systemd unit of a host Caddy (`proxy/openclaw-proxy.service`).
//!
//! Caddy because it gets certificates by itself, proxies WebSockets without
//! extra directives and reads a file a person can follow. The routes come
//! from the plan; this module only spells them.

use serde::Serialize;

use super::templates::{CADDY, CADDY_UNIT, TemplateError, Templates};
use crate::model::ProxyTls;
use crate::plan::{Plan, Proxy, ROOT_PROBES, Route};

/// The file name `generate` writes the Caddyfile to.
pub const CADDYFILE: &str = "proxy/Caddyfile";
/// The unit of a host Caddy.
pub const UNIT: &str = "openclaw-proxy";
/// Where the unit expects the Caddyfile.
pub const INSTALLED_CADDYFILE: &str = "/etc/openclaw/Caddyfile";
/// The Caddy the unit runs (Debian's package puts it here).
pub const CADDY_BIN: &str = "/usr/bin/caddy";

/// Context of `templates/Caddyfile.hbs`. Every value is quoted by the
/// template's `caddy` helper; the plan has checked that none holds `{`.
#[derive(Serialize)]
pub struct Context<'a> {
    /// Deployment name.
    pub name: &'a str,
    /// Ports, as text.
    pub http_port: String,
    /// HTTPS port.
    pub https_port: String,
    /// Listen address, if not every interface.
    pub listen: Option<&'a str>,
    /// `tls: internal`: Caddy's local CA.
    pub internal: bool,
    /// `tls: off`.
    pub tls_off: bool,
    /// ACME account address.
    pub email: Option<&'a str>,
    /// One line per gateway for the header.
    pub routes: Vec<RouteLine<'a>>,
    /// One site block per host name.
    pub sites: Vec<SiteBlock<'a>>,
}

/// A gateway's public URL, for the header.
#[derive(Serialize)]
pub struct RouteLine<'a> {
    /// `https://host[:port]/path/`.
    pub url: String,
    /// Gateway name.
    pub gateway: &'a str,
    /// `127.0.0.1:P`.
    pub upstream: String,
}

/// One host name.
#[derive(Serialize)]
pub struct SiteBlock<'a> {
    /// Site address: the host (`http://host` with `tls: off`).
    pub address: String,
    /// Gateways under a path prefix, longest first.
    pub prefixed: Vec<Prefixed<'a>>,
    /// The gateway at the root of the host.
    pub root: Option<Upstream>,
}

/// A gateway under a path prefix.
#[derive(Serialize)]
pub struct Prefixed<'a> {
    /// Gateway name (`[a-z0-9_-]`: a valid matcher name as it is).
    pub gateway: &'a str,
    /// `/rescue`.
    pub path: &'a str,
    /// `/rescue/*`.
    pub path_glob: String,
    /// `/rescue/healthz` ...: OpenClaw's probes, served at its root.
    pub probes: Vec<String>,
    /// `127.0.0.1:P`.
    pub upstream: String,
}

/// Where a gateway listens, from the proxy.
#[derive(Serialize)]
pub struct Upstream {
    /// `127.0.0.1:P`.
    pub upstream: String,
}

/// The Caddyfile for gateways on this host (host, systemd, NixOS targets):
/// upstreams on loopback, listening on `proxy.listen`.
pub fn render(plan: &Plan, proxy: &Proxy, t: &Templates) -> Result<String, TemplateError> {
    render_with(
        plan,
        proxy,
        t,
        &|_, port| format!("127.0.0.1:{port}"),
        proxy.listen.as_deref(),
    )
}

/// The Caddyfile of the compose proxy: upstreams are the gateways'
/// services (`<service>:<P>`) on their own networks; Compose publishes the
/// ports on `proxy.listen`, so Caddy binds every address of its container.
pub fn render_compose(plan: &Plan, proxy: &Proxy, t: &Templates) -> Result<String, TemplateError> {
    render_with(
        plan,
        proxy,
        t,
        &|r, port| format!("{}:{port}", r.gateway),
        None,
    )
}

fn render_with(
    plan: &Plan,
    proxy: &Proxy,
    t: &Templates,
    upstream: &dyn Fn(&Route, u16) -> String,
    listen: Option<&str>,
) -> Result<String, TemplateError> {
    // Each route's upstream at its gateway's port, which the plan owns.
    let upstream = |r: &Route| -> Result<String, TemplateError> {
        let g = plan.gateway(&r.gateway).ok_or_else(|| {
            TemplateError(format!(
                "the proxy routes to an unknown gateway `{}`",
                r.gateway
            ))
        })?;
        Ok(upstream(r, g.port))
    };
    let mut routes = Vec::with_capacity(proxy.routes.len());
    for r in &proxy.routes {
        routes.push(RouteLine {
            url: format!(
                "{}{}/",
                match proxy.tls {
                    ProxyTls::Off => format!("http://{}", r.host),
                    _ => r.origin.clone(),
                },
                r.path.as_deref().unwrap_or("")
            ),
            gateway: &r.gateway,
            upstream: upstream(r)?,
        });
    }
    let mut sites = Vec::new();
    for s in proxy.sites() {
        let mut prefixed = Vec::with_capacity(s.prefixed.len());
        for r in &s.prefixed {
            let path = r.path.as_deref().unwrap_or_default();
            prefixed.push(Prefixed {
                gateway: &r.gateway,
                path,
                path_glob: format!("{path}/*"),
                probes: ROOT_PROBES.iter().map(|p| format!("{path}{p}")).collect(),
                upstream: upstream(r)?,
            });
        }
        sites.push(SiteBlock {
            address: match proxy.tls {
                ProxyTls::Off => format!("http://{}", s.host),
                _ => s.host.to_string(),
            },
            prefixed,
            root: match s.root {
                Some(r) => Some(Upstream {
                    upstream: upstream(r)?,
                }),
                None => None,
            },
        });
    }
    t.render(
        CADDY,
        &Context {
            name: &plan.name,
            http_port: proxy.http_port.to_string(),
            https_port: proxy.https_port.to_string(),
            listen,
            internal: proxy.tls == ProxyTls::Internal,
            tls_off: proxy.tls == ProxyTls::Off,
            email: proxy.email.as_deref(),
            routes,
            sites,
        },
    )
}

/// Context of `templates/caddy.service.hbs`.
#[derive(Serialize)]
pub struct UnitContext<'a> {
    /// Deployment name (validated).
    pub name: &'a str,
    /// Unit name.
    pub unit: &'a str,
    /// `Description=`.
    pub description: String,
    /// Where the Caddyfile is installed.
    pub caddyfile: &'a str,
    /// `ExecStartPre=`: `caddy validate`.
    pub validate: String,
    /// `ExecStart=`.
    pub exec_start: String,
    /// Caddy's data directory (certificates, keys).
    pub state_dir: String,
}

/// The systemd unit of a host Caddy.
pub fn render_unit(plan: &Plan, t: &Templates) -> Result<String, TemplateError> {
    t.render(
        CADDY_UNIT,
        &UnitContext {
            name: &plan.name,
            unit: UNIT,
            description: format!("Caddy in front of the OpenClaw gateways of {}", plan.name),
            caddyfile: INSTALLED_CADDYFILE,
            validate: format!(
                "{CADDY_BIN} validate --config {INSTALLED_CADDYFILE} --adapter caddyfile"
            ),
            exec_start: format!(
                "{CADDY_BIN} run --config {INSTALLED_CADDYFILE} --adapter caddyfile"
            ),
            state_dir: format!("/var/lib/{UNIT}"),
        },
    )
}
