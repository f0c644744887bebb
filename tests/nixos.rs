//! The NixOS module: golden files, `nix-instantiate --parse`, nixpkgs-fmt,
//! and `nix-instantiate --eval --strict --json` of the module applied to a
//! stub `{ config, lib, pkgs }` (tests/nix/stub.nix: a small module system
//! with mkIf, mkMerge, mkForce, submodules), checked per gateway against the
//! plan.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::nix::{STUB_OPENCLAW, evaluate, nix_instantiate};
use common::{examples, golden, ocgen, root, tool};
use ocgen::plan::{Plan, STATE_ROOT};
use serde_json::{Value, json};

fn plan_of(yaml: &str) -> Plan {
    let doc = ocgen::model::load(yaml).unwrap_or_else(|p| panic!("{p:?}"));
    ocgen::plan::plan(&doc).unwrap_or_else(|p| panic!("{p:?}"))
}

/// `ocgen nix` on a file.
fn module_of(file: &Path) -> String {
    let out = ocgen().arg("-f").arg(file).arg("nix").output().unwrap();
    assert!(
        out.status.success(),
        "ocgen nix: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write_yaml(dir: &Path, yaml: &str) -> PathBuf {
    let p = dir.join("ocgen.yaml");
    std::fs::write(&p, yaml).unwrap();
    p
}

#[test]
fn every_example_module_matches_its_golden_file_parses_and_is_formatted() {
    let nix = tool("nix-instantiate");
    let fmt = tool("nixpkgs-fmt");
    let dir = tempfile::tempdir().unwrap();
    for ex in examples() {
        let stem = ex.file_stem().unwrap().to_str().unwrap().to_string();
        let text = module_of(&ex);
        golden(&format!("{stem}/tree/nixos/openclaw-gateways.nix"), &text);
        let file = dir.path().join(format!("{stem}.nix"));
        std::fs::write(&file, &text).unwrap();
        if let Some(nix) = &nix {
            nix_instantiate(nix, &["--parse"], &file).unwrap_or_else(|e| panic!("{stem}: {e}"));
        }
        if let Some(fmt) = &fmt {
            let out = Command::new(fmt)
                .arg("--check")
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{stem}: not formatted as nixpkgs-fmt would:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn generate_writes_the_same_module() {
    let dir = tempfile::tempdir().unwrap();
    let ex = root().join("examples/fleet.yaml");
    let out = ocgen()
        .arg("-f")
        .arg(&ex)
        .arg("generate")
        .arg("-o")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(dir.path().join("nixos/openclaw-gateways.nix")).unwrap();
    assert_eq!(written, module_of(&ex));
}

#[test]
fn every_nix_file_of_the_packaging_parses_and_is_formatted() {
    let nix = tool("nix-instantiate");
    let fmt = tool("nixpkgs-fmt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("nix"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.push(root().join("tests/nix/stub.nix"));
    assert!(
        files.len() >= 3,
        "nix/package.nix and nix/flake.nix: {files:?}"
    );
    for f in &files {
        if let Some(nix) = &nix {
            nix_instantiate(nix, &["--parse"], f)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        }
        if let Some(fmt) = &fmt {
            let out = Command::new(fmt).arg("--check").arg(f).output().unwrap();
            assert!(
                out.status.success(),
                "{} is not nixpkgs-fmt formatted",
                f.display()
            );
        }
    }
}

/// The checks every evaluated module must pass, against the plan.
fn check_services(plan: &Plan, v: &Value) {
    let services = v["services"].as_object().unwrap();
    assert_eq!(
        services.len(),
        plan.gateways.len(),
        "one unit per gateway: {:?}",
        services.keys()
    );
    for g in &plan.gateways {
        let unit = format!("openclaw-gateway-{}", g.name);
        let s = &v["services"][&unit];
        assert!(s.is_object(), "no systemd.services.{unit}");
        let sc = &s["serviceConfig"];
        assert_eq!(
            sc["ExecStart"],
            json!(format!(
                "{STUB_OPENCLAW}/bin/openclaw gateway --port {}",
                g.port
            )),
            "{unit}"
        );
        // The gateway's environment, then the markers by which OpenClaw
        // recognises a service it manages.
        let mut vars = g.environment();
        vars.extend([
            ("OPENCLAW_SERVICE_MARKER".into(), "openclaw".into()),
            ("OPENCLAW_SERVICE_KIND".into(), "gateway".into()),
            ("OPENCLAW_SYSTEMD_UNIT".into(), format!("{unit}.service")),
        ]);
        let env: serde_json::Map<String, Value> = vars
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        assert_eq!(s["environment"], Value::Object(env), "{unit}: environment");
        let state = g
            .state_dir
            .strip_prefix(STATE_ROOT)
            .and_then(|r| r.strip_prefix('/'));
        if let Some(rel) = state {
            assert_eq!(sc["StateDirectory"], json!(rel), "{unit}");
        } else {
            assert!(sc.get("StateDirectory").is_none(), "{unit}");
            let rule = format!("d {} 0700 {} {} - -", g.state_dir, g.user, g.group);
            assert!(
                v["tmpfiles"].as_array().unwrap().contains(&json!(rule)),
                "{unit}: {rule}"
            );
            assert!(
                sc["ReadWritePaths"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(g.state_dir)),
                "{unit}"
            );
        }
        assert_eq!(sc["User"], json!(g.user));
        assert_eq!(sc["Group"], json!(g.group));
        for (k, want) in [
            ("Restart", json!("always")),
            ("RestartSec", json!(5)),
            ("RestartPreventExitStatus", json!(78)),
            ("TimeoutStopSec", json!(330)),
            ("KillMode", json!("mixed")),
            ("SuccessExitStatus", json!("0 143")),
            ("ProtectSystem", json!("strict")),
            ("PrivateTmp", json!(true)),
            ("NoNewPrivileges", json!(true)),
            ("UMask", json!("0077")),
        ] {
            assert_eq!(sc[k], want, "{unit}: {k}");
        }
        assert!(sc["ProtectHome"].is_string() && sc["RestrictAddressFamilies"].is_string());
        assert!(
            sc["ReadWritePaths"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p.as_str().unwrap().ends_with(&g.workspace)),
            "{unit}: ReadWritePaths names the workspace"
        );
        // The config is a link into the store, at the path the environment names.
        let link = format!(
            "L+ {} - - - - /nix/store/11111111111111111111111111111111-openclaw-{}.json",
            g.config_path, g.name
        );
        assert!(
            v["tmpfiles"].as_array().unwrap().contains(&json!(link)),
            "{unit}: {link}"
        );
        let expected_settings =
            ocgen::render::openclaw::value(&g.service_view(ocgen::plan::Scope::System));
        assert_eq!(
            v["gateways"][&g.name]["settings"], expected_settings,
            "{unit}: openclaw.json"
        );
        // Secrets only as paths outside the store.
        for f in sc["EnvironmentFile"].as_array().unwrap() {
            let f = f.as_str().unwrap();
            assert!(
                f.trim_start_matches('-').starts_with('/') && !f.contains("/nix/store"),
                "{unit}: {f}"
            );
        }
    }
}

/// The module's `serviceConfig` and the plain unit's `[Service]` lines say
/// the same, since both come from one service model.
fn same_directives_as_the_units(ex: &Path, plan: &Plan, v: &Value) {
    for g in &plan.gateways {
        let unit = ocgen()
            .arg("-f")
            .arg(ex)
            .args(["systemd", &g.name])
            .output()
            .unwrap();
        let unit = String::from_utf8(unit.stdout).unwrap();
        let in_unit: Vec<String> = unit
            .split("[Service]\n")
            .nth(1)
            .unwrap()
            .lines()
            .take_while(|l| !l.is_empty())
            .filter(|l| !l.starts_with("Environment=") && !l.starts_with("ExecStart="))
            .map(String::from)
            .collect();
        let mut in_module = Vec::new();
        let sc = v["services"][format!("openclaw-gateway-{}", g.name)]["serviceConfig"]
            .as_object()
            .unwrap();
        for (k, val) in sc {
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
        let (mut a, mut b) = (in_unit.clone(), in_module.clone());
        a.sort();
        b.sort();
        assert_eq!(a, b, "{}: unit and module differ", g.name);
    }
}

#[test]
fn every_example_module_evaluates_to_one_service_per_gateway() {
    let Some(nix) = tool("nix-instantiate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for ex in examples() {
        let plan = plan_of(&std::fs::read_to_string(&ex).unwrap());
        let v = evaluate(&nix, dir.path(), &module_of(&ex), &[], true)
            .unwrap_or_else(|e| panic!("{}: {e}", ex.display()));
        check_services(&plan, &v);
        same_directives_as_the_units(&ex, &plan, &v);
        // The default account is created because the gateways use it.
        assert_eq!(
            v["users"]["users"]["openclaw"]["isSystemUser"],
            json!(true),
            "{}",
            ex.display()
        );
        assert_eq!(
            v["firewall"],
            json!([]),
            "{}: nobody asked to open the firewall",
            ex.display()
        );
    }
}

/// Strings that break naive quoting, in env values and paths.
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
fn hostile_strings_come_back_exactly() {
    let Some(nix) = tool("nix-instantiate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let yaml = write_yaml(dir.path(), HOSTILE);
    let plan = plan_of(HOSTILE);
    let v = evaluate(&nix, dir.path(), &module_of(&yaml), &[], true).unwrap();
    check_services(&plan, &v);
    let env = &v["services"]["openclaw-gateway-main"]["environment"];
    assert_eq!(env["QUOTES"], json!("it's \"double\" and 'single'"));
    assert_eq!(env["INTERP"], json!("${HOME} $HOME ''${x} $${y} \\${z}"));
    assert_eq!(env["BACKSLASH"], json!("C:\\path\\n\\t \\ end\\"));
    assert_eq!(env["NEWLINES"], json!("line1\nline2\n\nline4\n"));
    assert_eq!(env["UNICODE"], json!("ünïcødé ☃ 日本語 🦀"));
    assert_eq!(env["PERCENT"], json!("100% %h %%"));
    assert_eq!(env["TAB"], json!("a\tb"));
    assert_eq!(
        env["OPENCLAW_WORKSPACE_DIR"],
        json!("/var/lib/oc/wörkspace-ünï")
    );
    // A gateway name that is not a Nix identifier.
    let first = &v["services"]["openclaw-gateway-1st"]["serviceConfig"];
    assert_eq!(
        first["LoadCredential"],
        json!(["1st-auth:/run/keys/first-password"])
    );
    assert_eq!(first["EnvironmentFile"], json!(["-/run/keys/first.env"]));
    // The service's copy is bound over the file's own path, which the
    // config names: one config for the host, however the gateway starts.
    assert_eq!(
        first["BindReadOnlyPaths"],
        json!(["/run/credentials/openclaw-gateway-1st.service/1st-auth:/run/keys/first-password"])
    );
    assert_eq!(
        v["gateways"]["1st"]["settings"]["secrets"]["providers"]["gateway-auth"]["path"],
        json!("/run/keys/first-password")
    );
}

#[test]
fn no_secret_value_reaches_the_module_or_its_evaluation() {
    let Some(nix) = tool("nix-instantiate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let secret = "s3cr3t-t0ken-value-that-must-not-leak";
    let token_file = dir.path().join("token");
    let env_file = dir.path().join("secrets.env");
    std::fs::write(&token_file, secret).unwrap();
    std::fs::write(
        &env_file,
        format!("OC_TOKEN={secret}\nOPENAI_API_KEY={secret}\n"),
    )
    .unwrap();
    let yaml = format!(
        "version: 1\ndefaults:\n  home: /var/lib/oc\ngateways:\n  a:\n    bind: lan\n    auth: {{ mode: token, env: OC_TOKEN }}\n    secrets_env_file: {}\n  b:\n    auth: {{ mode: token, file: {} }}\n",
        env_file.display(),
        token_file.display()
    );
    let file = write_yaml(dir.path(), &yaml);
    let module = module_of(&file);
    assert!(!module.contains(secret));
    let v = evaluate(&nix, dir.path(), &module, &[], true).unwrap();
    let text = v.to_string();
    assert!(
        !text.contains(secret),
        "a secret value reached the evaluated config"
    );
    let a = &v["services"]["openclaw-gateway-a"]["serviceConfig"];
    // Required: the token must be there, so no `-`.
    assert_eq!(
        a["EnvironmentFile"],
        json!([env_file.display().to_string()])
    );
    let b = &v["services"]["openclaw-gateway-b"]["serviceConfig"];
    assert_eq!(
        b["LoadCredential"],
        json!([format!("b-auth:{}", token_file.display())])
    );
    assert_eq!(
        v["gateways"]["a"]["settings"]["gateway"]["auth"]["token"]["id"],
        json!("OC_TOKEN")
    );
}

#[test]
fn values_can_be_overridden_with_mk_force_but_not_silently() {
    let Some(nix) = tool("nix-instantiate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ex = root().join("examples/rescue-bot.yaml");
    let module = module_of(&ex);
    let v = evaluate(
        &nix,
        dir.path(),
        &module,
        &[
            "({ lib, ... }: { services.openclaw-gateways.gateways.rescue.port = lib.mkForce 30000; })",
            "({ lib, ... }: { services.openclaw-gateways.gateways.main.serviceConfig.RestartSec = lib.mkForce 10; })",
        ],
        true,
    )
    .unwrap();
    let rescue = &v["services"]["openclaw-gateway-rescue"]["serviceConfig"];
    assert_eq!(
        rescue["ExecStart"],
        json!(format!("{STUB_OPENCLAW}/bin/openclaw gateway --port 30000"))
    );
    assert_eq!(
        v["services"]["openclaw-gateway-main"]["serviceConfig"]["RestartSec"],
        json!(10)
    );
    let err = evaluate(
        &nix,
        dir.path(),
        &module,
        &["{ services.openclaw-gateways.gateways.rescue.port = 30000; }"],
        true,
    )
    .unwrap_err();
    assert!(err.contains("conflicting definition"), "{err}");
    // A gateway can be switched off.
    let v = evaluate(
        &nix,
        dir.path(),
        &module,
        &["{ services.openclaw-gateways.gateways.main.enable = false; }"],
        true,
    )
    .unwrap();
    assert_eq!(
        v["services"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["openclaw-gateway-rescue"]
    );
}

#[test]
fn the_package_is_required_unless_pkgs_has_openclaw() {
    let Some(nix) = tool("nix-instantiate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let module = module_of(&root().join("examples/minimal.yaml"));
    let err = evaluate(&nix, dir.path(), &module, &[], false).unwrap_err();
    assert!(
        err.contains("services.openclaw-gateways.package' is used but not defined"),
        "{err}"
    );
    let v = evaluate(
        &nix,
        dir.path(),
        &module,
        &[r#"{ services.openclaw-gateways.package = { type = "derivation"; outPath = "/nix/store/22222222222222222222222222222222-oc"; }; }"#],
        false,
    )
    .unwrap();
    assert_eq!(
        v["services"]["openclaw-gateway-main"]["serviceConfig"]["ExecStart"],
        json!("/nix/store/22222222222222222222222222222222-oc/bin/openclaw gateway --port 18789")
    );
}

#[test]
fn the_firewall_opens_only_gateways_that_ask() {
    let Some(nix) = tool("nix-instantiate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let yaml = "version: 1\ndefaults:\n  home: /var/lib/oc\n  bind: lan\n  auth: { mode: token, env: OC_TOKEN }\ngateways:\n  open: { port: 20000, open_firewall: true }\n  closed: { port: 21000 }\n  local: { port: 22000, bind: loopback }\n";
    let file = write_yaml(dir.path(), yaml);
    let v = evaluate(&nix, dir.path(), &module_of(&file), &[], true).unwrap();
    assert_eq!(v["firewall"], json!([20000, 20001]));
}

#[test]
fn the_oci_containers_backend_runs_each_gateway_in_a_container() {
    let Some(nix) = tool("nix-instantiate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let yaml = "version: 1\nname: boxed\nnixos:\n  backend: oci-containers\ndefaults:\n  home: /srv/oc\ngateways:\n  a:\n    bind: lan\n    open_firewall: true\n    auth: { mode: token, env: OC_TOKEN }\n  b:\n    workspace: /srv/ws-b\n    auth: { mode: password, file: /run/keys/b }\n";
    let file = write_yaml(dir.path(), yaml);
    let module = module_of(&file);
    let plan = plan_of(yaml);
    let v = evaluate(&nix, dir.path(), &module, &[], false).unwrap();
    assert_eq!(
        v["services"],
        json!({}),
        "no native services with the container backend"
    );
    let a = &v["containers"]["openclaw-gateway-a"];
    assert_eq!(a["image"], json!(ocgen::plan::DEFAULT_IMAGE));
    assert_eq!(
        a["cmd"],
        json!(["node", "openclaw.mjs", "gateway", "--port", "18789"])
    );
    assert_eq!(
        a["ports"],
        json!(["0.0.0.0:18789:18789", "0.0.0.0:18790:18790"])
    );
    assert_eq!(
        a["environmentFiles"],
        json!(["/etc/openclaw/a.secrets.env"])
    );
    assert!(
        a["extraOptions"]
            .as_array()
            .unwrap()
            .contains(&json!("--cap-drop=ALL"))
    );
    assert!(
        a["extraOptions"]
            .as_array()
            .unwrap()
            .contains(&json!("--security-opt=no-new-privileges"))
    );
    assert_eq!(
        a["volumes"],
        json!([
            "/srv/oc/.openclaw-a:/home/node/.openclaw",
            "/nix/store/11111111111111111111111111111111-openclaw-a.json:/home/node/.openclaw/openclaw.json:ro"
        ])
    );
    let env: serde_json::Map<String, Value> = plan.gateways[0]
        .container_view()
        .environment()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    assert_eq!(a["environment"], Value::Object(env));
    let b = &v["containers"]["openclaw-gateway-b"];
    assert_eq!(
        b["ports"],
        json!(["127.0.0.1:18909:18909", "127.0.0.1:18910:18910"])
    );
    assert!(
        b["volumes"]
            .as_array()
            .unwrap()
            .contains(&json!("/srv/ws-b:/home/node/.openclaw/workspace"))
    );
    assert!(
        b["volumes"]
            .as_array()
            .unwrap()
            .contains(&json!("/run/keys/b:/run/secrets/b-auth:ro"))
    );
    assert_eq!(
        v["gateways"]["b"]["settings"]["secrets"]["providers"]["gateway-auth"]["path"],
        json!("/run/secrets/b-auth")
    );
    assert!(
        v["tmpfiles"]
            .as_array()
            .unwrap()
            .contains(&json!("d /srv/ws-b 0700 1000 1000 - -"))
    );
    assert_eq!(v["firewall"], json!([18789, 18790]));
}

#[test]
fn tailnet_cannot_be_published_by_the_container_backend() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "version: 1\nnixos: { backend: oci-containers }\ndefaults:\n  home: /srv/oc\ngateways:\n  t:\n    bind: tailnet\n    auth: { mode: token, env: OC_TOKEN }\n";
    let file = write_yaml(dir.path(), yaml);
    let out = ocgen()
        .arg("-f")
        .arg(&file)
        .arg("--color")
        .arg("never")
        .arg("nix")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(65));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gateway `t` binds `tailnet`") && err.contains("custom_bind_host"),
        "{err}"
    );
}

#[test]
fn the_package_builds_ocgen_from_cargo_toml_and_cargo_lock() {
    let Some(nix) = tool("nix-instantiate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // buildRustPackage stubbed to return its arguments.
    let driver = format!(
        r#"let
  pkg = import {root}/nix/package.nix {{
    lib = {{
      fileset = {{ toSource = {{ root, fileset }}: root; unions = xs: xs; }};
      optionalString = cond: s: if cond then s else "";
      licenses = {{ mit = "MIT"; asl20 = "Apache-2.0"; }};
      platforms.unix = [ "unix" ];
    }};
    stdenv = {{ buildPlatform.canExecute = _: true; hostPlatform = {{ }}; }};
    rustPlatform.buildRustPackage = args: args;
    installShellFiles = "installShellFiles";
  }};
in
{{
  inherit (pkg) pname version;
  lock = toString pkg.cargoLock.lockFile;
  inherit (pkg.meta) mainProgram license;
  completions = builtins.match ".*installShellCompletion.*installManPage.*" pkg.postInstall != null;
}}
"#,
        root = root().display()
    );
    let path = dir.path().join("package.nix");
    std::fs::write(&path, driver).unwrap();
    let v: Value = serde_json::from_str(
        &nix_instantiate(&nix, &["--eval", "--strict", "--json"], &path).unwrap(),
    )
    .unwrap();
    assert_eq!(v["pname"], json!("ocgen"));
    assert_eq!(v["version"], json!(env!("CARGO_PKG_VERSION")));
    assert!(v["lock"].as_str().unwrap().ends_with("/Cargo.lock"));
    assert_eq!(v["mainProgram"], json!("ocgen"));
    assert_eq!(v["license"], json!(["MIT", "Apache-2.0"]));
    assert_eq!(v["completions"], json!(true));
}
