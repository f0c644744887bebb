//! The real OpenClaw's `doctor` against gateways `ocgen install` set up
//! (OpenClaw's multiple-gateways layout: two profiles in one home): run
//! from each gateway's env file, `openclaw --profile <p> doctor
//! --non-interactive` finds nothing about a key ocgen writes, and `doctor
//! --fix` in a sandboxed home changes no service and no file ocgen owns
//! (`OPENCLAW_SERVICE_REPAIR_POLICY=external`).

mod common;
use common::*;

use std::path::Path;
use std::process::Command;

/// `KEY="value"` lines of an env file ocgen wrote (values without `"`,
/// `\` or `$` here).
fn env_of(file: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_string(), v.trim_matches('"').to_string())
        })
        .collect()
}

/// Every dotted key path of a JSON object (leaves and objects).
fn keys(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    if let serde_json::Value::Object(m) = v {
        for (k, v) in m {
            let p = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            out.push(p.clone());
            keys(v, &p, out);
        }
    }
}

fn doctor(
    openclaw: &Path,
    home: &Path,
    profile: &str,
    env: &[(String, String)],
    fix: bool,
) -> String {
    let mut c = Command::new("timeout");
    c.arg("900")
        .arg(openclaw)
        .args(["--profile", profile, "doctor", "--non-interactive"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (k, v)));
    if fix {
        c.arg("--fix");
    }
    let out = c.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(124), "doctor hung:\n{text}");
    text
}

#[test]
fn openclaws_doctor_is_quiet_about_what_ocgen_owns_and_installs_no_service() {
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let y = tmp.path().join("ocgen.yaml");
    std::fs::write(
        &y,
        format!(
            "version: 1\ndefaults:\n  home: {}\n  auth: {{mode: token, env: OPENCLAW_GATEWAY_TOKEN}}\ngateways:\n  main: {{profile: default, port: 18789}}\n  rescue: {{port: 19789}}\n",
            home.display()
        ),
    )
    .unwrap();
    let y = y.to_str().unwrap();
    let o = ocgen().args(["-f", y, "install"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let plan =
        ocgen::plan::plan(&ocgen::model::load(&std::fs::read_to_string(y).unwrap()).unwrap())
            .unwrap();

    for (i, g) in plan.gateways.iter().enumerate() {
        let paths = g.host_paths().unwrap();
        let mut env = env_of(Path::new(&paths.env_file(&g.name)));
        env.push((
            "OPENCLAW_GATEWAY_TOKEN".into(),
            format!("doctor-test-{}", g.name),
        ));
        let config = std::fs::read_to_string(&paths.config_path).unwrap();
        let mut ours = Vec::new();
        keys(&serde_json::from_str(&config).unwrap(), "", &mut ours);
        let env_text = std::fs::read_to_string(paths.env_file(&g.name)).unwrap();

        let said = doctor(&openclaw, &home, &g.profile, &env, false);
        eprintln!("openclaw_doctor: {} said:\n{said}", g.name);
        assert!(
            !said.contains("persist the explicit agent roster"),
            "{}: doctor wants the agent roster written:\n{said}",
            g.name
        );
        // A finding that names a key ocgen writes is ocgen's to fix. One is
        // the user's choice, documented in the README: a loopback `bind`
        // (the default) does not host remote nodes.
        let flat = said
            .lines()
            .filter(|l| !l.contains("core/doctor/node-hosting-preconditions gateway.bind"))
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ");
        for k in ours.iter().filter(|k| k.contains('.')) {
            assert!(
                !flat.contains(k.as_str()),
                "{}: doctor names `{k}`, which ocgen writes:\n{said}",
                g.name
            );
        }
        assert_eq!(std::fs::read_to_string(&paths.config_path).unwrap(), config);

        // --fix (the first gateway only: each run takes a while) changes no
        // file ocgen owns and installs no service.
        if i == 0 {
            let said = doctor(&openclaw, &home, &g.profile, &env, true);
            eprintln!("openclaw_doctor: {} --fix said:\n{said}", g.name);
            assert_eq!(
                std::fs::read_to_string(&paths.config_path).unwrap(),
                config,
                "doctor --fix changed ocgen's config"
            );
            assert_eq!(
                std::fs::read_to_string(paths.env_file(&g.name)).unwrap(),
                env_text,
                "doctor --fix changed ocgen's env file"
            );
            for unit_dir in [".config/systemd/user", "Library/LaunchAgents"] {
                assert!(
                    !home.join(unit_dir).exists(),
                    "doctor --fix installed a service in {unit_dir}:\n{said}"
                );
            }
            assert!(
                !said.contains("Installed systemd service"),
                "doctor --fix installed a service:\n{said}"
            );
        }
    }
}
