//! Reading units back with `systemd-analyze verify` and its debug dump.

use std::path::{Path, PathBuf};
use std::process::Command;

use ocgen::plan::{Gateway, STATE_ROOT};

/// A root for `systemd-analyze verify --root`: the host's targets and
/// slices (units ours pull in), and a stub `openclaw` at the default path.
pub fn system_root(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    let units = root.join("usr/lib/systemd/system");
    std::fs::create_dir_all(&units).unwrap();
    std::fs::create_dir_all(root.join("etc/systemd/system")).unwrap();
    for e in std::fs::read_dir("/usr/lib/systemd/system").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "target" || x == "slice") && p.is_file() {
            std::fs::copy(&p, units.join(p.file_name().unwrap())).unwrap();
        }
    }
    stub_executable(&root.join(ocgen::plan::DEFAULT_OPENCLAW_BIN.trim_start_matches('/')));
    stub_executable(&root.join(ocgen::plan::START_WAIT_BASH.trim_start_matches('/')));
    root
}

pub fn stub_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Verifies a unit; panics on a non-zero exit or any line on stderr.
/// Returns systemd's debug dump of the parsed unit.
pub fn verify(analyze: &Path, unit_file: &Path, sys_root: Option<&Path>, xdg: &Path) -> String {
    let run = |debug: bool| {
        let mut c = Command::new(analyze);
        if sys_root.is_none() {
            c.arg("--user").env("XDG_RUNTIME_DIR", xdg);
        }
        c.arg("verify").arg("--man=no");
        if let Some(r) = sys_root {
            c.arg(format!("--root={}", r.display()));
        }
        c.arg(unit_file);
        if debug {
            c.env("SYSTEMD_LOG_LEVEL", "debug");
        }
        c.output().unwrap()
    };
    let out = run(false);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty() && out.stdout.is_empty(),
        "systemd-analyze verify {} (exit {:?}):\n{stderr}{}",
        unit_file.display(),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout)
    );
    let dump = run(true);
    String::from_utf8_lossy(&dump.stderr).into_owned() + &String::from_utf8_lossy(&dump.stdout)
}

/// The command line of an `Exec*=` directive (`key`) as systemd parsed it,
/// from its debug dump, one argument per word, with `$$` turned into `$`
/// as systemd does when it runs the command. Panics when there is none.
#[allow(dead_code)]
pub fn command_line(dump: &str, key: &str) -> Vec<String> {
    let head = format!("\t-> {key}:\n");
    let at = dump
        .find(&head)
        .unwrap_or_else(|| panic!("no {key} in:\n{dump}"));
    let line = dump[at + head.len()..]
        .lines()
        .next()
        .unwrap()
        .trim_start()
        .strip_prefix("Command Line: ")
        .unwrap();
    // Words split by spaces; a word in double quotes with `\` escapes.
    let mut words = Vec::new();
    let mut chars = line.chars();
    let mut word = String::new();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => word.push(chars.next().unwrap()),
            ' ' if !quoted => words.push(std::mem::take(&mut word)),
            c => word.push(c),
        }
    }
    words.push(word);
    words.into_iter().map(|w| w.replace("$$", "$")).collect()
}

/// The gateway units a unit is ordered after (`After=` from its file).
#[allow(dead_code)]
pub fn ordered_after(dump: &str) -> Vec<String> {
    let mut v: Vec<String> = dump
        .lines()
        .filter_map(|l| l.trim().strip_prefix("After: "))
        .filter_map(|l| l.strip_suffix(" (origin-file)"))
        .filter(|u| u.starts_with("openclaw-gateway-"))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// Values of the unit as systemd parsed them, against the plan.
pub fn check_dump(dump: &str, g: &Gateway, system: bool) {
    let name = &g.name;
    for (k, v) in g.host_runtime().unwrap().environment() {
        let line = format!("\tEnvironment: {k}={v}\n");
        assert!(
            dump.contains(&line),
            "{name}: systemd did not read {line:?}"
        );
    }
    assert!(
        dump.contains(&format!("gateway --port {}", g.port)),
        "{name}: ExecStart"
    );
    for (k, v) in [
        ("Restart", "always"),
        ("RestartSec", "5s"),
        ("TimeoutStopSec", "5min 30s"),
        ("KillMode", "mixed"),
        ("UMask", "0077"),
        ("TimeoutStartSec", "3min"),
    ] {
        assert!(dump.contains(&format!("\t{k}: {v}\n")), "{name}: {k}: {v}");
    }
    // The start ends once the gateway is healthy or past its deadline.
    assert_eq!(
        command_line(dump, "ExecStartPost"),
        ocgen::plan::start_wait_command(ocgen::plan::START_WAIT_BASH, g.port),
        "{name}: ExecStartPost"
    );
    if system {
        assert!(
            dump.contains("\tProtectSystem: strict\n"),
            "{name}: ProtectSystem"
        );
        assert!(dump.contains("\tPrivateTmp: yes\n"), "{name}: PrivateTmp");
        assert!(
            dump.contains(&format!("\tUser: {}\n", g.user)),
            "{name}: User"
        );
        if let Some(rel) = g
            .host_paths()
            .unwrap()
            .state_dir
            .strip_prefix(STATE_ROOT)
            .and_then(|r| r.strip_prefix('/'))
        {
            assert!(
                dump.contains(&format!("\tStateDirectory: {rel}")),
                "{name}: StateDirectory"
            );
        }
    }
}
