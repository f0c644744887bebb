//! `ocgen import` on a host made by hand the way OpenClaw's
//! "multiple gateways" guide says, with the real OpenClaw 2026.9.6, in a
//! sandboxed HOME under a temporary directory:
//!
//! - three profiles made with OpenClaw's own commands (`setup --baseline`,
//!   `config set`): `default` with a token written into its config,
//!   `rescue` 20 ports above it (the old advice, which collides) with a
//!   browser profile, `ops` pinned only by its unit's `--port`;
//! - services written by OpenClaw's own builders from the installed package
//!   (`tests/import/services.mjs`): systemd user units for `default` and
//!   `ops`, a LaunchAgent (with its `service-env` file) for `rescue`;
//! - canary secrets planted in a config, a unit, the LaunchAgent's
//!   environment file and its plist.
//!
//! Then: `ocgen import` reads it, and `ocgen check` reports the collision;
//! with `--fix-ports` it passes; `ocgen generate` gives configs that
//! `openclaw config validate` accepts and that say what the originals said;
//! `ocgen install` puts them in place and the gateways start from ocgen's
//! env files on the same state dirs, answer `/healthz`, and the markers
//! written before the import are still there. No canary appears in any
//! file ocgen wrote or anything it printed.
//!
//! The hostile-input test needs no tool: a symlink loop among state dirs,
//! a config that is not JSON, a unit with odd quoting, a plist with a wrong
//! type, garbage bytes: located report lines, never a panic.

mod common;
use common::procs::{Guard, Pid};
use common::*;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Watchdog against hangs, not a speed limit: gateways on a loaded 2-core
/// machine have taken minutes to start.
const HEALTHY_DEADLINE: Duration = Duration::from_secs(600);

/// How a gateway is started from ocgen's env file, as the README says.
const GATEWAY_SH: &str = r#"echo $$ >"${1%.env}.pid"; set -a; . "$1"; set +a; exec openclaw gateway run >>"${1%.env}.out" 2>&1"#;

/// Planted secrets: never in anything ocgen writes or prints.
const CANARY_TOKEN: &str = "canary-gateway-token-5f1d0c9e7a2b4c68";
const CANARY_TELEGRAM: &str = "987654321:AAcanaryTelegramBotTokenValue0123456";
const CANARY_ANTHROPIC: &str = "sk-ant-canary-0123456789abcdefghijklmnop";
const CANARY_OPENROUTER: &str = "sk-or-v1-canary0123456789abcdef0123";
const CANARY_SLACK: &str = "xoxb-canary-0123456789-abcdefghijklmnop";
const CANARIES: &[&str] = &[
    CANARY_SLACK,
    CANARY_TOKEN,
    CANARY_TELEGRAM,
    CANARY_ANTHROPIC,
    CANARY_OPENROUTER,
];

fn say(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "import: {msg}");
}

/// A port window of `len` ports below the ephemeral range with nothing
/// listening in it.
fn free_window(len: u16) -> u16 {
    let listening: Vec<u16> = ocgen::host::listening_sockets()
        .expect("/proc/net/tcp")
        .iter()
        .map(|l| l.port)
        .collect();
    (23_000..32_000 - len)
        .step_by(500)
        .find(|b| !listening.iter().any(|p| (*b..b + len).contains(p)))
        .expect("a free port window between 23000 and 32000")
}

/// State dirs grow to about 55 MB once a gateway runs: tmpfs when there is one.
fn state_tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let b = tempfile::Builder::new()
        .prefix("ocgen-import-")
        .tempdir_in(if shm.is_dir() { shm } else { Path::new("/tmp") });
    b.or_else(|_| tempfile::tempdir()).unwrap()
}

/// `PATH` with the test tools first (OpenClaw needs its node 24 there).
fn tools_path() -> std::ffi::OsString {
    std::env::join_paths(
        std::iter::once(tools_dir().join("bin")).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap()
}

/// `openclaw ARGS` in the sandboxed home, with nothing of the test's environment.
fn openclaw(home: &Path, args: &[&str]) -> Output {
    let o = Command::new(tools_dir().join("bin/openclaw"))
        .args(args)
        .env_clear()
        .env("PATH", tools_path())
        .env("HOME", home)
        .current_dir(home)
        .stdin(Stdio::null())
        .output()
        .expect("openclaw runs");
    assert!(
        o.status.success(),
        "openclaw {args:?}: {}{}",
        stdout(&o),
        stderr(&o)
    );
    o
}

fn ocgen_in(dir: &Path, args: &[&str], printed: &mut String) -> Output {
    let o = run_in(dir, args);
    printed.push_str(&stdout(&o));
    printed.push_str(&stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    o
}

fn edit_json(path: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(
        &fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn uid() -> u32 {
    fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|u| u.parse().ok())
        .unwrap()
}

/// What OpenClaw leaves in /tmp for a state dir (its lock coordinators,
/// `/tmp/openclaw-state-locks-<uid>/<family>.<sha256(state db)[:8]>.lock.sqlite`),
/// removed when the test ends.
struct TmpLocks(Vec<PathBuf>);

impl TmpLocks {
    fn of(state_dirs: &[&str]) -> TmpLocks {
        let mut out = Vec::new();
        for sd in state_dirs {
            let db = fs::canonicalize(sd).unwrap().join("state/openclaw.sqlite");
            let mut c = Command::new("sha256sum")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            {
                use std::io::Write as _;
                c.stdin
                    .take()
                    .unwrap()
                    .write_all(db.to_str().unwrap().as_bytes())
                    .unwrap();
            }
            let hash = String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap();
            for f in ["gateway-lifecycle", "state-lifecycle", "state-handles"] {
                out.push(PathBuf::from(format!(
                    "/tmp/openclaw-state-locks-{}/{f}.{}.lock.sqlite",
                    uid(),
                    &hash[..8]
                )));
            }
        }
        TmpLocks(out)
    }
}

impl Drop for TmpLocks {
    fn drop(&mut self) {
        for f in &self.0 {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }
}

fn assert_no_canary(what: &str, text: &str) {
    for c in CANARIES {
        assert!(!text.contains(c), "a planted secret appears in {what}");
    }
}

#[test]
fn hostile_inputs_are_located_report_lines_never_a_panic() {
    let d = tempfile::tempdir().unwrap();
    let home = d.path().join("home");
    fs::create_dir_all(home.join(".config/systemd/user")).unwrap();
    fs::create_dir_all(home.join("Library/LaunchAgents")).unwrap();
    // A symlink loop among state dirs.
    std::os::unix::fs::symlink(home.join(".openclaw-loopb"), home.join(".openclaw-loopa")).unwrap();
    std::os::unix::fs::symlink(home.join(".openclaw-loopa"), home.join(".openclaw-loopb")).unwrap();
    // A config that is not JSON, one of garbage bytes, one nested too deep.
    for (p, text) in [
        ("notjson", b"gateway:\n  port: 18789\n".to_vec()),
        ("garbage", vec![0xff, 0xfe, 0x00, 0x13, 0x37]),
        (
            "deep",
            format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)).into_bytes(),
        ),
    ] {
        fs::create_dir_all(home.join(format!(".openclaw-{p}"))).unwrap();
        fs::write(home.join(format!(".openclaw-{p}/openclaw.json")), text).unwrap();
    }
    // A state dir that is a file, and a fine one beside all that.
    fs::write(home.join(".openclaw-afile"), "x").unwrap();
    fs::create_dir_all(home.join(".openclaw-fine")).unwrap();
    fs::write(
        home.join(".openclaw-fine/openclaw.json"),
        "{gateway: {port: 20000}}",
    )
    .unwrap();
    // Units with odd quoting, an unknown escape, a specifier ocgen does not expand.
    let units = home.join(".config/systemd/user");
    fs::write(
        units.join("openclaw-gateway-q1.service"),
        "[Service]\nExecStart=/usr/bin/node \"/x/dist/index.js gateway --port 21000\n",
    )
    .unwrap();
    fs::write(
        units.join("openclaw-gateway-q2.service"),
        "[Service]\nExecStart=/usr/bin/node /x/dist/index.js gateway --port \\q21000\n",
    )
    .unwrap();
    fs::write(
        units.join("openclaw-gateway-q3.service"),
        "[Service]\nExecStart=/usr/bin/node /x/%u/index.js gateway\n",
    )
    .unwrap();
    fs::write(
        units.join("openclaw-gateway-q4.service"),
        "[Service\nExecStart=/bin/true\n",
    )
    .unwrap();
    fs::create_dir_all(units.join("openclaw-gateway-q5.service")).unwrap();
    // Plists: a wrong type, not XML, a binary blob.
    let agents = home.join("Library/LaunchAgents");
    fs::write(
        agents.join("ai.openclaw.p1.plist"),
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>Label</key><string>ai.openclaw.p1</string><key>ProgramArguments</key><dict/></dict></plist>",
    )
    .unwrap();
    fs::write(agents.join("ai.openclaw.p2.plist"), "<plist><dict><key>").unwrap();
    fs::write(agents.join("ai.openclaw.p3.plist"), b"bplist00\xff\xff\xff").unwrap();

    let o = run_in(d.path(), &["import", "--home", "home", "-o", "out.yaml"]);
    let err = stderr(&o);
    let out = stdout(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    let h = home.display().to_string();
    for line in [
        format!("{h}/.openclaw-loopa: cannot be read as a state dir: a symlink loop"),
        format!("{h}/.openclaw-notjson/openclaw.json:1:1: not JSON5"),
        format!("{h}/.openclaw-garbage/openclaw.json: the config cannot be read (not UTF-8 text"),
        format!("{h}/.openclaw-deep/openclaw.json:1:65: values nest deeper than 64 levels"),
        format!(
            "{h}/.config/systemd/user/openclaw-gateway-q1.service:2: `ExecStart=` with an unterminated \" quote"
        ),
        format!(
            "{h}/.config/systemd/user/openclaw-gateway-q2.service:2: `ExecStart=` with an unknown escape `\\q`"
        ),
        format!(
            "{h}/.config/systemd/user/openclaw-gateway-q3.service:2: `ExecStart=` with the specifier `%u`"
        ),
        format!("{h}/.config/systemd/user/openclaw-gateway-q4.service:1: not a unit file"),
        format!(
            "{h}/.config/systemd/user/openclaw-gateway-q5.service: cannot be read: a directory"
        ),
        format!(
            "{h}/Library/LaunchAgents/ai.openclaw.p1.plist (ProgramArguments): `ProgramArguments` is a dictionary, not an array of strings"
        ),
        format!("{h}/Library/LaunchAgents/ai.openclaw.p2.plist: not a property list"),
        format!("{h}/Library/LaunchAgents/ai.openclaw.p3.plist: not a property list"),
    ] {
        assert!(
            out.contains(&line),
            "missing report line `{line}` in:\n{out}"
        );
    }
    // The fine gateway is imported all the same.
    let yaml = fs::read_to_string(d.path().join("out.yaml")).unwrap();
    assert!(
        yaml.contains("  fine:\n") && yaml.contains("port: 20000"),
        "{yaml}"
    );
    // And the file reads back.
    let o = run_in(d.path(), &["check", "-f", "out.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn system_units_env_files_and_fleet_cells_are_read_and_the_output_is_deterministic() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().display().to_string();
    let units = d.path().join("units");
    let state = d.path().join("srv/openclaw-team");
    fs::create_dir_all(&units).unwrap();
    fs::create_dir_all(state.join("fleet/cells/acme")).unwrap();
    fs::write(
        state.join("fleet/cells/acme/openclaw.json"),
        "{gateway: {bind: 'lan'}}",
    )
    .unwrap();
    fs::write(
        state.join("openclaw.json"),
        r#"{"gateway": {"mode": "local", "bind": "lan"}, "agents": {"defaults": {"workspace": "/srv/ws/team"}}}"#,
    )
    .unwrap();
    fs::write(
        state.join("team.secrets"),
        "# private\nOPENCLAW_GATEWAY_TOKEN=s3cr3t-team-token-value\nDEPLOY_KEY=\"a b\"\n",
    )
    .unwrap();
    fs::write(
        units.join("openclaw-gateway-team.service"),
        format!(
            "[Unit]\nDescription=team\n\n[Service]\nUser=oc\nGroup=oc\nExecStart=/usr/local/bin/openclaw --profile team gateway run --port 21000 --bind lan\nEnvironment=OPENCLAW_STATE_DIR={root}/srv/openclaw-team\nEnvironmentFile={root}/srv/openclaw-team/team.secrets\n"
        ),
    )
    .unwrap();
    let o = run_in(
        d.path(),
        &["import", "--system-units", "units", "-o", "a.yaml"],
    );
    let report = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{report}{}", stderr(&o));
    assert!(
        !report.contains("s3cr3t") && !report.contains("a b"),
        "{report}"
    );
    let yaml = fs::read_to_string(d.path().join("a.yaml")).unwrap();
    assert!(!yaml.contains("s3cr3t"), "{yaml}");
    for want in [
        "  team:\n",
        &format!("    state_dir: \"{root}/srv/openclaw-team\"\n"),
        "    workspace: \"/srv/ws/team\"\n",
        "    port: 21000",
        "    bind: \"lan\"\n",
        "      env: \"OPENCLAW_GATEWAY_TOKEN\"\n",
        "      - DEPLOY_KEY\n",
        "    user: \"oc\"\n",
        "targets: [host, systemd]\n",
    ] {
        assert!(yaml.contains(want), "no `{want}` in:\n{yaml}");
    }
    assert!(
        report.contains(&format!(
            "OPENCLAW_GATEWAY_TOKEN  now: {root}/srv/openclaw-team/team.secrets:2"
        )),
        "{report}"
    );
    assert!(report.contains("`openclaw fleet` cell `acme`"), "{report}");
    // The same host imports to the same bytes; an existing file needs --force.
    let o = run_in(
        d.path(),
        &["import", "--system-units", "units", "-o", "a.yaml"],
    );
    assert_eq!(o.status.code(), Some(73), "{}", stderr(&o));
    let o2 = run_in(
        d.path(),
        &[
            "import",
            "--system-units",
            "units",
            "-o",
            "a.yaml",
            "--force",
        ],
    );
    assert_eq!(o2.status.code(), Some(1));
    assert_eq!(fs::read_to_string(d.path().join("a.yaml")).unwrap(), yaml);
    assert_eq!(stdout(&o2), report);
    let o = run_in(d.path(), &["check", "-f", "a.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_host_made_with_openclaw_is_imported_fixed_generated_and_runs_on_its_state() {
    if tool("openclaw").is_none() || tool("node").is_none() {
        return;
    }
    let path_var = tools_path();
    let pkg = tools_dir().join("openclaw-2026.9.6/node_modules/openclaw");
    let tmp = state_tempdir();
    let home = tmp.path().join("home");
    let work = tmp.path().join("work");
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&work).unwrap();
    let base = free_window(600);
    let (main_port, rescue_port, ops_port, cdp_port) = (base, base + 20, base + 240, base + 400);

    // 1. Profiles, the guide's way.
    openclaw(&home, &["setup", "--baseline"]);
    openclaw(
        &home,
        &["config", "set", "gateway.port", &main_port.to_string()],
    );
    openclaw(&home, &["config", "set", "gateway.auth.mode", "token"]);
    openclaw(
        &home,
        &["config", "set", "gateway.auth.token", CANARY_TOKEN],
    );
    openclaw(&home, &["--profile", "rescue", "setup", "--baseline"]);
    openclaw(
        &home,
        &[
            "--profile",
            "rescue",
            "config",
            "set",
            "gateway.port",
            &rescue_port.to_string(),
        ],
    );
    openclaw(
        &home,
        &[
            "--profile",
            "rescue",
            "config",
            "set",
            "browser.profiles.work.cdpPort",
            &cdp_port.to_string(),
        ],
    );
    openclaw(&home, &["--profile", "ops", "setup", "--baseline"]);
    // A channel token written into the config by hand.
    edit_json(&home.join(".openclaw/openclaw.json"), |v| {
        v["channels"] = serde_json::json!({"telegram": {"enabled": false, "botToken": CANARY_TELEGRAM, "dmPolicy": "pairing"}});
    });
    // OpenClaw's global .env of the rescue profile holds a provider key.
    fs::write(
        home.join(".openclaw-rescue/.env"),
        format!("ANTHROPIC_API_KEY={CANARY_ANTHROPIC}\n"),
    )
    .unwrap();

    // 2. Services, by OpenClaw's own builders.
    let services = serde_json::json!([
        {"kind": "systemd", "profile": "default", "port": main_port, "config": read_json(&home.join(".openclaw/openclaw.json"))},
        {"kind": "systemd", "profile": "ops", "port": ops_port, "config": read_json(&home.join(".openclaw-ops/openclaw.json"))},
        {"kind": "launchd", "profile": "rescue", "port": rescue_port, "config": read_json(&home.join(".openclaw-rescue/openclaw.json"))},
    ]);
    let mut builder = Command::new(tools_dir().join("bin/node"))
        .arg(root().join("tests/import/services.mjs"))
        .arg(&pkg)
        .env_clear()
        .env("PATH", &path_var)
        .env("HOME", &home)
        .current_dir(&home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        builder
            .stdin
            .take()
            .unwrap()
            .write_all(services.to_string().as_bytes())
            .unwrap();
    }
    let o = builder.wait_with_output().unwrap();
    assert!(o.status.success(), "services.mjs: {}", stderr(&o));
    let ops_unit = home.join(".config/systemd/user/openclaw-gateway-ops.service");
    assert!(
        home.join(".config/systemd/user/openclaw-gateway.service")
            .is_file()
    );
    assert!(
        home.join("Library/LaunchAgents/ai.openclaw.rescue.plist")
            .is_file()
    );
    // Keys added by hand to the LaunchAgent's environment file (OpenClaw
    // 2026.9 keeps the environment there, not in the plist) and to the plist.
    let env_file = home.join(".openclaw-rescue/service-env/ai.openclaw.rescue.env");
    let text = fs::read_to_string(&env_file).unwrap();
    assert!(text.starts_with("# Generated by OpenClaw."), "{text}");
    fs::write(
        &env_file,
        format!("{text}export ANTHROPIC_API_KEY='{CANARY_ANTHROPIC}'\n"),
    )
    .unwrap();
    let plist = home.join("Library/LaunchAgents/ai.openclaw.rescue.plist");
    let text = fs::read_to_string(&plist).unwrap().replace(
        "  </dict>\n</plist>",
        &format!("    <key>EnvironmentVariables</key>\n    <dict>\n      <key>SLACK_BOT_TOKEN</key>\n      <string>{CANARY_SLACK}</string>\n    </dict>\n  </dict>\n</plist>"),
    );
    assert!(text.contains(CANARY_SLACK));
    fs::write(&plist, text).unwrap();
    // A key added to the unit by hand, and a plain setting.
    let unit = fs::read_to_string(&ops_unit).unwrap().replace(
        "[Install]",
        &format!("Environment=OPENROUTER_API_KEY={CANARY_OPENROUTER}\nEnvironment=\"TZ=Europe/Berlin\"\n\n[Install]"),
    );
    fs::write(&ops_unit, unit).unwrap();
    // Markers of the state each gateway had before.
    let mut markers = BTreeMap::new();
    for (dir, text) in [
        (".openclaw", "main"),
        (".openclaw-rescue", "rescue"),
        (".openclaw-ops", "ops"),
    ] {
        let p = home.join(dir).join("marker-before-import.txt");
        fs::write(&p, format!("state of {text}\n")).unwrap();
        let w = home.join(dir).join("workspace/MARKER.md");
        fs::write(&w, format!("workspace of {text}\n")).unwrap();
        markers.insert(p, format!("state of {text}\n"));
        markers.insert(w, format!("workspace of {text}\n"));
    }

    // 3. Import as it is: the collision is check's error.
    let mut printed = String::new();
    let h = home.display().to_string();
    let o = ocgen_in(
        &work,
        &["import", "--home", &h, "-o", "ocgen.yaml"],
        &mut printed,
    );
    let report = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{report}{}", stderr(&o));
    assert!(report.contains("ocgen::port::overlap"), "{report}");
    assert!(report.contains("`rescue`'s gateway port"), "{report}");
    let o = ocgen_in(&work, &["check", "-f", "ocgen.yaml"], &mut printed);
    assert_eq!(o.status.code(), Some(65));
    assert!(
        stderr(&o).contains("ocgen::port::overlap"),
        "{}",
        stderr(&o)
    );
    // Every planted secret is named, with the file it goes in.
    for (gw, dir, var) in [
        ("main", ".openclaw", "OPENCLAW_GATEWAY_TOKEN"),
        ("main", ".openclaw", "TELEGRAM_BOT_TOKEN"),
        ("rescue", ".openclaw-rescue", "ANTHROPIC_API_KEY"),
        ("rescue", ".openclaw-rescue", "SLACK_BOT_TOKEN"),
        ("ops", ".openclaw-ops", "OPENROUTER_API_KEY"),
    ] {
        let file = format!("  {gw}: {h}/{dir}/.env (mode 0600)");
        let at = report
            .find(&file)
            .unwrap_or_else(|| panic!("no `{file}` in:\n{report}"));
        let block: String = report[at + file.len()..]
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("    "))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(block.contains(var), "{var} not listed for {gw}:\n{report}");
    }
    assert!(report.contains("ANTHROPIC_API_KEY  already in"), "{report}");

    // 4. With --fix-ports the file passes check.
    let o = ocgen_in(
        &work,
        &["import", "--home", &h, "--fix-ports", "-o", "fixed.yaml"],
        &mut printed,
    );
    let report = stdout(&o);
    let o2 = ocgen_in(&work, &["check", "-f", "fixed.yaml"], &mut printed);
    assert!(o2.status.success(), "{report}\n{}", stderr(&o2));
    assert_eq!(o.status.code(), Some(0), "{report}");
    let doc = ocgen::model::load(&fs::read_to_string(work.join("fixed.yaml")).unwrap()).unwrap();
    let plan = ocgen::plan::plan(&doc).unwrap();
    let gw = |n: &str| plan.gateway(n).unwrap_or_else(|| panic!("no gateway {n}"));
    assert_eq!(gw("main").port, main_port);
    assert_eq!(gw("ops").port, ops_port);
    let moved = gw("rescue").port;
    assert_ne!(moved, rescue_port);
    assert!(
        report.contains(&format!("rescue: {rescue_port} -> {moved}")),
        "{report}"
    );
    assert_eq!(
        gw("main").host_paths().unwrap().state_dir,
        format!("{h}/.openclaw")
    );
    assert_eq!(
        gw("rescue").host_paths().unwrap().state_dir,
        format!("{h}/.openclaw-rescue")
    );
    assert_eq!(
        gw("ops").env.get("TZ").map(String::as_str),
        Some("Europe/Berlin")
    );

    // 5. generate: every config validates and says what the original said.
    let o = ocgen_in(
        &work,
        &["generate", "-f", "fixed.yaml", "--out", "deploy"],
        &mut printed,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for (name, dir) in [
        ("main", ".openclaw"),
        ("rescue", ".openclaw-rescue"),
        ("ops", ".openclaw-ops"),
    ] {
        let generated = work.join(format!("deploy/config/{name}/openclaw.json"));
        let scratch = tmp.path().join(format!("validate-{name}"));
        fs::create_dir_all(&scratch).unwrap();
        let v = Command::new(tools_dir().join("bin/openclaw"))
            .args(["config", "validate", "--json"])
            .env_clear()
            .env("PATH", &path_var)
            .env("HOME", &scratch)
            .env("OPENCLAW_CONFIG_PATH", &generated)
            .env("OPENCLAW_STATE_DIR", &scratch)
            .output()
            .unwrap();
        assert!(
            v.status.success() && stdout(&v).contains("\"valid\":true"),
            "{name}: {}{}",
            stdout(&v),
            stderr(&v)
        );
        let new = read_json(&generated);
        let old = read_json(&home.join(dir).join("openclaw.json"));
        let expect_port = gw(name).port;
        assert_eq!(new["gateway"]["port"], expect_port, "{name}");
        assert_eq!(new["gateway"]["bind"], "loopback", "{name}");
        assert_eq!(
            new["agents"]["defaults"]["workspace"], old["agents"]["defaults"]["workspace"],
            "{name}"
        );
        assert_eq!(new["agents"]["entries"], old["agents"]["entries"], "{name}");
        assert_eq!(new["plugins"], old["plugins"], "{name}");
        if name == "main" {
            assert_eq!(new["gateway"]["auth"]["mode"], "token");
            assert_eq!(
                new["gateway"]["auth"]["token"]["id"],
                "OPENCLAW_GATEWAY_TOKEN"
            );
            assert_eq!(
                new["channels"]["telegram"]["botToken"]["id"],
                "TELEGRAM_BOT_TOKEN"
            );
            assert_eq!(new["channels"]["telegram"]["dmPolicy"], "pairing");
        }
        if name == "rescue" {
            assert_eq!(new["browser"]["profiles"]["work"]["cdpPort"], cdp_port);
        }
    }

    // 6. The user's part: secrets where the report says, then install.
    let dotenv = |dir: &str, line: String| {
        use std::io::Write as _;
        let p = home.join(dir).join(".env");
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
            .unwrap();
        writeln!(f, "{line}").unwrap();
    };
    dotenv(
        ".openclaw",
        format!("OPENCLAW_GATEWAY_TOKEN={CANARY_TOKEN}"),
    );
    dotenv(".openclaw", format!("TELEGRAM_BOT_TOKEN={CANARY_TELEGRAM}"));
    dotenv(
        ".openclaw-ops",
        format!("OPENROUTER_API_KEY={CANARY_OPENROUTER}"),
    );
    let o = ocgen_in(
        &work,
        &["install", "-f", "fixed.yaml", "--force"],
        &mut printed,
    );
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    // 7. Start each gateway from ocgen's env file on its old state dir.
    let listening: Vec<u16> = ocgen::host::listening_sockets()
        .unwrap()
        .iter()
        .map(|l| l.port)
        .collect();
    for g in &plan.gateways {
        assert!(
            !listening
                .iter()
                .any(|p| (g.port..=g.port + ocgen::plan::FOOTPRINT).contains(p)),
            "port {} of {} is in use on this machine",
            g.port,
            g.name
        );
    }
    let state_dirs: Vec<&str> = plan
        .gateways
        .iter()
        .map(|g| g.host_paths().unwrap().state_dir.as_str())
        .collect();
    let _locks = TmpLocks::of(&state_dirs);
    let mut guard = Guard::default();
    let mut pids: Vec<(String, u16, Pid)> = Vec::new();
    for g in &plan.gateways {
        let child = Command::new("sh")
            .arg("-c")
            .arg(GATEWAY_SH)
            .arg("sh")
            .arg(g.host_paths().unwrap().env_file(&g.name))
            .env_clear()
            .env("PATH", &path_var)
            .env("HOME", &home)
            .current_dir(&home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        pids.push((g.name.clone(), g.port, guard.adopt(child)));
    }
    let t0 = Instant::now();
    let mut healthy: BTreeSet<String> = BTreeSet::new();
    while healthy.len() < pids.len() {
        for (name, port, pid) in &pids {
            if healthy.contains(name) {
                continue;
            }
            let out = plan
                .gateway(name)
                .unwrap()
                .host_paths()
                .unwrap()
                .env_file(name)
                .replace(".env", ".out");
            assert!(
                pid.alive(),
                "gateway {name} exited:\n{}",
                fs::read_to_string(&out).unwrap_or_default()
            );
            let addr = SocketAddr::from((ocgen::plan::PROBE_ADDR, *port));
            if let Ok(r) =
                ocgen::host::http_get(addr, ocgen::plan::HEALTH_PATH, Duration::from_millis(500))
            {
                if r.status == 200 && r.body.contains("\"ok\":true") {
                    healthy.insert(name.clone());
                }
            }
        }
        assert!(
            t0.elapsed() < HEALTHY_DEADLINE,
            "not healthy within {HEALTHY_DEADLINE:?}: {healthy:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    say(&format!("healthy: {healthy:?}"));
    guard.remember();
    for (p, text) in &markers {
        assert_eq!(
            fs::read_to_string(p).unwrap_or_default(),
            *text,
            "{}",
            p.display()
        );
    }
    for (_, _, pid) in &pids {
        guard.stop(*pid, Duration::from_secs(30));
    }
    drop(guard);

    // 8. No planted secret in anything ocgen wrote or printed.
    assert_no_canary("ocgen's output", &printed);
    let mut written: Vec<PathBuf> = files_under(&work);
    for g in &plan.gateways {
        written.push(PathBuf::from(&g.host_paths().unwrap().config_path));
        written.push(PathBuf::from(g.host_paths().unwrap().env_file(&g.name)));
    }
    for f in written {
        let text = String::from_utf8_lossy(&fs::read(&f).unwrap_or_default()).into_owned();
        assert_no_canary(&f.display().to_string(), &text);
    }
}
