//! macOS LaunchAgents, proven by the programs that read plists and by
//! OpenClaw's own plist builder:
//!
//! - every plist `generate` writes parses with Python's `plistlib` and with
//!   libplist's `plistutil` (converted to a binary plist, read back), and
//!   both give exactly the values of the plan, hostile ones included;
//! - OpenClaw's `buildLaunchAgentPlist`, run with node from the installed
//!   package and fed ocgen's label, arguments, log paths and environment,
//!   builds the same property list; and what OpenClaw derives itself for
//!   the profile on darwin (label, description, log paths, environment,
//!   policy) is in ocgen's plist with the same values.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{ocgen, root, tool};
use ocgen::plan::{LaunchAgent, LaunchdValue, Plan};
use serde_json::{Value, json};

/// Values that XML, plists and shells treat specially, in every place a
/// plist carries free text: the environment and node's and the entry's paths.
const HOSTILE: &str = r#"version: 1
name: hostile
targets: [launchd]
launchd:
  node: "/Applications/My \"Node\" & <co>'s/bin/node"
  entry: "/Users/zoë/lib/node_modules/openclaw/dist/index.js"
defaults:
  home: "/Users/zoë"
gateways:
  a:
    env:
      QUOTES: "it's \"quoted\" and 'single'"
      MARKUP: "<dict><key>x</key></dict> & &amp; ]]> <!-- -->"
      UNICODE: "zoë 日本語 🦀 \u00a0nbsp"
      LINES: "first\nsecond\ttabbed"
      DOLLAR: "$HOME ${X} `cmd` \\back"
  default-profile:
    profile: default
    port: 20000
"#;

fn plan_of(yaml: &str) -> Plan {
    let doc = ocgen::model::load(yaml).unwrap_or_else(|p| panic!("{p:?}"));
    ocgen::plan::plan(&doc).unwrap_or_else(|p| panic!("{p:?}"))
}

/// What a plist of this LaunchAgent must read back as.
fn expected(a: &LaunchAgent) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("Label".into(), json!(a.label));
    m.insert("Comment".into(), json!(a.comment));
    for (k, v) in a.policy {
        let v = match v {
            LaunchdValue::Bool(b) => json!(b),
            LaunchdValue::Int(n) => json!(n),
            LaunchdValue::Str(s) => json!(s),
        };
        m.insert((*k).to_string(), v);
    }
    m.insert("ProgramArguments".into(), json!(a.program_arguments));
    m.insert("StandardOutPath".into(), json!(a.stdout_path));
    m.insert("StandardErrorPath".into(), json!(a.stderr_path));
    let env: serde_json::Map<String, Value> = a
        .environment
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    m.insert("EnvironmentVariables".into(), Value::Object(env));
    Value::Object(m)
}

/// Parses each file with plistlib, and with plistutil (XML to binary,
/// read back by plistlib's binary reader): `[{xml, bin}]`.
fn parse_all(python: &Path, plistutil: Option<&Path>, files: &[PathBuf]) -> Vec<(Value, Value)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let bin = dir.path().join(format!("{i}.bin"));
        if let Some(pu) = plistutil {
            let o = Command::new(pu)
                .arg("-i")
                .arg(f)
                .args(["-f", "bin", "-o"])
                .arg(&bin)
                .output()
                .unwrap();
            assert!(
                o.status.success() && bin.is_file(),
                "plistutil refused {}: {}",
                f.display(),
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let script = "import json, plistlib, sys\n\
                      out = {'xml': plistlib.load(open(sys.argv[1], 'rb'), fmt=plistlib.FMT_XML)}\n\
                      if len(sys.argv) > 2:\n    out['bin'] = plistlib.load(open(sys.argv[2], 'rb'), fmt=plistlib.FMT_BINARY)\n\
                      json.dump(out, sys.stdout)\n";
        let mut cmd = Command::new(python);
        cmd.arg("-c").arg(script).arg(f);
        if plistutil.is_some() {
            cmd.arg(&bin);
        }
        let o = cmd.output().unwrap();
        assert!(
            o.status.success(),
            "plistlib refused {}: {}",
            f.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        out.push((
            v["xml"].clone(),
            v.get("bin").cloned().unwrap_or(Value::Null),
        ));
    }
    out
}

fn generate(yaml: &str) -> (tempfile::TempDir, Plan) {
    let d = common::setup(yaml);
    let o = ocgen()
        .current_dir(d.path())
        .args(["generate", "-o", "out"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    (d, plan_of(yaml))
}

fn macos_example() -> String {
    std::fs::read_to_string(root().join("examples/macos.yaml")).unwrap()
}

#[test]
fn plists_parse_with_plistlib_and_plistutil_and_round_trip_hostile_values() {
    let Some(python) = tool("python3") else {
        return;
    };
    let plistutil = tool("plistutil");
    for yaml in [HOSTILE.to_string(), macos_example()] {
        let (d, plan) = generate(&yaml);
        let agents: Vec<LaunchAgent> = plan
            .gateways
            .iter()
            .map(|g| g.launch_agent(&plan.launchd).unwrap())
            .collect();
        let files: Vec<PathBuf> = agents
            .iter()
            .map(|a| d.path().join("out/launchd").join(a.file_name()))
            .collect();
        let parsed = parse_all(&python, plistutil.as_deref(), &files);
        for ((xml, bin), a) in parsed.iter().zip(&agents) {
            let want = expected(a);
            assert_eq!(xml, &want, "plistlib read {} back differently", a.label);
            if plistutil.is_some() {
                assert_eq!(bin, &want, "plistutil read {} back differently", a.label);
            }
        }
        // `ocgen launchd NAME` prints the file `generate` writes.
        for (g, f) in plan.gateways.iter().zip(&files) {
            let o = ocgen()
                .current_dir(d.path())
                .args(["launchd", &g.name])
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", common::stderr(&o));
            assert_eq!(o.stdout, std::fs::read(f).unwrap());
        }
    }
    // The hostile values really are in there.
    let plan = plan_of(HOSTILE);
    let a = plan.gateways[0].launch_agent(&plan.launchd).unwrap();
    assert!(a.program_arguments[0].contains("\"Node\" & <co>'s"));
    assert!(
        a.environment
            .iter()
            .any(|(k, v)| k == "MARKUP" && v.contains("]]>"))
    );
    let b = plan.gateways[1].launch_agent(&plan.launchd).unwrap();
    assert_eq!(b.label, "ai.openclaw.gateway");
}

/// The installed OpenClaw package, beside the `openclaw` tool.
fn openclaw_package() -> Option<PathBuf> {
    let bin = tool("openclaw")?;
    let dir = bin.parent()?.parent()?.join(format!(
        "openclaw-{}/node_modules/openclaw",
        ocgen::openclaw::OPENCLAW_VERSION
    ));
    assert!(
        dir.join("dist").is_dir(),
        "OpenClaw's package is not at {}",
        dir.display()
    );
    Some(dir)
}

/// Environment variables ocgen's LaunchAgent sets that OpenClaw's does not:
/// the workspace (every ocgen output pins it) and the user's `env`.
fn ocgen_only_env(name: &str, plan_env: &[(String, String)]) -> bool {
    name == "OPENCLAW_WORKSPACE_DIR"
        || name == ocgen::plan::SERVICE_REPAIR_POLICY.0
        || plan_env.iter().any(|(k, _)| k == name)
}

#[test]
fn openclaws_own_builder_and_service_environment_agree() {
    let (Some(node), Some(python), Some(pkg)) = (tool("node"), tool("python3"), openclaw_package())
    else {
        return;
    };
    for yaml in [macos_example(), HOSTILE.to_string()] {
        let (d, plan) = generate(&yaml);
        let input: Vec<Value> = plan
            .gateways
            .iter()
            .map(|g| {
                let a = g.launch_agent(&plan.launchd).unwrap();
                json!({
                    "profile": g.profile,
                    "home": a.home,
                    "stateDir": g.host_paths().unwrap().state_dir,
                    "configPath": g.host_paths().unwrap().config_path,
                    "configReadonly": a
                        .environment
                        .iter()
                        .find(|(k, _)| k == "OPENCLAW_CONFIG_READONLY")
                        .map(|(_, v)| v),
                    "port": g.port,
                    "ours": {
                        "label": a.label,
                        "comment": a.comment,
                        "programArguments": a.program_arguments,
                        "stdoutPath": a.stdout_path,
                        "stderrPath": a.stderr_path,
                        "environment": a.environment,
                    },
                })
            })
            .collect();
        let mut child = Command::new(&node)
            .arg(root().join("tests/launchd/upstream.mjs"))
            .arg(&pkg)
            .current_dir(d.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        serde_json::to_writer(child.stdin.take().unwrap(), &input).unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "OpenClaw's builder failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let upstream: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();

        // OpenClaw's plists, written out and parsed like ours.
        let mut theirs = Vec::new();
        let mut ours = Vec::new();
        for (i, (u, g)) in upstream.iter().zip(&plan.gateways).enumerate() {
            let f = d.path().join(format!("upstream-{i}.plist"));
            std::fs::write(&f, u["builder"].as_str().unwrap()).unwrap();
            theirs.push(f);
            let a = g.launch_agent(&plan.launchd).unwrap();
            ours.push(d.path().join("out/launchd").join(a.file_name()));
        }
        let theirs = parse_all(&python, None, &theirs);
        let ours = parse_all(&python, None, &ours);
        for (((t, _), (o, _)), g) in theirs.iter().zip(&ours).zip(&plan.gateways) {
            assert_eq!(
                t, o,
                "gateway {}: OpenClaw's builder and ocgen disagree",
                g.name
            );
        }

        for (u, g) in upstream.iter().zip(&plan.gateways) {
            let a = g.launch_agent(&plan.launchd).unwrap();
            let ours = expected(&a);
            // What OpenClaw derives for the profile on darwin.
            assert_eq!(u["label"], json!(a.label), "{}", g.name);
            assert_eq!(u["comment"], json!(a.comment), "{}", g.name);
            assert_eq!(u["stdoutPath"], json!(a.stdout_path), "{}", g.name);
            assert_eq!(u["stderrPath"], json!(a.stderr_path), "{}", g.name);
            for (k, v) in u["policy"].as_object().unwrap() {
                assert_eq!(&ours[k], v, "gateway {}: policy key {k}", g.name);
            }
            let theirs_env = u["environment"].as_object().unwrap();
            let ours_env = ours["EnvironmentVariables"].as_object().unwrap();
            for (k, v) in theirs_env {
                assert_eq!(
                    ours_env.get(k),
                    Some(v),
                    "gateway {}: OpenClaw sets {k}={v}; ocgen's plist differs",
                    g.name
                );
            }
            let user_env: Vec<(String, String)> =
                g.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            for k in ours_env.keys() {
                assert!(
                    theirs_env.contains_key(k) || ocgen_only_env(k, &user_env),
                    "gateway {}: ocgen sets {k}, OpenClaw does not, and the README does not say why",
                    g.name
                );
            }
        }
    }
}
