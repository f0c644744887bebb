//! OpenClaw settings (`openclaw:`): merged with `defaults.openclaw`, checked
//! against the keys ocgen sets itself, retired keys and literal credentials,
//! and turned into the JSON that joins ocgen's own keys in `openclaw.json`.
//!
//! A credential is never written as a value: it is a SecretRef
//! (`{source: env, provider: default, id: VAR}`, a file or exec provider) or
//! the `${VAR}` shorthand, and an env reference must name a variable that the
//! gateway is given (its `secrets`, `auth.env` or `env`).

use std::collections::HashSet;

use indexmap::IndexMap;

use super::defaults::Resolved;
use super::gateway::{BrowserProfile, Gateway, GatewayAuth, SecretSource};
use crate::diag::{Kind, Problem, Span};
use crate::model::{Sp, Tree};
use crate::openclaw::{FILE_PROVIDER, RESERVED_ENV, RETIRED_KEYS, is_secret_env_name};

/// Keys of a seeded `openclaw.json` that ocgen pins: OpenClaw may edit the
/// file, but these come from ocgen.yaml (the command line and environment
/// pin the port and bind; the rest would move the gateway's paths or open
/// it up). `status` and `check --host` compare them with the live file.
pub const PINNED_KEYS: &[&str] = &[
    "gateway.mode",
    "gateway.port",
    "gateway.bind",
    "gateway.customBindHost",
    "gateway.auth.mode",
    "agents.defaults.workspace",
    "logging.file",
];

/// Keys of `openclaw.json` that ocgen writes itself, and the `ocgen.yaml`
/// key to use instead. `*` matches one key; a key matches everything below it.
const OWNED: &[(&str, &str)] = &[
    (
        "gateway.mode",
        "ocgen always writes `gateway.mode: local`: remove it",
    ),
    (
        "gateway.port",
        "set `port` on the gateway, or leave it out to have one assigned",
    ),
    ("gateway.bind", "use the gateway's `bind`"),
    (
        "gateway.customBindHost",
        "use `custom_bind_host` with `bind: custom`",
    ),
    (
        "gateway.auth",
        "use the gateway's `auth` (its mode, and the variable or file that holds the secret)",
    ),
    (
        "gateway.trustedProxies",
        "behind `proxy:` ocgen trusts the proxy's address itself; otherwise use `auth.trusted_proxies` with `auth.mode: trusted-proxy`",
    ),
    (
        "gateway.controlUi.allowedOrigins",
        "use the gateway's `allowed_origins` (behind `proxy:`, ocgen adds the public origin itself)",
    ),
    (
        "gateway.controlUi.basePath",
        "use the gateway's `path` behind `proxy:`: ocgen sets the base path and the proxy's route together",
    ),
    ("agents.defaults.workspace", "use the gateway's `workspace`"),
    (
        "logging.file",
        "ocgen gives every gateway its own log file (<state_dir>/logs/openclaw.log): remove it",
    ),
    (
        "browser.profiles.*.cdpPort",
        "use `browser.profiles.<name>.cdp_port`, which ocgen checks against every gateway's ports",
    ),
    (
        "browser.profiles.*.cdpUrl",
        "use `browser.profiles.<name>.cdp_url`, which ocgen checks is not shared",
    ),
];

/// What the settings rules need to know of the gateway.
struct Context<'a> {
    gw: &'a str,
    /// Variables the gateway's process is given: `secrets`, `auth.env`,
    /// `env` and ocgen's own.
    delivered: HashSet<String>,
    /// Browser profiles declared with `browser.profiles`.
    browser_profiles: Vec<String>,
}

/// The gateway's `openclaw:` settings, checked against what it is given.
pub(super) fn resolve(
    r: &Resolved,
    env: &IndexMap<String, String>,
    secrets: &[String],
    auth: Option<&GatewayAuth>,
    browser_profiles: &[BrowserProfile],
    problems: &mut Vec<Problem>,
) -> serde_json::Value {
    let mut delivered: HashSet<String> = secrets.iter().cloned().collect();
    delivered.extend(env.keys().cloned());
    delivered.extend(RESERVED_ENV.iter().map(ToString::to_string));
    if let Some(SecretSource::Env(v)) = auth.and_then(|a| a.secret.as_ref()) {
        delivered.insert(v.clone());
    }
    resolve_settings(
        &Context {
            gw: &r.name.value,
            delivered,
            browser_profiles: browser_profiles.iter().map(|b| b.name.clone()).collect(),
        },
        r.s.openclaw.as_ref(),
        problems,
    )
}

/// Checks the merged settings and returns them as JSON (an object; empty
/// when there are none).
fn resolve_settings(
    cx: &Context,
    tree: Option<&Sp<Tree>>,
    problems: &mut Vec<Problem>,
) -> serde_json::Value {
    let Some(tree) = tree else {
        return serde_json::Value::Object(serde_json::Map::new());
    };
    let Tree::Map(entries) = &tree.value else {
        if tree.value != Tree::Null {
            problems.push(
                Problem::new(
                    Kind::Type,
                    format!(
                        "gateway `{}`: `openclaw` must be a map of OpenClaw settings",
                        cx.gw
                    ),
                )
                .label(tree.span, "not a map")
                .help("write OpenClaw's keys as in openclaw.json, e.g. `openclaw: { agents: { defaults: { model: { primary: anthropic/claude-sonnet-4-5 } } } }`"),
            );
        }
        return serde_json::Value::Object(serde_json::Map::new());
    };
    let providers = declared_providers(&tree.value);
    let mut path = Vec::new();
    for (k, v) in entries {
        walk(cx, &providers, &mut path, k, v, problems);
    }
    tree.value.to_json()
}

/// The agent OpenClaw runs when the config names none: `main`.
pub const DEFAULT_AGENT: &str = "main";

impl Gateway {
    /// Whether ocgen writes OpenClaw's canonical agent roster,
    /// `agents.entries: {main: {}}`: when the user's settings give neither
    /// `agents.entries` nor the legacy `agents.list`. Without it OpenClaw
    /// 2026.9's `doctor` asks to persist the roster with `doctor --fix`,
    /// which a managed (read-only) config refuses
    /// (`dist/legacy.roster-*.mjs`: `migratePersistedImplicitMainRoster`).
    pub fn writes_agent_roster(&self) -> bool {
        self.settings.pointer("/agents/entries").is_none()
            && self.settings.pointer("/agents/list").is_none()
    }
}

/// `secrets.providers` the settings declare, by name, with their source.
fn declared_providers(root: &Tree) -> Vec<(String, String)> {
    let Some(p) = root.get("secrets").and_then(|s| s.value.get("providers")) else {
        return Vec::new();
    };
    match &p.value {
        Tree::Map(entries) => entries
            .iter()
            .map(|(k, v)| {
                let source = match v.value.get("source").map(|s| &s.value) {
                    Some(Tree::Str(s)) => s.clone(),
                    _ => String::new(),
                };
                (k.value.clone(), source)
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn dotted(path: &[&str]) -> String {
    path.join(".")
}

fn owned(path: &[&str]) -> Option<(&'static str, &'static str)> {
    OWNED.iter().copied().find(|(pattern, _)| {
        let pat: Vec<&str> = pattern.split('.').collect();
        pat.len() == path.len() && pat.iter().zip(path).all(|(p, k)| *p == "*" || p == k)
    })
}

fn walk<'t>(
    cx: &Context,
    providers: &[(String, String)],
    path: &mut Vec<&'t str>,
    key: &'t Sp<String>,
    value: &'t Sp<Tree>,
    problems: &mut Vec<Problem>,
) {
    path.push(&key.value);
    let here = dotted(path);
    if let Some((pattern, instead)) = owned(path) {
        problems.push(
            Problem::new(
                Kind::Settings,
                format!(
                    "gateway `{}`: `openclaw.{here}` is set by ocgen (`{pattern}`)",
                    cx.gw
                ),
            )
            .label(key.span, "owned by ocgen")
            .help(instead.to_string()),
        );
        path.pop();
        return;
    }
    if path.len() == 1 {
        if let Some((_, why)) = RETIRED_KEYS.iter().find(|(k, _)| *k == key.value) {
            problems.push(
                Problem::new(
                    Kind::Settings,
                    format!(
                        "gateway `{}`: `openclaw.{here}` is no longer an OpenClaw setting",
                        cx.gw
                    ),
                )
                .label(key.span, "retired key")
                .help((*why).to_string()),
            );
            path.pop();
            return;
        }
    }
    if path.len() == 3
        && path[0] == "secrets"
        && path[1] == "providers"
        && key.value == FILE_PROVIDER
    {
        problems.push(
            Problem::new(
                Kind::Settings,
                format!(
                    "gateway `{}`: `openclaw.{here}` is the secret provider ocgen declares for `auth.file`",
                    cx.gw
                ),
            )
            .label(key.span, "owned by ocgen")
            .help("give your provider another name"),
        );
        path.pop();
        return;
    }
    if path.len() == 3
        && path[0] == "browser"
        && path[1] == "profiles"
        && !cx.browser_profiles.contains(&key.value)
    {
        problems.push(
            Problem::new(
                Kind::Settings,
                format!(
                    "gateway `{}`: browser profile `{}` is set in `openclaw.browser.profiles` but not declared in `browser.profiles`",
                    cx.gw, key.value
                ),
            )
            .label(key.span, "undeclared browser profile")
            .help(format!(
                "declare it with its CDP endpoint: `browser: {{ profiles: {{ {}: {{ cdp_port: <port> }} }} }}`; `openclaw.browser.profiles.{}` may then add other settings",
                key.value, key.value
            )),
        );
    }
    match &value.value {
        Tree::Str(s) => check_string(cx, path, key, value.span, s, problems),
        Tree::Map(entries) => {
            if let Some(reference) = secret_ref(&value.value) {
                check_secret_ref(cx, providers, &here, value, &reference, problems);
            } else {
                for (k, v) in entries {
                    walk(cx, providers, path, k, v, problems);
                }
            }
        }
        Tree::List(items) => {
            for item in items {
                walk_item(cx, providers, path, key, item, problems);
            }
        }
        Tree::Null | Tree::Bool(_) | Tree::Int(_) | Tree::Float(_) => {}
    }
    path.pop();
}

fn walk_item<'t>(
    cx: &Context,
    providers: &[(String, String)],
    path: &mut Vec<&'t str>,
    key: &'t Sp<String>,
    item: &'t Sp<Tree>,
    problems: &mut Vec<Problem>,
) {
    match &item.value {
        Tree::Str(s) => check_string(cx, path, key, item.span, s, problems),
        Tree::Map(entries) => {
            if let Some(reference) = secret_ref(&item.value) {
                check_secret_ref(cx, providers, &dotted(path), item, &reference, problems);
            } else {
                for (k, v) in entries {
                    walk(cx, providers, path, k, v, problems);
                }
            }
        }
        Tree::List(items) => {
            for i in items {
                walk_item(cx, providers, path, key, i, problems);
            }
        }
        _ => {}
    }
}

/// A SecretRef object: `{source, provider, id}`.
struct SecretRefValue {
    source: String,
    provider: String,
    id: String,
}

fn secret_ref(t: &Tree) -> Option<SecretRefValue> {
    let Tree::Map(entries) = t else { return None };
    let text = |k: &str| match t.get(k).map(|v| &v.value) {
        Some(Tree::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let source = text("source")?;
    let id = text("id")?;
    if entries
        .iter()
        .any(|(k, _)| !matches!(k.value.as_str(), "source" | "provider" | "id"))
    {
        return None;
    }
    Some(SecretRefValue {
        source,
        provider: text("provider").unwrap_or_else(|| "default".to_string()),
        id,
    })
}

fn check_secret_ref(
    cx: &Context,
    providers: &[(String, String)],
    here: &str,
    value: &Sp<Tree>,
    r: &SecretRefValue,
    problems: &mut Vec<Problem>,
) {
    let gw = cx.gw;
    match r.source.as_str() {
        "env" => {
            if !is_secret_env_name(&r.id) {
                problems.push(
                    Problem::new(Kind::Secret, format!("gateway `{gw}`: the SecretRef at `openclaw.{here}` must name an environment variable"))
                        .label(value.span, "not a variable name")
                        .redact_source()
                        .help("OpenClaw's env SecretRef ids match ^[A-Z][A-Z0-9_]{0,127}$: write the variable's name, never its value"),
                );
            } else if !cx.delivered.contains(&r.id) {
                problems.push(undelivered(gw, here, &r.id, value.span));
            }
        }
        "file" | "exec" => {
            let declared = providers
                .iter()
                .any(|(name, source)| *name == r.provider && *source == r.source);
            if !declared {
                problems.push(
                    Problem::new(Kind::Secret, format!("gateway `{gw}`: the SecretRef at `openclaw.{here}` uses the {} provider `{}`, which the gateway's settings do not declare", r.source, r.provider))
                        .label(value.span, "undeclared provider")
                        .help(format!("declare it under `openclaw.secrets.providers.{}` with `source: {}` (OpenClaw accepts the config without it, then fails at start)", r.provider, r.source)),
                );
            }
        }
        _ => problems.push(
            Problem::new(
                Kind::Secret,
                format!(
                    "gateway `{gw}`: the SecretRef at `openclaw.{here}` has source `{}`",
                    r.source.escape_debug()
                ),
            )
            .label(value.span, "unknown source")
            .help("use `source: env` (with the variable in `secrets`), `source: file` or `source: exec`"),
        ),
    }
}

fn undelivered(gw: &str, here: &str, var: &str, span: Span) -> Problem {
    Problem::new(
        Kind::Secret,
        format!("gateway `{gw}`: `openclaw.{here}` refers to `{var}`, which the gateway is not given"),
    )
    .label(span, "not delivered")
    .help(format!(
        "add `{var}` to the gateway's `secrets` (its value then goes in the gateway's own secrets file, never in ocgen.yaml)"
    ))
}

/// `${VAR}` and nothing else: OpenClaw's shorthand for an env SecretRef.
fn env_template(s: &str) -> Option<&str> {
    let var = s.strip_prefix("${")?.strip_suffix('}')?;
    let b = var.as_bytes();
    let ok = !b.is_empty()
        && (b[0].is_ascii_uppercase() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_');
    ok.then_some(var)
}

/// Every `${VAR}` in a string (OpenClaw substitutes them in any value).
fn templates_in(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        // `$${VAR}` is OpenClaw's escape for a literal `${VAR}`.
        let escaped = i > 0 && rest.as_bytes()[i - 1] == b'$';
        let after = &rest[i..];
        match after.find('}') {
            Some(end) => {
                if !escaped {
                    if let Some(v) = env_template(&after[..=end]) {
                        out.push(v);
                    }
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

fn check_string(
    cx: &Context,
    path: &[&str],
    key: &Sp<String>,
    span: Span,
    s: &str,
    problems: &mut Vec<Problem>,
) {
    let gw = cx.gw;
    let here = dotted(path);
    for var in templates_in(s) {
        if !cx.delivered.contains(var) {
            problems.push(undelivered(gw, &here, var, span));
        }
    }
    if env_template(s).is_some() || s.is_empty() {
        return;
    }
    let by_name = is_credential_key(&key.value);
    if by_name || looks_like_credential(s) {
        let var = suggested_var(path);
        let why = if by_name {
            format!("`{}` names a credential", key.value)
        } else {
            "the value has the shape of a credential".to_string()
        };
        problems.push(
            Problem::new(
                Kind::Secret,
                format!("gateway `{gw}`: `openclaw.{here}` holds a literal credential ({why}); generated files must not hold secrets"),
            )
            .label(key.span, "credential written inline")
            .redact_source()
            .help(format!(
                "write a SecretRef instead, `{}: {{source: env, provider: default, id: {var}}}`, and add `{var}` to the gateway's `secrets` (the value goes in its own secrets file); or a file source, `{{source: file, provider: <name>, id: /json/pointer}}`, with the provider under `openclaw.secrets.providers`",
                key.value
            )),
        );
    }
}

/// A variable name for a credential at `path`: `channels.telegram.botToken`
/// becomes `TELEGRAM_BOT_TOKEN` (what `check` suggests, and the name
/// `import` gives a literal secret it moves out of a config).
pub(crate) fn suggested_var<S: AsRef<str>>(path: &[S]) -> String {
    let tail = &path[path.len().saturating_sub(2)..];
    let mut out = String::new();
    for part in tail {
        for w in words(part.as_ref()) {
            if !out.is_empty() {
                out.push('_');
            }
            out.push_str(&w.to_ascii_uppercase());
        }
    }
    let clean: String = out
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(100)
        .collect();
    if clean.starts_with(|c: char| c.is_ascii_uppercase()) {
        clean
    } else {
        format!("SECRET_{clean}")
    }
}

/// `botToken` → `bot`, `token`; `api_key` → `api`, `key`.
fn words(key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a settings key names a credential: its last word is one of
/// `CREDENTIAL_WORDS` (token, password, secret, ...), or `key` after a word that makes it a credential
/// (`apiKey`, `privateKey`), not an identifier (`sessionKey`).
pub fn is_credential_key(key: &str) -> bool {
    let w = words(key);
    let Some(last) = w.last() else { return false };
    if CREDENTIAL_WORDS.contains(&last.as_str()) {
        return true;
    }
    last == "key"
        && w.len()
            .checked_sub(2)
            .is_none_or(|i| !NOT_SECRET_KEY_WORDS.contains(&w[i].as_str()))
}

/// Whether a value has the shape of a well-known credential, whatever key
/// holds it.
pub fn looks_like_credential(s: &str) -> bool {
    let s = s.trim();
    let rest_len = |p: &str| s.strip_prefix(p).map_or(0, str::len);
    let token_chars = |t: &str| {
        t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    };
    if CREDENTIAL_PREFIXES
        .iter()
        .any(|p| rest_len(p) >= 16 && token_chars(&s[p.len()..]))
    {
        return true;
    }
    // AWS access key ids, Google API keys.
    if (s.len() == 20
        && s.starts_with("AKIA")
        && s[4..]
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
        || (s.len() == 39 && s.starts_with("AIza") && token_chars(s))
    {
        return true;
    }
    // Telegram bot tokens: `<bot id>:<35 characters>`.
    if let Some((id, secret)) = s.split_once(':') {
        if (6..=12).contains(&id.len())
            && id.bytes().all(|c| c.is_ascii_digit())
            && secret.len() >= 30
            && token_chars(secret)
        {
            return true;
        }
    }
    // JSON web tokens and PEM private keys.
    if s.starts_with("eyJ") && s.matches('.').count() == 2 && s.len() > 30 {
        return true;
    }
    s.contains("-----BEGIN") && s.contains("PRIVATE KEY")
}

/// Last words of a settings key that name a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "token",
    "password",
    "passwd",
    "secret",
    "passphrase",
    "apikey",
    "credential",
    "credentials",
];

/// Words before `key` that make it an identifier, not a credential.
const NOT_SECRET_KEY_WORDS: &[&str] = &[
    "session",
    "skill",
    "idempotency",
    "host",
    "public",
    "sort",
    "cache",
    "dedupe",
    "group",
    "partition",
    "lookup",
    "hot",
    "primary",
    "route",
    "thread",
    "message",
    "main",
    "request",
    "storage",
];

/// Prefixes of well-known API keys and tokens (OpenAI, Anthropic,
/// OpenRouter: `sk-`; GitHub; Slack; GitLab; Groq; Hugging Face; Perplexity).
const CREDENTIAL_PREFIXES: &[&str] = &[
    "sk-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xapp-",
    "glpat-",
    "gsk_",
    "hf_",
    "pplx-",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_keys() {
        for k in [
            "botToken",
            "apiKey",
            "api_key",
            "token",
            "password",
            "webhookSecret",
            "privateKey",
            "encryptKey",
            "key",
            "passphrase",
            "appPassword",
        ] {
            assert!(is_credential_key(k), "{k}");
        }
        for k in [
            "sessionKey",
            "defaultSessionKey",
            "idempotencyKey",
            "maxTokens",
            "tokenLimit",
            "keyFile",
            "publicKey",
            "model",
        ] {
            assert!(!is_credential_key(k), "{k}");
        }
    }

    #[test]
    fn credential_shapes() {
        for v in [
            "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
            "sk-or-v1-0123456789abcdef0123",
            "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "xoxb-1234567890-abcdefghijklmnop",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "AKIAIOSFODNN7EXAMPLE",
        ] {
            assert!(looks_like_credential(v), "{v}");
        }
        for v in [
            "anthropic/claude-sonnet-4-5",
            "sk-",
            "https://example.com",
            "12:30",
            "skip",
        ] {
            assert!(!looks_like_credential(v), "{v}");
        }
    }

    #[test]
    fn suggested_names() {
        assert_eq!(
            suggested_var(&["channels", "telegram", "botToken"]),
            "TELEGRAM_BOT_TOKEN"
        );
        assert_eq!(
            suggested_var(&["models", "providers", "anthropic", "apiKey"]),
            "ANTHROPIC_API_KEY"
        );
    }

    #[test]
    fn templates() {
        assert_eq!(templates_in("a ${A_B} b ${C} $${D}"), vec!["A_B", "C"]);
        assert_eq!(env_template("${TOKEN}"), Some("TOKEN"));
        assert_eq!(env_template("x${TOKEN}"), None);
    }
}
