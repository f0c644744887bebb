//! The JSON Schema says what `check` says without context: Ajv (JSON
//! Schema 2020-12, the validator OpenClaw ships) rejects every instance
//! below that `check` rejects for its shape alone, and accepts one that
//! `check` accepts. Both are run on each instance.

mod common;
use common::*;

use serde_json::{Value, json};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The node_modules of the OpenClaw install that `install-tools.sh` makes.
fn ajv_dir() -> Option<PathBuf> {
    let tools = tools_dir();
    let dir = tools.join(format!(
        "openclaw-{}/node_modules",
        ocgen::openclaw::OPENCLAW_VERSION
    ));
    if dir.join("ajv/dist/2020.js").is_file() {
        return Some(dir);
    }
    skip(&format!("ajv not found under {}", dir.display()));
    None
}

fn base() -> Value {
    json!({"version": 1, "defaults": {"home": "/srv/oc"}, "gateways": {"main": {}}})
}

/// Instances `check` refuses for their shape alone, each with what it shows.
fn refused() -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    for key in ocgen::model::PER_GATEWAY_KEYS {
        let mut v = base();
        v["defaults"][*key] = match *key {
            "port" => json!(18789),
            "profile" => json!("p"),
            _ => json!("/srv/x"),
        };
        out.push((*key, v));
    }
    for name in ["Main", "a b", "../x", "-a", "a.b"] {
        let mut v = base();
        v["gateways"] = json!({ name: {} });
        out.push(("gateway name", v));
    }
    let mut v = base();
    v["gateways"] = json!({});
    out.push(("no gateways", v));
    let mut v = base();
    v["version"] = json!(2);
    out.push(("version 2", v));
    for profile in ["gateway", "Node", "-x"] {
        let mut v = base();
        v["gateways"]["main"] = json!({ "profile": profile });
        out.push(("profile", v));
    }
    let mut v = base();
    v["gateways"]["main"] = json!({"browser": {"profiles": {"w": {"cdp_port": 80}}}});
    out.push(("cdp_port 80", v));
    let mut v = base();
    v["gateways"]["main"] = json!({"browser": {"profiles": {"Work": {"cdp_port": 9222}}}});
    out.push(("browser profile name", v));
    out
}

fn validate(instances: &[Value]) -> Option<Vec<String>> {
    let dir = ajv_dir()?;
    let node = tool("node")?;
    let script = root().join("tests/schema/validate.mjs");
    let schema: Value =
        serde_json::from_str(&stdout(&ocgen().arg("schema").output().unwrap())).unwrap();
    let mut child = Command::new(node)
        .arg(script)
        .env("AJV_DIR", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = json!({"schema": schema, "instances": instances});
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(stdout(&o).lines().map(String::from).collect())
}

#[test]
fn the_schema_rejects_what_check_rejects_without_context() {
    let cases = refused();
    let mut instances: Vec<Value> = cases.iter().map(|(_, v)| v.clone()).collect();
    instances.push(base());
    // check: every refused instance is refused, the base accepted (JSON is YAML).
    for (what, v) in &cases {
        let d = setup(&v.to_string());
        let o = run_in(d.path(), &["check"]);
        assert_eq!(o.status.code(), Some(65), "check accepts {what}: {v}");
    }
    let d = setup(&base().to_string());
    assert!(run_in(d.path(), &["check"]).status.success());
    let Some(results) = validate(&instances) else {
        return;
    };
    assert_eq!(results.len(), instances.len());
    for ((what, v), r) in cases.iter().zip(&results) {
        assert!(r.starts_with("invalid"), "the schema accepts {what}: {v}");
    }
    assert_eq!(results.last().map(String::as_str), Some("valid"));
}

#[test]
fn every_example_is_valid_against_the_schema() {
    // The starter file `init` writes and every example, read by the `yaml`
    // package (one of OpenClaw's dependencies) and validated by Ajv.
    let d = tempfile::tempdir().unwrap();
    assert!(run_in(d.path(), &["init"]).status.success());
    let Some(dir) = ajv_dir() else { return };
    let Some(node) = tool("node") else { return };
    // `yaml` is among OpenClaw's dependencies.
    let o = Command::new(node)
        .env("AJV_DIR", &dir)
        .arg("--input-type=module")
        .arg("-e")
        .arg(
            "import { createRequire } from 'node:module'; import { readFileSync } from 'node:fs';\
             const require = createRequire(process.env.AJV_DIR + '/');\
             const YAML = require('yaml'); const Ajv = require('ajv/dist/2020').default;\
             const ajv = new Ajv({ strict: false });\
             const v = ajv.compile(JSON.parse(readFileSync(process.argv[1], 'utf8')));\
             for (const f of process.argv.slice(2)) {\
               const ok = v(YAML.parse(readFileSync(f, 'utf8')));\
               console.log(ok ? 'valid' : 'invalid ' + f + ' ' + JSON.stringify(v.errors[0]));\
             }",
        )
        .arg(d.path().join("ocgen.schema.json"))
        .arg(d.path().join("ocgen.yaml"))
        .args(examples())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for line in stdout(&o).lines() {
        assert_eq!(line, "valid");
    }
}
