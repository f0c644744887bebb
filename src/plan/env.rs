//! Environment: the gateway process's variables, ocgen's and the user's.

#[allow(clippy::wildcard_imports)]
use super::*;

/// `^[A-Za-z_][A-Za-z0-9_]*$`
pub fn is_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

pub(super) fn check_env(gw: &str, k: &Sp<String>, v: &Sp<String>, problems: &mut Vec<Problem>) {
    if !is_env_name(&k.value) {
        problems.push(
            Problem::new(
                Kind::Env,
                format!(
                    "gateway `{gw}`: `{}` is not a valid environment variable name",
                    k.value.escape_debug()
                ),
            )
            .label(k.span, "invalid name")
            .help("names match [A-Za-z_][A-Za-z0-9_]*"),
        );
    } else if RESERVED_ENV.contains(&k.value.as_str()) {
        problems.push(
            Problem::new(Kind::Env, format!("gateway `{gw}`: `{}` is set by ocgen and cannot be overridden in `env`", k.value))
                .label(k.span, "set by ocgen")
                .help("use the gateway's `profile`, `port`, `state_dir`, `config_path` or `workspace` settings instead"),
        );
    } else if looks_like_secret_name(&k.value) {
        problems.push(
            Problem::new(Kind::Secret, format!("gateway `{gw}`: `env.{}` looks like a secret written inline", k.value))
                .label(k.span, "secret value in the deployment file")
                .redact_source()
                .help("generated files must not hold secrets: keep it out of ocgen.yaml and pass it to the gateway from a file or the service's environment (for the gateway token use `auth: { mode: token, env: VAR }`)"),
        );
    }
    if v.value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        problems.push(
            Problem::new(Kind::Env, format!("gateway `{gw}`: `env.{}` holds a control character", k.value))
                .label(v.span, "control character")
                .help("systemd refuses control characters other than tab and newline in environment values"),
        );
    }
}

impl Gateway {
    /// The process environment, in a fixed order: OpenClaw's variables, then
    /// the user's. A managed config is read-only for the gateway: OpenClaw
    /// keeps startup migrations in memory and its config writers refuse.
    pub fn environment(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            ("OPENCLAW_PROFILE".to_string(), self.profile.clone()),
            ("OPENCLAW_STATE_DIR".to_string(), self.state_dir.clone()),
            ("OPENCLAW_CONFIG_PATH".to_string(), self.config_path.clone()),
            ("OPENCLAW_GATEWAY_PORT".to_string(), self.port.to_string()),
            ("OPENCLAW_WORKSPACE_DIR".to_string(), self.workspace.clone()),
        ];
        if self.config_mode == ConfigMode::Managed {
            vars.push((
                CONTAINER_CONFIG_READONLY.0.to_string(),
                CONTAINER_CONFIG_READONLY.1.to_string(),
            ));
        }
        vars.extend(self.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        vars
    }
}
