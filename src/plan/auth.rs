//! Bind, auth and secrets: which addresses the gateway listens on, its
//! auth mode and where its secret lives (a non-loopback bind needs one),
//! and the names of the other secrets it is given (`secrets:`).

use indexmap::IndexMap;

use super::defaults::Resolved;
use super::gateway::{Gateway, GatewayAuth, Publish, SecretSource, TrustedProxy};
use super::paths::normalize_path;
use crate::diag::{Kind, Problem};
use crate::model::{Auth, AuthMode, Bind, Sp};
use crate::openclaw::{RESERVED_ENV, is_secret_env_name};

/// The address the gateway listens on for a bind: `127.0.0.1` for
/// loopback, `0.0.0.0` for lan, the custom host for custom; `None` for
/// `tailnet` and `auto`, which only OpenClaw resolves at run time. The
/// host address a container publishes on follows the same rule.
pub fn bind_address(bind: Bind, custom_host: Option<&str>) -> Option<String> {
    match bind {
        Bind::Loopback => Some(LOOPBACK.to_string()),
        Bind::Lan => Some(ANY_ADDRESS.to_string()),
        Bind::Custom => custom_host.map(ToString::to_string),
        Bind::Tailnet | Bind::Auto => None,
    }
}

/// The loopback address every gateway also listens on.
pub const LOOPBACK: &str = "127.0.0.1";

/// Every IPv4 address of the host (`bind: lan`).
pub const ANY_ADDRESS: &str = "0.0.0.0";

impl Publish {
    /// The bind that listens where this publishes: loopback, every
    /// address (lan), or one address (custom).
    pub fn as_bind(self) -> (Bind, Option<String>) {
        match self {
            Publish::Loopback => (Bind::Loopback, None),
            Publish::All => (Bind::Lan, None),
            Publish::Address(ip) => (Bind::Custom, Some(ip.to_string())),
        }
    }

    /// The host address a published port is bound to; None for every
    /// address (Compose's default).
    pub fn host_ip(self) -> Option<String> {
        let (bind, host) = self.as_bind();
        bind_address(bind, host.as_deref()).filter(|_| bind != Bind::Lan)
    }
}

/// `bind` and `custom_bind_host`, checked: OpenClaw needs a host for
/// `custom` and takes IPv4 only.
pub(super) fn resolve_bind(r: &Resolved, problems: &mut Vec<Problem>) -> (Bind, Option<String>) {
    let name = &r.name.value;
    let s = &r.s;
    let bind = s.bind.as_ref().map_or(Bind::Loopback, |b| b.value);
    match (bind, &s.custom_bind_host) {
        (Bind::Custom, None) => problems.push(
            Problem::new(
                Kind::Type,
                format!("gateway `{name}`: `bind: custom` needs `custom_bind_host`"),
            )
            .label(s.bind.as_ref().map_or(r.body, |b| b.span), "custom bind")
            .help("add `custom_bind_host: <address>` or choose `bind: loopback`"),
        ),
        (b, Some(h)) if b != Bind::Custom => problems.push(
            Problem::new(
                Kind::Type,
                format!("gateway `{name}`: `custom_bind_host` is only used with `bind: custom`"),
            )
            .label(h.span, "ignored")
            .help("set `bind: custom` or remove `custom_bind_host`"),
        ),
        _ => {}
    }
    if let Some(h) = &s.custom_bind_host {
        // OpenClaw 2026.9.6 exits at start unless this is an IPv4 address.
        if h.value.parse::<std::net::Ipv4Addr>().is_err() {
            problems.push(
                Problem::new(
                    Kind::Type,
                    format!("gateway `{name}`: `custom_bind_host` must be an IPv4 address"),
                )
                .label(h.span, "not an IPv4 address")
                .help(
                    "write an IPv4 address such as 192.168.1.10 (OpenClaw refuses anything else)",
                ),
            );
        }
    }
    (bind, s.custom_bind_host.as_ref().map(|h| h.value.clone()))
}

/// Whether a gateway with this auth must not listen beyond loopback:
/// OpenClaw refuses a non-loopback bind without a token or password.
pub(crate) fn is_open(auth: Option<&GatewayAuth>) -> bool {
    auth.is_none_or(|a| a.mode == AuthMode::None)
}

/// A non-loopback bind without auth is refused by OpenClaw.
pub(super) fn check_needs_auth(
    r: &Resolved,
    bind: Bind,
    auth: Option<&GatewayAuth>,
    problems: &mut Vec<Problem>,
) {
    if bind != Bind::Loopback && is_open(auth) {
        let span = r.s.bind.as_ref().map_or(r.body, |b| b.span);
        problems.push(
            Problem::new(
                Kind::Auth,
                format!("gateway `{}` binds `{}` without auth: OpenClaw refuses a non-loopback bind without a token or password", r.name.value, bind.as_str()),
            )
            .label(span, "reachable from other hosts")
            .help("add `auth: { mode: token, env: OPENCLAW_GATEWAY_TOKEN }` (the token stays in the environment), or use `bind: loopback`"),
        );
    }
}

pub(super) fn resolve_auth(gw: &str, a: &Sp<Auth>, problems: &mut Vec<Problem>) -> GatewayAuth {
    let mode = a.value.mode.value;
    let needs_secret = matches!(mode, AuthMode::Token | AuthMode::Password);
    let secret = match (&a.value.env, &a.value.file) {
        (Some(e), None) => {
            if !is_secret_env_name(&e.value) {
                // The value may be the secret itself: never echo it or its line.
                problems.push(
                    Problem::new(
                        Kind::Secret,
                        format!("gateway `{gw}`: `auth.env` must be the name of an environment variable, not a secret value"),
                    )
                    .label(e.span, "not a variable name")
                    .redact_source()
                    .help("put the secret in an environment variable (or a file) and write its name, e.g. `env: OPENCLAW_GATEWAY_TOKEN`; OpenClaw's env SecretRefs take names matching ^[A-Z][A-Z0-9_]{0,127}$"),
                );
            }
            Some(SecretSource::Env(e.value.clone()))
        }
        (None, Some(f)) => {
            let path = normalize_path(gw, "auth.file", f, problems);
            Some(SecretSource::File(path.unwrap_or_default()))
        }
        (Some(e), Some(_)) => {
            problems.push(
                Problem::new(
                    Kind::Auth,
                    format!("gateway `{gw}`: `auth` has both `env` and `file`"),
                )
                .label(e.span, "one of env or file")
                .help("keep the one that holds the secret and remove the other"),
            );
            None
        }
        (None, None) => None,
    };
    if needs_secret && secret.is_none() && a.value.env.is_none() && a.value.file.is_none() {
        problems.push(
            Problem::new(Kind::Auth, format!("gateway `{gw}`: auth mode `{}` needs a reference to the secret", mode.as_str()))
                .label(a.value.mode.span, "no secret given")
                .help(format!(
                    "add `env: VAR_NAME` (the {} is read from that environment variable) or `file: /path/to/secret`",
                    mode.as_str()
                )),
        );
    }
    if !needs_secret && secret.is_some() {
        problems.push(
            Problem::new(
                Kind::Auth,
                format!(
                    "gateway `{gw}`: auth mode `{}` takes no secret",
                    mode.as_str()
                ),
            )
            .label(a.value.mode.span, "no secret used")
            .help("remove `env`/`file`, or use `mode: token` or `mode: password`"),
        );
    }
    let tp = &a.value;
    let trusted_proxy = if mode == AuthMode::TrustedProxy {
        let header = tp
            .user_header
            .as_ref()
            .map(|h| h.value.trim().to_string())
            .unwrap_or_default();
        let proxies: Vec<String> = tp
            .trusted_proxies
            .as_ref()
            .map(|p| p.value.clone())
            .unwrap_or_default();
        if header.is_empty() || proxies.is_empty() {
            problems.push(
                Problem::new(Kind::Auth, format!("gateway `{gw}`: auth mode `trusted-proxy` needs `user_header` and at least one of `trusted_proxies`"))
                    .label(a.value.mode.span, "incomplete trusted-proxy auth")
                    .help("add e.g. `user_header: x-forwarded-user` and `trusted_proxies: [10.0.0.2]` (OpenClaw refuses to start without them)"),
            );
        }
        if let Some(p) = &tp.trusted_proxies {
            if p.value
                .iter()
                .any(|ip| ip.parse::<std::net::IpAddr>().is_err())
            {
                problems.push(
                    Problem::new(
                        Kind::Auth,
                        format!("gateway `{gw}`: `trusted_proxies` must be IP addresses"),
                    )
                    .label(p.span, "not all IP addresses")
                    .help("list the proxies' IP addresses, e.g. [10.0.0.2, 127.0.0.1]"),
                );
            }
        }
        Some(TrustedProxy {
            user_header: header,
            proxies,
            allow_loopback: tp.allow_loopback.as_ref().is_some_and(|b| b.value),
        })
    } else {
        let stray = [
            tp.user_header.as_ref().map(|v| v.span),
            tp.trusted_proxies.as_ref().map(|v| v.span),
            tp.allow_loopback.as_ref().map(|v| v.span),
        ];
        if let Some(span) = stray.into_iter().flatten().next() {
            problems.push(
                Problem::new(Kind::Auth, format!("gateway `{gw}`: `user_header`, `trusted_proxies` and `allow_loopback` only apply to `mode: trusted-proxy`"))
                    .label(span, "not used by this mode")
                    .help("remove them, or set `mode: trusted-proxy`"),
            );
        }
        None
    };
    GatewayAuth {
        mode,
        secret: if needs_secret { secret } else { None },
        trusted_proxy,
    }
}

/// `secrets:` checked: names of variables (OpenClaw's env SecretRef
/// grammar), each once, none that ocgen sets or that `env` writes out.
pub(super) fn resolve_secrets(
    gw: &str,
    list: Option<&Sp<Vec<Sp<String>>>>,
    env: &IndexMap<String, String>,
    auth: Option<&GatewayAuth>,
    problems: &mut Vec<Problem>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let auth_var = match auth.and_then(|a| a.secret.as_ref()) {
        Some(SecretSource::Env(v)) => Some(v.as_str()),
        _ => None,
    };
    for item in list.iter().flat_map(|l| l.value.iter()) {
        let name = &item.value;
        if !is_secret_env_name(name) {
            // What is written here may be the secret itself: never echo it.
            problems.push(
                Problem::new(
                    Kind::Secret,
                    format!("gateway `{gw}`: `secrets` lists something that is not the name of an environment variable"),
                )
                .label(item.span, "not a variable name")
                .redact_source()
                .help("list variable names such as ANTHROPIC_API_KEY (^[A-Z][A-Z0-9_]{0,127}$); their values go in the gateway's secrets file, never in ocgen.yaml"),
            );
        } else if RESERVED_ENV.contains(&name.as_str()) {
            problems.push(
                Problem::new(Kind::Secret, format!("gateway `{gw}`: `{name}` in `secrets` is set by ocgen"))
                    .label(item.span, "set by ocgen")
                    .help("remove it from `secrets`; use the gateway's `profile`, `port` or path settings"),
            );
        } else if env.contains_key(name) {
            problems.push(
                Problem::new(Kind::Secret, format!("gateway `{gw}`: `{name}` is in `secrets` and also written out in `env`"))
                    .label(item.span, "a secret")
                    .redact_source()
                    .help(format!("remove `{name}` from `env`: a secret's value belongs in the gateway's secrets file")),
            );
        } else if Some(name.as_str()) == auth_var || out.contains(name) {
            // `auth.env` is delivered anyway; a repeat adds nothing.
        } else {
            out.push(name.clone());
        }
    }
    out
}

impl<P> Gateway<P> {
    /// Every secret variable the gateway reads from its secrets file: the
    /// auth variable first, then `secrets`.
    pub fn secret_names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if let Some(SecretSource::Env(v)) = self.auth.as_ref().and_then(|a| a.secret.as_ref()) {
            out.push(v.as_str());
        }
        out.extend(self.secrets.iter().map(String::as_str));
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Kind;
    use crate::plan::testing::{HEAD, kinds, plan_of};

    #[test]
    fn non_loopback_bind_needs_auth() {
        let y = format!("{HEAD}  a: {{bind: lan}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Auth]);
        let y = format!("{HEAD}  a: {{bind: lan, auth: {{mode: none}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Auth]);
        let y = format!("{HEAD}  a: {{bind: lan, auth: {{mode: token, env: OC_TOKEN}}}}\n");
        assert!(plan_of(&y).is_ok());
        let y = format!("{HEAD}  a: {{auth: {{mode: token}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Auth]);
    }

    #[test]
    fn inline_secrets_are_refused_without_echoing_them() {
        let y = format!("{HEAD}  a: {{auth: {{mode: token, env: 'hunter2 secret'}}}}\n");
        let errs = plan_of(&y).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(!errs[0].message.contains("hunter2"));
        assert!(!errs[0].show_source);
        let y = format!("{HEAD}  a: {{env: {{OPENAI_API_KEY: sk-123}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Secret]);
    }

    #[test]
    fn trusted_proxy_needs_header_and_proxies() {
        let y = format!("{HEAD}  a: {{bind: lan, auth: {{mode: trusted-proxy}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Auth]);
        let y = format!(
            "{HEAD}  a: {{bind: lan, auth: {{mode: trusted-proxy, user_header: x-user, trusted_proxies: [10.0.0.2]}}}}\n"
        );
        let p = plan_of(&y).unwrap();
        let tp = p.gateways[0]
            .auth
            .as_ref()
            .unwrap()
            .trusted_proxy
            .as_ref()
            .unwrap();
        assert_eq!(
            (tp.user_header.as_str(), tp.proxies.clone()),
            ("x-user", vec!["10.0.0.2".to_string()])
        );
        let y = format!("{HEAD}  a: {{auth: {{mode: token, env: T, user_header: x}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Auth]);
    }

    #[test]
    fn custom_bind_host_must_be_ipv4() {
        let ok = format!(
            "{HEAD}  a: {{bind: custom, custom_bind_host: 10.1.2.3, auth: {{mode: token, env: T}}}}\n"
        );
        assert!(plan_of(&ok).is_ok());
        let bad = format!(
            "{HEAD}  a: {{bind: custom, custom_bind_host: 'fe80::1', auth: {{mode: token, env: T}}}}\n"
        );
        assert_eq!(kinds(plan_of(&bad)), vec![Kind::Type]);
    }
}
