//! Secrets found on the host become variable names, never values.
//!
//! A literal credential in a config (a key that names one, or a value of a
//! credential's shape: the plan's own tests, [`is_credential_key`] and
//! [`looks_like_credential`]) is replaced by an env SecretRef to a variable
//! named after its place (`channels.telegram.botToken` →
//! `TELEGRAM_BOT_TOKEN`); `${VAR}` and env SecretRefs keep their variable.
//! Each name joins the gateway's `secrets:` with where its value is now, so
//! the report can say which value goes in which file without printing it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::openclaw::{RESERVED_ENV, is_secret_env_name};
use crate::plan::{is_credential_key, looks_like_credential};

/// Where a secret's value is now, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    /// E.g. "`channels.telegram.botToken` in /h/.openclaw/openclaw.json".
    pub now: String,
}

/// A gateway's secrets: variable name → where its value is now.
#[derive(Clone, Debug, Default)]
pub(crate) struct Secrets {
    pub vars: BTreeMap<String, Origin>,
}

impl Secrets {
    /// Records `var` (first origin kept).
    pub(crate) fn add(&mut self, var: &str, now: String) {
        self.vars.entry(var.to_string()).or_insert(Origin { now });
    }

    /// A fresh variable name for a literal at `path`: its words, upper
    /// case, made unique among the names taken.
    fn fresh(&self, path: &[String], taken: &dyn Fn(&str) -> bool) -> String {
        let base = crate::plan::suggested_var(path);
        let mut name = base.clone();
        let mut n = 2;
        while self.vars.contains_key(&name) || taken(&name) || RESERVED_ENV.contains(&name.as_str())
        {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }
}

/// Every `${VAR}` OpenClaw substitutes in a string (`$${VAR}` is literal).
pub(crate) fn templates(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let escaped = i > 0 && rest.as_bytes()[i - 1] == b'$';
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { break };
        let var = &after[..end];
        if !escaped && is_secret_env_name(var) {
            out.push(var);
        }
        rest = &after[end + 1..];
    }
    out
}

/// Whether a value is an env SecretRef; its variable if so.
pub(crate) fn env_ref(v: &Value) -> Option<&str> {
    let m = v.as_object()?;
    if m.get("source")?.as_str()? != "env"
        || m.keys()
            .any(|k| !matches!(k.as_str(), "source" | "provider" | "id"))
    {
        return None;
    }
    m.get("id")?.as_str()
}

/// The SecretRef ocgen writes for a variable.
pub(crate) fn env_secret_ref(var: &str) -> Value {
    json!({ "source": "env", "provider": "default", "id": var })
}

/// Walks the settings that go to `openclaw:`, replacing every literal
/// credential with an env SecretRef and recording every variable the
/// settings need. `file` names the config for the report; `taken` says
/// whether a name is already used by the gateway's `env`.
pub(crate) fn extract(
    settings: &mut Map<String, Value>,
    file: &str,
    taken: &dyn Fn(&str) -> bool,
    out: &mut Secrets,
) {
    let mut path = Vec::new();
    for (k, v) in settings.iter_mut() {
        path.push(k.clone());
        walk(v, &mut path, file, taken, out);
        path.pop();
    }
}

fn walk(
    v: &mut Value,
    path: &mut Vec<String>,
    file: &str,
    taken: &dyn Fn(&str) -> bool,
    out: &mut Secrets,
) {
    let here = || format!("`{}` in {file}", path.join("."));
    if let Some(var) = env_ref(v) {
        if is_secret_env_name(var) {
            out.add(
                var,
                format!("the environment (the SecretRef at {})", here()),
            );
        }
        return;
    }
    match v {
        Value::String(s) => {
            for var in templates(s) {
                out.add(var, format!("the environment (`${{{var}}}` at {})", here()));
            }
            let whole_template = s.starts_with("${") && s.ends_with('}') && templates(s).len() == 1;
            let key = path.last().map_or("", String::as_str);
            if !s.is_empty()
                && !whole_template
                && (is_credential_key(key) || looks_like_credential(s))
            {
                let var = out.fresh(path, taken);
                out.add(&var, format!("literal at {}", here()));
                *v = env_secret_ref(&var);
            }
        }
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                path.push(k.clone());
                walk(child, path, file, taken, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                walk(item, path, file, taken, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_become_refs_and_references_are_kept() {
        let mut s: Map<String, Value> = serde_json::from_str(
            r#"{"channels":{"telegram":{"botToken":"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw","dmPolicy":"pairing"}},
                "models":{"providers":{"anthropic":{"apiKey":"${ANTHROPIC_API_KEY}"},"x":{"apiKey":{"source":"env","provider":"default","id":"X_KEY"}}}},
                "misc":["sk-ant-api03-abcdefghijklmnopqrstuvwxyz"], "plain": "text"}"#,
        )
        .unwrap();
        let mut out = Secrets::default();
        extract(&mut s, "/c.json", &|_| false, &mut out);
        let text = serde_json::to_string(&s).unwrap();
        assert!(
            !text.contains("AAHdq") && !text.contains("sk-ant"),
            "{text}"
        );
        assert_eq!(
            s["channels"]["telegram"]["botToken"],
            env_secret_ref("TELEGRAM_BOT_TOKEN")
        );
        assert_eq!(
            s["models"]["providers"]["anthropic"]["apiKey"],
            "${ANTHROPIC_API_KEY}"
        );
        assert_eq!(s["misc"][0], env_secret_ref("MISC_0"));
        let names: Vec<&str> = out.vars.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            vec!["ANTHROPIC_API_KEY", "MISC_0", "TELEGRAM_BOT_TOKEN", "X_KEY"]
        );
        assert!(
            out.vars["TELEGRAM_BOT_TOKEN"]
                .now
                .contains("channels.telegram.botToken")
        );
    }

    #[test]
    fn names_are_unique_and_valid() {
        let mut s: Map<String, Value> = serde_json::from_str(
            r#"{"a":{"token":"x1"},"b":{"a":{"token":"x2"}},"9":{"token":"x3"}}"#,
        )
        .unwrap();
        let mut out = Secrets::default();
        extract(&mut s, "/c", &|n| n == "A_TOKEN_2", &mut out);
        let names: Vec<&str> = out.vars.keys().map(String::as_str).collect();
        assert_eq!(names, vec!["A_TOKEN", "A_TOKEN_3", "SECRET_9_TOKEN"]);
        assert!(names.iter().all(|n| is_secret_env_name(n)));
    }
}
