//! Plain systemd units: golden files, and `systemd-analyze verify` on every
//! generated unit, failing on any line it prints (it only warns about
//! unknown keys and bad values), with values read back from systemd's own
//! dump of the parsed unit.

mod common;

use std::path::Path;

use common::systemd::{check_dump, ordered_after, stub_executable, system_root, verify};
use common::{examples_for, golden, ocgen, root, tool};
use ocgen::plan::Plan;
use ocgen::render::systemd::file_name;

fn plan_of(yaml: &str) -> Plan {
    let doc = ocgen::model::load(yaml).unwrap_or_else(|p| panic!("{p:?}"));
    ocgen::plan::plan(&doc).unwrap_or_else(|p| panic!("{p:?}"))
}

fn unit_of(file: &Path, name: &str, extra: &[&str]) -> String {
    let out = ocgen()
        .arg("-f")
        .arg(file)
        .arg("systemd")
        .arg(name)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ocgen systemd {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn every_example_unit_matches_its_golden_file_and_generate_writes_it() {
    for ex in examples_for(ocgen::plan::Target::Systemd) {
        let stem = ex.file_stem().unwrap().to_str().unwrap().to_string();
        let plan = plan_of(&std::fs::read_to_string(&ex).unwrap());
        let out = tmp();
        let generated = ocgen()
            .arg("-f")
            .arg(&ex)
            .arg("generate")
            .arg("-o")
            .arg(out.path())
            .output()
            .unwrap();
        assert!(
            generated.status.success(),
            "{}",
            String::from_utf8_lossy(&generated.stderr)
        );
        for g in &plan.gateways {
            let file = format!("{}.service", g.unit_name());
            let text = unit_of(&ex, &g.name, &[]);
            golden(&format!("{stem}/tree/systemd/{file}"), &text);
            let written = std::fs::read_to_string(out.path().join("systemd").join(&file)).unwrap();
            assert_eq!(
                written, text,
                "{stem}: generate and `ocgen systemd` differ for {file}"
            );
            // The config the unit expects is written beside it.
            let config = std::fs::read_to_string(
                out.path()
                    .join(format!("systemd/config/{}/openclaw.json", g.name)),
            )
            .unwrap();
            let svc = ocgen()
                .arg("-f")
                .arg(&ex)
                .args(["config", &g.name, "--target", "systemd"])
                .output()
                .unwrap();
            assert_eq!(config, String::from_utf8(svc.stdout).unwrap());
        }
    }
}

#[test]
fn every_example_unit_passes_systemd_analyze_verify() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let dir = tmp();
    let sys_root = system_root(dir.path());
    for ex in examples_for(ocgen::plan::Target::Systemd) {
        let plan = plan_of(&std::fs::read_to_string(&ex).unwrap());
        for g in &plan.gateways {
            let path = sys_root.join(format!("etc/systemd/system/{}.service", g.unit_name()));
            std::fs::write(&path, unit_of(&ex, &g.name, &[])).unwrap();
            let dump = verify(&analyze, &path, Some(&sys_root), dir.path());
            check_dump(&dump, g, true);
            std::fs::remove_file(&path).unwrap();
        }
    }
}

/// Values that break naive quoting of `Environment=`, and secrets both ways.
const HOSTILE: &str = r#"version: 1
defaults:
  home: /var/lib/oc
gateways:
  main:
    workspace: /srv/wörkspace-ünï
    env:
      QUOTES: "it's \"double\" and 'single'"
      INTERP: "${HOME} $HOME $${y} \\${z} `cmd`"
      BACKSLASH: "C:\\path\\n\\t \\ end\\"
      NEWLINES: "line1\nline2\n\nline4"
      UNICODE: "ünïcødé ☃ 日本語 🦀"
      PERCENT: "100% %h %n %%"
      TAB: "a\tb"
      SPACES: "  leading and trailing  "
  pw:
    bind: lan
    auth: { mode: password, file: /run/keys/pw-password }
  tok:
    home: /home/openclaw
    auth: { mode: token, env: OC_TOKEN }
    secrets_env_file: /etc/openclaw/tok.env
"#;

#[test]
fn hostile_values_and_secrets_survive_systemds_parser() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let dir = tmp();
    let sys_root = system_root(dir.path());
    let yaml = dir.path().join("ocgen.yaml");
    std::fs::write(&yaml, HOSTILE).unwrap();
    let plan = plan_of(HOSTILE);
    let mut dumps = std::collections::HashMap::new();
    let mut texts = std::collections::HashMap::new();
    for g in &plan.gateways {
        let path = sys_root.join(format!("etc/systemd/system/{}.service", g.unit_name()));
        let text = unit_of(&yaml, &g.name, &[]);
        std::fs::write(&path, &text).unwrap();
        texts.insert(g.name.clone(), text);
        let dump = verify(&analyze, &path, Some(&sys_root), dir.path());
        check_dump(&dump, g, true);
        dumps.insert(g.name.clone(), dump);
    }
    // auth.file: systemd copies the file into the unit's credentials
    // directory, where the service's openclaw.json points. (systemd 252's
    // dump leaves credentials out; verify above parsed the line silently.)
    assert!(texts["pw"].contains("\nLoadCredential=pw-auth:/run/keys/pw-password\n"));
    // Its copy is bound over the file's own path, which the config names,
    // so `ocgen install`'s config and the unit's are one file.
    assert!(
        texts["pw"].contains("\nBindReadOnlyPaths=/run/credentials/openclaw-gateway-pw.service/pw-auth:/run/keys/pw-password\n"),
        "{}",
        texts["pw"]
    );
    assert!(!texts["tok"].contains("LoadCredential"));
    let cfg = ocgen()
        .arg("-f")
        .arg(&yaml)
        .args(["config", "pw", "--target", "systemd"])
        .output()
        .unwrap();
    let cfg: serde_json::Value = serde_json::from_slice(&cfg.stdout).unwrap();
    assert_eq!(
        cfg["secrets"]["providers"]["gateway-auth"]["path"],
        "/run/keys/pw-password"
    );
    // auth.env: the file with the variable is required (no `-`); others optional.
    assert!(dumps["tok"].contains("\tEnvironmentFile: /etc/openclaw/tok.env\n"));
    assert!(dumps["pw"].contains("\tEnvironmentFile: -/var/lib/oc/.openclaw-pw/.env\n"));
    // State under /home: ProtectHome=read-only so ReadWritePaths= can open it.
    assert!(dumps["tok"].contains("\tProtectHome: read-only\n"));
    assert!(dumps["main"].contains("\tProtectHome: yes\n"));
}

#[test]
fn user_units_pass_verify_in_a_user_manager() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let dir = tmp();
    let xdg = dir.path().join("xdg");
    std::fs::create_dir_all(&xdg).unwrap();
    let bin = dir.path().join("bin/openclaw");
    stub_executable(&bin);
    // `--user` does not combine with `--root`: point the unit at a stub.
    let yaml = format!(
        "version: 1\nsystemd:\n  user_units: true\n  openclaw: {}\ndefaults:\n  home: /home/alice\ngateways:\n  main: {{ profile: default, auth: {{ mode: token, env: OC_TOKEN }} }}\n  files: {{ auth: {{ mode: token, file: /home/alice/.config/openclaw/token }} }}\n",
        bin.display()
    );
    let file = dir.path().join("ocgen.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let plan = plan_of(&yaml);
    let units = dir.path().join("units");
    std::fs::create_dir_all(&units).unwrap();
    for g in &plan.gateways {
        let text = unit_of(&file, &g.name, &[]);
        assert!(
            !text.contains("\nUser=") && !text.contains("LoadCredential="),
            "{text}"
        );
        assert!(text.contains("\nWantedBy=default.target\n"));
        let path = units.join(format!("{}.service", g.unit_name()));
        std::fs::write(&path, text).unwrap();
        let dump = verify(&analyze, &path, None, &xdg);
        check_dump(&dump, g, false);
    }
    // A user unit reads the secret file where it is.
    let cfg = ocgen()
        .arg("-f")
        .arg(&file)
        .args(["config", "files", "--target", "systemd"])
        .output()
        .unwrap();
    let cfg: serde_json::Value = serde_json::from_slice(&cfg.stdout).unwrap();
    assert_eq!(
        cfg["secrets"]["providers"]["gateway-auth"]["path"],
        "/home/alice/.config/openclaw/token"
    );
}

#[test]
fn the_user_flag_forces_user_units() {
    let ex = root().join("examples/rescue-bot.yaml");
    let system = unit_of(&ex, "rescue", &[]);
    let user = unit_of(&ex, "rescue", &["--user"]);
    assert!(system.contains("\nUser=openclaw\n") && system.contains("\nProtectSystem=strict\n"));
    assert!(!user.contains("\nUser=") && !user.contains("ProtectSystem"));
    // Same environment and restart policy either way, but for the system
    // unit's compile cache (a user unit keeps /tmp: no PrivateTmp=).
    assert!(system.contains("\nEnvironment=\"NODE_COMPILE_CACHE=/var/cache/"));
    let pick = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| {
                (l.starts_with("Environment=") && !l.contains("NODE_COMPILE_CACHE="))
                    || l.starts_with("Restart")
                    || l.starts_with("ExecStart=")
            })
            .map(String::from)
            .collect()
    };
    assert_eq!(pick(&system), pick(&user));
}

#[test]
fn the_unit_and_the_env_file_hold_the_same_environment() {
    let ex = root().join("examples/fleet.yaml");
    let plan = plan_of(&std::fs::read_to_string(&ex).unwrap());
    for g in &plan.gateways {
        let unit = unit_of(&ex, &g.name, &[]);
        let env_lines: Vec<&str> = unit
            .lines()
            .filter(|l| l.starts_with("Environment="))
            .collect();
        // The gateway's environment, then the markers by which OpenClaw
        // recognises a service it manages.
        let mut vars = g.host_runtime().unwrap().environment();
        vars.extend([
            ("OPENCLAW_SERVICE_MARKER".into(), "openclaw".into()),
            ("OPENCLAW_SERVICE_KIND".into(), "gateway".into()),
            (
                "OPENCLAW_SYSTEMD_UNIT".into(),
                format!("{}.service", g.unit_name()),
            ),
            // Node's compile cache in the unit's CacheDirectory=.
            (
                "NODE_COMPILE_CACHE".into(),
                format!("/var/cache/{}", g.unit_name()),
            ),
        ]);
        assert!(unit.contains(&format!("\nCacheDirectory={}\n", g.unit_name())));
        let expected: Vec<String> = vars
            .iter()
            .map(|(k, v)| format!("Environment={}", ocgen::render::quote::systemd_env(k, v)))
            .collect();
        assert_eq!(env_lines, expected, "{}", g.name);
        let out = ocgen()
            .arg("-f")
            .arg(&ex)
            .args(["env", &g.name])
            .output()
            .unwrap();
        let env_file = String::from_utf8(out.stdout).unwrap();
        for (k, _) in g.host_runtime().unwrap().environment() {
            assert!(
                env_file.contains(&format!("\n{k}=")),
                "{}: {k} missing from the env file",
                g.name
            );
        }
    }
}

/// `resources` and `systemd.fleet_memory` as systemd reads them: the unit's
/// memory, CPU and task limits, in `openclaw.slice`, whose own memory cap
/// is the fleet's.
#[test]
fn resources_and_the_fleet_slice_pass_verify() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let dir = tmp();
    let y = dir.path().join("ocgen.yaml");
    std::fs::write(
        &y,
        "version: 1\nsystemd: {fleet_memory: 6g}\ndefaults:\n  home: /var/lib/oc\n  resources: {memory: 1536m, cpus: 1.5}\ngateways:\n  a: {}\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = ocgen()
        .args(["generate", "--out"])
        .arg(&out)
        .arg("-f")
        .arg(&y)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sys_root = system_root(dir.path());
    let units = sys_root.join("etc/systemd/system");
    for f in ["openclaw.slice", "openclaw-gateway-a.service"] {
        std::fs::copy(out.join("systemd").join(f), units.join(f)).unwrap();
    }
    let unit = verify(
        &analyze,
        &units.join("openclaw-gateway-a.service"),
        Some(&sys_root),
        dir.path(),
    );
    for line in [
        "MemoryMax: 1610612736",
        "CPUQuotaPerSecSec: 1.500000s",
        "TasksMax: 512",
    ] {
        assert!(
            unit.contains(line),
            "systemd did not read {line:?}:\n{unit}"
        );
    }
    let slice = verify(
        &analyze,
        &units.join("openclaw.slice"),
        Some(&sys_root),
        dir.path(),
    );
    assert!(slice.contains("MemoryMax: 6442450944"), "{slice}");
}

/// Five gateways, at most two starting at once, in file order (not by
/// name): each unit is ordered after the unit two places before it, with `After=`
/// alone (a failed or missing unit never keeps it from starting), and its
/// start ends with the health wait, whose failure systemd ignores (`-`).
#[test]
fn each_unit_is_ordered_after_the_one_batch_places_before_and_nothing_more() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let dir = tmp();
    let sys_root = system_root(dir.path());
    for (batch, want) in [
        ("", [&[][..], &[], &["e"], &["d"], &["c"]]),
        (
            "start: {batch: 1}\n",
            [&[][..], &["e"], &["d"], &["c"], &["b"]],
        ),
        ("start: {batch: 5}\n", [&[][..], &[], &[], &[], &[]]),
    ] {
        let yaml = format!(
            "version: 1\n{batch}defaults: {{home: /var/lib/oc}}\ngateways:\n  e: {{}}\n  d: {{}}\n  c: {{}}\n  b: {{}}\n  a: {{}}\n"
        );
        let file = dir.path().join("ocgen.yaml");
        std::fs::write(&file, &yaml).unwrap();
        let plan = plan_of(&yaml);
        for (g, want) in plan.gateways.iter().zip(want) {
            let text = unit_of(&file, &g.name, &[]);
            assert_eq!(
                text.lines()
                    .filter(|l| l.starts_with("ExecStartPost="))
                    .map(|l| l.starts_with("ExecStartPost=-"))
                    .collect::<Vec<_>>(),
                [true],
                "{batch}{}: one ExecStartPost, its failure ignored",
                g.name
            );
            for key in ["Requires=", "Requisite=", "BindsTo=", "PartOf="] {
                assert!(!text.contains(key), "{}: {key}", g.name);
            }
            let path = sys_root.join(format!("etc/systemd/system/{}", file_name(g)));
            std::fs::write(&path, &text).unwrap();
            let dump = verify(&analyze, &path, Some(&sys_root), dir.path());
            check_dump(&dump, g, true);
            let mut want: Vec<String> = want
                .iter()
                .map(|n| format!("openclaw-gateway-{n}.service"))
                .collect();
            want.sort();
            assert_eq!(ordered_after(&dump), want, "{batch}{}", g.name);
            assert!(
                !dump.contains("Wants: openclaw-gateway-"),
                "{}: wants no other gateway",
                g.name
            );
            std::fs::remove_file(&path).unwrap();
        }
    }
}
