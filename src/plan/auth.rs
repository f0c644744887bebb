//! Auth and secrets: the gateway's auth mode and where its secret lives, and
//! the names of the other secrets it is given (`secrets:`).

#[allow(clippy::wildcard_imports)]
use super::*;

/// Resolved auth: the mode and where the secret lives.
#[derive(Clone, Debug, Serialize)]
pub struct GatewayAuth {
    /// Mode.
    pub mode: AuthMode,
    /// The secret's location, for `token` and `password`.
    pub secret: Option<SecretSource>,
    /// Settings of `trusted-proxy` mode.
    pub trusted_proxy: Option<TrustedProxy>,
}

/// `trusted-proxy` mode: OpenClaw needs the identity header and at least
/// one proxy address (it exits 78 without them).
#[derive(Clone, Debug, Serialize)]
pub struct TrustedProxy {
    /// `gateway.auth.trustedProxy.userHeader`.
    pub user_header: String,
    /// `gateway.trustedProxies`.
    pub proxies: Vec<String>,
    /// `gateway.auth.trustedProxy.allowLoopback`.
    pub allow_loopback: bool,
}

/// Where a secret is kept. Never the secret itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// An environment variable of the gateway process.
    Env(String),
    /// A file readable by the gateway process.
    File(String),
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

impl Gateway {
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
