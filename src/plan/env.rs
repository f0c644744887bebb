//! Environment: the gateway process's variables, ocgen's and the user's.

use indexmap::IndexMap;

use super::defaults::Resolved;
use super::gateway::{GatewayAuth, SecretSource};
use super::settings::looks_like_credential;
use crate::diag::{Kind, Problem};
use crate::model::Sp;
use crate::openclaw::{RESERVED_ENV, looks_like_secret_name};

/// `^[A-Za-z_][A-Za-z0-9_]*$`
pub fn is_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// `env`, checked: names, variables ocgen sets, secrets written inline.
pub(super) fn resolve_env(
    r: &Resolved,
    auth: Option<&GatewayAuth>,
    problems: &mut Vec<Problem>,
) -> IndexMap<String, String> {
    let name = &r.name.value;
    let mut env = IndexMap::new();
    for (k, v) in r.s.env.iter().flatten() {
        check_env(name, k, v, problems);
        env.insert(k.value.clone(), v.value.clone());
    }
    if let Some(SecretSource::Env(var)) = auth.and_then(|a| a.secret.as_ref()) {
        if let Some((k, _)) =
            r.s.env
                .iter()
                .flatten()
                .find(|(k, _)| k.value == *var && !looks_like_secret_name(var))
        {
            problems.push(
                Problem::new(Kind::Secret, format!("gateway `{name}`: `env.{var}` sets the variable that `auth.env` names: the secret written inline"))
                    .label(k.span, "the secret's value in the deployment file")
                    .redact_source()
                    .help(format!("remove `{var}` from `env`: the gateway reads it from its environment (the service's secrets_env_file, or .env for compose), never from ocgen's output")),
            );
        }
    }
    env
}

/// The fix for a secret written in `env`: name it in `secrets:` instead.
fn secret_in_env_help(var: &str) -> String {
    format!(
        "generated files must not hold secrets: remove it from `env`, write `secrets: [{var}]` on the gateway and put `{var}=<value>` in its secrets file (`<state_dir>/.env` on a host, `secrets/<gateway>.env` for compose); for the gateway token use `auth: {{ mode: token, env: VAR }}`"
    )
}

fn check_env(gw: &str, k: &Sp<String>, v: &Sp<String>, problems: &mut Vec<Problem>) {
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
    } else if looks_like_secret_name(&k.value) || looks_like_credential(&v.value) {
        problems.push(
            Problem::new(
                Kind::Secret,
                format!(
                    "gateway `{gw}`: `env.{}` looks like a secret written inline",
                    k.value
                ),
            )
            .label(k.span, "secret value in the deployment file")
            .redact_source()
            .help(secret_in_env_help(&k.value)),
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

#[cfg(test)]
mod tests {
    use crate::diag::Kind;
    use crate::plan::testing::{HEAD, kinds, plan_of};

    #[test]
    fn inline_secrets_in_env_are_refused() {
        let y = format!("{HEAD}  a: {{env: {{OPENAI_API_KEY: sk-123}}}}\n");
        assert_eq!(kinds(plan_of(&y)), vec![Kind::Secret]);
        // The variable `auth.env` names, set in `env`: the secret inline,
        // refused for every output, never echoed.
        let y =
            format!("{HEAD}  a: {{env: {{GW_AUTH: x}}, auth: {{mode: token, env: GW_AUTH}}}}\n");
        let errs = plan_of(&y).unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.kind).collect::<Vec<_>>(),
            vec![Kind::Secret]
        );
        assert!(!errs[0].show_source, "{errs:?}");
    }
}
