//! `.ci/test`, the README's test command, run with a stand-in `cargo` and
//! install script: it writes its log under `CARGO_TARGET_DIR` (even one
//! that does not exist yet), builds every test binary first, runs them all
//! (`--no-fail-fast`), `tests/kube_node.rs` beside the others, ends with
//! one summary line, and exits with the first failure's status.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn executable(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs a copy of `.ci/test` whose `cargo test` prints `test_output` and
/// exits `test_status`; returns (exit code, stdout, cargo's arguments).
fn ci_test(test_output: &str, test_status: i32, target: &Path) -> (Option<i32>, String, String) {
    ci_test_with(test_output, test_status, target, None)
}

/// [`ci_test`] in a repository with `tests/kube_node.rs` and
/// `tests/other.rs`, whose kube_node binary prints `kube.0` and exits
/// `kube.1`.
fn ci_test_with(
    test_output: &str,
    test_status: i32,
    target: &Path,
    kube: Option<(&str, i32)>,
) -> (Option<i32>, String, String) {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    fs::create_dir_all(repo.join(".ci")).unwrap();
    let mut built = String::from("    Finished `test` profile\n");
    if let Some((output, status)) = kube {
        fs::create_dir_all(repo.join("tests")).unwrap();
        fs::write(repo.join("tests/kube_node.rs"), "").unwrap();
        fs::write(repo.join("tests/other.rs"), "").unwrap();
        let bin = d.path().join("kube_node-0123");
        fs::write(d.path().join("kube-output"), output).unwrap();
        executable(
            &bin,
            &format!(
                "#!/bin/sh\ncat {}\nexit {status}\n",
                d.path().join("kube-output").display()
            ),
        );
        built.push_str(&format!(
            "  Executable tests/other.rs (target/debug/deps/other-4567)\n  Executable tests/kube_node.rs ({})\n",
            bin.display()
        ));
    }
    fs::write(d.path().join("built"), built).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/test");
    fs::copy(&script, repo.join(".ci/test")).unwrap();
    executable(&repo.join(".ci/install-tools.sh"), "#!/bin/sh\nexit 0\n");
    fs::write(
        repo.join("Cargo.toml"),
        "[package]\nrust-version = \"1.89\"\n",
    )
    .unwrap();
    let bin = d.path().join("bin");
    fs::create_dir(&bin).unwrap();
    executable(
        &bin.join("mdbook"),
        &format!(
            "#!/bin/sh\necho \"mdbook $*\" >>{}\n",
            d.path().join("args").display()
        ),
    );
    fs::write(d.path().join("test-output"), test_output).unwrap();
    executable(
        &bin.join("cargo"),
        &format!(
            "#!/bin/sh\necho \"$*\" >>{args}\ncase \"$*\" in *--no-run*) cat {built}; exit 0;; esac\nif [ \"$1\" = test ]; then cat {out}; exit {test_status}; fi\nexit 0\n",
            args = d.path().join("args").display(),
            built = d.path().join("built").display(),
            out = d.path().join("test-output").display(),
        ),
    );
    let o = Command::new("bash")
        .arg(repo.join(".ci/test"))
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("OCGEN_TOOLS", d.path().join("tools"))
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    let args = fs::read_to_string(d.path().join("args")).unwrap_or_default();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        args,
    )
}

const TWO_BINARIES: &str = "running 4 tests\ntest result: FAILED. 3 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\nrunning 10 tests\ntest result: ok. 10 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.20s\n";

#[test]
fn the_log_goes_under_cargo_target_dir_and_one_line_sums_every_binary() {
    let t = tempfile::tempdir().unwrap();
    let target = t.path().join("not/yet/there");
    let (code, stdout, args) = ci_test(TWO_BINARIES, 101, &target);
    assert_eq!(code, Some(101), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("13 passed, 1 failed, 2 skipped"),
        "{stdout}"
    );
    assert!(
        args.lines()
            .any(|l| l.starts_with("test ") && l.contains("--no-fail-fast")),
        "{args}"
    );
    // The oldest Rust of Cargo.toml checks the code; mdBook builds the book.
    assert!(
        args.lines().any(|l| l.starts_with("+1.89 check --locked")),
        "{args}"
    );
    assert!(
        args.lines().any(|l| l.starts_with("mdbook build docs")),
        "{args}"
    );
    // Built first, then run: the log holds both.
    assert!(
        args.lines()
            .any(|l| l.starts_with("test --locked --all-targets --no-run")),
        "{args}"
    );
    let log = fs::read_to_string(target.join("test-output.txt")).unwrap();
    assert_eq!(log, format!("    Finished `test` profile\n{TWO_BINARIES}"));
}

const ONE_FAILED: &str = "running 1 test\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 9.00s\n";

#[test]
fn kube_node_runs_beside_the_others_and_its_failure_fails_the_run() {
    let t = tempfile::tempdir().unwrap();
    let ok = "test result: ok. 5 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n";
    let (code, stdout, args) = ci_test_with(ok, 0, t.path(), Some((ONE_FAILED, 101)));
    assert_eq!(code, Some(101), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("5 passed, 1 failed, 0 skipped"),
        "{stdout}"
    );
    // The others by name, everything but kube_node.
    let run = args
        .lines()
        .find(|l| l.starts_with("test ") && !l.contains("--no-run"))
        .unwrap();
    assert!(
        run.contains("--lib --bins --benches --examples --test other --no-fail-fast"),
        "{run}"
    );
    assert!(!run.contains("kube_node"), "{run}");
    let log = fs::read_to_string(t.path().join("test-output.txt")).unwrap();
    assert!(log.contains(ONE_FAILED) && log.contains(ok), "{log}");
    // Both passing: 0; the others failing: their status.
    let (code, stdout, _) = ci_test_with(ok, 0, t.path(), Some((ok, 0)));
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("10 passed, 0 failed, 0 skipped")
    );
    let (code, _, _) = ci_test_with(TWO_BINARIES, 101, t.path(), Some((ok, 0)));
    assert_eq!(code, Some(101));
}

#[test]
fn all_passing_exits_0_and_a_skip_fails() {
    let t = tempfile::tempdir().unwrap();
    let ok = "test result: ok. 5 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n";
    let (code, stdout, _) = ci_test(ok, 0, t.path());
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("5 passed, 0 failed, 0 skipped"));
    let skipped = format!("SKIPPED: docker-compose not found\n{ok}");
    let (code, _, _) = ci_test(&skipped, 0, t.path());
    assert_eq!(code, Some(1));
}
