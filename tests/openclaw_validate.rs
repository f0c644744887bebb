//! The real OpenClaw (2026.9.6) accepts every openclaw.json ocgen writes:
//! `openclaw config validate --json` on each example's every gateway.
//! The validator is proven live by a config it must reject.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `openclaw config validate --json` on `config` with an isolated HOME.
fn validate(openclaw: &Path, config: &Path, scratch: &Path) -> (bool, String) {
    let out = Command::new(openclaw)
        .args(["config", "validate", "--json"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", scratch.join("home"))
        .env("OPENCLAW_CONFIG_PATH", config)
        .env("OPENCLAW_STATE_DIR", scratch.join("state"))
        .output()
        .expect("openclaw runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "openclaw printed no JSON ({e}): {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        json["valid"] == serde_json::Value::Bool(true) && out.status.success(),
        stdout,
    )
}

fn configs_of(example: &Path, out: &Path) -> Vec<PathBuf> {
    let o = ocgen()
        .args(["generate", "--out"])
        .arg(out)
        .arg("-f")
        .arg(example)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut v = Vec::new();
    if out.join("config").is_dir() {
        for e in std::fs::read_dir(out.join("config")).unwrap() {
            v.push(e.unwrap().path().join("openclaw.json"));
        }
    }
    // The configs of the LaunchAgents, as each expects at its config path.
    if out.join("launchd/config").is_dir() {
        for e in std::fs::read_dir(out.join("launchd/config")).unwrap() {
            v.push(e.unwrap().path().join("openclaw.json"));
        }
    }
    // The configs of the Kubernetes ConfigMaps, as the pods read them.
    if out.join("kubernetes").is_dir() {
        for e in std::fs::read_dir(out.join("kubernetes")).unwrap() {
            let p = e.unwrap().path();
            let docs: Vec<serde_json::Value> =
                serde_saphyr::from_str_multiple(&std::fs::read_to_string(&p).unwrap()).unwrap();
            for d in docs.iter().filter(|d| d["kind"] == "ConfigMap") {
                let dir = out
                    .join("kube-config")
                    .join(d["metadata"]["name"].as_str().unwrap());
                std::fs::create_dir_all(&dir).unwrap();
                let file = dir.join("openclaw.json");
                std::fs::write(&file, d["data"]["openclaw.json"].as_str().unwrap()).unwrap();
                v.push(file);
            }
        }
    }
    assert!(!v.is_empty(), "{}: no config generated", example.display());
    v.sort();
    v
}

#[test]
fn real_openclaw_accepts_every_generated_config() {
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut all = Vec::new();
    for ex in examples() {
        let stem = ex.file_stem().unwrap().to_string_lossy().into_owned();
        all.extend(configs_of(&ex, &tmp.path().join(&stem)));
    }
    assert!(all.len() >= 10);
    // Two at a time: the machine has two cores and each run takes ~1.5 s.
    let results: Vec<(PathBuf, bool, String)> = std::thread::scope(|s| {
        let chunks: Vec<&[PathBuf]> = all.chunks(all.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .enumerate()
            .map(|(i, chunk)| {
                let openclaw = &openclaw;
                let scratch = tmp.path().join(format!("scratch{i}"));
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|c| {
                            let (ok, out) = validate(openclaw, c, &scratch);
                            (c.clone(), ok, out)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (path, ok, out) in &results {
        assert!(ok, "OpenClaw rejects {}: {out}", path.display());
    }
    eprintln!(
        "openclaw config validate: {} configs accepted",
        results.len()
    );
}

#[test]
fn real_openclaw_rejects_a_retired_key() {
    // Proves the validator runs for real: a config with the retired
    // `canvasHost` must be refused.
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("bad.json");
    std::fs::write(
        &cfg,
        r#"{"gateway":{"mode":"local","port":18789},"canvasHost":{"port":18793}}"#,
    )
    .unwrap();
    let (ok, out) = validate(&openclaw, &cfg, tmp.path());
    assert!(!ok, "OpenClaw accepted canvasHost: {out}");
}

/// The credential keys OpenClaw itself lists (its SecretRef credential
/// matrix, shipped in the package's docs) are refused as literal values in
/// `openclaw:`: every leaf key of the matrix is a credential key to ocgen,
/// except the few that only the value's shape can tell (listed here).
#[test]
fn openclaws_credential_matrix_is_covered() {
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    // $TOOLS/bin/openclaw → $TOOLS/openclaw-<version>/node_modules/openclaw
    let tools = openclaw.parent().unwrap().parent().unwrap();
    let matrix = tools
        .join(format!("openclaw-{}", ocgen::plan::OPENCLAW_VERSION))
        .join(
            "node_modules/openclaw/docs/reference/secretref-user-supplied-credentials-matrix.json",
        );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&matrix).unwrap()).unwrap();
    // Keys whose name says nothing (a TLS `ca`, a `value`, a map of headers):
    // their values are checked by shape only.
    let by_shape_only = ["*", "ca", "cert", "value", "authTag", "serviceAccount"];
    let mut checked = 0;
    for e in m["entries"].as_array().unwrap() {
        if e["configFile"] != "openclaw.json" {
            continue;
        }
        let path = e["path"].as_str().unwrap();
        let leaf = path.rsplit('.').next().unwrap().trim_end_matches("[]");
        if by_shape_only.contains(&leaf) {
            continue;
        }
        assert!(
            ocgen::plan::is_credential_key(leaf),
            "OpenClaw's credential `{path}` is not a credential key to ocgen"
        );
        checked += 1;
    }
    assert!(checked > 90, "only {checked} matrix entries");
}

#[test]
fn two_sandboxed_gateways_get_distinct_prefixes_that_openclaw_accepts() {
    // Issue #51363: every gateway's default prefix is `openclaw-sbx-`, so
    // two gateways on one Docker engine would reuse each other's sandbox
    // containers. ocgen gives each its own prefixes and sandbox root.
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let y = tmp.path().join("ocgen.yaml");
    std::fs::write(
        &y,
        "version: 1\nname: lab\ndefaults:\n  home: /srv/oc\n  openclaw:\n    agents: {defaults: {sandbox: {mode: non-main, scope: agent}}}\ngateways:\n  main: {}\n  rescue: {}\n",
    )
    .unwrap();
    let configs = configs_of(&y, &tmp.path().join("out"));
    assert_eq!(configs.len(), 2);
    let mut prefixes = Vec::new();
    for c in &configs {
        let (ok, out) = validate(&openclaw, c, &tmp.path().join("scratch"));
        assert!(ok, "OpenClaw rejects {}: {out}", c.display());
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(c).unwrap()).unwrap();
        let sbx = &v["agents"]["defaults"]["sandbox"];
        assert_eq!(sbx["mode"], "non-main", "the user's keys stay: {sbx}");
        prefixes.push(
            sbx["docker"]["containerPrefix"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        prefixes.push(
            sbx["browser"]["containerPrefix"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        assert!(
            sbx["workspaceRoot"]
                .as_str()
                .unwrap()
                .ends_with("/sandboxes")
        );
    }
    assert_eq!(
        prefixes,
        [
            "lab.main.sbx-",
            "lab.main.browser-",
            "lab.rescue.sbx-",
            "lab.rescue.browser-"
        ]
    );
}
