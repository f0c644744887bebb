//! Rough edges a new user hits on the command line: `init --force`,
//! `--templates` and `--out` that name no directory, the wording of a
//! missing `version` and a missing `-f` file, the man page's sections, each
//! command's `--help`, and dynamic completion of gateway names.

mod common;
use common::*;

use std::fs;
use std::process::Command;

const YAML: &str = "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n  main: {}\n  rescue: {}\n";

#[test]
fn init_force_overwrites_the_file_and_its_schema() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("ocgen.yaml"), "mine\n").unwrap();
    fs::write(d.path().join("ocgen.schema.json"), "{}\n").unwrap();
    let o = run_in(d.path(), &["init"]);
    assert_eq!(o.status.code(), Some(73), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    let o = run_in(d.path(), &["init", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_ne!(
        fs::read_to_string(d.path().join("ocgen.yaml")).unwrap(),
        "mine\n"
    );
    assert_ne!(
        fs::read_to_string(d.path().join("ocgen.schema.json")).unwrap(),
        "{}\n"
    );
    assert!(run_in(d.path(), &["check"]).status.success());
}

/// `-h` names every kind of output ocgen writes, not some of them.
#[test]
fn short_help_names_every_output() {
    let o = ocgen().arg("-h").output().unwrap();
    let about = stdout(&o);
    let first = about.split("\n\n").next().unwrap().replace('\n', " ");
    for what in [
        "env files",
        "openclaw.json",
        "systemd",
        "NixOS",
        "Docker Compose",
        "Kubernetes",
        "launchd",
        "Caddy",
    ] {
        assert!(
            first.contains(what),
            "`ocgen -h` does not name {what}: {first}"
        );
    }
}

/// `init`'s hint names the `home` the starter sets (it is set: "set
/// `home`" was wrong) and passes `-f` only for a file that is not the default.
#[test]
fn init_hints_at_the_home_it_wrote_and_the_check_to_run() {
    let d = tempfile::tempdir().unwrap();
    let o = run_in(d.path(), &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let hint = stdout(&o);
    let yaml = fs::read_to_string(d.path().join("ocgen.yaml")).unwrap();
    let home = yaml
        .lines()
        .find_map(|l| l.trim().strip_prefix("home: "))
        .expect("the starter sets home");
    assert!(hint.contains(&format!("`home: {home}`")), "{hint}");
    assert!(hint.contains("run `ocgen check`"), "{hint}");
    let o = run_in(d.path(), &["init", "-f", "other.yaml"]);
    assert!(
        stdout(&o).contains("run `ocgen check -f other.yaml`"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_templates_dir_that_does_not_exist_is_an_error() {
    let d = setup(YAML);
    for args in [
        &["env", "main", "--templates", "/nonexistent"][..],
        &["compose", "--templates", "/nonexistent"][..],
        &["generate", "--out", "out", "--templates", "ocgen.yaml"][..],
    ] {
        let o = run_in(d.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with("error: --templates "),
            "{}",
            stderr(&o)
        );
    }
    assert!(!d.path().join("out").exists());
}

#[test]
fn out_naming_a_file_says_so() {
    let d = setup(YAML);
    fs::write(d.path().join("afile"), "").unwrap();
    let o = run_in(d.path(), &["generate", "--out", "afile"]);
    assert_eq!(o.status.code(), Some(74));
    assert_eq!(
        stderr(&o),
        "error: --out afile: not a directory\nhelp: give a directory (it is created if it does not exist)\n"
    );
}

#[test]
fn a_missing_version_is_reported_at_the_start_of_the_file() {
    let d = setup("defaults:\n  home: /srv/oc\ngateways:\n  main: {}\n");
    let o = run_in(d.path(), &["check", "--color", "never"]);
    assert_eq!(o.status.code(), Some(65));
    let e = stderr(&o);
    assert!(
        e.contains("ocgen.yaml:1:1: the file has no `version` key"),
        "{e}"
    );
    assert!(!e.contains("`gateways`:"), "{e}");
    assert!(e.contains("add `version: 1`"), "{e}");
}

#[test]
fn a_missing_file_named_by_f_is_not_told_to_pass_f() {
    let d = tempfile::tempdir().unwrap();
    let o = run_in(d.path(), &["check", "-f", "nope.yaml"]);
    assert_eq!(o.status.code(), Some(74));
    assert!(!stderr(&o).contains("pass -f"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ocgen init -f nope.yaml"),
        "{}",
        stderr(&o)
    );
    let o = run_in(d.path(), &["check"]);
    assert!(stderr(&o).contains("pass -f PATH"), "{}", stderr(&o));
}

#[test]
fn f_and_color_work_before_and_after_the_command() {
    let d = setup(YAML);
    fs::rename(d.path().join("ocgen.yaml"), d.path().join("x.yaml")).unwrap();
    for args in [
        &["-f", "x.yaml", "env", "main"][..],
        &["env", "main", "-f", "x.yaml"][..],
        &["--color", "never", "-f", "x.yaml", "check"][..],
        &["check", "--file", "x.yaml", "--color", "never"][..],
    ] {
        let o = run_in(d.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn each_commands_help_shows_only_its_own_options() {
    let help = |cmd: &str| stdout(&ocgen().args([cmd, "--help"]).output().unwrap());
    for cmd in ["schema", "man", "completions"] {
        let h = help(cmd);
        for flag in ["--file", "--color", "--templates", "--version"] {
            assert!(!h.contains(flag), "{cmd} --help shows {flag}:\n{h}");
        }
    }
    for cmd in ["check", "ports", "status", "config", "nix"] {
        let h = help(cmd);
        assert!(
            h.contains("--file <PATH>") && h.contains("--color"),
            "{cmd}:\n{h}"
        );
        assert!(
            !h.contains("--templates"),
            "{cmd} --help shows --templates:\n{h}"
        );
    }
    for cmd in ["env", "systemd", "compose", "generate", "install"] {
        assert!(help(cmd).contains("--templates <DIR>"), "{cmd}");
    }
    let h = help("init");
    assert!(h.contains("--force") && !h.contains("--color"), "{h}");
}

#[test]
fn the_man_page_has_exit_status_and_refers_to_no_missing_page() {
    let o = ocgen().arg("man").output().unwrap();
    assert!(o.status.success());
    let man = stdout(&o);
    assert!(man.contains(".SH \"EXIT STATUS\""), "{man}");
    assert!(!man.contains("EXTRA"), "{man}");
    assert!(
        !man.contains("(1)"),
        "a reference to a page that is not generated:\n{man}"
    );
    assert!(
        man.contains("\\fB\\-f\\fR \\fIPATH\\fR"),
        "-f without its argument:\n{man}"
    );
    for code in ["0", "1", "2", "65", "73", "74"] {
        assert!(
            man.contains(&format!(".TP\n\\fB{code}\\fR\n")),
            "exit {code}"
        );
    }
    // groff, when there is one, reads it without a warning.
    if let Ok(g) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write as _;
        let mut g = g;
        g.stdin.take().unwrap().write_all(man.as_bytes()).unwrap();
        let out = g.wait_with_output().unwrap();
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// bash completes `ocgen env <TAB>` and `ocgen config <TAB>` with the
/// gateway names of the file, through the script `ocgen completions bash`
/// prints (bash itself runs it).
#[test]
fn bash_completes_gateway_names() {
    let d = setup(YAML);
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_ocgen"))
        .parent()
        .unwrap();
    let script = r#"
source <(ocgen completions bash)
complete_words() {
  COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_TYPE=9
  _clap_complete_ocgen ocgen "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  printf '%s\n' "${COMPREPLY[@]}" | grep -v '^-' | tr '\n' ' '; echo
}
complete_words ocgen env ""
complete_words ocgen config r
mkdir -p sub && cd sub
complete_words ocgen -f ../ocgen.yaml systemd ""
"#;
    let o = Command::new("bash")
        .current_dir(d.path())
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "main rescue \nrescue \nmain rescue \n");
}
