//! `generate`, `--check`, `init`, completions and the man page, driven as a
//! user would.

mod common;
use common::*;

use std::fs;

const TWO: &str = "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n  main: {port: 18789}\n  rescue: {port: 19789}\n";

#[test]
fn generate_writes_private_files_and_reports_what_it_did() {
    let d = setup(TWO);
    let o = run_in(d.path(), &["generate", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "out: 11 created, 0 updated, 0 deleted, 0 unchanged\n"
    );
    let out = d.path().join("out");
    assert_eq!(mode(&out.join("env/main.env")), 0o600);
    assert_eq!(mode(&out.join("config/main/openclaw.json")), 0o600);
    assert_eq!(mode(&out.join("env")), 0o700);
    assert_eq!(mode(&out.join("config/main")), 0o700);
    let again = run_in(d.path(), &["generate", "--out", "out"]);
    assert_eq!(
        stdout(&again),
        "out: 0 created, 0 updated, 0 deleted, 11 unchanged\n"
    );
}

#[test]
fn check_reports_drift_with_a_diff_and_exit_1() {
    let d = setup(TWO);
    assert!(
        run_in(d.path(), &["generate", "--out", "out"])
            .status
            .success()
    );
    let o = run_in(d.path(), &["generate", "--out", "out", "--check"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "out: 11 files up to date\n");

    fs::write(d.path().join("ocgen.yaml"), TWO.replace("19789", "19909")).unwrap();
    let before = fs::read_to_string(d.path().join("out/env/rescue.env")).unwrap();
    let o = run_in(d.path(), &["generate", "--out", "out", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(
        s.contains("--- a/env/rescue.env\n+++ b/env/rescue.env\n"),
        "{s}"
    );
    assert!(
        s.contains("-OPENCLAW_GATEWAY_PORT=\"19789\"\n+OPENCLAW_GATEWAY_PORT=\"19909\"\n"),
        "{s}"
    );
    assert!(
        s.contains("-    \"port\": 19789,\n+    \"port\": 19909,\n"),
        "{s}"
    );
    assert!(
        s.ends_with("files would change; run `ocgen generate --out out` to update\n"),
        "{s}"
    );
    // --check wrote nothing.
    assert_eq!(
        fs::read_to_string(d.path().join("out/env/rescue.env")).unwrap(),
        before
    );
}

#[test]
fn check_reports_missing_and_stale_files() {
    let d = setup(TWO);
    let o = run_in(d.path(), &["generate", "--out", "out", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("--- /dev/null\n+++ b/env/main.env\n"));
    assert!(
        !d.path().join("out").exists(),
        "--check created the output directory"
    );

    assert!(
        run_in(d.path(), &["generate", "--out", "out"])
            .status
            .success()
    );
    fs::write(
        d.path().join("ocgen.yaml"),
        TWO.replace("  rescue: {port: 19789}\n", ""),
    )
    .unwrap();
    let o = run_in(d.path(), &["generate", "--out", "out", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("--- a/env/rescue.env\n+++ /dev/null\n"),
        "{}",
        stdout(&o)
    );
    let o = run_in(d.path(), &["generate", "--out", "out"]);
    assert_eq!(
        stdout(&o),
        "out: 0 created, 2 updated, 4 deleted, 5 unchanged\n"
    );
    assert!(!d.path().join("out/env/rescue.env").exists());
    assert!(!d.path().join("out/config/rescue").exists());
}

#[test]
fn edited_files_are_not_overwritten_without_force() {
    let d = setup(TWO);
    assert!(
        run_in(d.path(), &["generate", "--out", "out"])
            .status
            .success()
    );
    let env = d.path().join("out/env/main.env");
    fs::write(&env, "MY_EDIT=1\n").unwrap();
    let o = run_in(d.path(), &["generate", "--out", "out"]);
    assert_eq!(o.status.code(), Some(73));
    let e = stderr(&o);
    // Named, not shown: a person's edit may hold a secret.
    assert!(!e.contains("MY_EDIT"), "{e}");
    assert!(
        e.contains("env/main.env: not what ocgen last wrote there"),
        "{e}"
    );
    assert!(
        e.contains("refusing to overwrite 1 file that ocgen did not write"),
        "{e}"
    );
    assert!(e.contains("--force"), "{e}");
    assert_eq!(fs::read_to_string(&env).unwrap(), "MY_EDIT=1\n");
    let o = run_in(d.path(), &["generate", "--out", "out", "--force"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        fs::read_to_string(&env)
            .unwrap()
            .contains("OPENCLAW_PROFILE=\"main\"")
    );
}

#[test]
fn a_file_a_person_wrote_is_not_overwritten() {
    let d = setup(TWO);
    fs::create_dir_all(d.path().join("out/env")).unwrap();
    fs::write(d.path().join("out/env/main.env"), "MINE=1\n").unwrap();
    let o = run_in(d.path(), &["generate", "--out", "out"]);
    assert_eq!(o.status.code(), Some(73));
    assert_eq!(
        fs::read_to_string(d.path().join("out/env/main.env")).unwrap(),
        "MINE=1\n"
    );
    assert!(
        !d.path().join("out/env/rescue.env").exists(),
        "partial tree written"
    );
}

#[test]
fn invalid_input_writes_nothing() {
    let d = setup(&TWO.replace("19789", "18809"));
    let o = run_in(d.path(), &["generate", "--out", "out"]);
    assert_eq!(o.status.code(), Some(65));
    assert!(!d.path().join("out").exists());
}

#[test]
fn stdin_and_file_give_the_same_output() {
    let d = setup(TWO);
    let from_file = run_in(d.path(), &["env", "rescue"]);
    let mut child = ocgen()
        .args(["env", "rescue", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), TWO.as_bytes()).unwrap();
    let from_stdin = child.wait_with_output().unwrap();
    assert!(from_stdin.status.success());
    assert_eq!(from_file.stdout, from_stdin.stdout);
    // -f is accepted before the subcommand too.
    let before = ocgen()
        .current_dir(d.path())
        .args(["-f", "ocgen.yaml", "env", "rescue"])
        .output()
        .unwrap();
    assert_eq!(before.stdout, from_file.stdout);
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites() {
    let d = tempfile::tempdir().unwrap();
    let o = run_in(d.path(), &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = fs::read_to_string(d.path().join("ocgen.yaml")).unwrap();
    assert!(
        text.starts_with("# yaml-language-server: $schema=ocgen.schema.json\n"),
        "{text}"
    );
    assert!(d.path().join("ocgen.schema.json").is_file());
    let check = run_in(d.path(), &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let s = stdout(&check);
    assert!(s.contains("main") && s.contains("rescue"), "{s}");
    fs::write(d.path().join("ocgen.yaml"), "mine\n").unwrap();
    let again = run_in(d.path(), &["init"]);
    assert_eq!(again.status.code(), Some(73));
    assert!(stderr(&again).contains("already exists"));
    assert_eq!(
        fs::read_to_string(d.path().join("ocgen.yaml")).unwrap(),
        "mine\n"
    );
}

#[test]
fn completions_and_man_page() {
    // Dynamic completion: the script asks ocgen itself at each TAB
    // (tests/cli_edges.rs runs bash on it).
    for shell in ["bash", "zsh", "fish"] {
        let o = ocgen().args(["completions", shell]).output().unwrap();
        assert!(o.status.success());
        let s = stdout(&o);
        assert!(
            s.contains("COMPLETE=") || s.contains("COMPLETE "),
            "{shell}: {s}"
        );
    }
    let o = ocgen().arg("man").output().unwrap();
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(
        s.starts_with(".ie") || s.contains(".TH ocgen"),
        "{}",
        &s[..s.len().min(200)]
    );
}

#[test]
fn usage_errors_exit_2() {
    let o = ocgen()
        .args(["ports", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = ocgen().arg("frobnicate").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn unreadable_output_dir_is_an_io_error() {
    let d = setup(TWO);
    fs::write(d.path().join("out"), "a file where the directory should be").unwrap();
    let o = run_in(d.path(), &["generate", "--out", "out"]);
    assert_eq!(o.status.code(), Some(74), "{}", stderr(&o));
    assert!(stderr(&o).contains("out"), "{}", stderr(&o));
}

/// `generate` writes the outputs of the file's targets only, and dropping a
/// target removes the files ocgen wrote for it.
#[test]
fn generate_writes_the_listed_targets_only() {
    let files = |dir: &std::path::Path| -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p.strip_prefix(dir).unwrap().display().to_string());
                }
            }
        }
        out.sort();
        out
    };
    let compose_only = "version: 1\ntargets: [compose]\ngateways:\n  main: {}\n  rescue: {}\n";
    let d = setup(compose_only);
    let o = run_in(d.path(), &["generate", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        files(&d.path().join("out")),
        [".ocgen-manifest", "compose.yaml"]
    );

    let host = TWO.replace("version: 1\n", "version: 1\ntargets: [host, systemd]\n");
    fs::write(d.path().join("ocgen.yaml"), host).unwrap();
    let o = run_in(d.path(), &["generate", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        files(&d.path().join("out")),
        [
            ".ocgen-manifest",
            "config/main/openclaw.json",
            "config/rescue/openclaw.json",
            "env/main.env",
            "env/rescue.env",
            "systemd/config/main/openclaw.json",
            "systemd/config/rescue/openclaw.json",
            "systemd/openclaw-gateway-main.service",
            "systemd/openclaw-gateway-rescue.service",
            "systemd/openclaw.slice",
        ]
    );
}
