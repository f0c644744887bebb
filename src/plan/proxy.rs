//! One front door (`proxy:`): every gateway behind one reverse proxy, at a
//! host name of its own (`main.example.com`) and/or under a path prefix
//! (`example.com/rescue`), over HTTPS.
//!
//! The proxy is the only way in, so each gateway behind it must bind
//! loopback (host targets) and must authenticate with its own token or
//! password: whoever reaches the proxy reaches the gateway. ocgen fills in
//! what OpenClaw needs to sit behind it: the public origin in
//! `gateway.controlUi.allowedOrigins`, the path prefix in
//! `gateway.controlUi.basePath`, and the proxy's address in
//! `gateway.trustedProxies` (without it OpenClaw answers proxied requests
//! with 403 `proxy_attribution_required`).

use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;

use super::defaults::Resolved;
use super::gateway::{Draft, Publish};
use super::kubernetes::is_dns_subdomain;
use crate::diag::{Kind, Problem, Span};
use crate::model::{AuthMode, Bind, NetworkMode, PortValue, ProxySettings, ProxyTls, Sp};
use crate::openclaw::{FOOTPRINT, HOST_PROXY_ADDRESSES, RESERVED_BASE_PATH_SEGMENTS};
use crate::target::{Target, Targets};

/// The resolved proxy.
#[derive(Clone, Debug, Serialize)]
pub struct Proxy {
    /// Where certificates come from.
    pub tls: ProxyTls,
    /// ACME account address.
    pub email: Option<String>,
    /// The address Caddy listens on; None: every interface.
    pub listen: Option<String>,
    /// HTTP port.
    pub http_port: u16,
    /// HTTPS port.
    pub https_port: u16,
    /// One route per gateway, in file order.
    pub routes: Vec<Route>,
    /// Compose: the Caddy image.
    pub image: String,
    /// Kubernetes: `ingressClassName`.
    pub ingress_class: Option<String>,
    /// Kubernetes: the TLS Secret of the Ingresses (None with `tls: off`).
    pub tls_certificate: Option<String>,
    /// Kubernetes: the ingress controller's addresses, which the gateways
    /// trust.
    pub kube_trusted_proxies: Vec<String>,
}

/// Where one gateway is served.
#[derive(Clone, Debug, Serialize)]
pub struct Route {
    /// The gateway's name.
    pub gateway: String,
    /// Public host name.
    pub host: String,
    /// Path prefix without a trailing slash (`/rescue`), if any.
    pub path: Option<String>,
    /// The public origin browsers send (`https://main.example.com`).
    pub origin: String,
    /// Compose: the gateway's own network, which the proxy joins (`None`
    /// only when `proxy.subnet` is refused for compose).
    pub network: Option<ComposeNet>,
}

/// Compose: a gateway's network behind the front door.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ComposeNet {
    /// The network's subnet (`10.231.3.0/24`).
    pub subnet: String,
    /// The part of it the gateway's address is taken from, never the
    /// proxy's (`10.231.3.128/25`, the upper half).
    pub ip_range: String,
    /// The proxy's fixed address on it (`10.231.3.2`), which the gateway
    /// alone trusts.
    pub proxy_address: String,
}

/// The routes of one host name.
#[derive(Clone, Debug, Serialize)]
pub struct Site<'a> {
    /// Host name.
    pub host: &'a str,
    /// Gateways under a path prefix, longest prefix first.
    pub prefixed: Vec<&'a Route>,
    /// The gateway served at the root of the host, if any.
    pub root: Option<&'a Route>,
}

impl Proxy {
    /// The routes grouped by host name, hosts in order of first appearance.
    pub fn sites(&self) -> Vec<Site<'_>> {
        let mut sites: Vec<Site> = Vec::new();
        for r in &self.routes {
            let i = if let Some(i) = sites.iter().position(|s| s.host == r.host) {
                i
            } else {
                sites.push(Site {
                    host: &r.host,
                    prefixed: Vec::new(),
                    root: None,
                });
                sites.len() - 1
            };
            match r.path {
                Some(_) => sites[i].prefixed.push(r),
                None => sites[i].root = Some(r),
            }
        }
        for s in &mut sites {
            s.prefixed.sort_by(|a, b| {
                let (pa, pb) = (
                    a.path.as_deref().unwrap_or(""),
                    b.path.as_deref().unwrap_or(""),
                );
                pb.len().cmp(&pa.len()).then(pa.cmp(pb))
            });
        }
        sites
    }

    /// The route of a gateway.
    pub fn route(&self, gateway: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.gateway == gateway)
    }
}

/// Whether `s` is a DNS host name Caddy can get a certificate for:
/// lowercase labels of letters, digits and `-`, joined by dots.
fn is_host_name(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
}

/// `name` as a DNS label: `_` as `-`, at most 63 characters.
fn dns_label(name: &str) -> String {
    let l: String = name.replace('_', "-").chars().take(63).collect();
    l.trim_end_matches('-').to_string()
}

/// Whether `s` is a path prefix: `/seg[/seg...]`, no trailing slash.
fn is_path_prefix(s: &str) -> bool {
    s.len() > 1
        && s.starts_with('/')
        && s[1..].split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~'))
        })
}

fn proxy_port(
    key: &str,
    v: Option<&Sp<PortValue>>,
    default: u16,
    problems: &mut Vec<Problem>,
) -> (u16, Option<Span>) {
    let Some(v) = v else {
        return (default, None);
    };
    match u16::try_from(v.value.0) {
        Ok(p) if p > 0 => (p, Some(v.span)),
        _ => {
            problems.push(
                Problem::new(
                    Kind::PortRange,
                    format!("proxy: `{key}` {} is not a port", v.value.0),
                )
                .label(v.span, "not 1 to 65535")
                .help(format!(
                    "write a port from 1 to 65535, or leave `{key}` out for {default}"
                )),
            );
            (default, None)
        }
    }
}

/// `allowed_origins`: origins as browsers send them (the front door adds
/// its own later).
pub(super) fn resolve_origins(r: &Resolved, problems: &mut Vec<Problem>) -> Vec<String> {
    let Some(o) = &r.s.allowed_origins else {
        return Vec::new();
    };
    // An origin is scheme://host[:port]: no path, no trailing slash.
    let bad = o.value.iter().find(|v| {
        let rest = v
            .strip_prefix("https://")
            .or_else(|| v.strip_prefix("http://"));
        rest.is_none_or(|r| r.is_empty() || r.contains(['/', ' ', '?', '#']))
    });
    if let Some(bad) = bad {
        problems.push(
            Problem::new(
                Kind::Type,
                format!("gateway `{}`: `{}` in `allowed_origins` is not an origin", r.name.value, bad.escape_debug()),
            )
            .label(o.span, "not scheme://host[:port]")
            .help("write origins as browsers send them, e.g. https://gw.example.com or http://192.168.1.10:18789 (no path, no trailing slash)"),
        );
    }
    o.value.clone()
}

/// `host` and `path` without `proxy:` are errors: nothing would serve them.
pub(super) fn refuse_routes_without_proxy(resolved: &[Resolved], problems: &mut Vec<Problem>) {
    for r in resolved {
        let span =
            r.s.host
                .as_ref()
                .map(|h| h.span)
                .or(r.s.path.as_ref().map(|p| p.span));
        if let Some(span) = span {
            problems.push(
                Problem::new(
                    Kind::Proxy,
                    format!(
                        "gateway `{}` has `host` or `path` but the file has no `proxy` section",
                        r.name.value
                    ),
                )
                .label(span, "nothing serves this")
                .help("add `proxy: { domain: example.com }` to put every gateway behind one HTTPS front door, or remove `host`/`path`"),
            );
        }
    }
}

/// Resolves `proxy:` and each gateway's place behind it; fills in the
/// gateways' origins, base paths and trusted proxies.
pub(super) fn resolve_proxy(
    p: &Sp<ProxySettings>,
    resolved: &[Resolved],
    gateways: &mut [Draft],
    problems: &mut Vec<Problem>,
) -> Proxy {
    let s = &p.value;
    let tls = s.tls.as_ref().map_or(ProxyTls::Acme, |t| t.value);
    if let Some(d) = &s.domain {
        if !is_host_name(&d.value) {
            problems.push(
                Problem::new(
                    Kind::Proxy,
                    format!(
                        "proxy: `domain` `{}` is not a host name",
                        d.value.escape_debug()
                    ),
                )
                .label(d.span, "not a DNS name")
                .help("write a lowercase DNS name such as example.com (no scheme, port or path)"),
            );
        }
    }
    if let Some(e) = &s.email {
        if tls != ProxyTls::Acme {
            problems.push(
                Problem::new(
                    Kind::Proxy,
                    format!(
                        "proxy: `email` is only used with `tls: acme`, not `tls: {}`",
                        tls.as_str()
                    ),
                )
                .label(e.span, "not used")
                .help("remove `email`, or set `tls: acme`"),
            );
        }
        let ok = e
            .value
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
            && !e
                .value
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"{}#\\".contains(c));
        if !ok {
            problems.push(
                Problem::new(Kind::Proxy, "proxy: `email` is not an email address")
                    .label(e.span, "not an address")
                    .help("write the address the certificate authority may write to, e.g. admin@example.com"),
            );
        }
    }
    if let Some(l) = &s.listen {
        if l.value.parse::<IpAddr>().is_err() {
            problems.push(
                Problem::new(Kind::Proxy, format!("proxy: `listen` `{}` is not an IP address", l.value.escape_debug()))
                    .label(l.span, "not an IP address")
                    .help("write an address of this host, e.g. 127.0.0.1 or 203.0.113.7, or leave `listen` out for every interface"),
            );
        }
    }
    let (plain_port, plain_span) = proxy_port("http_port", s.http_port.as_ref(), 80, problems);
    let (tls_port, tls_span) = proxy_port("https_port", s.https_port.as_ref(), 443, problems);
    if plain_port == tls_port {
        problems.push(
            Problem::new(
                Kind::PortOverlap,
                format!("proxy: `http_port` and `https_port` are both {plain_port}"),
            )
            .label(tls_span.or(plain_span).unwrap_or(p.span), "the same port")
            .help("give HTTP and HTTPS a port each (80 and 443 by default)"),
        );
    }
    for (key, port, span) in [
        ("http_port", plain_port, plain_span),
        ("https_port", tls_port, tls_span),
    ] {
        let within = |g: &Draft| {
            g.port
                .is_some_and(|p| (p..=p.saturating_add(FOOTPRINT)).contains(&port))
                || g.browser_profiles.iter().any(|b| b.cdp_port == Some(port))
        };
        if let Some((g, gp)) = gateways
            .iter()
            .find(|g| within(g))
            .map(|g| (g, g.port.unwrap_or(port)))
        {
            problems.push(
                Problem::new(Kind::PortOverlap, format!("proxy: `{key}` {port} lies in the ports of gateway `{}` ({}..{})", g.name, gp, gp.saturating_add(FOOTPRINT)))
                    .label(span.unwrap_or(p.span), "taken by a gateway")
                    .help("choose a proxy port outside every gateway's footprint (`ocgen ports` lists them)"),
            );
        }
    }

    let image = s.image.as_ref().map_or_else(
        || CADDY_IMAGE.to_string(),
        |i| {
            if !is_pinned_image(&i.value) {
                problems.push(
                    Problem::new(
                        Kind::Proxy,
                        format!(
                            "proxy: `image` `{}` is not pinned to a version",
                            i.value.escape_debug()
                        ),
                    )
                    .only(Targets::one(Target::Compose))
                    .label(i.span, "no version tag")
                    .help(format!(
                        "write a name with a version tag (no `latest`), e.g. {CADDY_IMAGE}"
                    )),
                );
            }
            i.value.clone()
        },
    );
    let nets = compose_subnets(s.subnet.as_ref(), resolved.len(), p.span, problems);
    let mut routes: Vec<Route> = Vec::new();
    let mut route_spans: Vec<Span> = Vec::new();
    for (r, g) in resolved.iter().zip(gateways.iter_mut()) {
        let name = &r.name.value;
        let span =
            r.s.path
                .as_ref()
                .map(|p| p.span)
                .or(r.s.host.as_ref().map(|h| h.span))
                .unwrap_or(r.body);
        let host = match (&r.s.host, &r.s.path, &s.domain) {
            (Some(h), _, _) => {
                if !is_host_name(&h.value) {
                    problems.push(
                        Problem::new(Kind::Proxy, format!("gateway `{name}`: `host` `{}` is not a host name", h.value.escape_debug()))
                            .label(h.span, "not a DNS name")
                            .help("write a lowercase DNS name such as main.example.com (no scheme, port or path)"),
                    );
                }
                h.value.clone()
            }
            (None, Some(_), Some(d)) => d.value.clone(),
            (None, None, Some(d)) => {
                // The gateway's name becomes a DNS label: `_` and more than
                // 63 characters are not (and no certificate names them).
                let host = format!("{name}.{}", d.value);
                if is_host_name(&d.value) && !is_host_name(&host) {
                    problems.push(
                        Problem::new(Kind::Proxy, format!("gateway `{name}`: its front-door address `{host}` is not a host name: a DNS label has letters, digits and `-`, at most 63"))
                            .label(r.name.span, "becomes a DNS label")
                            .help(format!(
                                "give the gateway `host: {}.{}` or `path: /{}`, or rename it",
                                dns_label(name),
                                d.value,
                                dns_label(name)
                            )),
                    );
                }
                host
            }
            (None, _, None) => {
                problems.push(
                    Problem::new(Kind::Proxy, format!("gateway `{name}` has no `host` and the proxy has no `domain`"))
                        .label(r.body, "no public address")
                        .help("set `proxy.domain` (the gateway is then served at `<gateway>.<domain>`) or give the gateway a `host`"),
                );
                String::new()
            }
        };
        let path = r.s.path.as_ref().map(|p| {
            let v = p.value.trim_end_matches('/').to_string();
            let first = v.trim_start_matches('/').split('/').next().unwrap_or("");
            if !is_path_prefix(&v) {
                problems.push(
                    Problem::new(Kind::Proxy, format!("gateway `{name}`: `path` `{}` is not a path prefix", p.value.escape_debug()))
                        .label(p.span, "not /segment[/segment]")
                        .help("write a prefix such as /rescue: a leading slash, letters, digits, `-`, `_`, `.`, `~`"),
                );
            } else if RESERVED_BASE_PATH_SEGMENTS.contains(&first.to_ascii_lowercase().as_str()) {
                problems.push(
                    Problem::new(Kind::Proxy, format!("gateway `{name}`: `path` `{v}` cannot be a Control UI base path: OpenClaw serves `/{first}` itself"))
                        .label(p.span, "hides the gateway's own routes")
                        .help(format!(
                            "choose another prefix, e.g. /{}",
                            if RESERVED_BASE_PATH_SEGMENTS.contains(&name.as_str()) { format!("oc-{name}") } else { name.clone() }
                        )),
                );
            }
            v
        });
        // Two gateways at one address, or one prefix inside another.
        for (other, other_span) in routes.iter().zip(&route_spans) {
            if other.host != host || host.is_empty() {
                continue;
            }
            // Caddy's `path` matcher ignores case: `/Deck` and `/deck` are
            // one prefix to it (tests/proxy.rs shows it with real Caddy).
            let clash = match (&other.path, &path) {
                (None, None) => true,
                (Some(a), Some(b)) => {
                    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
                    a == b || b.starts_with(&format!("{a}/")) || a.starts_with(&format!("{b}/"))
                }
                _ => false,
            };
            let only_case = matches!((&other.path, &path), (Some(a), Some(b)) if a != b && a.eq_ignore_ascii_case(b));
            if clash {
                let at = |p: &Option<String>| format!("{host}{}", p.as_deref().unwrap_or("/"));
                problems.push(
                    Problem::new(
                        Kind::Proxy,
                        format!("gateway `{name}` at {} and gateway `{}` at {} share one address", at(&path), other.gateway, at(&other.path)),
                    )
                    .label(span, "this gateway")
                    .label(*other_span, "the other")
                    .help(if only_case {
                        "the front door matches paths without regard to case, so both prefixes reach one gateway: give each gateway its own `host`, or a `path` that differs in more than case"
                    } else {
                        "give each gateway its own `host`, or its own `path` on a shared host (neither inside the other)"
                    }),
                );
            }
        }
        // The proxy is the only way in.
        match g.auth.as_ref().map(|a| a.mode) {
            Some(AuthMode::TrustedProxy) => problems.push(
                Problem::new(Kind::Proxy, format!("gateway `{name}`: `trusted-proxy` auth behind ocgen's proxy, which sets no identity header"))
                    .label(r.s.auth.as_ref().map_or(r.body, |a| a.value.mode.span), "nobody vouches for the user")
                    .help("ocgen's Caddy authenticates nobody: anyone could send the identity header. Use `auth: { mode: token, env: VAR }` (or password) behind it, or an identity-aware proxy of your own instead of `proxy:`"),
            ),
            None | Some(AuthMode::None) => problems.push(
                Problem::new(Kind::Proxy, format!("gateway `{name}` sits behind the proxy without auth: anyone who reaches the proxy would control it"))
                    .label(r.s.auth.as_ref().map_or(r.body, |a| a.value.mode.span), "no token or password")
                    .help("add `auth: { mode: token, env: OPENCLAW_GATEWAY_TOKEN }` (each gateway its own variable or secrets file)"),
            ),
            _ => {}
        }
        if g.bind != Bind::Loopback {
            problems.push(
                Problem::new(Kind::Proxy, format!("gateway `{name}` binds `{}` behind the proxy: it is reachable around it", g.bind.as_str()))
                    .only(Targets::of(Target::HOST_PATHS))
                    .label(r.s.bind.as_ref().map_or(r.body, |b| b.span), "a second way in")
                    .help("remove `bind` (loopback): the proxy on this host reaches the gateway on 127.0.0.1"),
            );
        }
        let origin = match (tls, tls_port) {
            (ProxyTls::Off, _) | (_, 443) => format!("https://{host}"),
            (_, port) => format!("https://{host}:{port}"),
        };
        if !g.allowed_origins.contains(&origin) {
            g.allowed_origins.push(origin.clone());
        }
        g.base_path.clone_from(&path);
        let network = nets.get(routes.len()).cloned();
        g.trusted_proxies.host = HOST_PROXY_ADDRESSES
            .iter()
            .map(ToString::to_string)
            .collect();
        g.trusted_proxies.compose = network.iter().map(|n| n.proxy_address.clone()).collect();
        if name == PROXY_SERVICE {
            problems.push(
                Problem::new(
                    Kind::Proxy,
                    format!("gateway `{name}` has the name of the proxy's compose service"),
                )
                .only(Targets::one(Target::Compose))
                .label(r.name.span, "taken by the proxy")
                .help("rename the gateway"),
            );
        }
        if g.container.network_mode == NetworkMode::Host {
            problems.push(
                Problem::new(Kind::Proxy, format!("gateway `{name}` uses `network_mode: host` behind the proxy: the proxy's container cannot join its network, and the gateway is reachable around it"))
                    .only(Targets::one(Target::Compose))
                    .label(r.s.network_mode.as_ref().map_or(r.body, |n| n.span), "no network of its own")
                    .help("remove `network_mode` (bridge): the proxy then reaches the gateway on its own network"),
            );
        }
        if g.container.publish_asked && g.container.publish != Publish::Loopback {
            problems.push(
                Problem::new(Kind::Proxy, format!("gateway `{name}` publishes its port on `{}` behind the proxy: it is reachable around it", r.s.publish.as_ref().map_or("", |p| p.value.as_str()).escape_debug()))
                    .only(Targets::one(Target::Compose))
                    .label(r.s.publish.as_ref().map_or(r.body, |p| p.span), "a second way in")
                    .help("remove `publish` (behind the proxy a gateway publishes nothing), or write `publish: loopback` to reach it from this host too"),
            );
        }
        routes.push(Route {
            gateway: name.clone(),
            host,
            path,
            origin,
            network,
        });
        route_spans.push(span);
    }
    Proxy {
        tls,
        email: s.email.as_ref().map(|e| e.value.clone()),
        listen: s.listen.as_ref().map(|l| l.value.clone()),
        http_port: plain_port,
        https_port: tls_port,
        routes,
        image,
        ingress_class: None,
        tls_certificate: None,
        kube_trusted_proxies: Vec::new(),
    }
}

/// Whether `s` is an IPv4/IPv6 address or a CIDR network.
fn is_ip_or_cidr(s: &str) -> bool {
    match s.split_once('/') {
        None => s.parse::<IpAddr>().is_ok(),
        Some((a, p)) => match (a.parse::<IpAddr>(), p.parse::<u8>()) {
            (Ok(IpAddr::V4(_)), Ok(p)) => p <= 32,
            (Ok(IpAddr::V6(_)), Ok(p)) => p <= 128,
            _ => false,
        },
    }
}

/// Kubernetes' side of `proxy:`: one Ingress per gateway, served by the
/// cluster's ingress controller. Runs after the gateways' `kubernetes`
/// settings are resolved (it needs their NetworkPolicy peers).
pub(super) fn resolve_kube_proxy(
    p: &Sp<ProxySettings>,
    proxy: &mut Proxy,
    resolved: &[Resolved],
    gateways: &mut [Draft],
    problems: &mut Vec<Problem>,
) {
    let s = &p.value;
    if let Some(c) = &s.ingress_class {
        if !is_dns_subdomain(&c.value) {
            problems.push(
                Problem::new(
                    Kind::Proxy,
                    format!(
                        "proxy: `ingress_class` `{}` is not a Kubernetes name",
                        c.value.escape_debug()
                    ),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(c.span, "not an IngressClass name")
                .help("write the name `kubectl get ingressclass` shows, e.g. nginx"),
            );
        }
        proxy.ingress_class = Some(c.value.clone());
    }
    match (&s.tls_certificate, proxy.tls) {
        (Some(t), ProxyTls::Off) => problems.push(
            Problem::new(Kind::Proxy, "proxy: `tls_certificate` with `tls: off`: the Ingresses serve no certificate")
                .only(Targets::one(Target::Kubernetes))
                .label(t.span, "not used")
                .help("remove `tls_certificate`, or set `tls: acme`"),
        ),
        (Some(t), _) => {
            if !is_dns_subdomain(&t.value) {
                problems.push(
                    Problem::new(Kind::Proxy, format!("proxy: `tls_certificate` `{}` is not a Secret name", t.value.escape_debug()))
                        .only(Targets::one(Target::Kubernetes))
                        .label(t.span, "not a Kubernetes name")
                        .help("write the name of a `kubernetes.io/tls` Secret, e.g. example-com-tls"),
                );
            }
            proxy.tls_certificate = Some(t.value.clone());
        }
        (None, ProxyTls::Off) => {}
        (None, tls) => problems.push(
            Problem::new(Kind::Proxy, format!("proxy: `tls: {}` on Kubernetes needs `tls_certificate`: the Ingress serves the certificate of a Secret", tls.as_str()))
                .only(Targets::one(Target::Kubernetes))
                .label(s.tls.as_ref().map_or(p.span, |t| t.span), "no certificate")
                .help("add `tls_certificate: <a kubernetes.io/tls Secret in each gateway's namespace>` (cert-manager can keep it), or `tls: off` when something in front of the controller terminates TLS"),
        ),
    }
    match &s.trusted_proxies {
        Some(t) if !t.value.is_empty() => {
            for a in &t.value {
                if is_ip_or_cidr(a) {
                    proxy.kube_trusted_proxies.push(a.clone());
                } else {
                    problems.push(
                        Problem::new(Kind::Proxy, format!("proxy: `trusted_proxies` entry `{}` is not an address or CIDR", a.escape_debug()))
                            .only(Targets::one(Target::Kubernetes))
                            .label(t.span, "not an address")
                            .help("write the ingress controller's pod network, e.g. 10.244.0.0/16"),
                    );
                }
            }
        }
        other => problems.push(
            Problem::new(Kind::Proxy, "proxy: on Kubernetes the gateways must know the ingress controller's addresses: `trusted_proxies` is missing")
                .only(Targets::one(Target::Kubernetes))
                .label(other.as_ref().map_or(p.span, |t| t.span), "nobody is trusted")
                .help("add `trusted_proxies: [<the controller's pod CIDR>]`, e.g. [10.244.0.0/16]: without it OpenClaw answers every proxied request with 403 proxy_attribution_required"),
        ),
    }
    for (r, g) in resolved.iter().zip(gateways.iter_mut()) {
        // Behind an Ingress a pod trusts the ingress controller.
        if proxy.route(&g.name).is_some() {
            g.trusted_proxies
                .pod
                .clone_from(&proxy.kube_trusted_proxies);
        }
        if g.kube.allow_from.is_empty() {
            problems.push(
                Problem::new(Kind::Proxy, format!("gateway `{}`: its NetworkPolicy admits nobody, so the ingress controller cannot reach it", g.name))
                    .only(Targets::one(Target::Kubernetes))
                    .label(r.body, "no `kubernetes.allow_from`")
                    .help("add the controller to `kubernetes.allow_from` (in `defaults` for every gateway), e.g. `- namespace_selector: { kubernetes.io/metadata.name: ingress-nginx }`"),
            );
        }
        let route = proxy.route(&g.name);
        if route.is_some_and(|r| r.path.is_some()) {
            if let Some((k, _)) = g
                .kube
                .annotations
                .iter()
                .find(|(k, _)| k.ends_with("/rewrite-target"))
            {
                problems.push(
                    Problem::new(Kind::Proxy, format!("gateway `{}` has a `path` and the annotation `{k}`: the controller would strip the prefix the Control UI is served under", g.name))
                        .only(Targets::one(Target::Kubernetes))
                        .label(r.s.path.as_ref().map_or(r.body, |p| p.span), "the base path")
                        .help("remove the annotation: OpenClaw serves its Control UI under the prefix itself (`gateway.controlUi.basePath`)"),
                );
            }
        }
    }
}

/// Compose: the service name of the proxy.
pub const PROXY_SERVICE: &str = "openclaw-proxy";

/// Compose: the Caddy image when `proxy.image` is left out (the release
/// the tests run as `caddy`).
pub const CADDY_IMAGE: &str = "caddy:2.11.7";

/// Compose: the range the gateways' networks are cut from when
/// `proxy.subnet` is left out. Outside Docker's default address pools
/// (172.17.0.0/16 to 172.31.0.0/16, 192.168.0.0/16), Podman's 10.88 and
/// 10.89, and Kubernetes' usual pod and service ranges (10.42, 10.43,
/// 10.96/12, 10.244).
pub const DEFAULT_PROXY_SUBNET: &str = "10.231.0.0/16";

/// Compose: the proxy's host number on each gateway's network (Docker
/// gives `.1` to the bridge itself). The gateways get addresses from the
/// upper half only (`ip_range`), so none can take it first.
pub const PROXY_HOST: u8 = 2;

fn is_pinned_image(s: &str) -> bool {
    let tail = s.rsplit('/').next().unwrap_or(s);
    let tagged = s.contains('@')
        || tail
            .split_once(':')
            .is_some_and(|(n, t)| !n.is_empty() && !t.is_empty() && t != "latest");
    tagged && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// One network per gateway: the k-th /24 of the range, the proxy at
/// [`PROXY_HOST`], the gateway in the upper half.
fn compose_subnets(
    subnet: Option<&Sp<String>>,
    count: usize,
    span: Span,
    problems: &mut Vec<Problem>,
) -> Vec<ComposeNet> {
    let (text, at) = subnet.map_or((DEFAULT_PROXY_SUBNET, span), |s| (s.value.as_str(), s.span));
    let parsed = text
        .split_once('/')
        .and_then(|(a, b)| Some((a.parse::<Ipv4Addr>().ok()?, b.parse::<u8>().ok()?)));
    let mut bad = |what: &str, help: String| {
        problems.push(
            Problem::new(
                Kind::Proxy,
                format!("proxy: `subnet` `{}` {what}", text.escape_debug()),
            )
            .only(Targets::one(Target::Compose))
            .label(at, "the gateways' networks")
            .help(help),
        );
        Vec::new()
    };
    let Some((base, prefix)) = parsed else {
        return bad(
            "is not an IPv4 network",
            format!("write an IPv4 network in CIDR form, e.g. {DEFAULT_PROXY_SUBNET}"),
        );
    };
    if !(8..=24).contains(&prefix) {
        return bad(
            "is not between a /8 and a /24",
            format!("each gateway gets a /24 of it: write e.g. {DEFAULT_PROXY_SUBNET}"),
        );
    }
    let base = u32::from(base);
    let mask = u32::MAX << (32 - u32::from(prefix));
    if base & !mask != 0 {
        return bad(
            "has host bits set",
            format!(
                "write the network address: {}/{prefix}",
                Ipv4Addr::from(base & mask)
            ),
        );
    }
    if !Ipv4Addr::from(base).is_private() {
        return bad(
            "is not a private range",
            format!(
                "use a range of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 that this host does not use, e.g. {DEFAULT_PROXY_SUBNET}"
            ),
        );
    }
    let room = 1usize << (24 - prefix);
    if room < count {
        return bad(
            &format!("holds {room} /24 networks for {count} gateways"),
            format!(
                "give a wider range: a /{} or wider",
                24 - count.next_power_of_two().trailing_zeros()
            ),
        );
    }
    // `count` fits: `room` is at most 2^16 and at least `count`.
    (0..u32::try_from(count).unwrap_or(0))
        .map(|k| {
            let net = base + (k << 8);
            ComposeNet {
                subnet: format!("{}/24", Ipv4Addr::from(net)),
                ip_range: format!("{}/25", Ipv4Addr::from(net + 128)),
                proxy_address: Ipv4Addr::from(net + u32::from(PROXY_HOST)).to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
