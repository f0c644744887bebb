//! The hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit
//! (`pre-commit try-repo` against this repository) on a sample repository
//! that keeps `ocgen.yaml` and its generated tree: a clean tree passes, a
//! stale one fails with the diff, and an invalid file fails `ocgen-check`.

mod common;
use common::*;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// `pre-commit try-repo <this repository> HOOK --all-files` in `repo`, with
/// the test's ocgen first on PATH and pre-commit's cache under `home`.
fn try_repo(pre_commit: &Path, repo: &Path, home: &Path, hook: &str) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_ocgen")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(pre_commit)
        .args(["try-repo"])
        .arg(root())
        .args([hook, "--all-files", "--color", "never"])
        .current_dir(repo)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home.join("cache"))
        .env("HOME", home)
        .env("GIT_AUTHOR_NAME", "ocgen test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "ocgen test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap()
}

fn git(repo: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=ocgen test",
            "-c",
            "user.email=test@example.com",
        ])
        .args(args)
        .current_dir(repo)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
}

#[test]
fn the_hooks_pass_a_clean_tree_and_fail_a_stale_one_with_the_diff() {
    let Some(pre_commit) = tool("pre-commit") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (repo, home) = (dir.path().join("sample"), dir.path().join("home"));
    fs::create_dir_all(&repo).unwrap();
    fs::create_dir_all(&home).unwrap();
    git(&repo, &["init", "-q"]);
    assert!(run_in(&repo, &["init"]).status.success());
    let o = run_in(&repo, &["generate", "--out", "deploy"]);
    assert!(o.status.success(), "{}", stderr(&o));
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "gateways"]);

    for hook in ["ocgen-check", "ocgen-generate"] {
        let o = try_repo(&pre_commit, &repo, &home, hook);
        assert!(
            o.status.success(),
            "{hook} on a clean tree:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(stdout(&o).contains("Passed"), "{hook}: {}", stdout(&o));
    }

    // ocgen.yaml changes, the tree does not: the hook fails with the diff.
    let yaml = fs::read_to_string(repo.join("ocgen.yaml")).unwrap();
    fs::write(
        repo.join("ocgen.yaml"),
        yaml.replace("port: 19789", "port: 20789"),
    )
    .unwrap();
    git(&repo, &["add", "ocgen.yaml"]);
    let o = try_repo(&pre_commit, &repo, &home, "ocgen-generate");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("Failed"), "{out}");
    assert!(
        out.contains("-OPENCLAW_GATEWAY_PORT=\"19789\"")
            && out.contains("+OPENCLAW_GATEWAY_PORT=\"20789\""),
        "the diff of the stale tree:\n{out}"
    );
    // The fix the book gives.
    assert!(
        run_in(&repo, &["generate", "--out", "deploy"])
            .status
            .success()
    );
    git(&repo, &["add", "-A"]);
    let o = try_repo(&pre_commit, &repo, &home, "ocgen-generate");
    assert!(o.status.success(), "{}", stdout(&o));

    // An invalid file fails ocgen-check, with the problem.
    fs::write(
        repo.join("ocgen.yaml"),
        yaml.replace("port: 19789", "port: 18800"),
    )
    .unwrap();
    git(&repo, &["add", "ocgen.yaml"]);
    let o = try_repo(&pre_commit, &repo, &home, "ocgen-check");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("ocgen::port::overlap"),
        "{}",
        stdout(&o)
    );
}
