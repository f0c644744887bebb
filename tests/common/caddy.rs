//! Real Caddy for tests: a command with everything it writes under one
//! directory, and the check that it reads a Caddyfile without a warning.

use std::fs;
use std::path::Path;
use std::process::Command;

use super::{stderr, stdout};

/// Caddy with everything it writes (CA, certificates, autosave) under `dir`.
pub fn caddy(bin: &Path, dir: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"));
    c
}

/// Runs `caddy adapt`, `validate` and `fmt` on `text`; panics on any warning.
pub fn caddy_accepts(bin: &Path, text: &str, what: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Caddyfile");
    fs::write(&file, text).unwrap();
    let f = file.to_str().unwrap();
    let o = caddy(bin, dir.path())
        .args(["adapt", "--config", f, "--adapter", "caddyfile"])
        .output()
        .unwrap();
    let err = stderr(&o);
    let loud: Vec<&str> = err
        .lines()
        .filter(|l| !l.contains("\"level\":\"info\""))
        .collect();
    assert!(
        o.status.success() && loud.is_empty(),
        "{what}: caddy adapt:\n{err}\n{text}"
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let o = caddy(bin, dir.path())
        .args(["validate", "--config", f, "--adapter", "caddyfile"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{what}: caddy validate:\n{}\n{text}",
        stderr(&o)
    );
    let o = caddy(bin, dir.path()).args(["fmt", f]).output().unwrap();
    assert!(o.status.success(), "{what}: caddy fmt: {}", stderr(&o));
    assert_eq!(stdout(&o), text, "{what}: `caddy fmt` would change it");
    json
}
