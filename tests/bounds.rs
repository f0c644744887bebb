//! Hostile sizes and shapes are answered quickly, in bounded memory, with a
//! clear message: 10 MB files (generated here, never committed), an alias
//! bomb, deep nesting, a gateway with 100,000 variables.
//!
//! Nothing here depends on the machine's speed: each run must give the
//! right exit code and a bounded report, within a memory cap (`ulimit -v`,
//! so a run that needs more fails instead of swapping), and finish at all
//! within a generous watchdog. The CPU time each run took is printed, not
//! asserted: how fast these inputs are answered is a benchmark
//! (`benches/measure.py`, figures in the README).

mod common;

use std::fmt::Write as _;
use std::path::Path;

/// A watchdog against hangs, not a speed bound: ten minutes for what a
/// release build answers in about a second.
const WATCHDOG_SECS: u32 = 600;
/// Address space ocgen may use, in KiB (about 3 GiB).
const MEMORY_KIB: u64 = 3 * 1024 * 1024;
const TEN_MB: usize = 10 * 1024 * 1024;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    cpu: f64,
}

/// Runs `ocgen ARGS` in `dir` under a memory cap; returns its exit code,
/// output and CPU time.
fn run(dir: &Path, args: &[&str]) -> Run {
    let script = format!(
        "ulimit -v {MEMORY_KIB}; timeout -s KILL {WATCHDOG_SECS} \"$0\" \"$@\" >ocgen.out 2>ocgen.err; rc=$?; times; exit $rc"
    );
    let out = std::process::Command::new("bash")
        .current_dir(dir)
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_ocgen"))
        .args(args)
        .output()
        .unwrap();
    // timeout(1) exits 137 when its KILL fired.
    assert_ne!(
        out.status.code(),
        Some(137),
        "{args:?} still ran after {WATCHDOG_SECS} s: a hang"
    );
    // `times`: the shell's user and system time, then its children's.
    let times = String::from_utf8_lossy(&out.stdout);
    let children = times.lines().nth(1).unwrap_or_else(|| panic!("{times}"));
    let cpu = children.split_whitespace().map(seconds).sum();
    Run {
        code: out.status.code(),
        stdout: std::fs::read_to_string(dir.join("ocgen.out")).unwrap(),
        stderr: std::fs::read_to_string(dir.join("ocgen.err")).unwrap(),
        cpu,
    }
}

/// `1m2.345s` as seconds.
fn seconds(t: &str) -> f64 {
    let (m, s) = t.trim_end_matches('s').split_once('m').unwrap();
    m.parse::<f64>().unwrap() * 60.0 + s.parse::<f64>().unwrap()
}

/// Writes `text` as ocgen.yaml, runs `check` (or `args`), and checks the
/// exit code and the size of the report; the CPU time is only printed.
fn answer(text: &str, args: &[&str], code: i32) -> Run {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("ocgen.yaml"), text).unwrap();
    let r = run(d.path(), args);
    assert_eq!(
        r.code,
        Some(code),
        "{args:?} ({} bytes): {}",
        text.len(),
        &r.stderr[..r.stderr.len().min(2000)]
    );
    eprintln!(
        "{args:?} on {} bytes: exit {code}, {:.2} s CPU",
        text.len(),
        r.cpu
    );
    // A refusal is one clear report, not a dump of the file.
    assert!(
        r.stderr.len() < 20_000,
        "{} bytes of stderr",
        r.stderr.len()
    );
    r
}

const HEAD: &str = "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n";

#[test]
fn ten_mb_of_comments_is_read() {
    let mut text = String::with_capacity(TEN_MB + 100);
    while text.len() < TEN_MB {
        text.push_str("# a long comment line, repeated until the file is ten megabytes\n");
    }
    text.push_str(HEAD);
    text.push_str("  main: {}\n");
    let r = answer(&text, &["check"], 0);
    assert!(r.stdout.contains("the gateway is valid"), "{}", r.stdout);
}

#[test]
fn a_ten_mb_value_is_carried_into_every_output() {
    let value = "v".repeat(TEN_MB);
    let text = format!("{HEAD}  main:\n    env:\n      BIG: {value}\n");
    let r = answer(&text, &["generate", "--out", "out"], 0);
    assert!(r.stdout.contains("created"), "{}", r.stdout);
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("ocgen.yaml"), &text).unwrap();
    let r = run(d.path(), &["env", "main"]);
    assert_eq!(r.code, Some(0));
    assert!(r.stdout.contains(&format!("BIG=\"{value}\"\n")));
}

#[test]
fn ten_mb_of_gateways_is_refused_at_the_parsers_limit() {
    let mut text = String::from(HEAD);
    let mut i = 0;
    while text.len() < TEN_MB {
        let _ = writeln!(text, "  g{i}: {{}}");
        i += 1;
    }
    let r = answer(&text, &["check"], 65);
    assert!(
        r.stderr
            .contains("the file holds more YAML values than ocgen reads"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("ocgen.yaml:"), "{}", r.stderr);
    assert!(
        r.stderr.contains(": gateway `g"),
        "names the gateway: {}",
        r.stderr
    );
    assert!(r.stderr.contains("help: "), "{}", r.stderr);
}

#[test]
fn ten_mb_of_variables_is_refused_at_the_parsers_limit() {
    let mut text = format!("{HEAD}  main:\n    env:\n");
    let mut i = 0;
    while text.len() < TEN_MB {
        let _ = writeln!(text, "      V{i}: value-{i}");
        i += 1;
    }
    let r = answer(&text, &["generate", "--out", "out"], 65);
    assert!(
        r.stderr
            .contains("gateway `main`: the file holds more YAML values"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_gateway_with_100_000_variables_is_checked_quickly() {
    let mut text = format!("{HEAD}  main:\n    env:\n");
    for i in 0..100_000 {
        let _ = writeln!(text, "      V{i}: value-{i}");
    }
    answer(&text, &["check"], 0);
}

#[test]
fn more_than_16_mib_is_refused_before_parsing() {
    let text = format!("{HEAD}  main: {{}}\n{}", "#\n".repeat(9 * 1024 * 1024));
    let r = answer(&text, &["check"], 65);
    assert!(
        r.stderr
            .contains("is larger than 16777216 bytes, the most ocgen reads"),
        "{}",
        r.stderr
    );
}

#[test]
fn alias_bombs_are_refused_quickly() {
    // Billion laughs, nine levels of nine, where `env` takes a map.
    // (The comment names a secret word, so that the reading for secrets
    // walks the bomb too.)
    let mut text = String::from(
        "# no api key here\nversion: 1\ndefaults:\n  home: /srv/oc\n  env: &l0 {A: lol}\n",
    );
    let _ = writeln!(text, "x0: &l1 [{}]", ["*l0"; 9].join(", "));
    for level in 2..10 {
        let prev = format!("*l{}", level - 1);
        let _ = writeln!(
            text,
            "x{}: &l{level} [{}]",
            level - 1,
            vec![prev; 9].join(", ")
        );
    }
    text.push_str("gateways:\n  main: {env: *l9}\n");
    let r = answer(&text, &["check"], 65);
    assert!(r.stderr.contains("ocgen.yaml:"), "{}", r.stderr);
    // Type-valid repetition of one anchor: the alias limit itself.
    let mut text = format!("{HEAD}  g0:\n    env: &e\n");
    for i in 0..1000 {
        let _ = writeln!(text, "      V{i}: x");
    }
    for i in 1..300 {
        let _ = writeln!(text, "  g{i}:\n    env: *e");
    }
    let r = answer(&text, &["check"], 65);
    assert!(
        r.stderr.contains("YAML aliases expand to too much"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("gateway `g"), "{}", r.stderr);
}

#[test]
fn deep_nesting_is_refused_quickly() {
    let n = 1_000_000;
    let deep = format!("{}{}", "[".repeat(n), "]".repeat(n));
    for text in [
        deep.clone(),
        format!("{}{}", "{a: ".repeat(n / 10), "}".repeat(n / 10)),
        format!("{HEAD}  main:\n    env:\n      X: {deep}\n"),
        format!("version: 1\ndefaults:\n  env: {{X: {deep}}}\ngateways:\n  main: {{}}\n"),
    ] {
        let r = answer(&text, &["check"], 65);
        assert!(r.stderr.contains("ocgen.yaml:"), "{}", r.stderr);
        assert!(r.stderr.contains("help: "), "{}", r.stderr);
    }
    // Block nesting, as deep as fits in the size limit.
    let mut text = format!("{HEAD}  main:\n    env:\n");
    for depth in 0..2000 {
        let _ = writeln!(text, "{}k{depth}:", " ".repeat(6 + 2 * depth));
    }
    answer(&text, &["check"], 65);
}
