//! The gateway's own config, `openclaw.json` (`ocgen config NAME`).
//!
//! Built as a JSON value rather than from a template: JSON has one correct
//! spelling for every string, and serde_json writes it. Secrets appear only
//! as OpenClaw SecretRefs.

use serde_json::{Map, Value, json};

use crate::model::AuthMode;
use crate::plan::{DEFAULT_AGENT, FILE_PROVIDER, Runtime, SecretSource};

/// The JSON value of the config of a gateway where it runs.
pub fn value(rt: &Runtime) -> Value {
    let g = rt.gateway;
    let mut gateway = Map::new();
    gateway.insert("mode".into(), json!("local"));
    gateway.insert("port".into(), json!(g.port));
    gateway.insert("bind".into(), json!(rt.bind.as_str()));
    if let Some(h) = &rt.custom_bind_host {
        gateway.insert("customBindHost".into(), json!(h));
    }
    if let Some(auth) = &rt.auth {
        let mut a = Map::new();
        a.insert("mode".into(), json!(auth.mode.as_str()));
        let field = match auth.mode {
            AuthMode::Password => "password",
            _ => "token",
        };
        if let Some(secret) = &auth.secret {
            a.insert(field.into(), secret_ref(secret));
        }
        if let Some(tp) = &auth.trusted_proxy {
            let mut t = Map::new();
            t.insert("userHeader".into(), json!(tp.user_header));
            if tp.allow_loopback {
                t.insert("allowLoopback".into(), json!(true));
            }
            a.insert("trustedProxy".into(), Value::Object(t));
            gateway.insert("trustedProxies".into(), json!(tp.proxies));
        }
        gateway.insert("auth".into(), Value::Object(a));
    }
    if !rt.trusted_proxies.is_empty() {
        gateway.insert("trustedProxies".into(), json!(rt.trusted_proxies));
    }
    let mut control_ui = Map::new();
    if !g.allowed_origins.is_empty() {
        control_ui.insert("allowedOrigins".into(), json!(g.allowed_origins));
    }
    if let Some(base) = &g.base_path {
        control_ui.insert("basePath".into(), json!(base));
    }
    if !control_ui.is_empty() {
        gateway.insert("controlUi".into(), Value::Object(control_ui));
    }
    let mut root = Map::new();
    root.insert("gateway".into(), Value::Object(gateway));
    let mut defaults = Map::new();
    defaults.insert("workspace".into(), json!(rt.workspace));
    let sbx = &g.sandbox;
    let mut sandbox = Map::new();
    if let Some(root) = rt.sandbox_workspace_root() {
        sandbox.insert("workspaceRoot".into(), json!(root));
    }
    if sbx.docker_prefix_ours {
        sandbox.insert(
            "docker".into(),
            json!({ "containerPrefix": sbx.docker_prefix }),
        );
    }
    if sbx.browser_prefix_ours {
        sandbox.insert(
            "browser".into(),
            json!({ "containerPrefix": sbx.browser_prefix }),
        );
    }
    if !sandbox.is_empty() {
        defaults.insert("sandbox".into(), Value::Object(sandbox));
    }
    let mut agents = Map::new();
    agents.insert("defaults".into(), Value::Object(defaults));
    if g.writes_agent_roster() {
        agents.insert("entries".into(), json!({ DEFAULT_AGENT: {} }));
    }
    root.insert("agents".into(), Value::Object(agents));
    if !g.browser_profiles.is_empty() {
        let mut profiles = Map::new();
        for p in &g.browser_profiles {
            let mut m = Map::new();
            if let Some(port) = p.cdp_port {
                m.insert("cdpPort".into(), json!(port));
            }
            if let Some(url) = &p.cdp_url {
                m.insert("cdpUrl".into(), json!(url));
            }
            if let Some(h) = p.headless {
                m.insert("headless".into(), json!(h));
            }
            profiles.insert(p.name.clone(), Value::Object(m));
        }
        root.insert("browser".into(), json!({ "profiles": profiles }));
    }
    root.insert("logging".into(), json!({ "file": rt.log_file }));
    if let Some(SecretSource::File(path)) = rt.auth.as_ref().and_then(|a| a.secret.as_ref()) {
        // OpenClaw reads file secrets only through a declared provider;
        // `singleValue` makes the whole file (one trailing newline stripped)
        // the secret.
        root.insert(
            "secrets".into(),
            json!({ "providers": { FILE_PROVIDER: { "source": "file", "path": path, "mode": "singleValue" } } }),
        );
    }
    let mut root = Value::Object(root);
    merge_settings(&mut root, &g.settings);
    root
}

/// The user's OpenClaw settings joined into ocgen's config, key by key.
/// The plan refuses settings on keys ocgen writes, so nothing of ocgen's is
/// replaced; lists and scalars of the user's are taken whole.
fn merge_settings(base: &mut Value, settings: &Value) {
    let (Value::Object(b), Value::Object(s)) = (base, settings) else {
        return;
    };
    for (k, v) in s {
        match b.get_mut(k) {
            Some(existing @ Value::Object(_)) if v.is_object() => merge_settings(existing, v),
            _ => {
                b.insert(k.clone(), v.clone());
            }
        }
    }
}

/// An OpenClaw SecretRef for a secret's location. A file secret refers to
/// [`FILE_PROVIDER`], a `singleValue` provider whose one id is `value`
/// (OpenClaw rejects a file ref without a declared provider).
pub fn secret_ref(s: &SecretSource) -> Value {
    match s {
        SecretSource::Env(var) => json!({ "source": "env", "provider": "default", "id": var }),
        SecretSource::File(_) => {
            json!({ "source": "file", "provider": FILE_PROVIDER, "id": "value" })
        }
    }
}

/// The file text: two-space indented JSON and one final newline.
pub fn render(rt: &Runtime) -> String {
    // `{:#}` is serde_json's pretty printer; a `Value` always prints.
    let mut s = format!("{:#}", value(rt));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_secret_declares_its_provider() {
        let doc = crate::model::load(
            "version: 1\ngateways:\n  a:\n    state_dir: /s\n    auth: {mode: password, file: /run/pw}\n",
        )
        .unwrap();
        let plan = crate::plan::plan(&doc).unwrap();
        let v = value(&plan.gateways[0].host_runtime().unwrap());
        assert_eq!(
            v["gateway"]["auth"]["password"],
            json!({ "source": "file", "provider": FILE_PROVIDER, "id": "value" })
        );
        assert_eq!(
            v["secrets"]["providers"][FILE_PROVIDER],
            json!({ "source": "file", "path": "/run/pw", "mode": "singleValue" })
        );
    }
}
