//! Day two on real programs: backups made by the generated units (run as
//! systemd would run them) and by `ocgen backup`, accepted by OpenClaw's
//! own `openclaw backup verify`; units and timers read back by
//! `systemd-analyze verify`; bad `backup:` settings as located errors.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::hostgw::{Fleet, free_window};
use common::systemd::{system_root, verify};
use common::{mode, ocgen, stderr, stdout, tool};

/// One gateway test at a time: each starts real gateways.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn generate(yaml: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("ocgen.yaml"), yaml).unwrap();
    let o = ocgen()
        .current_dir(d.path())
        .args(["generate", "-o", "out"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = d.path().join("out");
    (d, out)
}

const UNITS: &str = "version: 1\ntargets: [systemd]\ndefaults:\n  home: /var/lib/oc\n  backup: {keep: 3, schedule: 'Sun 03:30'}\ngateways:\n  main: {}\n  rescue: {home: /home/oc, backup: {dir: /var/backups/openclaw, schedule: hourly}}\n  seldom: {backup: {schedule: monthly}}\n  daily: {backup: {schedule: '04:15'}}\n  ops: {profile: work}\n";

#[test]
fn backup_units_and_timers_pass_systemd_analyze_verify() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let (_d, out) = generate(UNITS);
    let scratch = tempfile::tempdir().unwrap();
    let sys_root = system_root(scratch.path());
    // ExecStartPost= runs /bin/sh, which verify looks for under the root.
    common::systemd::stub_executable(&sys_root.join("bin/sh"));
    let units = sys_root.join("etc/systemd/system");
    for name in ["main", "rescue", "seldom", "daily", "work"] {
        for ext in ["service", "timer"] {
            let f = format!("openclaw-backup-{name}.{ext}");
            fs::copy(out.join("systemd").join(&f), units.join(&f)).unwrap();
        }
    }
    for name in ["main", "rescue", "seldom", "daily", "work"] {
        for ext in ["service", "timer"] {
            let path = units.join(format!("openclaw-backup-{name}.{ext}"));
            let dump = verify(&analyze, &path, Some(&sys_root), scratch.path());
            if ext == "service" {
                assert!(
                    dump.contains("Type: oneshot") || dump.contains("oneshot"),
                    "{dump}"
                );
            }
        }
    }
    // Every schedule form is a calendar systemd reads, next elapse and all.
    for cal in ["hourly", "monthly", "Sun *-*-* 03:30:00", "*-*-* 04:15:00"] {
        let o = Command::new(&analyze)
            .args(["calendar", cal])
            .output()
            .unwrap();
        assert!(o.status.success(), "{cal}: {}", stderr(&o));
    }
    // Hardened like the gateway: same user, sandbox, the archive dir writable.
    let unit = fs::read_to_string(out.join("systemd/openclaw-backup-rescue.service")).unwrap();
    let gw = fs::read_to_string(out.join("systemd/openclaw-gateway-rescue.service")).unwrap();
    for line in [
        "User=openclaw",
        "ProtectSystem=strict",
        "ProtectHome=read-only",
        "NoNewPrivileges=yes",
        "UMask=0077",
        "CapabilityBoundingSet=",
    ] {
        assert!(
            unit.contains(&format!("\n{line}\n")) && gw.contains(&format!("\n{line}\n")),
            "{line}"
        );
    }
    assert!(
        unit.contains("\nReadWritePaths=/var/backups/openclaw/rescue\n"),
        "{unit}"
    );
    assert!(
        unit.contains("--output /var/backups/openclaw/rescue/"),
        "{unit}"
    );
    assert!(!unit.contains("OPENCLAW_SERVICE_KIND"), "{unit}");
    // A gateway without `backup:` gets no unit.
    let (_d2, out2) =
        generate("version: 1\ntargets: [systemd]\ndefaults: {home: /srv}\ngateways:\n  a: {}\n");
    assert!(!out2.join("systemd/openclaw-backup-a.service").exists());
}

#[test]
fn bad_backup_settings_are_located_errors_with_a_fix() {
    let d = tempfile::tempdir().unwrap();
    let yaml = "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n  a:\n    backup: {keep: 0, schedule: 'at dawn', dir: /srv/oc/.openclaw-b/bk}\n  b:\n    backup: {dir: /srv/oc/.openclaw-a}\n  c:\n    backup: {dir: /x}\n  d:\n    backup: {dir: /x/c}\n";
    fs::write(d.path().join("ocgen.yaml"), yaml).unwrap();
    let o = ocgen()
        .current_dir(d.path())
        .args(["check", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(65));
    let e = stderr(&o);
    for want in [
        "`backup.keep` is 0",
        "ocgen.yaml:6:",
        "`backup.schedule` `at dawn`",
        "inside the state dir `/srv/oc/.openclaw-b` of gateway `b`",
        "inside the state dir `/srv/oc/.openclaw-a` of gateway `a`",
        "gateways `c` and `d` would write archives",
        "help:",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
}

/// Runs the generated backup unit as systemd would: its `Environment=` and
/// `EnvironmentFile=`, `ExecStart=`, then `ExecStartPost=`.
fn run_unit(unit: &str) -> std::process::Output {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut exec = String::new();
    let mut post = String::new();
    for line in unit.lines() {
        if let Some(v) = line.strip_prefix("Environment=") {
            let v = v.trim_matches('"').replace("%%", "%");
            let (k, v) = v.split_once('=').unwrap();
            env.push((k.into(), v.into()));
        } else if let Some(v) = line.strip_prefix("ExecStart=") {
            exec = v.replace("%%", "%");
        } else if let Some(v) = line.strip_prefix("ExecStartPost=/bin/sh -c ") {
            post = v.trim_matches('\'').to_string();
        }
    }
    let mut args = exec.split_whitespace();
    let o = Command::new(args.next().unwrap())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env)
        .current_dir("/")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "ExecStart: {}\n{}",
        stderr(&o),
        stdout(&o)
    );
    let p = Command::new("/bin/sh")
        .args(["-c", &post])
        .output()
        .unwrap();
    assert!(p.status.success(), "ExecStartPost: {}", stderr(&p));
    o
}

fn archives(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn backups_of_a_running_gateway_are_verified_by_openclaw() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let port = free_window(120, 24_000);
    let fleet = Fleet::install(
        &format!(
            "version: 1\ntargets: [host, systemd]\ndefaults:\n  home: /srv/oc\n  config: seeded\n  backup: {{keep: 2, schedule: daily}}\ngateways:\n  main: {{port: {port}}}\n"
        ),
        &openclaw,
    );
    fleet.start("main", &openclaw);
    fleet.wait_healthy("main");
    // State written through OpenClaw itself: an agent in config and database.
    let o = fleet.openclaw_as(
        "main",
        &openclaw,
        "agents add before --non-interactive --workspace \"$OPENCLAW_STATE_DIR/ws-before\" --json",
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // The unit `ocgen generate` writes, rooted as installed, run as systemd would.
    let plan = fleet.plan();
    let g = plan.gateway("main").unwrap();
    let s = g.backup_service(ocgen::plan::Scope::System).unwrap();
    let unit = ocgen::render::systemd::render_backup_service(&s, &openclaw.display().to_string());
    let dir = Path::new(g.backup.host_dir.as_deref().unwrap());
    fs::create_dir_all(dir).unwrap();
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).unwrap();
    let o = run_unit(&unit);
    let made: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let archive = Path::new(made["archivePath"].as_str().unwrap());
    assert_eq!(archive.parent().unwrap(), dir);
    let name = archive.file_name().unwrap().to_str().unwrap();
    assert!(name.ends_with("+00-00-openclaw-backup.tar.gz"), "{name}");
    assert_eq!(mode(archive), 0o600);
    let state = &g.host_paths().unwrap().state_dir;
    assert!(!archive.starts_with(state));

    // `ocgen backup`, twice: retention keeps the newest two.
    for _ in 0..2 {
        let o = fleet.ocgen(&["backup", "main"]);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains("verified"), "{}", stdout(&o));
    }
    let left = archives(dir);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!left.contains(&name.to_string()), "the oldest is removed");
    assert_eq!(mode(dir), 0o700);
    for a in &left {
        assert_eq!(mode(&dir.join(a)), 0o600);
        let v = Command::new(&openclaw)
            .args(["backup", "verify", "--json"])
            .arg(dir.join(a))
            .output()
            .unwrap();
        assert!(
            v.status.success(),
            "openclaw backup verify {a}: {}{}",
            stdout(&v),
            stderr(&v)
        );
    }
    fleet.stop("main");
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The agent ids OpenClaw lists for a gateway (config and state database).
fn agents(fleet: &Fleet, openclaw: &Path) -> Vec<String> {
    let o = fleet.openclaw_as("main", openclaw, "agents list --json");
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn restore_brings_state_back_and_finishes_after_a_kill() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let port = free_window(120, 25_000);
    let fleet = Fleet::install(
        &format!(
            "version: 1\ndefaults:\n  home: /srv/oc\n  config: seeded\ngateways:\n  main: {{port: {port}}}\n"
        ),
        &openclaw,
    );
    let oc = openclaw.display().to_string();
    fleet.start("main", &openclaw);
    fleet.wait_healthy("main");
    let o = fleet.openclaw_as(
        "main",
        &openclaw,
        "agents add before --non-interactive --workspace \"$OPENCLAW_STATE_DIR/ws-before\" --json",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = fleet.ocgen(&["backup", "main"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let archive = stdout(&o).split_whitespace().nth(1).unwrap().to_string();
    // Changed after the backup: the restore must take this back.
    let o = fleet.openclaw_as(
        "main",
        &openclaw,
        "agents add after --non-interactive --workspace \"$OPENCLAW_STATE_DIR/ws-after\" --json",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(agents(&fleet, &openclaw).contains(&"after".to_string()));

    let mut restore = vec!["restore".to_string(), "main".into()];
    let mgr = fleet.manager();
    let with = |archive: &str| {
        let mut a = restore.clone();
        a.push(archive.to_string());
        a.extend(mgr.iter().cloned());
        a.extend([
            "--openclaw".to_string(),
            oc.clone(),
            "--deadline".into(),
            "600".into(),
        ]);
        a
    };

    // An archive OpenClaw refuses: nothing is touched, the gateway keeps running.
    let junk = fleet.dir.path().join("junk-openclaw-backup.tar.gz");
    fs::write(&junk, "not an archive").unwrap();
    let a = with(&junk.display().to_string());
    let o = fleet.ocgen(&strs(&a));
    assert_eq!(o.status.code(), Some(69), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was changed"), "{}", stderr(&o));
    assert!(
        ocgen::host::listening_sockets()
            .unwrap()
            .iter()
            .any(|l| l.port == port)
    );

    // Killed at two points (-9 equivalent: abort, no cleanup), then re-run.
    let a = with(&archive);
    let plan = fleet.plan();
    let state = plan
        .gateway("main")
        .unwrap()
        .host_paths()
        .unwrap()
        .state_dir
        .clone();
    for point in ["restore-begun", "restore-set-aside"] {
        let o = fleet.ocgen_env(&strs(&a), &[("OCGEN_TEST_ABORT_AT", point)]);
        assert_eq!(
            o.status.code(),
            None,
            "{point}: killed by a signal: {}",
            stderr(&o)
        );
        assert!(
            Path::new(&format!("{state}.ocgen-restore.json")).exists(),
            "{point}: journal"
        );
        if point == "restore-set-aside" {
            assert!(
                !Path::new(&state).exists(),
                "the live state is aside, the restored one not yet in"
            );
        }
        let o = fleet.ocgen(&strs(&a));
        assert_eq!(
            o.status.code(),
            Some(0),
            "{point}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        let report = stdout(&o);
        assert!(report.contains("found an interrupted restore"), "{report}");
        assert!(report.contains("previous contents kept at"), "{report}");
        eprintln!("day-two: {report}");
        assert!(!Path::new(&format!("{state}.ocgen-restore.json")).exists());
        let ids = agents(&fleet, &openclaw);
        assert!(
            ids.contains(&"before".to_string()) && !ids.contains(&"after".to_string()),
            "{ids:?}"
        );
    }
    // Nothing was deleted: the state with `after` is aside.
    let aside: Vec<String> = fs::read_dir(Path::new(&state).parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".ocgen-replaced-"))
        .collect();
    assert!(!aside.is_empty());
    assert!(
        aside.iter().any(|n| {
            let cfg = Path::new(&state)
                .parent()
                .unwrap()
                .join(n)
                .join("openclaw.json");
            fs::read_to_string(cfg)
                .unwrap_or_default()
                .contains("\"after\"")
        }),
        "{aside:?}"
    );
    fleet.stop("main");
    let _ = &mut restore;
}

/// A wrapper for an installed OpenClaw tree, with Node 24 first on PATH.
fn wrapper(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    let tools = common::tools_dir().join("bin");
    fs::write(
        &p,
        format!(
            "#!/bin/sh\nPATH=\"{}:$PATH\"\nexport PATH\n{body}\n",
            tools.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// The release the rollout starts from: older, with an older database schema.
const OLD_RELEASE: &str = "2026.8.2";

/// Which release the running gateway was started from: the wrappers mark
/// their processes (the gateway renames its command line to
/// `openclaw-gateway`, so the path is not visible there).
fn pid_cmdline(fleet: &Fleet, name: &str) -> String {
    let plan = fleet.plan();
    let g = plan.gateway(name).unwrap();
    let pidf = g
        .host_paths()
        .unwrap()
        .env_file(name)
        .replace(".env", ".pid");
    let pid = fs::read_to_string(pidf).unwrap_or_default();
    let env = fs::read(format!("/proc/{}/environ", pid.trim())).unwrap_or_default();
    env.split(|b| *b == 0)
        .filter_map(|v| std::str::from_utf8(v).ok())
        .find_map(|v| v.strip_prefix("OCGEN_TEST_RELEASE="))
        .map(|r| format!("{} openclaw-{r}", pid.trim()))
        .unwrap_or_default()
}

fn agents_of(fleet: &Fleet, name: &str, openclaw: &Path) -> Vec<String> {
    let o = fleet.openclaw_as(name, openclaw, "agents list --json");
    assert!(o.status.success(), "{name}: {}{}", stdout(&o), stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rollout_upgrades_with_real_migrations_and_rolls_a_failure_back() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(_) = tool("openclaw") else {
        return;
    };
    let old_tree =
        common::tools_dir().join(format!("openclaw-{OLD_RELEASE}/node_modules/.bin/openclaw"));
    if !old_tree.exists() {
        common::skip(&format!(
            "openclaw@{OLD_RELEASE} is not installed (bash .ci/install-tools.sh installs it)"
        ));
        return;
    }
    let bins = tempfile::tempdir().unwrap();
    let new_tree = common::tools_dir().join("openclaw-2026.9.6/node_modules/.bin/openclaw");
    let old = wrapper(
        bins.path(),
        "openclaw-old",
        &format!(
            "export OCGEN_TEST_RELEASE={OLD_RELEASE}; exec \"{}\" \"$@\"",
            old_tree.display()
        ),
    );
    let new = wrapper(
        bins.path(),
        "openclaw-new",
        &format!(
            "export OCGEN_TEST_RELEASE=2026.9.6; exec \"{}\" \"$@\"",
            new_tree.display()
        ),
    );
    // A new version that migrates the state (any command of it opens the
    // databases) and then never serves.
    let broken = wrapper(
        bins.path(),
        "openclaw-broken",
        &format!(
            "if [ \"$1\" = gateway ]; then \"{n}\" agents list --json >/dev/null 2>&1; echo 'broken build: exiting' >&2; exit 1; fi\nexec \"{n}\" \"$@\"",
            n = new_tree.display()
        ),
    );
    let port = free_window(400, 26_000);
    let names = ["a", "b", "c"];
    let fleet = Fleet::install(
        &format!(
            "version: 1\ndefaults:\n  home: /srv/oc\n  config: seeded\ngateways:\n  a: {{port: {port}}}\n  b: {{port: {}}}\n  c: {{port: {}}}\n",
            port + 130,
            port + 260
        ),
        &new,
    );
    for n in names {
        fleet.start(n, &old);
    }
    for n in names {
        fleet.wait_healthy(n);
        let o = fleet.openclaw_as(n, &old, &format!("agents add marker-{n} --non-interactive --workspace \"$OPENCLAW_STATE_DIR/ws-marker\" --json"));
        assert!(o.status.success(), "{n}: {}", stderr(&o));
        assert!(
            pid_cmdline(&fleet, n).contains(&format!("openclaw-{OLD_RELEASE}")),
            "{}",
            pid_cmdline(&fleet, n)
        );
    }
    let pids_before: Vec<String> = names.iter().map(|n| pid_cmdline(&fleet, n)).collect();
    let rollout = |to: &Path, abort: Option<&str>| {
        // The broken build never answers: its deadline is what the test waits.
        let deadline = if to == broken { "90" } else { "600" };
        let mut a: Vec<String> = vec![
            "rollout".into(),
            "--from".into(),
            old.display().to_string(),
            "--to".into(),
            to.display().to_string(),
            "--deadline".into(),
            deadline.into(),
        ];
        a.extend(fleet.manager());
        let env: Vec<(&str, &str)> = abort
            .map(|p| vec![("OCGEN_TEST_ABORT_AT", p)])
            .unwrap_or_default();
        fleet.ocgen_env(&strs(&a), &env)
    };

    // 1. A failed upgrade: the canary rolls back on its own, the others are never touched.
    let o = rollout(&broken, None);
    let report = stdout(&o);
    eprintln!("day-two: failed upgrade:\n{report}{}", stderr(&o));
    assert_eq!(o.status.code(), Some(69), "{report}");
    assert!(report.contains("a: ROLLED BACK"), "{report}");
    assert!(
        report.contains("b: untouched") && report.contains("c: untouched"),
        "{report}"
    );
    fleet.wait_healthy("a");
    assert!(pid_cmdline(&fleet, "a").contains(&format!("openclaw-{OLD_RELEASE}")));
    assert!(agents_of(&fleet, "a", &old).contains(&"marker-a".to_string()));
    assert_eq!(pid_cmdline(&fleet, "b"), pids_before[1]);
    assert_eq!(pid_cmdline(&fleet, "c"), pids_before[2]);
    // The point of restoring state: the old version refuses what the new one migrated.
    let plan = fleet.plan();
    let state_a = plan
        .gateway("a")
        .unwrap()
        .host_paths()
        .unwrap()
        .state_dir
        .clone();
    let parent = Path::new(&state_a).parent().unwrap();
    let aside = fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.display()
                .to_string()
                .starts_with(&format!("{state_a}.ocgen-replaced-"))
        })
        .expect("the migrated state is kept aside");
    let o = Command::new(&old)
        .args(["agents", "list", "--json"])
        .env("OPENCLAW_STATE_DIR", &aside)
        .env("OPENCLAW_CONFIG_PATH", aside.join("openclaw.json"))
        .output()
        .unwrap();
    let said = format!("{}{}", stdout(&o), stderr(&o));
    let line = said
        .lines()
        .find(|l| l.contains("SqliteSchemaVersionError"))
        .unwrap_or_else(|| panic!("{said}"));
    eprintln!("day-two: the old build on the migrated state: {line}");

    // 2. The real upgrade, killed once mid-switch and run again.
    let o = rollout(&new, Some("rollout-stopped"));
    assert_eq!(
        o.status.code(),
        None,
        "killed: {}{}",
        stdout(&o),
        stderr(&o)
    );
    let o = rollout(&new, None);
    let report = stdout(&o);
    eprintln!("day-two: upgrade:\n{report}{}", stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{report}{}", stderr(&o));
    assert!(
        report.contains("a: found an interrupted rollout"),
        "{report}"
    );
    for n in names {
        assert!(
            report.contains(&format!("{n}: switched, healthy")),
            "{report}"
        );
        fleet.wait_healthy(n);
        assert!(
            pid_cmdline(&fleet, n).contains("openclaw-2026.9.6"),
            "{n}: {}",
            pid_cmdline(&fleet, n)
        );
        assert!(
            agents_of(&fleet, n, &new).contains(&format!("marker-{n}")),
            "{n}"
        );
    }
    // Done: a third run finds every gateway on it.
    let o = rollout(&new, None);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).matches("already on it").count(),
        3,
        "{}",
        stdout(&o)
    );
    for n in names {
        fleet.stop(n);
    }
}

#[test]
fn scheduled_backups_on_macos_are_launch_agents_that_parse() {
    let Some(python) = tool("python3") else {
        return;
    };
    let (_d, out) = generate(
        "version: 1\ntargets: [launchd]\ndefaults:\n  home: /Users/alice\n  backup: {keep: 5}\ngateways:\n  main: {backup: {schedule: 'Sun 03:30'}}\n  rescue: {backup: {schedule: hourly}}\n  manual: {backup: {keep: 2}}\n",
    );
    let script = "import json, plistlib, sys\njson.dump(plistlib.load(open(sys.argv[1], 'rb'), fmt=plistlib.FMT_XML), sys.stdout)";
    let parse = |name: &str| -> serde_json::Value {
        let o = Command::new(&python)
            .args(["-c", script])
            .arg(out.join("launchd").join(name))
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let main = parse("ai.openclaw.main.backup.plist");
    assert_eq!(
        main["StartCalendarInterval"],
        serde_json::json!({"Weekday": 0, "Hour": 3, "Minute": 30})
    );
    assert_eq!(main["RunAtLoad"], false);
    let cmd = main["ProgramArguments"][2].as_str().unwrap();
    assert!(
        cmd.contains("backup create --verify --json --output /Users/alice/openclaw-backups/main/"),
        "{cmd}"
    );
    assert!(cmd.contains("tail -n +6"), "{cmd}");
    assert_eq!(main["EnvironmentVariables"]["TZ"], "UTC");
    assert!(
        main["EnvironmentVariables"]
            .get("OPENCLAW_SERVICE_KIND")
            .is_none()
    );
    assert_eq!(
        parse("ai.openclaw.rescue.backup.plist")["StartCalendarInterval"],
        serde_json::json!({"Minute": 0})
    );
    // On demand only: no agent.
    assert!(!out.join("launchd/ai.openclaw.manual.backup.plist").exists());
}
