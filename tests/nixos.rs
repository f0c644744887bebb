//! The NixOS output without a NixOS evaluation: golden files of both forms
//! (`ocgen nix`, the values; `ocgen nix --self-contained`) and both backends, `nix-instantiate
//! --parse` (Nix 2.26) and nixpkgs-fmt on them and on every Nix file of the
//! repository, the module inlined byte for byte, and the values agreeing
//! with what the plan computes (ports, paths, environment, the keys of
//! openclaw.json the module derives) for every example and backend. Their
//! evaluation inside real NixOS systems, and the flake's checks, are in
//! tests/nixos_real.rs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::nix::{REFUSED, nix_instantiate, variants};
use common::{golden, ocgen, root, tool};
use ocgen::plan::{
    CONTAINER_CACHE_DIR, CONTAINER_CONFIG_PATH, CONTAINER_CONFIG_READONLY,
    CONTAINER_DEFAULT_TOKEN_ENV, CONTAINER_GATEWAY_CMD, CONTAINER_HOME, CONTAINER_SECRET_DIR,
    CONTAINER_SEEDED_CONFIG_PATH, CONTAINER_STATE_DIR, CONTAINER_WORKSPACE, FILE_PROVIDER,
    FOOTPRINT_PARTS, Gateway, LIVE, PINNED_KEYS, Plan, SERVICE_MARKERS, SERVICE_REPAIR_POLICY,
    STATE_ROOT, SYSTEMD_UNIT_VAR, Scope, Value as Directive, listens_on_bind,
};
use ocgen::render::nixos::{DERIVED_KEYS, MODULE};
use ocgen::render::quote::nix_expr;
use serde_json::{Value, json};

fn run(file: &Path, args: &[&str]) -> String {
    let out = ocgen().arg("-f").arg(file).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ocgen {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn plan_of(yaml: &str) -> Plan {
    let doc = ocgen::model::load(yaml).unwrap_or_else(|p| panic!("{p:?}"));
    ocgen::plan::plan(&doc).unwrap_or_else(|p| panic!("{p:?}"))
}

/// `nix-instantiate --parse` and `nixpkgs-fmt --check` on a file, when the
/// tools are there.
fn parses_and_is_formatted(file: &Path) {
    if let Some(nix) = tool("nix-instantiate") {
        nix_instantiate(&nix, &["--parse"], file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    if let Some(fmt) = tool("nixpkgs-fmt") {
        let out = Command::new(fmt).arg("--check").arg(file).output().unwrap();
        assert!(
            out.status.success(),
            "{}: not formatted as nixpkgs-fmt would:\n{}{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_example_and_backend_matches_its_golden_files_parses_and_is_formatted() {
    let dir = tempfile::tempdir().unwrap();
    let all = variants(dir.path());
    assert!(all.len() >= 8, "{} variants", all.len());
    for v in &all {
        let values = run(&v.yaml, &["nix"]);
        let whole = run(&v.yaml, &["nix", "--self-contained"]);
        // The flake's checks evaluate these files (nix/checks.nix): the
        // systemd backend's values are `generate`'s own file, the
        // containers' are kept beside the tree.
        if v.oci() {
            golden(&format!("{}/nixos/{}.nix", v.stem, v.backend), &values);
        } else {
            golden(
                &format!("{}/tree/nixos/openclaw-gateways.nix", v.stem),
                &values,
            );
            assert!(
                !root()
                    .join(format!("tests/golden/{}/nixos/{}.nix", v.stem, v.backend))
                    .exists(),
                "{}: a second copy of tree/nixos/openclaw-gateways.nix",
                v.name()
            );
        }
        // The whole file is the module byte for byte, then the values.
        let at = whole
            .find(MODULE)
            .unwrap_or_else(|| panic!("{}: nix/module.nix is not inlined byte for byte", v.name()));
        assert!(
            whole[..at].lines().all(|l| l.starts_with('#')),
            "{}",
            v.name()
        );
        // ... and the values are `ocgen nix`'s own.
        let v_json = ocgen::render::nixos::values(&plan_of(&v.text)).unwrap();
        assert!(
            values.contains(&format!(
                "\n  services.openclaw-gateways = {};\n",
                nix_expr(&v_json, 2)
            )),
            "{}",
            v.name()
        );
        assert!(
            whole[at + MODULE.len()..].contains(&format!(
                "\n      services.openclaw-gateways = {};\n",
                nix_expr(&v_json, 6)
            )),
            "{}: the whole file's values are not `ocgen nix`'s",
            v.name()
        );
        for (form, text) in [("values", &values), ("whole", &whole)] {
            let file = dir.path().join(format!("{}-{form}.nix", v.name()));
            std::fs::write(&file, text).unwrap();
            parses_and_is_formatted(&file);
        }
    }
}

#[test]
fn generate_writes_the_values() {
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
    assert_eq!(written, run(&ex, &["nix"]));
}

#[test]
fn every_nix_file_of_the_repository_parses_and_is_formatted() {
    let mut files: Vec<PathBuf> = ["nix", "tests/nix"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    for want in [
        "nix/module.nix",
        "nix/package.nix",
        "nix/default.nix",
        "nix/checks.nix",
    ] {
        assert!(names.iter().any(|n| n == want), "{want}: {names:?}");
    }
    // The flake is not part of the package's sources (nix/package.nix).
    let flake = root().join("flake.nix");
    if flake.exists() {
        files.push(flake);
    }
    for f in &files {
        parses_and_is_formatted(f);
    }
}

#[test]
fn tailnet_cannot_be_published_by_the_container_backend() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ocgen.yaml");
    std::fs::write(&file, "version: 1\nnixos: { backend: oci-containers }\ndefaults:\n  home: /srv/oc\ngateways:\n  t:\n    bind: tailnet\n    auth: { mode: token, env: OC_TOKEN }\n").unwrap();
    for args in [&["nix"][..], &["nix", "--self-contained"]] {
        let out = ocgen()
            .arg("-f")
            .arg(&file)
            .args(["--color", "never"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(65));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("gateway `t` binds `tailnet`") && err.contains("custom_bind_host"),
            "{err}"
        );
    }
}

/// Each rule the module asserts for gateways declared in Nix alone
/// (tests/nixos_real.rs evaluates them) is one `ocgen check` refuses in
/// ocgen.yaml, and the module's defaults are ocgen's: without the broken
/// rule, the same file passes.
#[test]
fn ocgen_check_refuses_what_the_module_asserts() {
    let dir = tempfile::tempdir().unwrap();
    let head = "version: 1\ntargets: [nixos]\ndefaults:\n  home: /var/lib/openclaw\n";
    for r in REFUSED {
        let file = dir.path().join(format!("{}.yaml", r.name));
        std::fs::write(&file, format!("{head}{}", r.yaml)).unwrap();
        let out = ocgen()
            .arg("-f")
            .arg(&file)
            .args(["--color", "never", "check"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{}: {err}", r.name);
        assert!(err.contains(r.code), "{}: no {} in\n{err}", r.name, r.code);
    }
    let file = dir.path().join("ok.yaml");
    std::fs::write(
        &file,
        format!("{head}gateways:\n  main: {{ port: 18789 }}\n"),
    )
    .unwrap();
    run(&file, &["check"]);
}

// Parity without Nix: the values ocgen writes, read the way nix/module.nix
// reads them, give what the plan computes for the same gateway.

/// A string field of a gateway's values.
fn s<'a>(gv: &'a Value, key: &str) -> &'a str {
    gv[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{key}` in {gv}"))
}

/// The auth the module gives the process: in a container of the bridge
/// network it binds lan, so a gateway without auth takes a token, and an
/// auth file is read at its mount point.
fn runtime_auth(name: &str, gv: &Value, oci: bool) -> Value {
    let mut auth = gv.get("auth").cloned().unwrap_or(Value::Null);
    if oci {
        if auth.is_null() {
            auth = json!({ "mode": "token", "env": CONTAINER_DEFAULT_TOKEN_ENV });
        }
        if auth.get("file").is_some() {
            auth["file"] = json!(format!("{CONTAINER_SECRET_DIR}/{name}-auth"));
        }
    }
    auth
}

/// `lib.recursiveUpdate base over`.
fn recursive_update(base: &mut Value, over: &Value) {
    match (base.as_object_mut(), over.as_object()) {
        (Some(b), Some(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        recursive_update(existing, v);
                    }
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        _ => *base = over.clone(),
    }
}

/// openclaw.json as the module builds it from the values.
fn module_json(name: &str, gv: &Value, oci: bool) -> Value {
    let auth = runtime_auth(name, gv, oci);
    let mut gateway = json!({ "mode": "local", "port": gv["port"] });
    if oci {
        gateway["bind"] = json!("lan");
    } else {
        gateway["bind"] = gv["bind"].clone();
        if let Some(h) = gv.get("customBindHost") {
            gateway["customBindHost"] = h.clone();
        }
    }
    if !auth.is_null() {
        let mut a = json!({ "mode": auth["mode"] });
        let field = if auth["mode"] == "password" {
            "password"
        } else {
            "token"
        };
        if let Some(var) = auth.get("env") {
            a[field] = json!({ "source": "env", "provider": "default", "id": var });
        } else if auth.get("file").is_some() {
            a[field] = json!({ "source": "file", "provider": FILE_PROVIDER, "id": "value" });
        }
        gateway["auth"] = a;
    }
    let (workspace, log) = if oci {
        (
            CONTAINER_WORKSPACE.to_string(),
            format!("{CONTAINER_STATE_DIR}/logs/openclaw.log"),
        )
    } else {
        (s(gv, "workspace").to_string(), s(gv, "logFile").to_string())
    };
    let mut derived = json!({
        "gateway": gateway,
        "agents": { "defaults": { "workspace": workspace } },
        "logging": { "file": log },
    });
    if let Some(file) = auth.get("file") {
        derived["secrets"] = json!({ "providers": { FILE_PROVIDER: { "source": "file", "path": file, "mode": "singleValue" } } });
    }
    let mut out = gv.get("settings").cloned().unwrap_or(json!({}));
    recursive_update(&mut out, &derived);
    out
}

/// The process environment the module derives from the values.
fn module_env(gv: &Value, oci: bool) -> Vec<(String, String)> {
    let managed = gv["config"] == "managed";
    let mut vars = Vec::new();
    if oci {
        vars.push(("HOME".to_string(), CONTAINER_HOME.to_string()));
        vars.push((
            CONTAINER_CACHE_DIR.0.to_string(),
            CONTAINER_CACHE_DIR.1.to_string(),
        ));
    }
    let (state, config, workspace) = if oci {
        (
            CONTAINER_STATE_DIR,
            if managed {
                CONTAINER_CONFIG_PATH
            } else {
                CONTAINER_SEEDED_CONFIG_PATH
            },
            CONTAINER_WORKSPACE,
        )
    } else {
        (s(gv, "stateDir"), s(gv, "configPath"), s(gv, "workspace"))
    };
    for (k, v) in [
        ("OPENCLAW_PROFILE", s(gv, "profile").to_string()),
        ("OPENCLAW_STATE_DIR", state.to_string()),
        ("OPENCLAW_CONFIG_PATH", config.to_string()),
        ("OPENCLAW_GATEWAY_PORT", gv["port"].to_string()),
        ("OPENCLAW_WORKSPACE_DIR", workspace.to_string()),
        (SERVICE_REPAIR_POLICY.0, SERVICE_REPAIR_POLICY.1.to_string()),
    ] {
        vars.push((k.to_string(), v));
    }
    if managed {
        vars.push((
            CONTAINER_CONFIG_READONLY.0.to_string(),
            CONTAINER_CONFIG_READONLY.1.to_string(),
        ));
    }
    for (k, v) in gv
        .get("environment")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        vars.push((k.clone(), v.as_str().unwrap().to_string()));
    }
    vars
}

/// The variables the module requires in the secrets file.
fn module_secret_vars(name: &str, gv: &Value, oci: bool) -> Vec<String> {
    let mut vars: Vec<String> = Vec::new();
    if let Some(var) = runtime_auth(name, gv, oci).get("env") {
        vars.push(var.as_str().unwrap().to_string());
    }
    for v in gv
        .get("secrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let v = v.as_str().unwrap().to_string();
        if !vars.contains(&v) {
            vars.push(v);
        }
    }
    vars
}

fn check_service(g: &Gateway, gv: &Value) {
    let name = &g.name;
    let svc = g.service(Scope::System).unwrap();
    let mut env = module_env(gv, false);
    env.extend(
        SERVICE_MARKERS
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
    );
    // The module's unitName: openclaw-gateway-<profile>, plain for the default profile.
    let profile = s(gv, "profile");
    let unit = if profile.eq_ignore_ascii_case("default") {
        "openclaw-gateway".to_string()
    } else {
        format!("openclaw-gateway-{profile}")
    };
    env.push((SYSTEMD_UNIT_VAR.to_string(), format!("{unit}.service")));
    // The module's compile cache, in the unit's CacheDirectory=.
    if !env.iter().any(|(k, _)| k == "NODE_COMPILE_CACHE") {
        env.push((
            "NODE_COMPILE_CACHE".to_string(),
            format!("/var/cache/{unit}"),
        ));
    }
    assert_eq!(svc.environment, env, "{name}: environment");
    let required = !module_secret_vars(name, gv, false).is_empty();
    assert_eq!(svc.environment_file.path, s(gv, "secretsFile"), "{name}");
    assert_eq!(svc.environment_file.required, required, "{name}");
    let mut args = vec![
        "gateway".to_string(),
        "--port".to_string(),
        gv["port"].to_string(),
    ];
    if gv["config"] == "seeded" {
        args.extend(["--bind".to_string(), s(gv, "bind").to_string()]);
    }
    assert_eq!(svc.args, args, "{name}: ExecStart");
    assert_eq!(
        svc.account,
        Some((s(gv, "user").to_string(), s(gv, "group").to_string()))
    );
    let file = gv["auth"]["file"].as_str();
    let creds: Vec<(String, String)> = svc
        .credentials
        .iter()
        .map(|c| (c.id.clone(), c.path.clone()))
        .collect();
    assert_eq!(
        creds,
        file.map(|f| (format!("{name}-auth"), f.to_string()))
            .into_iter()
            .collect::<Vec<_>>(),
        "{name}: LoadCredential"
    );
    // The directives the module derives from the paths.
    let state = s(gv, "stateDir");
    let workspace = s(gv, "workspace");
    let under = |root: &str, p: &str| p.starts_with(&format!("{root}/"));
    let managed = under(STATE_ROOT, state);
    let inside = under(state, workspace);
    let directive = |key: &str| {
        svc.directives
            .iter()
            .find(|d| d.key == key)
            .map(|d| d.value.clone())
    };
    assert_eq!(
        directive("StateDirectory"),
        managed.then(|| Directive::Str(state[STATE_ROOT.len() + 1..].to_string())),
        "{name}"
    );
    let mut rw: Vec<String> = Vec::new();
    if !managed {
        rw.push(state.to_string());
    }
    rw.push(if inside {
        format!("-{workspace}")
    } else {
        workspace.to_string()
    });
    assert_eq!(
        directive("ReadWritePaths"),
        Some(Directive::List(rw)),
        "{name}"
    );
    let in_home = [state, workspace, s(gv, "configPath")]
        .iter()
        .any(|p| ["/home", "/root", "/run/user"].iter().any(|h| under(h, p)));
    assert_eq!(
        directive("ProtectHome"),
        Some(Directive::Str(
            (if in_home { "read-only" } else { "yes" }).to_string()
        )),
        "{name}"
    );
    assert_eq!(
        directive("BindReadOnlyPaths"),
        file.map(|f| Directive::List(vec![format!(
            "/run/credentials/openclaw-gateway-{name}.service/{name}-auth:{f}"
        )])),
        "{name}"
    );
    let mut dirs = Vec::new();
    if !managed {
        dirs.push(state.to_string());
    }
    if !inside {
        dirs.push(workspace.to_string());
    }
    assert_eq!(svc.directories, dirs, "{name}: tmpfiles d rules");
}

fn check_container(g: &Gateway, gv: &Value) {
    let name = &g.name;
    let rt = g.oci_runtime();
    let port = gv["port"].to_string();
    let mut gateway: Vec<String> = CONTAINER_GATEWAY_CMD
        .iter()
        .map(ToString::to_string)
        .collect();
    gateway.extend(["--bind", "lan", "--port", &port].map(String::from));
    let cmd = if gv["config"] == "managed" {
        gateway
    } else {
        vec![
            "sh".to_string(),
            "-c".to_string(),
            format!(
                "[ -e {CONTAINER_SEEDED_CONFIG_PATH} ] || install -m 600 {CONTAINER_CONFIG_PATH} {CONTAINER_SEEDED_CONFIG_PATH} && exec {}",
                gateway.join(" ")
            ),
        ]
    };
    assert_eq!(rt.container_command(), cmd, "{name}: command");
    assert_eq!(
        rt.container_healthcheck()[3],
        // The module's probe: the plan's script around the custom bind's
        // host, else loopback, and the port.
        ocgen::plan::health_script(
            if gv["bind"] == "custom" {
                s(gv, "customBindHost")
            } else {
                "127.0.0.1"
            },
            g.port,
            LIVE
        ),
        "{name}: health probe"
    );
    assert_eq!(g.container_hostname(), name.replace('_', "-"));
    let (state, workspace) = (s(gv, "stateDir"), s(gv, "workspace"));
    let mut mounts = vec![(state.to_string(), CONTAINER_STATE_DIR.to_string(), false)];
    if workspace != format!("{state}/workspace") {
        mounts.push((
            workspace.to_string(),
            CONTAINER_WORKSPACE.to_string(),
            false,
        ));
    }
    if let Some(f) = gv["auth"]["file"].as_str() {
        mounts.push((
            f.to_string(),
            format!("{CONTAINER_SECRET_DIR}/{name}-auth"),
            true,
        ));
    }
    assert_eq!(g.container_mounts().unwrap(), mounts, "{name}: volumes");
    assert_eq!(
        rt.secret_vars(),
        module_secret_vars(name, gv, true),
        "{name}: env file"
    );
    assert_eq!(
        gv.get("memory").and_then(Value::as_str),
        g.container.memory.as_deref()
    );
}

#[test]
fn the_values_agree_with_the_plan_for_every_example_and_backend() {
    let dir = tempfile::tempdir().unwrap();
    let public: Vec<u16> = FOOTPRINT_PARTS
        .iter()
        .filter(|(p, _, _)| listens_on_bind(*p))
        .flat_map(|&(_, a, b)| a..=b)
        .collect();
    for v in variants(dir.path()) {
        let plan = plan_of(&v.text);
        let oci = v.oci();
        let values = ocgen::render::nixos::values(&plan).unwrap();
        assert_eq!(values["backend"], json!(v.backend), "{}", v.name());
        let gateways = values["gateways"].as_object().unwrap();
        let names: Vec<&String> = gateways.keys().collect();
        let plan_names: Vec<&String> = plan.gateways.iter().map(|g| &g.name).collect();
        assert_eq!(
            names,
            plan_names,
            "{}: every gateway, in file order",
            v.name()
        );
        for g in &plan.gateways {
            let gv = &gateways[&g.name];
            let what = format!("{}: {}", v.name(), g.name);
            let p = g.host_paths().unwrap();
            // Ports: the base port, and what is published and opened.
            assert_eq!(gv["port"], json!(g.port), "{what}");
            let published: Vec<u16> = public.iter().map(|o| g.port + o).collect();
            assert_eq!(g.public_ports(), published, "{what}");
            assert_eq!(
                gv.get("openFirewall").is_some_and(|o| o == true),
                g.open_firewall,
                "{what}"
            );
            // Paths and the rest of what the file says.
            assert_eq!(s(gv, "stateDir"), p.state_dir, "{what}");
            assert_eq!(s(gv, "workspace"), p.workspace, "{what}");
            assert_eq!(s(gv, "secretsFile"), p.secrets_env_file, "{what}");
            assert_eq!(s(gv, "profile"), g.profile, "{what}");
            assert_eq!(s(gv, "bind"), g.bind.as_str(), "{what}");
            assert_eq!(s(gv, "config"), g.config_mode.as_str(), "{what}");
            if oci {
                assert_eq!(s(gv, "image"), g.image, "{what}");
            } else {
                assert_eq!(s(gv, "configPath"), p.config_path, "{what}");
                assert_eq!(s(gv, "logFile"), p.log_file, "{what}");
            }
            assert_eq!(
                gv.get("secrets").cloned().unwrap_or(json!([])),
                json!(g.secrets),
                "{what}"
            );
            // The environment, and openclaw.json with its pinned keys.
            let rt = if oci {
                g.oci_runtime()
            } else {
                g.host_runtime().unwrap()
            };
            assert_eq!(rt.environment(), module_env(gv, oci), "{what}: environment");
            let json = ocgen::render::openclaw::value(&rt);
            assert_eq!(module_json(&g.name, gv, oci), json, "{what}: openclaw.json");
            let settings = gv.get("settings").cloned().unwrap_or(json!({}));
            for key in PINNED_KEYS {
                let pointer = format!("/{}", key.replace('.', "/"));
                assert!(
                    settings.pointer(&pointer).is_none(),
                    "{what}: settings hold the pinned key {key}"
                );
            }
            for path in DERIVED_KEYS {
                let pointer = format!("/{}", path.join("/"));
                assert!(settings.pointer(&pointer).is_none(), "{what}: {pointer}");
            }
            if oci {
                check_container(g, gv);
            } else {
                check_service(g, gv);
            }
        }
    }
}
