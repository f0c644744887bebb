//! The env file reads back exactly, value for value, in both of its readers:
//! a POSIX shell (`set -a; . FILE`) and systemd's env-file parser (the one
//! behind `EnvironmentFile=`, run here through systemd's environment.d
//! generator, which uses the same parser).

mod common;
use common::*;

use std::path::PathBuf;
use std::process::Command;

const HOSTILE: &[(&str, &str)] = &[
    ("DQ", "say \"hi\""),
    ("SQ", "it's"),
    ("DOLLAR", "$HOME and ${HOME} and $(id)"),
    ("BACKTICK", "`id`"),
    ("BACKSLASH", "a\\b\\\\c\\n"),
    ("HASH", "# not a comment"),
    ("COLON", "key: value"),
    ("SPACES", "  padded  "),
    ("NEWLINE", "line1\nline2\n"),
    ("TAB", "a\tb"),
    ("UNICODE", "héllo wörld ✓ 日本"),
    ("EQUALS", "a=b=c"),
    ("EMPTY", ""),
    ("SEMICOLON", "; not a comment either"),
];

fn yaml_of(values: &[(&str, &str)]) -> String {
    let mut y =
        String::from("version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n  main:\n    env:\n");
    for (k, v) in values {
        y.push_str(&format!(
            "      {k}: {}\n",
            serde_json::to_string(v).unwrap()
        ));
    }
    y
}

fn env_file(values: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("ocgen.yaml"), yaml_of(values)).unwrap();
    let o = run_in(d.path(), &["env", "main"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = d.path().join("main.env");
    std::fs::write(&p, &o.stdout).unwrap();
    (d, p)
}

#[test]
fn posix_shell_reads_back_every_value() {
    let (_d, file) = env_file(HOSTILE);
    for (k, v) in HOSTILE {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("set -a; . \"$1\"; printf '%s' \"${k}\""))
            .arg("sh")
            .arg(&file)
            .env_clear()
            .env("HOME", "/nonexistent-home")
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8(out.stdout).unwrap(), *v, "{k}");
    }
}

/// Decodes one value as systemd's generator prints it: bare, or in double
/// quotes with C-style escapes.
fn unprint(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return v.to_string();
    };
    let mut out = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

#[test]
fn systemd_reads_back_every_value() {
    let generator = PathBuf::from(
        "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator",
    );
    if !generator.is_file() {
        skip("systemd's environment.d generator is missing (apt-get install systemd)");
        return;
    }
    // environment.d (unlike EnvironmentFile=) expands $VAR after parsing, so
    // values with `$` are left to the shell test, and it drops empty
    // assignments; everything else must match.
    let values: Vec<(&str, &str)> = HOSTILE
        .iter()
        .copied()
        .filter(|(_, v)| !v.contains('$') && !v.is_empty())
        .collect();
    let (d, file) = env_file(&values);
    let conf = d.path().join("xdg/environment.d");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::copy(&file, conf.join("50-main.conf")).unwrap();
    let out = Command::new(&generator)
        .env_clear()
        .env("XDG_CONFIG_HOME", d.path().join("xdg"))
        .env("XDG_CONFIG_DIRS", d.path().join("none"))
        .env("HOME", d.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for (k, v) in &values {
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("{k} missing from systemd's reading:\n{text}"));
        assert_eq!(unprint(line), *v, "{k}: systemd read {line}");
    }
}
