//! No secret value ever appears in any output or in any error message.
//!
//! (a) Every command on every example (and on an input that uses every
//! kind of secret reference), with distinctive values in ocgen's own
//! environment and in the files `auth.file` names: none may show up in
//! stdout, stderr or any generated file.
//! (b) Secrets written inline in every wrong place: refused with exit 65,
//! and the value appears in neither stdout nor stderr, even where the
//! message quotes the source (snippets, context lines of other problems).

mod common;
use common::*;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use ocgen::plan::{CONTAINER_DEFAULT_TOKEN_ENV, Plan, SecretSource};

const CANARY: &str = "LEAK-CANARY";

/// Uses every kind of secret reference, with user and system units and the
/// container backend of the Nix module.
const ALL_REFERENCES: &str = "version: 1
nixos: {backend: oci-containers}
defaults:
  home: /srv/oc
  auth: {mode: token, env: OPENCLAW_GATEWAY_TOKEN}
gateways:
  main: {}
  pw:
    bind: lan
    auth: {mode: password, file: /run/keys/pw}
    secrets_env_file: /etc/openclaw/pw.env
  tok:
    auth: {mode: token, env: MY_GATEWAY_TOKEN}
  filetok:
    auth: {mode: token, file: /run/keys/filetok}
  proxied:
    bind: lan
    auth: {mode: trusted-proxy, user_header: x-user, trusted_proxies: [10.0.0.2]}
";

fn plan_of(text: &str) -> Plan {
    ocgen::plan::plan(&ocgen::model::load(text).unwrap()).unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every variable an input takes a secret from, and more that a careless
/// ocgen might read.
fn secret_vars(plan: &Plan) -> Vec<String> {
    let mut vars: Vec<String> = plan
        .gateways
        .iter()
        .filter_map(|g| match g.auth.as_ref()?.secret.as_ref()? {
            SecretSource::Env(v) => Some(v.clone()),
            SecretSource::File(_) => None,
        })
        .collect();
    vars.extend(
        [
            CONTAINER_DEFAULT_TOKEN_ENV,
            "OPENCLAW_GATEWAY_PASSWORD",
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
        ]
        .map(String::from),
    );
    vars.sort();
    vars.dedup();
    vars
}

/// A copy of `yaml` in a temp dir whose `auth.file` paths point at files
/// there that hold canaries.
fn with_secret_files(yaml: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let mut text = yaml.to_string();
    let plan = plan_of(yaml);
    for (i, g) in plan.gateways.iter().enumerate() {
        if let Some(SecretSource::File(path)) = g.auth.as_ref().and_then(|a| a.secret.as_ref()) {
            let file = d.path().join(format!("secret-{i}"));
            fs::write(&file, format!("{CANARY}-file-{i}\n")).unwrap();
            text = text.replace(path.as_str(), file.to_str().unwrap());
        }
    }
    let input = d.path().join("ocgen.yaml");
    fs::write(&input, &text).unwrap();
    (d, input)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn no_command_prints_or_writes_a_secret_from_the_environment_or_a_file() {
    let mut inputs: Vec<(String, String)> = examples()
        .iter()
        .map(|p| (p.display().to_string(), fs::read_to_string(p).unwrap()))
        .collect();
    inputs.push(("every reference".into(), ALL_REFERENCES.into()));
    let mut commands_run = 0;
    for (name, yaml) in &inputs {
        let (dir, input) = with_secret_files(yaml);
        let plan = plan_of(&fs::read_to_string(&input).unwrap());
        let vars = secret_vars(&plan);
        let mut commands: Vec<Vec<String>> = [
            &["check"][..],
            &["ports"],
            &["ports", "--format", "json"],
            &["compose"],
            &["nix"],
            &["generate", "--out", "out"],
            &["generate", "--out", "out", "--check"],
            &["generate", "--out", "out", "--force"],
        ]
        .iter()
        .map(|c| c.iter().map(ToString::to_string).collect())
        .collect();
        for g in &plan.gateways {
            for c in [
                &["env"][..],
                &["config"],
                &["config", "--target", "systemd"],
                &["config", "--target", "compose"],
                &["config", "--target", "kubernetes"],
                &["env", "--target", "compose"],
                &["systemd"],
                &["systemd", "--user"],
            ] {
                let mut c: Vec<String> = c.iter().map(ToString::to_string).collect();
                c.insert(1, g.name.clone());
                commands.push(c);
            }
        }
        for args in &commands {
            let mut cmd = ocgen();
            cmd.current_dir(dir.path())
                .arg("-f")
                .arg(&input)
                .arg("--color")
                .arg("never")
                .args(args);
            for (i, v) in vars.iter().enumerate() {
                cmd.env(v, format!("{CANARY}-env-{i}"));
            }
            let o = cmd.output().unwrap();
            assert!(
                matches!(o.status.code(), Some(0 | 65)),
                "{name}: {args:?}: {}",
                text(&o)
            );
            assert!(
                !text(&o).contains(CANARY),
                "{name}: {args:?} printed a secret:\n{}",
                text(&o)
            );
            commands_run += 1;
        }
        let out = dir.path().join("out");
        assert!(out.is_dir(), "{name}: nothing generated");
        for f in files_under(&out) {
            let contents = fs::read_to_string(&f).unwrap();
            assert!(
                !contents.contains(CANARY),
                "{name}: {} holds a secret",
                f.display()
            );
        }
    }
    assert!(commands_run > 100, "{commands_run}");
}

const HEAD: &str = "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n";

/// Secrets written where ocgen wants a reference (or a plain value), each
/// holding `CANARY`. The second field is the gateway (or `defaults`) the
/// message must name, when one is known.
fn inline_cases() -> Vec<(&'static str, String, Option<&'static str>)> {
    let gw = |body: &str| format!("{HEAD}  main:\n{body}");
    vec![
        (
            "auth.token",
            gw("    auth:\n      mode: token\n      token: LEAK-CANARY-1\n"),
            Some("gateway `main`"),
        ),
        (
            "auth.password",
            gw("    bind: lan\n    auth: {mode: password, password: LEAK-CANARY-2}\n"),
            Some("gateway `main`"),
        ),
        (
            "auth.secret",
            gw("    auth: {mode: token, secret: \"LEAK-CANARY-3\"}\n"),
            Some("gateway `main`"),
        ),
        (
            "auth.env with spaces",
            gw("    auth: {mode: token, env: 'a value with spaces LEAK-CANARY-4'}\n"),
            Some("gateway `main`"),
        ),
        (
            "auth.env a token",
            gw("    auth: {mode: token, env: sk-live-LEAK-CANARY-5}\n"),
            Some("gateway `main`"),
        ),
        (
            "auth as the token",
            gw("    auth: LEAK-CANARY-6\n"),
            Some("gateway `main`"),
        ),
        (
            "auth.mode as the token",
            gw("    auth: {mode: LEAK-CANARY-7}\n"),
            Some("gateway `main`"),
        ),
        (
            "auth.file as the token",
            gw("    auth: {mode: token, file: LEAK-CANARY-8}\n"),
            Some("gateway `main`"),
        ),
        (
            "auth.file with spaces",
            gw("    auth: {mode: token, file: /LEAK-CANARY-9 x}\n"),
            Some("gateway `main`"),
        ),
        (
            "auth.env a list",
            gw("    auth: {mode: token, env: [LEAK-CANARY-10]}\n"),
            Some("gateway `main`"),
        ),
        (
            "auth with the token as a key",
            gw("    auth: {mode: token, LEAK-CANARY-11: x}\n"),
            Some("gateway `main`"),
        ),
        (
            "env API_KEY",
            gw("    env:\n      API_KEY: LEAK-CANARY-12\n"),
            Some("gateway `main`"),
        ),
        (
            "env GITHUB_TOKEN",
            gw("    env: {TZ: UTC, GITHUB_TOKEN: LEAK-CANARY-13}\n"),
            Some("gateway `main`"),
        ),
        (
            "env the auth variable",
            gw("    auth: {mode: token, env: GW_AUTH}\n    env:\n      GW_AUTH: LEAK-CANARY-14\n"),
            Some("gateway `main`"),
        ),
        (
            "defaults.auth.token",
            "version: 1\ndefaults:\n  home: /srv/oc\n  auth:\n    mode: token\n    token: LEAK-CANARY-15\ngateways:\n  main: {}\n".to_string(),
            Some("defaults"),
        ),
        (
            "defaults.env",
            "version: 1\ndefaults:\n  home: /srv/oc\n  env:\n    OPENAI_API_KEY: LEAK-CANARY-16\ngateways:\n  main: {}\n".to_string(),
            Some("gateway `main`"),
        ),
        (
            "a token key on the gateway",
            gw("    token: LEAK-CANARY-17\n"),
            Some("gateway `main`"),
        ),
        (
            "a password key at the top",
            "version: 1\npassword: LEAK-CANARY-18\ndefaults:\n  home: /srv/oc\ngateways:\n  main: {}\n".to_string(),
            None,
        ),
        (
            "a value with a comment",
            gw(
                "    env:\n      # the personal token\n      GITHUB_TOKEN: LEAK-CANARY-19  # LEAK-CANARY-19 again\n",
            ),
            Some("gateway `main`"),
        ),
        (
            "a block scalar",
            gw(
                "    env:\n      API_KEY: |\n        LEAK-CANARY-20\n        LEAK-CANARY-20b\n      TZ: UTC\n",
            ),
            Some("gateway `main`"),
        ),
        (
            "beside another error",
            gw("    port: 80\n    env:\n      API_KEY: LEAK-CANARY-21\n    bind: lan\n"),
            Some("gateway `main`"),
        ),
        (
            "on a line with another error",
            gw("    {port: 80, env: {API_KEY: LEAK-CANARY-22}}\n")
                .replace("  main:\n    {", "  main: {"),
            Some("gateway `main`"),
        ),
        (
            "between two labelled lines",
            format!(
                "{HEAD}  a:\n    port: 20000\n    env: {{API_KEY: LEAK-CANARY-23}}\n  b:\n    port: 20000\n"
            ),
            None,
        ),
        (
            "a syntax error on its line",
            gw("    env:\n      API_KEY: \"LEAK-CANARY-24\n"),
            None,
        ),
        (
            "a tab before it",
            gw("    env:\n\tAPI_KEY: LEAK-CANARY-25\n"),
            None,
        ),
        (
            "a duplicate key",
            gw("    env:\n      API_KEY: LEAK-CANARY-26\n      API_KEY: LEAK-CANARY-26b\n"),
            Some("gateway `main`"),
        ),
        (
            "a truncated file",
            gw("    auth: {mode: token, token: LEAK-CANARY-27"),
            None,
        ),
        (
            "the auth variable, not parsing",
            gw("    auth: {mode: token, env: GW_AUTH}\n    env: {GW_AUTH: LEAK-CANARY-28\n"),
            None,
        ),
    ]
}

#[test]
fn a_secret_written_inline_is_refused_without_being_shown() {
    for (what, yaml, owner) in inline_cases() {
        assert!(yaml.contains(CANARY), "{what}");
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("ocgen.yaml"), &yaml).unwrap();
        for args in [
            &["check"][..],
            &["compose"],
            &["nix"],
            &["env", "main"],
            &["systemd", "main"],
            &["generate", "--out", "out"],
        ] {
            let o = ocgen()
                .current_dir(d.path())
                .args(["--color", "never"])
                .args(args)
                .env("OPENCLAW_GATEWAY_TOKEN", format!("{CANARY}-env"))
                .output()
                .unwrap();
            let all = text(&o);
            assert_eq!(o.status.code(), Some(65), "{what}: {args:?}: {all}");
            assert!(
                !all.contains("CANARY"),
                "{what}: {args:?} shows the secret:\n{all}"
            );
            assert!(!d.path().join("out").exists(), "{what}: wrote files");
            // Still a message people can act on.
            let e = String::from_utf8_lossy(&o.stderr);
            assert!(e.contains("ocgen.yaml:"), "{what}: no place: {e}");
            assert!(e.contains("help: "), "{what}: no fix: {e}");
            if let Some(owner) = owner {
                assert!(e.contains(owner), "{what}: does not name {owner}: {e}");
            }
        }
    }
}

#[test]
fn the_canaries_would_be_seen() {
    // The same inputs with the secret in a harmless place print it: the
    // test above looks where a value would appear.
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("ocgen.yaml"),
        format!("{HEAD}  main:\n    env: {{NOTE: LEAK-CANARY-ok}}\n    port: 80\n"),
    )
    .unwrap();
    let o = run_in(d.path(), &["check", "--color", "never"]);
    assert_eq!(o.status.code(), Some(65));
    assert!(text(&o).contains("LEAK-CANARY-ok"), "{}", text(&o));
}
