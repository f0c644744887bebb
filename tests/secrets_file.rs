//! A gateway whose `secrets_env_file` lies outside its state dir, on a
//! bare host, with the real OpenClaw 2026.9.6: OpenClaw loads only
//! `<state_dir>/.env` (and a `.env` in its working directory), so `ocgen
//! install` links `<state_dir>/.env` to the secrets file, and the gateway
//! started the way the book's bare-host chapter says (the env file
//! exported, nothing else) resolves its token from it. Without the link
//! OpenClaw stops with "Startup failed: required secrets are unavailable".
//!
//! The token reaches OpenClaw's own environment, not the process's: a
//! value OpenClaw loads from `.env` is not in `/proc/<pid>/environ`.

mod common;
use common::procs::Guard;
use common::*;

use std::fs;
use std::io::Write as _;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A watchdog against hangs, never a speed limit.
const WATCHDOG: Duration = Duration::from_secs(600);

/// The book's start of one gateway, without `setsid` and the pid file (the
/// test keeps the child): the env file exported, then `openclaw gateway run`.
const START: &str = r#"set -a; . "$1"; set +a; exec openclaw gateway run >>"${1%.env}.out" 2>&1"#;

fn free_port() -> u16 {
    let busy: Vec<u16> = ocgen::host::listening_sockets()
        .expect("/proc/net/tcp")
        .iter()
        .map(|l| l.port)
        .collect();
    (24_250..31_000)
        .step_by(500)
        .find(|b| !busy.iter().any(|p| (*b..b + 120).contains(p)))
        .expect("a free port window")
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(s, "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    let mut body = String::new();
    let _ = std::io::Read::read_to_string(&mut s, &mut body);
    body.starts_with("HTTP/1.1 200")
}

#[test]
fn a_secrets_file_outside_the_state_dir_reaches_the_gateway() {
    let Some(openclaw) = tool("openclaw") else {
        return;
    };
    let tmp = tempfile::Builder::new()
        .prefix("ocgen-secrets-file-")
        .tempdir()
        .unwrap();
    let home = tmp.path().join("home");
    fs::create_dir(&home).unwrap();
    let port = free_port();
    let yaml = tmp.path().join("ocgen.yaml");
    fs::write(
        &yaml,
        format!(
            "version: 1\ntargets: [host]\ndefaults:\n  home: /home/openclaw\ngateways:\n  osprey:\n    port: {port}\n    auth: {{ mode: token, env: OSPREY_TOKEN }}\n    secrets_env_file: /srv/keys/osprey.secrets\n"
        ),
    )
    .unwrap();
    let root = tmp.path().join("root");
    let r = root.to_str().unwrap();
    let o = ocgen()
        .args(["-f", yaml.to_str().unwrap(), "install", "--root", r])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let said = stdout(&o);
    let state = root.join("home/openclaw/.openclaw-osprey");
    let secrets = root.join("srv/keys/osprey.secrets");
    assert!(
        said.contains(&format!(
            "{} -> {}",
            state.join(".env").display(),
            secrets.display()
        )),
        "{said}"
    );
    assert_eq!(fs::read_link(state.join(".env")).unwrap(), secrets);
    // A second install keeps the link and says nothing of it.
    let o = ocgen()
        .args(["-f", yaml.to_str().unwrap(), "install", "--root", r])
        .output()
        .unwrap();
    assert!(
        o.status.success() && !stdout(&o).contains(" -> "),
        "{}",
        stdout(&o)
    );

    let token = format!("ocgen-secrets-file-{}", std::process::id());
    fs::write(&secrets, format!("OSPREY_TOKEN={token}\n")).unwrap();
    let env_file = state.join("osprey.env");
    let env_text = fs::read_to_string(&env_file).unwrap();
    assert!(!env_text.contains(&token));
    assert!(
        env_text.contains(&format!("through {}", state.join(".env").display())),
        "{env_text}"
    );

    let path_var = format!("{}:/usr/bin:/bin", openclaw.parent().unwrap().display());
    let mut guard = Guard::default();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(START)
        .arg("sh")
        .arg(&env_file)
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
    let pid = child.id();
    let log = || fs::read_to_string(state.join("osprey.out")).unwrap_or_default();
    let start = Instant::now();
    loop {
        if healthy(port) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the gateway stopped ({status}):\n{}", log());
        }
        assert!(start.elapsed() < WATCHDOG, "no /healthz:\n{}", log());
        std::thread::sleep(Duration::from_millis(500));
    }
    guard.adopt(child);
    let environ = fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&environ).contains(&token),
        "OpenClaw's .env values are not in the process environment"
    );
    assert!(
        !log().contains("required secrets are unavailable"),
        "{}",
        log()
    );
    drop(guard);
}

/// What `install` does with the link, without a gateway: made once, kept,
/// and a `.env` of the operator's in the way is left alone with a warning.
#[test]
fn install_links_the_dotenv_once_and_leaves_a_file_in_the_way() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = tmp.path().join("ocgen.yaml");
    fs::write(
        &yaml,
        "version: 1\ntargets: [host]\ndefaults:\n  home: /home/openclaw\ngateways:\n  osprey:\n    auth: { mode: token, env: OSPREY_TOKEN }\n    secrets_env_file: /srv/keys/osprey.secrets\n  kite:\n    auth: { mode: token, env: KITE_TOKEN }\n    secrets_env_file: /srv/keys/kite.secrets\n",
    )
    .unwrap();
    let root = tmp.path().join("root");
    let install = || {
        ocgen()
            .args(["-f", yaml.to_str().unwrap(), "install", "--root"])
            .arg(&root)
            .output()
            .unwrap()
    };
    // The operator's own .env for kite, before the first install.
    let kite_state = root.join("home/openclaw/.openclaw-kite");
    fs::create_dir_all(&kite_state).unwrap();
    fs::write(kite_state.join(".env"), "KITE_TOKEN=old\n").unwrap();
    let o = install();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let said = stdout(&o);
    let osprey_state = root.join("home/openclaw/.openclaw-osprey");
    assert_eq!(
        fs::read_link(osprey_state.join(".env")).unwrap(),
        root.join("srv/keys/osprey.secrets")
    );
    assert!(said.contains("linked"), "{said}");
    assert_eq!(
        fs::read_to_string(kite_state.join(".env")).unwrap(),
        "KITE_TOKEN=old\n"
    );
    assert!(
        said.contains(&format!(
            "warning: {} exists, and OpenClaw loads it instead of {}",
            kite_state.join(".env").display(),
            root.join("srv/keys/kite.secrets").display()
        )),
        "{said}"
    );
    let o = install();
    assert!(
        o.status.success() && !stdout(&o).contains("linked"),
        "{}",
        stdout(&o)
    );
}
