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

/// The installed OpenClaw package, beside the `openclaw` tool.
fn openclaw_package() -> Option<std::path::PathBuf> {
    let bin = tool("openclaw")?;
    let dir = bin.parent()?.parent()?.join(format!(
        "openclaw-{}/node_modules/openclaw",
        ocgen::openclaw::OPENCLAW_VERSION
    ));
    assert!(
        dir.join("dist").is_dir(),
        "no OpenClaw package at {}",
        dir.display()
    );
    Some(dir)
}

/// `Environment="K=V"` lines of a unit ocgen wrote.
fn unit_env(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("Environment=\"")?.strip_suffix('"'))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// What OpenClaw's own `resolveGatewayNativeServiceIdentityConflict` says
/// of a service environment on Linux: `null` when the unit name is the one
/// it derives from `OPENCLAW_PROFILE`, else the expected one.
fn identity_conflict(node: &Path, pkg: &Path, env: &[(String, String)]) -> String {
    let module = std::fs::read_dir(pkg.join("dist"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|x| x == "mjs")
                && std::fs::read_to_string(p).is_ok_and(|t| {
                    t.contains("function resolveGatewayNativeServiceIdentityConflict(")
                        && t.contains("export {")
                })
        })
        .expect("OpenClaw's dist defines resolveGatewayNativeServiceIdentityConflict");
    let obj: serde_json::Map<String, serde_json::Value> = env
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let script = format!(
        "const m = await import({url}); const f = Object.values(m).find(v => typeof v === 'function' && v.name === 'resolveGatewayNativeServiceIdentityConflict'); if (!f) throw new Error('not exported'); console.log(JSON.stringify(f({env}, 'linux')));",
        url = serde_json::to_string(&format!("file://{}", module.display())).unwrap(),
        env = serde_json::Value::Object(obj),
    );
    let o = Command::new(node)
        .args(["--input-type=module", "-e", &script])
        .output()
        .unwrap();
    assert!(o.status.success(), "node: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A gateway whose profile is not its name (`ops`, profile `work`; `main`,
/// profile `default`): its unit is named as OpenClaw names the profile's
/// service, which OpenClaw's own code accepts as its service identity (the
/// name ocgen gave before, `openclaw-gateway-ops.service`, it does not),
/// and the real `openclaw doctor --fix`, run with the unit's environment in
/// a sandboxed home, says nothing about the unit name and installs no
/// service.
#[test]
fn units_named_by_profile_are_the_ones_openclaw_expects() {
    let (Some(openclaw), Some(node), Some(pkg)) =
        (tool("openclaw"), tool("node"), openclaw_package())
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let y = tmp.path().join("ocgen.yaml");
    std::fs::write(
        &y,
        format!(
            "version: 1\ntargets: [host, systemd]\ndefaults:\n  home: {}\n  auth: {{mode: token, env: OPENCLAW_GATEWAY_TOKEN}}\ngateways:\n  main: {{profile: default, port: 18789}}\n  ops: {{profile: work, port: 19789}}\n",
            home.display()
        ),
    )
    .unwrap();
    let y = y.to_str().unwrap();
    let out = tmp.path().join("out");
    let o = ocgen()
        .args(["-f", y, "generate", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ocgen().args(["-f", y, "install"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for (name, unit) in [
        ("main", "openclaw-gateway"),
        ("ops", "openclaw-gateway-work"),
    ] {
        let file = out.join(format!("systemd/{unit}.service"));
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{name}: {}: {e}", file.display()));
        assert!(
            !out.join(format!("systemd/openclaw-gateway-{name}.service"))
                .exists(),
            "{name}: a unit by the gateway's name was written"
        );
        let mut env = unit_env(&text);
        assert!(
            env.contains(&("OPENCLAW_SYSTEMD_UNIT".into(), format!("{unit}.service"))),
            "{name}: {env:?}"
        );
        assert_eq!(identity_conflict(&node, &pkg, &env), "null", "{name}");
        if name == "ops" {
            // The former name is not the profile's service for OpenClaw.
            let mut former = env.clone();
            for (k, v) in &mut former {
                if k == "OPENCLAW_SYSTEMD_UNIT" {
                    *v = "openclaw-gateway-ops.service".into();
                }
            }
            let said = identity_conflict(&node, &pkg, &former);
            assert!(said.contains("openclaw-gateway-work.service"), "{said}");

            env.push(("OPENCLAW_GATEWAY_TOKEN".into(), "doctor-test-ops".into()));
            let said = doctor(&openclaw, &home, "work", &env, true);
            eprintln!(
                "openclaw_doctor: ops (profile work) --fix with its unit's environment said:\n{said}"
            );
            assert!(
                !said.contains("cannot override OPENCLAW_SYSTEMD_UNIT"),
                "doctor rejects the unit name:\n{said}"
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
