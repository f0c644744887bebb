//! The NixOS module inside real NixOS systems: nixpkgs 26.11's
//! `eval-config.nix` with the private Nix 2.26 of `shared/tools/real-nix.sh`.
//! Every example, both backends: units read back (ExecStart, the port
//! everywhere, hardening), accounts, firewall, tmpfiles, the final
//! openclaw.json, no warnings, no failed assertions, `systemd-analyze
//! verify` on every unit text, and `config.system.build.toplevel`
//! instantiated. Then the README's override scenarios, the assertions'
//! messages, and nix/package.nix.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::realnix::{Case, RealNix, real_nix};
use common::systemd::{stub_executable, system_root, verify};
use common::{examples_for, ocgen, root, tool};
use ocgen::plan::{
    CONTAINER_CONFIG_PATH, CONTAINER_STATE_DIR, Gateway, Plan, STATE_ROOT, Scope, SecretSource,
};
use serde_json::{Value, json};

fn plan_of(yaml: &str) -> Plan {
    let doc = ocgen::model::load(yaml).unwrap_or_else(|p| panic!("{p:?}"));
    ocgen::plan::plan(&doc).unwrap_or_else(|p| panic!("{p:?}"))
}

fn run_ocgen(file: &Path, args: &[&str]) -> String {
    let out = ocgen().arg("-f").arg(file).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ocgen {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// An example's text with the oci-containers backend.
fn oci(yaml: &str) -> String {
    assert!(!yaml.contains("\nnixos:"), "the examples pick no backend");
    format!("{yaml}\nnixos:\n  backend: oci-containers\n")
}

struct Example {
    stem: String,
    oci: bool,
    yaml: std::path::PathBuf,
    plan: Plan,
    module: String,
}

fn example(dir: &Path, ex: &Path, backend_oci: bool) -> Example {
    let stem = ex.file_stem().unwrap().to_str().unwrap().to_string();
    let text = std::fs::read_to_string(ex).unwrap();
    let text = if backend_oci { oci(&text) } else { text };
    let yaml = dir.join(format!(
        "{stem}-{}.yaml",
        if backend_oci { "oci" } else { "systemd" }
    ));
    std::fs::write(&yaml, &text).unwrap();
    let module = run_ocgen(&yaml, &["nix"]);
    Example {
        stem,
        oci: backend_oci,
        plan: plan_of(&text),
        yaml,
        module,
    }
}

fn case_name(e: &Example) -> String {
    format!("{}-{}", e.stem, if e.oci { "oci" } else { "systemd" })
}

/// `systemd-analyze verify` on a unit text NixOS wrote, in a root holding
/// stand-ins for the store paths its Exec lines run.
fn verify_nixos_unit(analyze: &Path, dir: &Path, name: &str, text: &str) -> String {
    let root = system_root(&dir.join(name));
    for line in text.lines() {
        if let Some((key, value)) = line.split_once('=') {
            if key.starts_with("Exec") {
                let exe = value
                    .trim_start_matches(['-', '@', '+', '!', ':'])
                    .split_whitespace()
                    .next()
                    .unwrap();
                stub_executable(&root.join(exe.trim_start_matches('/')));
            }
        }
    }
    let unit = root.join("etc/systemd/system").join(name);
    std::fs::write(&unit, text).unwrap();
    verify(analyze, &unit, Some(&root), &dir.join("xdg"))
}

fn unit_line<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    let prefix = format!("{key}=");
    text.lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect()
}

/// The module's `[Service]` settings and the plain unit's say the same:
/// both come from one service model, the module's path settings from its
/// own options.
fn same_directives_as_the_plain_unit(e: &Example, g: &Gateway, sc: &Value) {
    let unit = run_ocgen(&e.yaml, &["systemd", &g.name]);
    let mut in_unit: Vec<String> = unit
        .split("[Service]\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with("Environment=") && !l.starts_with("ExecStart="))
        .map(String::from)
        .collect();
    let mut in_module = Vec::new();
    for (k, val) in sc.as_object().unwrap() {
        if k == "ExecStart" {
            continue;
        }
        let items = match val {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        for i in items {
            let text = match i {
                Value::Bool(b) => (if b { "yes" } else { "no" }).to_string(),
                Value::String(s) => s,
                other => other.to_string(),
            };
            in_module.push(format!("{k}={text}"));
        }
    }
    in_unit.sort();
    in_module.sort();
    assert_eq!(in_unit, in_module, "{}: unit and module differ", g.name);
}

fn check_systemd(e: &Example, v: &Value, analyze: &Path, dir: &Path) {
    let name = case_name(e);
    assert_eq!(
        v["units"].as_object().unwrap().len(),
        e.plan.gateways.len(),
        "{name}: one unit per gateway"
    );
    for g in &e.plan.gateways {
        let unit = format!("openclaw-gateway-{}.service", g.name);
        let text = v["units"][&unit]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no {unit}"));
        let exec = unit_line(text, "ExecStart");
        assert_eq!(exec.len(), 1, "{name}: {unit}");
        // The same arguments as the plain unit: a seeded config's bind is
        // pinned on the command line.
        assert!(
            exec[0].starts_with("/nix/store/")
                && exec[0].ends_with(&format!(
                    "-openclaw/bin/openclaw {}",
                    g.service_args().join(" ")
                )),
            "{name}: {unit}: ExecStart={}",
            exec[0]
        );
        let s = &v["services"][format!("openclaw-gateway-{}", g.name)];
        let paths = g.host_paths().unwrap();
        for (k, val) in g.host_runtime().unwrap().environment() {
            assert_eq!(s["environment"][&k], json!(val), "{name}: {unit}: {k}");
        }
        let managed = g.config_mode == ocgen::plan::ConfigMode::Managed;
        assert_eq!(
            s["environment"]["OPENCLAW_CONFIG_READONLY"],
            if managed { json!("1") } else { Value::Null },
            "{name}: {unit}"
        );
        // The gateway's secrets file: required when it has secrets.
        let env_files = unit_line(text, "EnvironmentFile");
        let names = g.secret_names();
        let want = if names.is_empty() {
            format!("-{}", paths.secrets_env_file)
        } else {
            paths.secrets_env_file.clone()
        };
        assert_eq!(
            env_files.first().copied(),
            Some(want.as_str()),
            "{name}: {unit}"
        );
        assert!(
            text.contains(&format!(
                "Environment=\"OPENCLAW_GATEWAY_PORT={}\"\n",
                g.port
            )),
            "{name}: {unit}"
        );
        same_directives_as_the_plain_unit(e, g, &s["serviceConfig"]);
        assert_eq!(
            v["openclawJson"][&g.name],
            ocgen::render::openclaw::value(&g.service(Scope::System).unwrap().runtime),
            "{name}: {}: openclaw.json is `ocgen config`'s",
            g.name
        );
        let tmpfiles = v["tmpfiles"].as_array().unwrap();
        // managed: a link into the store; seeded: a copy where none exists,
        // then made the gateway's own (0600).
        let (rule, then) = if managed {
            ("L+", None)
        } else {
            (
                "C",
                Some(format!(
                    "z {} 0600 {} {} - -",
                    paths.config_path, g.user, g.group
                )),
            )
        };
        let link_prefix = format!("{rule} {} - - - - /nix/store/", paths.config_path);
        assert!(
            tmpfiles.iter().any(|r| {
                let r = r.as_str().unwrap();
                r.starts_with(&link_prefix) && r.ends_with(&format!("-openclaw-{}.json", g.name))
            }),
            "{name}: {unit}: {link_prefix}"
        );
        if let Some(then) = then {
            assert!(tmpfiles.contains(&json!(then)), "{name}: {then}");
        }
        if !paths.state_dir.starts_with(&format!("{STATE_ROOT}/")) {
            let rule = format!("d {} 0700 {} {} - -", paths.state_dir, g.user, g.group);
            assert!(tmpfiles.contains(&json!(rule)), "{name}: {rule}");
        }
        let dump = verify_nixos_unit(analyze, dir, &format!("{name}-{unit}"), text);
        common::systemd::check_dump(&dump, g, true);
    }
    let home = e
        .plan
        .gateways
        .iter()
        .filter(|g| g.user == "openclaw")
        .find_map(|g| g.host_paths().ok().and_then(|p| p.home.clone()));
    assert_eq!(v["users"]["openclaw"]["home"], json!(home), "{name}");
    assert_eq!(v["users"]["openclaw"]["isSystemUser"], json!(true));
    assert_eq!(v["groups"], json!(["openclaw"]));
    let firewall: Vec<u16> = e
        .plan
        .gateways
        .iter()
        .filter(|g| g.open_firewall)
        .flat_map(Gateway::firewall_ports)
        .collect();
    assert_eq!(v["firewall"], json!(firewall), "{name}");
}

fn check_oci(e: &Example, v: &Value, analyze: &Path, dir: &Path) {
    let name = case_name(e);
    assert_eq!(
        v["services"].as_object().unwrap().len(),
        e.plan.gateways.len()
    );
    let compose: Value = serde_saphyr::from_str(&run_ocgen(&e.yaml, &["compose"])).unwrap();
    for g in &e.plan.gateways {
        let c = &v["containers"][format!("openclaw-gateway-{}", g.name)];
        let view = g.oci_runtime();
        let paths = g.host_paths().unwrap();
        assert_eq!(c["image"], json!(g.image));
        assert_eq!(
            c["cmd"],
            json!([
                "node",
                "openclaw.mjs",
                "gateway",
                "--port",
                g.port.to_string()
            ]),
            "{name}"
        );
        // The environment of the compose service, secrets aside.
        let env: serde_json::Map<String, Value> = view
            .environment()
            .into_iter()
            .map(|(k, val)| (k, json!(val)))
            .collect();
        assert_eq!(c["environment"], Value::Object(env.clone()), "{name}");
        let compose_service = &compose["services"][&g.name];
        for (k, val) in &env {
            // Compose doubles `$` in literals.
            let in_compose = compose_service["environment"][k].as_str().unwrap();
            assert_eq!(
                json!(in_compose.replace("$$", "$")),
                *val,
                "{name}: compose {k}"
            );
        }
        let env_secret = matches!(
            view.auth.as_ref().and_then(|a| a.secret.as_ref()),
            Some(SecretSource::Env(_))
        );
        assert_eq!(
            c["environmentFiles"],
            if env_secret {
                json!([paths.secrets_env_file])
            } else {
                json!([])
            }
        );
        let host = ocgen::plan::bind_address(g.bind, g.custom_bind_host.as_deref()).unwrap();
        assert_eq!(
            c["ports"],
            json!([
                format!("{host}:{}:{}", g.port, g.port),
                format!("{host}:{}:{}", g.port + 1, g.port + 1)
            ])
        );
        let volumes: Vec<&str> = c["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(
            volumes[0],
            format!("{}:{CONTAINER_STATE_DIR}", paths.state_dir),
            "{name}"
        );
        assert!(
            volumes.last().unwrap().ends_with(&format!(
                "-openclaw-{}.json:{CONTAINER_CONFIG_PATH}:ro",
                g.name
            )),
            "{name}: {volumes:?}"
        );
        assert_eq!(
            compose_service["configs"][0]["target"],
            json!(CONTAINER_CONFIG_PATH)
        );
        let opts: Vec<&str> = c["extraOptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        // The compose health check's script (`$` doubled there for
        // Compose), run by the engine's shell.
        let script = compose_service["healthcheck"]["test"][3]
            .as_str()
            .unwrap()
            .replace("$$", "$");
        assert!(
            script.contains(&format!("/dev/tcp/127.0.0.1/{} ", g.port)),
            "{script}"
        );
        let health = opts
            .iter()
            .find_map(|o| o.strip_prefix("--health-cmd="))
            .unwrap();
        assert_eq!(
            health,
            format!("bash -c '{}'", script.replace('\'', "'\\''")),
            "{name}"
        );
        for o in [
            "--cap-drop=ALL",
            "--security-opt=no-new-privileges",
            &format!("--health-interval={}", ocgen::plan::HEALTH_INTERVAL),
            &format!("--health-start-period={}", ocgen::plan::HEALTH_START_PERIOD),
        ] {
            assert!(opts.contains(&o), "{name}: {o}");
        }
        let grace = compose_service["stop_grace_period"].as_str().unwrap();
        assert!(
            opts.contains(&format!("--stop-timeout={}", grace.trim_end_matches('s')).as_str()),
            "{name}: {opts:?}"
        );
        assert_eq!(
            v["openclawJson"][&g.name],
            ocgen::render::openclaw::value(&view),
            "{name}: {}",
            g.name
        );
        let unit = format!("podman-openclaw-gateway-{}.service", g.name);
        let text = v["units"][&unit].as_str().unwrap();
        assert_eq!(unit_line(text, "Restart"), ["always"], "{name}: {unit}");
        assert_eq!(unit_line(text, "RestartSec"), ["5"], "{name}: {unit}");
        assert_eq!(unit_line(text, "TimeoutStopSec"), ["360"], "{name}: {unit}");
        verify_nixos_unit(analyze, dir, &format!("{name}-{unit}"), text);
        assert!(
            v["tmpfiles"]
                .as_array()
                .unwrap()
                .contains(&json!(format!("d {} 0700 1000 1000 - -", paths.state_dir))),
            "{name}"
        );
    }
    let firewall: Vec<u16> = e
        .plan
        .gateways
        .iter()
        .filter(|g| g.open_firewall)
        .flat_map(Gateway::firewall_ports)
        .collect();
    assert_eq!(v["firewall"], json!(firewall), "{name}");
    assert_eq!(v["users"], json!({}), "{name}: no account for containers");
}

fn setup() -> Option<(RealNix, std::path::PathBuf)> {
    let nix = real_nix()?;
    let analyze = tool("systemd-analyze")?;
    Some((nix, analyze))
}

#[test]
fn every_example_and_backend_in_a_real_nixos_system() {
    let Some((nix, analyze)) = setup() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut all = Vec::new();
    for ex in examples_for(ocgen::plan::Target::Nixos) {
        all.push(example(dir.path(), &ex, false));
        // A front door (`proxy:`) is for gateways on the host, not in containers.
        if !std::fs::read_to_string(&ex).unwrap().contains("\nproxy:") {
            all.push(example(dir.path(), &ex, true));
        }
    }
    let cases: Vec<Case> = all
        .iter()
        .map(|e| Case {
            toplevel: true,
            ..Case::new(&case_name(e), &e.module)
        })
        .collect();
    let t = Instant::now();
    let v = nix
        .evaluate(dir.path(), &cases)
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "evaluated {} NixOS systems and instantiated their toplevels in {:.1} s",
        cases.len(),
        t.elapsed().as_secs_f64()
    );
    for e in &all {
        let name = case_name(e);
        let r = &v[&name];
        assert_eq!(r["warnings"], json!([]), "{name}");
        assert_eq!(r["failedAssertions"], json!([]), "{name}");
        let drv = r["toplevel"].as_str().unwrap();
        assert!(
            drv.starts_with("/nix/store/") && drv.ends_with("-nixos-system-nixos-26.11pre-git.drv"),
            "{name}: {drv}"
        );
        if e.oci {
            check_oci(e, r, &analyze, dir.path());
        } else {
            check_systemd(e, r, &analyze, dir.path());
        }
    }
}

/// The README's override scenarios, quoted from it.
const MKFORCE_PORT: &str = "services.openclaw-gateways.gateways.rescue.port = lib.mkForce 30000;";
const DISABLE: &str = "services.openclaw-gateways.gateways.rescue.enable = false;";
const ADD_ENV: &str = "services.openclaw-gateways.gateways.main.environment.LOG_LEVEL = \"debug\";";
const OVERLAP: &str = "services.openclaw-gateways.gateways.rescue.port = lib.mkForce 18800;";

fn module(text: &str) -> String {
    format!("{{ lib, ... }}: {{ {text} }}")
}

const HOSTILE: &str = r#"version: 1
name: hostile
defaults:
  home: /var/lib/oc
gateways:
  main:
    workspace: /var/lib/oc/wörkspace-ünï
    env:
      QUOTES: "it's \"double\" and 'single'"
      INTERP: "${HOME} $HOME ''${x} $${y} \\${z}"
      BACKSLASH: "C:\\path\\n\\t \\ end\\"
      NEWLINES: "line1\nline2\n\nline4\n"
      UNICODE: "ünïcødé ☃ 日本語 🦀"
      PERCENT: "100% %h %%"
      TAB: "a\tb"
  "1st":
    auth: { mode: password, file: /run/keys/first-password }
    secrets_env_file: /run/keys/first.env
"#;

#[test]
fn overrides_flow_from_the_options_and_bad_ones_fail_with_ocgen_messages() {
    let Some(nix) = real_nix() else {
        return;
    };
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for s in [MKFORCE_PORT, DISABLE, ADD_ENV, OVERLAP] {
        assert!(readme.contains(s), "README.md shows `{s}`");
    }
    let dir = tempfile::tempdir().unwrap();
    let rescue = example(dir.path(), &root().join("examples/rescue-bot.yaml"), false);
    let rescue_oci = example(dir.path(), &root().join("examples/rescue-bot.yaml"), true);
    let fleet = example(dir.path(), &root().join("examples/fleet.yaml"), false);
    let hostile_yaml = dir.path().join("hostile.yaml");
    std::fs::write(&hostile_yaml, HOSTILE).unwrap();
    let hostile = run_ocgen(&hostile_yaml, &["nix"]);
    let base = &rescue.module;
    let cases = vec![
        Case::new("port", base).with(&module(MKFORCE_PORT)),
        Case::new("disable", base).with(&module(DISABLE)),
        Case::new("env", base).with(&module(ADD_ENV)),
        Case::new("overlap", base).with(&module(OVERLAP)),
        Case::new("shared", base).with(&module(
            "services.openclaw-gateways.gateways.rescue.stateDir = lib.mkForce \"/home/openclaw/.openclaw\";",
        )),
        Case::new("nosecrets", base).with(&module(
            "services.openclaw-gateways.gateways.main.secretsFile = lib.mkForce null;",
        )),
        Case {
            package: false,
            ..Case::new("nopackage", base)
        },
        Case::new("firewall", &fleet.module).with(&module(
            "services.openclaw-gateways.gateways.ops = { port = lib.mkForce 40000; openFirewall = lib.mkForce true; };",
        )),
        Case::new("oci-port", &rescue_oci.module).with(&module(MKFORCE_PORT)),
        Case::new("hostile", &hostile),
    ];
    let started = Instant::now();
    let v = nix
        .evaluate(dir.path(), &cases)
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "evaluated {} override scenarios in {:.1} s",
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    for ok in ["port", "disable", "env", "firewall", "oci-port", "hostile"] {
        assert_eq!(v[ok]["failedAssertions"], json!([]), "{ok}");
        assert_eq!(v[ok]["warnings"], json!([]), "{ok}");
    }

    // The port flows into ExecStart, the environment and openclaw.json.
    let p = &v["port"];
    let text = p["units"]["openclaw-gateway-rescue.service"]
        .as_str()
        .unwrap();
    assert!(unit_line(text, "ExecStart")[0].ends_with("gateway --port 30000"));
    assert!(text.contains("Environment=\"OPENCLAW_GATEWAY_PORT=30000\"\n"));
    assert_eq!(p["openclawJson"]["rescue"]["gateway"]["port"], json!(30000));
    assert_eq!(p["openclawJson"]["main"]["gateway"]["port"], json!(18789));

    let units: Vec<&String> = v["disable"]["units"].as_object().unwrap().keys().collect();
    assert_eq!(units, ["openclaw-gateway-main.service"]);
    assert_eq!(
        v["disable"]["openclawJson"].as_object().unwrap().len(),
        1,
        "no config for a disabled gateway"
    );

    let env = &v["env"]["services"]["openclaw-gateway-main"]["environment"];
    assert_eq!(env["LOG_LEVEL"], json!("debug"));
    assert_eq!(env["OPENCLAW_GATEWAY_PORT"], json!("18789"));
    assert_eq!(env["OPENCLAW_PROFILE"], json!("default"));

    // The firewall opens the overridden port and P+1.
    assert_eq!(v["firewall"]["firewall"], json!([40000, 40001]));
    assert_eq!(
        v["firewall"]["openclawJson"]["ops"]["gateway"]["port"],
        json!(40000)
    );

    // Containers: published ports, command, environment, probe, config.
    let c = &v["oci-port"]["containers"]["openclaw-gateway-rescue"];
    assert_eq!(
        c["ports"],
        json!(["127.0.0.1:30000:30000", "127.0.0.1:30001:30001"])
    );
    assert_eq!(c["cmd"][4], json!("30000"));
    assert_eq!(c["environment"]["OPENCLAW_GATEWAY_PORT"], json!("30000"));
    assert!(
        c["extraOptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o.as_str().unwrap().contains("/dev/tcp/127.0.0.1/30000 ")),
        "{c}"
    );
    assert_eq!(
        v["oci-port"]["openclawJson"]["rescue"]["gateway"]["port"],
        json!(30000)
    );

    // ocgen's assertions, naming the gateways.
    let failed = |case: &str| -> Vec<String> {
        v[case]["failedAssertions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect()
    };
    let overlap = "services.openclaw-gateways: gateways main (ports 18789-18899) and rescue (ports 18800-18910) overlap: each gateway uses P to P+110; give them base ports at least 120 apart.";
    assert_eq!(failed("overlap"), [overlap]);
    assert_eq!(
        failed("shared"),
        [
            "services.openclaw-gateways: gateways main and rescue share the state directory /home/openclaw/.openclaw; the second would hang waiting for the first one's lock: give each its own stateDir."
        ]
    );
    assert_eq!(
        failed("nosecrets"),
        [
            "services.openclaw-gateways.gateways.main: the gateway reads OPENCLAW_GATEWAY_TOKEN from its environment, but secretsFile is null: set it to a file outside the Nix store that defines OPENCLAW_GATEWAY_TOKEN=<secret>."
        ]
    );
    let nopackage = failed("nopackage");
    assert_eq!(nopackage.len(), 1);
    assert!(
        nopackage[0].starts_with("services.openclaw-gateways.package is not set")
            && nopackage[0].contains("permittedInsecurePackages"),
        "{nopackage:?}"
    );

    // Strings that break naive quoting come back exactly.
    let h = &v["hostile"];
    let env = &h["services"]["openclaw-gateway-main"]["environment"];
    assert_eq!(env["QUOTES"], json!("it's \"double\" and 'single'"));
    assert_eq!(env["INTERP"], json!("${HOME} $HOME ''${x} $${y} \\${z}"));
    assert_eq!(env["BACKSLASH"], json!("C:\\path\\n\\t \\ end\\"));
    assert_eq!(env["NEWLINES"], json!("line1\nline2\n\nline4\n"));
    assert_eq!(env["UNICODE"], json!("ünïcødé ☃ 日本語 🦀"));
    assert_eq!(env["PERCENT"], json!("100% %h %%"));
    assert_eq!(env["TAB"], json!("a\tb"));
    let first = &h["services"]["openclaw-gateway-1st"]["serviceConfig"];
    assert_eq!(
        first["LoadCredential"],
        json!(["1st-auth:/run/keys/first-password"])
    );
    assert_eq!(first["EnvironmentFile"], json!(["-/run/keys/first.env"]));
    // The service's copy is bound over the file's own path, which the
    // config names: one openclaw.json for the host, however it starts.
    assert_eq!(
        first["BindReadOnlyPaths"],
        json!(["/run/credentials/openclaw-gateway-1st.service/1st-auth:/run/keys/first-password"])
    );
    assert_eq!(
        h["openclawJson"]["1st"]["secrets"]["providers"]["gateway-auth"]["path"],
        json!("/run/keys/first-password")
    );
}

#[test]
fn a_failed_assertion_stops_the_system_build_with_ocgen_message() {
    let Some(nix) = real_nix() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rescue = example(dir.path(), &root().join("examples/rescue-bot.yaml"), false);
    let err = nix
        .evaluate(
            dir.path(),
            &[Case {
                toplevel: true,
                ..Case::new("overlap", &rescue.module).with(&module(OVERLAP))
            }],
        )
        .unwrap_err();
    assert!(
        err.contains("Failed assertions:")
            && err.contains(
                "gateways main (ports 18789-18899) and rescue (ports 18800-18910) overlap"
            ),
        "{err}"
    );
}

#[test]
fn no_secret_value_reaches_the_module_or_the_evaluated_system() {
    let Some(nix) = real_nix() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let secret = "s3cr3t-t0ken-value-that-must-not-leak";
    let token_file = dir.path().join("token");
    let env_file = dir.path().join("secrets.env");
    std::fs::write(&token_file, secret).unwrap();
    std::fs::write(&env_file, format!("OC_TOKEN={secret}\n")).unwrap();
    let yaml = format!(
        "version: 1\ndefaults:\n  home: /var/lib/oc\ngateways:\n  a:\n    bind: lan\n    auth: {{ mode: token, env: OC_TOKEN }}\n    secrets_env_file: {}\n  b:\n    auth: {{ mode: token, file: {} }}\n",
        env_file.display(),
        token_file.display()
    );
    let file = dir.path().join("ocgen.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let m = run_ocgen(&file, &["nix"]);
    assert!(!m.contains(secret));
    let v = nix
        .evaluate(dir.path(), &[Case::new("secrets", &m)])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !v.to_string().contains(secret),
        "a secret reached the system"
    );
    let a = &v["secrets"]["services"]["openclaw-gateway-a"]["serviceConfig"];
    assert_eq!(
        a["EnvironmentFile"],
        json!([env_file.display().to_string()]),
        "required: no `-`"
    );
    let b = &v["secrets"]["services"]["openclaw-gateway-b"]["serviceConfig"];
    assert_eq!(
        b["LoadCredential"],
        json!([format!("b-auth:{}", token_file.display())])
    );
}

#[test]
fn the_package_instantiates_and_its_source_set_builds() {
    let Some(nix) = real_nix() else {
        return;
    };
    let expr = format!(
        "let p = (import {} {{ system = \"x86_64-linux\"; config = {{ }}; overlays = [ ]; }}).callPackage {}/nix/package.nix {{ }}; in {{ drv = p.drvPath; src = toString p.src; inherit (p) pname version; }}",
        nix.nixpkgs.display(),
        root().display()
    );
    let v: Value = serde_json::from_str(
        &nix.run(&[
            "--eval",
            "--strict",
            "--json",
            "--read-write-mode",
            "-E",
            &expr,
        ])
        .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap();
    assert_eq!(v["pname"], json!("ocgen"));
    assert_eq!(v["version"], json!(env!("CARGO_PKG_VERSION")));
    assert!(
        v["drv"].as_str().unwrap().ends_with("-ocgen-0.1.0.drv"),
        "{v}"
    );
    // The store of real-nix.sh lives at <cache>/store/nix/store.
    let store = nix
        .nix_instantiate
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("store");
    let src = store.join(v["src"].as_str().unwrap().trim_start_matches('/'));
    assert!(src.join("Cargo.toml").is_file(), "{}", src.display());
    // Exactly what the filter keeps, writable, and built without network.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("src");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&copy)
        .status()
        .unwrap();
    let target = std::env::var_os("OCGEN_TOOLS").map_or_else(
        || dir.path().join("target"),
        |t| std::path::PathBuf::from(t).join("package-build-target"),
    );
    let out = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--locked", "--quiet"])
        .current_dir(&copy)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo build of nix/package.nix's source set:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
