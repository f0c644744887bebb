//! ocgen's NixOS module inside real NixOS systems: nixpkgs 26.11's
//! `eval-config.nix` with the private Nix 2.26 of `shared/tools/real-nix.sh`.
//!
//! Every example with both backends, from `ocgen nix` (the values) and
//! nix/module.nix (and once from `ocgen nix --self-contained`), in one
//! evaluation: each unit as systemd reads it equals the unit `ocgen
//! systemd` writes, store paths aside (`systemd-analyze verify` on both);
//! each openclaw.json equals `ocgen config`'s; containers run what the
//! plan says (command, environment, probe, mounts, limits); accounts,
//! firewall, tmpfiles; no warnings, no failed assertions, and
//! `config.system.build.toplevel` instantiated. Then the README's override
//! scenarios, gateways declared in Nix alone (the checks of `ocgen check`
//! as assertions), nix/package.nix and nix/default.nix, and the flake:
//! `nix flake check --no-build` against the snapshot.

mod common;

use std::path::Path;
use std::process::Command;

use common::nix::{REFUSED, Refused, Variant, variants};
use common::realnix::{Case, RealNix, real_nix};
use common::systemd::{stub_executable, system_root, verify};
use common::{docs, ocgen, root, tool};
use ocgen::plan::{CONTAINER_CONFIG_PATH, CONTAINER_STATE_DIR, Gateway, Plan, STATE_ROOT};
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

fn unit_line<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    let prefix = format!("{key}=");
    text.lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect()
}

/// systemd's reading of a unit (`systemd-analyze verify` in a root with
/// stand-ins for the programs its Exec lines run), as sorted lines, with
/// what NixOS adds to every unit and where the files lie taken out: the
/// paths of `PATH`, `LOCALE_ARCHIVE` and `TZDIR`, the unit's own file,
/// and the directory of the `openclaw` executable.
fn read_unit(analyze: &Path, dir: &Path, name: &str, text: &str) -> Vec<String> {
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
    let unit_name = name.rsplit('/').next().unwrap();
    let unit = root.join("etc/systemd/system").join(unit_name);
    std::fs::write(&unit, text).unwrap();
    let out = verify(analyze, &unit, Some(&root), &dir.join("xdg"));
    let dump = &out[out
        .find("\t-> Unit ")
        .unwrap_or_else(|| panic!("{name}: {out}"))..];
    let mut lines: Vec<String> = dump
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.starts_with("Fragment Path:")
                && !["PATH", "LOCALE_ARCHIVE", "TZDIR"]
                    .iter()
                    .any(|v| l.starts_with(&format!("Environment: {v}=")))
        })
        .map(|l| match l.strip_prefix("Command Line: ") {
            Some(cmd) => {
                let (exe, args) = cmd.split_once(' ').unwrap_or((cmd, ""));
                format!("Command Line: {} {args}", exe.rsplit('/').next().unwrap())
            }
            None => l.to_string(),
        })
        .collect();
    lines.sort();
    lines
}

fn check_systemd(v: &Variant, plan: &Plan, r: &Value, analyze: &Path, dir: &Path) {
    let name = v.name();
    assert_eq!(
        r["units"].as_object().unwrap().len(),
        plan.gateways.len(),
        "{name}: one unit per gateway"
    );
    for g in &plan.gateways {
        let unit = format!("{}.service", g.unit_name());
        let text = r["units"][&unit]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no {unit}"));
        let exec = unit_line(text, "ExecStart");
        assert!(
            exec.len() == 1 && exec[0].starts_with("/nix/store/"),
            "{name}: {unit}: {exec:?}"
        );
        // The unit as systemd reads it: the same as `ocgen systemd`'s.
        let written = run_ocgen(&v.yaml, &["systemd", &g.name]);
        let theirs = read_unit(analyze, dir, &format!("{name}-nixos/{unit}"), text);
        let ours = read_unit(analyze, dir, &format!("{name}-plain/{unit}"), &written);
        if theirs != ours {
            let (ours, theirs) = (ours.join("\n") + "\n", theirs.join("\n") + "\n");
            let diff = similar::TextDiff::from_lines(&ours, &theirs)
                .unified_diff()
                .header("ocgen systemd", "NixOS")
                .to_string();
            panic!(
                "{name}: {unit} differs from `ocgen systemd {}`:\n{diff}",
                g.name
            );
        }
        let service = &r["services"][g.unit_name()];
        assert_eq!(
            service["wantedBy"],
            json!(["multi-user.target"]),
            "{name}: {unit}"
        );
        let config: Value =
            serde_json::from_str(&run_ocgen(&v.yaml, &["config", &g.name])).unwrap();
        assert_eq!(
            r["openclawJson"][&g.name], config,
            "{name}: {}: openclaw.json is `ocgen config`'s",
            g.name
        );
        let p = g.host_paths().unwrap();
        let tmpfiles = r["tmpfiles"].as_array().unwrap();
        // managed: a link into the store; seeded: a copy where none exists,
        // then made the gateway's own (0600).
        let managed = g.config_mode == ocgen::plan::ConfigMode::Managed;
        let rule = if managed { "L+" } else { "C" };
        let link_prefix = format!("{rule} {} - - - - /nix/store/", p.config_path);
        assert!(
            tmpfiles.iter().any(|t| {
                let t = t.as_str().unwrap();
                t.starts_with(&link_prefix) && t.ends_with(&format!("-openclaw-{}.json", g.name))
            }),
            "{name}: {link_prefix}"
        );
        if !managed {
            let rule = format!("z {} 0600 {} {} - -", p.config_path, g.user, g.group);
            assert!(tmpfiles.contains(&json!(rule)), "{name}: {rule}");
        }
        if !p.state_dir.starts_with(&format!("{STATE_ROOT}/")) {
            let rule = format!("d {} 0700 {} {} - -", p.state_dir, g.user, g.group);
            assert!(tmpfiles.contains(&json!(rule)), "{name}: {rule}");
        }
    }
    let home = plan
        .gateways
        .iter()
        .find(|g| g.user == "openclaw")
        .and_then(|g| g.paths.as_ref().and_then(|p| p.home.clone()));
    assert_eq!(r["users"]["openclaw"]["home"], json!(home), "{name}");
    assert_eq!(r["users"]["openclaw"]["isSystemUser"], json!(true));
    assert_eq!(r["groups"], json!(["openclaw"]));
    let firewall: Vec<u16> = plan
        .gateways
        .iter()
        .filter(|g| g.open_firewall)
        .flat_map(Gateway::firewall_ports)
        .collect();
    assert_eq!(r["firewall"], json!(firewall), "{name}");
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

fn check_oci(v: &Variant, plan: &Plan, r: &Value, analyze: &Path, dir: &Path) {
    let name = v.name();
    assert_eq!(
        r["containers"].as_object().unwrap().len(),
        plan.gateways.len()
    );
    for g in &plan.gateways {
        let c = &r["containers"][format!("openclaw-gateway-{}", g.name)];
        let rt = g.oci_runtime();
        let what = format!("{name}: {}", g.name);
        assert_eq!(c["image"], json!(g.image), "{what}");
        assert_eq!(c["cmd"], json!(rt.container_command()), "{what}");
        let env: serde_json::Map<String, Value> = rt
            .environment()
            .into_iter()
            .map(|(k, val)| (k, json!(val)))
            .collect();
        assert_eq!(c["environment"], Value::Object(env), "{what}");
        let p = g.host_paths().unwrap();
        assert_eq!(
            c["environmentFiles"],
            if rt.secret_vars().is_empty() {
                json!([])
            } else {
                json!([p.secrets_env_file])
            },
            "{what}"
        );
        let host = ocgen::plan::bind_address(g.bind, g.custom_bind_host.as_deref()).unwrap();
        let ports: Vec<String> = g
            .public_ports()
            .iter()
            .map(|p| format!("{host}:{p}:{p}"))
            .collect();
        assert_eq!(c["ports"], json!(ports), "{what}");
        let volumes = strings(&c["volumes"]);
        let mounts: Vec<String> = g
            .container_mounts()
            .unwrap()
            .into_iter()
            .map(|(h, t, ro)| {
                if ro {
                    format!("{h}:{t}:ro")
                } else {
                    format!("{h}:{t}")
                }
            })
            .collect();
        assert_eq!(volumes[..volumes.len() - 1], mounts, "{what}");
        assert!(
            volumes.last().unwrap().starts_with("/nix/store/")
                && volumes.last().unwrap().ends_with(&format!(
                    "-openclaw-{}.json:{CONTAINER_CONFIG_PATH}:ro",
                    g.name
                )),
            "{what}: {volumes:?}"
        );
        assert_eq!(volumes[0], format!("{}:{CONTAINER_STATE_DIR}", p.state_dir));
        let opts = strings(&c["extraOptions"]);
        let script = &rt.container_healthcheck()[3];
        let health = opts
            .iter()
            .find_map(|o| o.strip_prefix("--health-cmd="))
            .unwrap();
        assert_eq!(
            health,
            format!("bash -c '{}'", script.replace('\'', "'\\''")),
            "{what}"
        );
        for o in [
            "--cap-drop=ALL".to_string(),
            "--security-opt=no-new-privileges".to_string(),
            "--stop-timeout=330".to_string(),
            format!("--health-interval={}", ocgen::plan::HEALTH_INTERVAL),
            format!("--health-start-period={}", ocgen::plan::HEALTH_START_PERIOD),
            "--pids-limit=512".to_string(),
            format!("--hostname={}", g.container_hostname()),
            format!("--memory={}", g.container_memory()),
            format!("--cpus={}", g.container_cpus()),
        ] {
            assert!(opts.contains(&o.as_str()), "{what}: {o} in {opts:?}");
        }
        assert_eq!(
            r["openclawJson"][&g.name],
            ocgen::render::openclaw::value(&rt),
            "{what}: openclaw.json"
        );
        let unit = format!("podman-openclaw-gateway-{}.service", g.name);
        let text = r["units"][&unit].as_str().unwrap();
        assert_eq!(unit_line(text, "Restart"), ["always"], "{what}: {unit}");
        assert_eq!(unit_line(text, "RestartSec"), ["5"], "{what}: {unit}");
        assert_eq!(unit_line(text, "TimeoutStopSec"), ["360"], "{what}: {unit}");
        read_unit(analyze, dir, &format!("{name}/{unit}"), text);
        assert!(
            r["tmpfiles"]
                .as_array()
                .unwrap()
                .contains(&json!(format!("d {} 0700 1000 1000 - -", p.state_dir))),
            "{what}"
        );
    }
    let firewall: Vec<u16> = plan
        .gateways
        .iter()
        .filter(|g| g.open_firewall)
        .flat_map(Gateway::firewall_ports)
        .collect();
    assert_eq!(r["firewall"], json!(firewall), "{name}");
    assert_eq!(r["users"], json!({}), "{name}: no account for containers");
}

fn setup() -> Option<(RealNix, std::path::PathBuf)> {
    let nix = real_nix()?;
    let analyze = tool("systemd-analyze")?;
    Some((nix, analyze))
}

fn clean(name: &str, r: &Value) {
    assert_eq!(r["warnings"], json!([]), "{name}");
    assert_eq!(r["failedAssertions"], json!([]), "{name}");
}

#[test]
fn every_example_and_backend_in_a_real_nixos_system() {
    let Some((nix, analyze)) = setup() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let all = variants(dir.path());
    let mut cases: Vec<Case> = all
        .iter()
        .map(|v| Case {
            toplevel: true,
            ..Case::values(&v.name(), &run_ocgen(&v.yaml, &["nix"]))
        })
        .collect();
    // `ocgen nix --self-contained`, the module inlined, evaluates to the
    // same system.
    let fleet = all.iter().find(|v| v.stem == "fleet" && !v.oci()).unwrap();
    cases.push(Case::new(
        "fleet-whole",
        &run_ocgen(&fleet.yaml, &["nix", "--self-contained"]),
    ));
    let v = nix
        .evaluate(dir.path(), &cases)
        .unwrap_or_else(|e| panic!("{e}"));
    for variant in &all {
        let name = variant.name();
        let r = &v[&name];
        clean(&name, r);
        let drv = r["toplevel"].as_str().unwrap();
        assert!(
            drv.starts_with("/nix/store/") && drv.ends_with("-nixos-system-nixos-26.11pre-git.drv"),
            "{name}: {drv}"
        );
        let plan = plan_of(&variant.text);
        if variant.oci() {
            check_oci(variant, &plan, r, &analyze, dir.path());
        } else {
            check_systemd(variant, &plan, r, &analyze, dir.path());
        }
    }
    let whole = &v["fleet-whole"];
    clean("fleet-whole", whole);
    for key in [
        "units",
        "services",
        "openclawJson",
        "tmpfiles",
        "users",
        "firewall",
    ] {
        assert_eq!(whole[key], v[fleet.name()][key], "fleet-whole: {key}");
    }
}

/// The README's override scenarios, quoted from it.
const MKFORCE_PORT: &str = "services.openclaw-gateways.gateways.rescue.port = lib.mkForce 30000;";
const DISABLE: &str = "services.openclaw-gateways.gateways.rescue.enable = false;";
const ADD_ENV: &str = "services.openclaw-gateways.gateways.main.environment.LOG_LEVEL = \"debug\";";
const RESTART_SEC: &str =
    "services.openclaw-gateways.gateways.main.serviceConfig.RestartSec = lib.mkForce 10;";
const OVERLAP: &str = "services.openclaw-gateways.gateways.rescue.port = lib.mkForce 18800;";
/// The README's gateways declared in Nix alone.
const NIX_ONLY: &str = "services.openclaw-gateways.gateways.main.port = 18789;";
/// Gateways declared in Nix alone start in order of their names, at most
/// startBatch at once.
const NIX_BATCHES: &str = "services.openclaw-gateways.gateways = { e.port = 20000; a.port = 20120; d.port = 20240; b.port = 20360; c.port = 20480; };";

const NIX_ONLY_OVERLAP: &str =
    "services.openclaw-gateways.gateways = { main.port = 18789; rescue.port = 18800; };";

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
    let Some((nix, analyze)) = setup() else {
        return;
    };
    let readme = docs();
    for s in [
        MKFORCE_PORT,
        DISABLE,
        ADD_ENV,
        RESTART_SEC,
        OVERLAP,
        NIX_ONLY,
        NIX_ONLY_OVERLAP,
    ] {
        assert!(readme.contains(s), "the book shows `{s}`");
    }
    let dir = tempfile::tempdir().unwrap();
    let all = variants(dir.path());
    let find = |stem: &str, oci: bool| {
        all.iter()
            .find(|v| v.stem == stem && v.oci() == oci)
            .unwrap()
    };
    let rescue = run_ocgen(&find("rescue-bot", false).yaml, &["nix"]);
    let rescue_oci = run_ocgen(&find("rescue-bot", true).yaml, &["nix"]);
    let fleet = run_ocgen(&find("fleet", false).yaml, &["nix"]);
    let hostile_yaml = dir.path().join("hostile.yaml");
    std::fs::write(&hostile_yaml, HOSTILE).unwrap();
    let hostile = run_ocgen(&hostile_yaml, &["nix"]);
    let mut cases = vec![
        Case::values("port", &rescue).with(&module(MKFORCE_PORT)),
        Case::values("disable", &rescue).with(&module(DISABLE)),
        Case::values("env", &rescue)
            .with(&module(ADD_ENV))
            .with(&module(RESTART_SEC)),
        Case::values("overlap", &rescue).with(&module(OVERLAP)),
        Case::values("shared", &rescue).with(&module(
            "services.openclaw-gateways.gateways.rescue.stateDir = lib.mkForce \"/home/openclaw/.openclaw\";",
        )),
        Case::values("nosecrets", &rescue).with(&module(
            "services.openclaw-gateways.gateways.main.secretsFile = lib.mkForce null;",
        )),
        Case {
            package: false,
            ..Case::values("nopackage", &rescue)
        },
        Case::values("firewall", &fleet).with(&module(
            "services.openclaw-gateways.gateways.ops = { port = lib.mkForce 40000; openFirewall = lib.mkForce true; };",
        )),
        Case::values("oci-port", &rescue_oci).with(&module(MKFORCE_PORT)),
        Case::values("hostile", &hostile),
        Case::values("nix-only", &module(NIX_ONLY)),
        Case::values("nix-only-overlap", &module(NIX_ONLY_OVERLAP)),
        Case::values("nix-batches", &module(NIX_BATCHES)),
        Case::values(
            "nix-batch-1",
            &module(&format!("{NIX_BATCHES} services.openclaw-gateways.startBatch = 1;")),
        ),
    ];
    for Refused {
        name, nix: body, ..
    } in REFUSED
    {
        cases.push(Case::values(
            name,
            &module(&format!("services.openclaw-gateways = {{ {body} }};")),
        ));
    }
    let v = nix
        .evaluate(dir.path(), &cases)
        .unwrap_or_else(|e| panic!("{e}"));
    for ok in [
        "nix-batches",
        "nix-batch-1",
        "port",
        "disable",
        "env",
        "firewall",
        "oci-port",
        "hostile",
        "nix-only",
    ] {
        clean(ok, &v[ok]);
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
    // main runs the default profile: OpenClaw's unsuffixed unit.
    assert_eq!(units, ["openclaw-gateway.service"]);
    assert_eq!(
        v["disable"]["openclawJson"].as_object().unwrap().len(),
        1,
        "no config for a disabled gateway"
    );

    // rescue-bot's main runs the default profile: its unit is openclaw-gateway.
    let main = &v["env"]["services"]["openclaw-gateway"];
    assert_eq!(main["environment"]["LOG_LEVEL"], json!("debug"));
    assert_eq!(main["environment"]["OPENCLAW_GATEWAY_PORT"], json!("18789"));
    assert_eq!(main["environment"]["OPENCLAW_PROFILE"], json!("default"));
    assert_eq!(main["serviceConfig"]["RestartSec"], json!(10));

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
    assert_eq!(c["cmd"].as_array().unwrap().last(), Some(&json!("30000")));
    assert_eq!(c["environment"]["OPENCLAW_GATEWAY_PORT"], json!("30000"));
    assert!(
        strings(&c["extraOptions"])
            .iter()
            .any(|o| o.starts_with("--health-cmd=") && o.contains("/dev/tcp/127.0.0.1/30000; ")),
        "{c}"
    );
    assert_eq!(
        v["oci-port"]["openclawJson"]["rescue"]["gateway"]["port"],
        json!(30000)
    );

    // A gateway declared in Nix alone is the minimal example's: the same
    // unit and openclaw.json as `ocgen systemd` and `ocgen config` give.
    let minimal = find("minimal", false);
    let only = &v["nix-only"];
    let text = only["units"]["openclaw-gateway-main.service"]
        .as_str()
        .unwrap();
    let theirs = read_unit(
        &analyze,
        dir.path(),
        "nix-only/openclaw-gateway-main.service",
        text,
    );
    let ours = read_unit(
        &analyze,
        dir.path(),
        "minimal/openclaw-gateway-main.service",
        &run_ocgen(&minimal.yaml, &["systemd", "main"]),
    );
    assert_eq!(theirs, ours, "a gateway declared in Nix alone");
    let config: Value =
        serde_json::from_str(&run_ocgen(&minimal.yaml, &["config", "main"])).unwrap();
    assert_eq!(only["openclawJson"]["main"], config);

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
    assert_eq!(failed("nix-only-overlap"), [overlap]);
    assert_eq!(
        failed("shared"),
        [
            "services.openclaw-gateways: gateway rescue's stateDir /home/openclaw/.openclaw is the same path as gateway main's stateDir /home/openclaw/.openclaw: two gateways on one state dir hang waiting for each other's lock; give each gateway its own directories."
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
    for Refused { name, message, .. } in REFUSED {
        let got = failed(name);
        assert!(
            got.len() == 1 && got[0].starts_with(message),
            "{name}: {got:?}"
        );
    }

    // Gateways declared in Nix alone, by name: each after the one
    // startBatch places before it, with After= only; the wait ends every
    // start.
    let after = |case: &str, gw: &str| -> Vec<String> {
        let s = &v[case]["services"][format!("openclaw-gateway-{gw}")];
        let post = s["serviceConfig"]["ExecStartPost"]
            .as_str()
            .unwrap_or_default();
        assert!(
            post.starts_with("-/nix/store/") && post.contains("/bin/bash -c "),
            "{case}: {gw}: {post}"
        );
        s["after"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .filter(|a| a.starts_with("openclaw-gateway-"))
            .collect()
    };
    let units = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .map(|n| format!("openclaw-gateway-{n}.service"))
            .collect()
    };
    for (gw, want) in [
        ("a", units(&[])),
        ("b", units(&[])),
        ("c", units(&["a"])),
        ("d", units(&["b"])),
        ("e", units(&["c"])),
    ] {
        assert_eq!(after("nix-batches", gw), want, "nix-batches: {gw}");
    }
    for (gw, want) in [
        ("a", units(&[])),
        ("c", units(&["b"])),
        ("e", units(&["d"])),
    ] {
        assert_eq!(after("nix-batch-1", gw), want, "nix-batch-1: {gw}");
    }

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
    let values = run_ocgen(&root().join("examples/rescue-bot.yaml"), &["nix"]);
    let err = nix
        .evaluate(
            dir.path(),
            &[Case {
                toplevel: true,
                ..Case::values("overlap", &values).with(&module(OVERLAP))
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
    let whole = run_ocgen(&file, &["nix", "--self-contained"]);
    let values = run_ocgen(&file, &["nix"]);
    assert!(!whole.contains(secret) && !values.contains(secret));
    let v = nix
        .evaluate(
            dir.path(),
            &[Case::new("whole", &whole), Case::values("values", &values)],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !v.to_string().contains(secret),
        "a secret reached the system"
    );
    for case in ["whole", "values"] {
        let a = &v[case]["services"]["openclaw-gateway-a"]["serviceConfig"];
        assert_eq!(
            a["EnvironmentFile"],
            json!([env_file.display().to_string()]),
            "{case}: required: no `-`"
        );
        let b = &v[case]["services"]["openclaw-gateway-b"]["serviceConfig"];
        assert_eq!(
            b["LoadCredential"],
            json!([format!("b-auth:{}", token_file.display())]),
            "{case}"
        );
    }
}

#[test]
fn the_package_instantiates_with_and_without_flakes_and_its_source_set_builds() {
    let Some(nix) = real_nix() else {
        return;
    };
    let pkgs = format!(
        "(import {} {{ system = \"x86_64-linux\"; config = {{ }}; overlays = [ ]; }})",
        nix.nixpkgs.display()
    );
    let expr = format!(
        "let p = {pkgs}.callPackage {}/nix/package.nix {{ }}; d = import {}/nix/default.nix {{ pkgs = {pkgs}; }}; in {{ drv = p.drvPath; default = d.drvPath; src = toString p.src; inherit (p) pname version; main = p.meta.mainProgram; }}",
        root().display(),
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
    assert_eq!(v["main"], json!("ocgen"));
    assert_eq!(v["version"], json!(env!("CARGO_PKG_VERSION")));
    assert!(
        v["drv"].as_str().unwrap().ends_with("-ocgen-0.1.0.drv"),
        "{v}"
    );
    assert_eq!(v["default"], v["drv"], "nix/default.nix builds the same");
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
    assert!(src.join("nix/module.nix").is_file(), "{}", src.display());
    assert!(!src.join("flake.lock").exists(), "{}", src.display());
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

#[test]
fn the_flake_checks_pass_against_the_snapshot() {
    let Some(nix) = real_nix() else {
        return;
    };
    let Some(nixpkgs) = nix.nixpkgs_input() else {
        return;
    };
    // The committed lock names a real nixpkgs revision, the one the flake
    // asks for; the tests put the snapshot in its place.
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("flake.lock")).unwrap()).unwrap();
    let node = &lock["nodes"]["nixpkgs"];
    assert_eq!(lock["nodes"]["root"]["inputs"]["nixpkgs"], json!("nixpkgs"));
    assert_eq!(node["locked"]["type"], json!("github"));
    let rev = node["locked"]["rev"].as_str().unwrap();
    assert!(
        rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()),
        "{rev}"
    );
    let hash = node["locked"]["narHash"].as_str().unwrap();
    assert!(hash.starts_with("sha256-") && hash.len() == 51, "{hash}");
    let original = &node["original"];
    let url = format!(
        "github:{}/{}/{}",
        original["owner"].as_str().unwrap(),
        original["repo"].as_str().unwrap(),
        original["ref"].as_str().unwrap()
    );
    let flake = std::fs::read_to_string(root().join("flake.nix")).unwrap();
    assert!(
        flake.contains(&format!("inputs.nixpkgs.url = \"{url}\";")),
        "flake.lock pins {url}, which flake.nix does not ask for"
    );

    let here = root().display().to_string();
    let with = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(ToString::to_string).collect();
        all.extend(
            [
                "--no-write-lock-file",
                "--override-input",
                "nixpkgs",
                &nixpkgs,
            ]
            .map(String::from),
        );
        all
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        nix.flake(&args)
            .unwrap_or_else(|e| panic!("nix {args:?}: {e}"))
    };
    // Every output evaluates and every check's derivation instantiates:
    // the module with every example's values and both backends.
    run(with(&["flake", "check", "--no-build", &here]));
    let checks: Value = serde_json::from_str(&run(with(&[
        "eval",
        "--json",
        &format!("{here}#checks.x86_64-linux"),
        "--apply",
        "builtins.attrNames",
    ])))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut want: Vec<String> = variants(dir.path())
        .iter()
        .map(|v| format!("nixos-{}", v.name()))
        .collect();
    want.extend(["format", "package", "source"].map(String::from));
    want.sort();
    assert_eq!(checks, json!(want));
    let outputs: Value = serde_json::from_str(&run(with(&[
        "eval",
        "--json",
        &format!("{here}#packages.x86_64-linux.default"),
        "--apply",
        "p: { main = p.meta.mainProgram; name = p.name; }",
    ])))
    .unwrap();
    assert_eq!(outputs, json!({ "main": "ocgen", "name": "ocgen-0.1.0" }));
    let app = run(with(&[
        "eval",
        "--raw",
        &format!("{here}#apps.x86_64-linux.default.program"),
    ]));
    assert!(
        app.starts_with("/nix/store/") && app.ends_with("-ocgen-0.1.0/bin/ocgen"),
        "{app}"
    );
    // nixosModules.default is nix/module.nix, byte for byte what ocgen inlines.
    let module = run(with(&[
        "eval",
        "--raw",
        &format!("{here}#nixosModules.default"),
    ]));
    let store = nix.nix.parent().unwrap().parent().unwrap().join("store");
    assert_eq!(
        std::fs::read_to_string(store.join(module.trim_start_matches('/'))).unwrap(),
        ocgen::render::nixos::MODULE,
        "{module}"
    );
    let formatter = run(with(&[
        "eval",
        "--raw",
        &format!("{here}#formatter.x86_64-linux.pname"),
    ]));
    assert_eq!(formatter, "nixpkgs-fmt");
}

/// Gateways with backups: on a schedule with the default directory and a
/// token from the environment; at a time of day into a directory of their
/// own with a file secret; on demand only; and none.
const BACKUPS: &str = r#"version: 1
name: backups
targets: [systemd, nixos]
defaults:
  home: /var/lib/oc
gateways:
  main:
    bind: lan
    auth: { mode: token, env: OC_TOKEN }
    secrets_env_file: @ENV@
    backup: { keep: 3, schedule: "Sun 03:30" }
  files:
    state_dir: /srv/files
    auth: { mode: token, file: @TOKEN@ }
    backup: { dir: /var/backups/oc, schedule: "04:05" }
  ondemand:
    backup: {}
  plain: {}
"#;

/// The minimal example with a backup on demand: the same gateway as
/// [`NIX_ONLY_BACKUP`] declares in Nix alone.
const MINIMAL_BACKUP: &str = "version: 1\ndefaults:\n  home: /var/lib/openclaw\ngateways:\n  main: { backup: { schedule: daily } }\n";
const NIX_ONLY_BACKUP: &str = "services.openclaw-gateways.gateways.main = { port = 18789; backup = { enable = true; schedule = \"daily\"; }; };";

/// A unit's `Key=value` lines, sorted, without comments and sections, with
/// systemd's booleans in one spelling.
fn unit_settings(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['))
        .map(|l| l.replace("=yes", "=true"))
        .collect();
    lines.sort();
    lines
}

#[test]
fn backups_are_the_units_and_timers_ocgen_systemd_writes() {
    assert!(
        docs().contains(NIX_ONLY_BACKUP),
        "the book shows `{NIX_ONLY_BACKUP}`"
    );
    let Some((nix, analyze)) = setup() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let secret = "s3cr3t-b4ckup-token-that-must-not-leak";
    let env_file = dir.path().join("main.env");
    let token_file = dir.path().join("files-token");
    std::fs::write(&env_file, format!("OC_TOKEN={secret}\n")).unwrap();
    std::fs::write(&token_file, secret).unwrap();
    let yaml = BACKUPS
        .replace("@ENV@", &env_file.display().to_string())
        .replace("@TOKEN@", &token_file.display().to_string());
    let file = dir.path().join("backups.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let minimal = dir.path().join("minimal-backup.yaml");
    std::fs::write(&minimal, MINIMAL_BACKUP).unwrap();
    let generate = |f: &Path, out: &str| {
        let out = dir.path().join(out);
        run_ocgen(f, &["generate", "-o", out.to_str().unwrap()]);
        out.join("systemd")
    };
    let ours = generate(&file, "out");
    let ours_minimal = generate(&minimal, "out-minimal");
    let values = run_ocgen(&file, &["nix"]);
    assert!(!values.contains(secret));
    assert!(!holds_secret(&ours, secret), "a secret reached a unit");
    let v = nix
        .evaluate(
            dir.path(),
            &[
                Case {
                    toplevel: true,
                    ..Case::values("backups", &values)
                },
                Case::values("nix-only-backup", &module(NIX_ONLY_BACKUP)),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !v.to_string().contains(secret),
        "a secret reached the system"
    );
    let plan = plan_of(&yaml);
    let r = &v["backups"];
    clean("backups", r);
    let same = |case: &str, r: &Value, unit: &str, plain: &Path| {
        let text = r["units"][unit]
            .as_str()
            .unwrap_or_else(|| panic!("{case}: no {unit}"));
        let written = std::fs::read_to_string(plain.join(unit)).unwrap();
        let theirs = read_unit(&analyze, dir.path(), &format!("{case}-nixos/{unit}"), text);
        let mine = read_unit(
            &analyze,
            dir.path(),
            &format!("{case}-plain/{unit}"),
            &written,
        );
        if theirs != mine {
            let (mine, theirs) = (mine.join("\n") + "\n", theirs.join("\n") + "\n");
            let diff = similar::TextDiff::from_lines(&mine, &theirs)
                .unified_diff()
                .header("ocgen systemd", "NixOS")
                .to_string();
            panic!("{case}: {unit} differs from ocgen's:\n{diff}");
        }
    };
    let mut backups = Vec::new();
    let mut timers = Vec::new();
    for g in &plan.gateways {
        let unit = ocgen::plan::backup_unit_name(g);
        if !g.backup.configured {
            assert!(r["units"].get(format!("{unit}.service")).is_none());
            continue;
        }
        backups.push(format!("{unit}.service"));
        // The service as systemd reads it: the same as ocgen's.
        same("backups", r, &format!("{unit}.service"), &ours);
        // Its archive directory, made 0700 for the gateway's account.
        let archive = g.backup.host_dir.as_deref().unwrap();
        let rule = format!("d {archive} 0700 {} {} - -", g.user, g.group);
        assert!(
            r["tmpfiles"].as_array().unwrap().contains(&json!(rule)),
            "{rule}"
        );
        // The archive before a switch: the same unit into a directory of its
        // own, without retention, with its own credential.
        let before = format!("{archive}/before-switch");
        let written = std::fs::read_to_string(ours.join(format!("{unit}.service"))).unwrap();
        let expected: String = written
            .lines()
            .filter(|l| !l.starts_with("ExecStartPost="))
            .map(|l| {
                if l.starts_with("Description=") {
                    format!(
                        "Description=Backup of OpenClaw gateway {} before a NixOS switch\n",
                        g.name
                    )
                } else {
                    l.replace(&format!("{archive}/"), &format!("{before}/"))
                        .replace(
                            &format!("ReadWritePaths={archive}"),
                            &format!("ReadWritePaths={before}"),
                        )
                        .replace(
                            &format!("/{unit}.service/"),
                            &format!("/{unit}-before-switch.service/"),
                        )
                        + "\n"
                }
            })
            .collect();
        let name = format!("{unit}-before-switch.service");
        let theirs = read_unit(
            &analyze,
            dir.path(),
            &format!("backups-nixos/{name}"),
            r["units"][&name].as_str().unwrap(),
        );
        let mine = read_unit(
            &analyze,
            dir.path(),
            &format!("backups-plain/{name}"),
            &expected,
        );
        assert_eq!(theirs, mine, "{name}");
        let rule = format!("d {before} 0700 {} {} - -", g.user, g.group);
        assert!(
            r["tmpfiles"].as_array().unwrap().contains(&json!(rule)),
            "{rule}"
        );
        if let Some(t) = g.backup_timer() {
            timers.push(t.unit.clone());
            let timer = format!("{unit}.timer");
            let text = r["units"][&timer].as_str().unwrap();
            let written = std::fs::read_to_string(ours.join(&timer)).unwrap();
            assert_eq!(unit_settings(text), unit_settings(&written), "{timer}");
            assert_eq!(r["timers"][&unit]["wantedBy"], json!(["timers.target"]));
            assert_eq!(
                r["timers"][&unit]["timerConfig"]["OnCalendar"],
                json!(g.backup.schedule.unwrap().on_calendar()),
                "{timer}"
            );
        }
    }
    assert_eq!(backups.len(), 3);
    // Before a switch that changes a gateway's unit, the running system
    // archives it; the check is a shell fragment of nixpkgs' pre-switch script.
    let check = r["preSwitchChecks"]["openclaw-gateways-backup"]
        .as_str()
        .unwrap();
    // One line per gateway: its unit, then its before-switch backup unit.
    let archived: Vec<&str> = check
        .lines()
        .filter_map(|l| l.strip_prefix("archive "))
        .collect();
    assert_eq!(
        archived,
        [
            "openclaw-gateway-files openclaw-backup-files-before-switch",
            "openclaw-gateway-main openclaw-backup-main-before-switch",
            "openclaw-gateway-ondemand openclaw-backup-ondemand-before-switch"
        ],
        "{check}"
    );
    assert!(
        check.contains("/bin/systemctl start \"$2.service\""),
        "{check}"
    );
    let script = dir.path().join("pre-switch.sh");
    std::fs::write(&script, check).unwrap();
    let o = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut got: Vec<&String> = r["timers"].as_object().unwrap().keys().collect();
    got.sort();
    timers.sort();
    assert_eq!(got, timers.iter().collect::<Vec<_>>());
    assert_eq!(
        r["timers"]["openclaw-backup-main"]["timerConfig"]["OnCalendar"],
        json!("Sun *-*-* 03:30:00")
    );
    assert_eq!(
        r["timers"]["openclaw-backup-files"]["timerConfig"]["OnCalendar"],
        json!("*-*-* 04:05:00")
    );

    // Declared in Nix alone, with the module's defaults: the unit and timer
    // of the minimal example with a daily backup.
    let only = &v["nix-only-backup"];
    clean("nix-only-backup", only);
    same(
        "nix-only-backup",
        only,
        "openclaw-backup-main.service",
        &ours_minimal,
    );
    assert_eq!(
        only["timers"]["openclaw-backup-main"]["timerConfig"]["OnCalendar"],
        json!("daily")
    );
    assert!(only["tmpfiles"].as_array().unwrap().contains(&json!(
        "d /var/lib/openclaw/openclaw-backups/main 0700 openclaw openclaw - -"
    )));
}

/// Whether any file under `dir` holds `secret`.
fn holds_secret(dir: &Path, secret: &str) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let p = e.unwrap().path();
        p.is_file() && std::fs::read_to_string(&p).is_ok_and(|t| t.contains(secret))
    })
}
