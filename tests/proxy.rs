//! One front door, proven with the real programs: every Caddyfile ocgen
//! writes is read by a real Caddy (`caddy adapt` without a warning, `caddy
//! validate`, `caddy fmt` leaves it as it is), the host Caddy's unit passes
//! `systemd-analyze verify`, and two real OpenClaw gateways installed by
//! ocgen sit behind a real Caddy with its own local CA on loopback ports:
//! one at a host name, one under a path.
//!
//! The test client is a small node script (tests/proxy/client.mjs) that
//! connects to Caddy on 127.0.0.1 from the machine's own non-loopback
//! address: a client on loopback is what a same-host proxy looks like, and
//! OpenClaw rightly refuses to attribute it (403 proxy_attribution_required).

mod common;
use common::caddy::{caddy, caddy_accepts};
use common::procs::Guard;
use common::*;

use std::fs;
use std::io::Write as _;
use std::net::{Ipv4Addr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "proxy e2e: {msg}");
}

fn proxy_of(yaml: &str) -> String {
    let d = setup(yaml);
    let o = run_in(d.path(), &["proxy"]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

const LAYOUTS: &[(&str, &str)] = &[
    (
        "acme, one host per gateway, listen on one address",
        "version: 1\ndefaults: {home: /srv/oc, auth: {mode: token, env: T}}\nproxy: {domain: example.com, email: ops@example.com, listen: 203.0.113.7}\ngateways:\n  a: {}\n  b: {}\n",
    ),
    (
        "tls off behind another terminator, IPv6 listen, paths only",
        "version: 1\ndefaults: {home: /srv/oc, auth: {mode: token, env: T}}\nproxy: {domain: example.com, tls: off, listen: '::1', http_port: 8080}\ngateways:\n  a: {path: /a}\n  b: {path: /a-b/c}\n",
    ),
    (
        "internal CA, a root gateway with two prefixed ones on its host",
        "version: 1\ndefaults: {home: /srv/oc, auth: {mode: token, env: T}}\nproxy: {domain: example.com, tls: internal, https_port: 8443}\ngateways:\n  root: {host: example.com}\n  a: {path: /x}\n  b: {path: /x.y~z}\n  other: {host: other.example.net, path: /deep/er}\n",
    ),
];

#[test]
fn every_caddyfile_is_read_by_real_caddy() {
    let Some(bin) = tool("caddy") else { return };
    let mut texts: Vec<(String, String)> = LAYOUTS
        .iter()
        .map(|(what, y)| ((*what).to_string(), proxy_of(y)))
        .collect();
    // The README's smallest file.
    let readme = fs::read_to_string(root().join("docs/src/front-door.md")).unwrap();
    let smallest = readme
        .split("# One front door")
        .nth(1)
        .and_then(|s| s.split("```yaml\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("the README's front door example");
    let text = proxy_of(smallest);
    assert!(
        text.contains("main.example.com {") && text.contains("@rescue path /rescue /rescue/*"),
        "{text}"
    );
    texts.push(("README".to_string(), text));
    for path in [
        root().join("examples/front-door.yaml"),
        root().join("tests/cmd/proxy-ok.in/ocgen.yaml"),
    ] {
        texts.push((
            path.display().to_string(),
            proxy_of(&fs::read_to_string(&path).unwrap()),
        ));
    }
    for (what, text) in &texts {
        let json = caddy_accepts(&bin, text, what);
        // The admin endpoint is off: no port besides the proxy's own.
        assert_eq!(json["admin"]["disabled"], true, "{what}");
        // Caddy's local CA never goes into the host's trust store.
        if text.contains("local_certs") {
            assert_eq!(
                json["apps"]["pki"]["certificate_authorities"]["local"]["install_trust"], false,
                "{what}"
            );
        }
    }
    // What the plan said is what Caddy serves: hosts and upstreams.
    let json = caddy_accepts(&bin, &texts[2].1, "root+prefixed");
    let servers = json["apps"]["http"]["servers"].to_string();
    for needle in [
        "\"example.com\"",
        "\"other.example.net\"",
        "127.0.0.1:18789",
        "\"/x/healthz\"",
        "\"/deep/er/*\"",
    ] {
        assert!(servers.contains(needle), "{needle} not in {servers}");
    }
}

/// A backend that answers every request with its own name.
fn name_server(port: u16, name: &'static str) {
    let l = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut s, &mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{name}",
                name.len()
            );
        }
    });
}

/// One plain HTTP request through the front door; the body.
fn http_get(port: u16, host: &str, path: &str) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = write!(s, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    let mut body = String::new();
    let _ = std::io::Read::read_to_string(&mut s, &mut body);
    body.split("\r\n\r\n").nth(1).unwrap_or("").to_string()
}

/// Why `check` refuses `path: /Deck` beside `path: /deck`: the Caddyfile
/// ocgen writes, served by real Caddy, sends `/DECK/...` and `/Deck` to the
/// gateway at `/deck` (Caddy's `path` matcher ignores case), so a second
/// gateway at `/Deck` could never be reached.
#[test]
fn caddy_matches_path_prefixes_without_case_so_check_refuses_such_pairs() {
    let Some(bin) = tool("caddy") else { return };
    let base = free_window(400);
    let (deck, root_gw, front) = (base, base + 120, base + 300);
    let yaml = |extra: &str| {
        format!(
            "version: 1\ndefaults: {{home: /srv/oc, auth: {{mode: token, env: T}}}}\nproxy: {{domain: example.com, tls: off, listen: 127.0.0.1, http_port: {front}}}\ngateways:\n  root: {{host: example.com, port: {root_gw}}}\n  deck: {{path: /deck, port: {deck}}}\n{extra}"
        )
    };
    // The pair is refused.
    let d = setup(&yaml("  other: {path: /Deck}\n"));
    let o = run_in(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(65), "{}", stdout(&o));
    assert!(stderr(&o).contains("share one address"), "{}", stderr(&o));
    // What real Caddy does with the prefix alone.
    let text = proxy_of(&yaml(""));
    caddy_accepts(&bin, &text, "case");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Caddyfile");
    fs::write(&file, &text).unwrap();
    name_server(deck, "deck");
    name_server(root_gw, "root");
    let mut guard = Guard::default();
    let child = caddy(&bin, dir.path())
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    guard.adopt(child);
    wait_for("caddy answers", WATCHDOG, || {
        http_get(front, "example.com", "/") == "root"
    });
    assert_eq!(http_get(front, "example.com", "/deck/x"), "deck");
    assert_eq!(http_get(front, "example.com", "/elsewhere"), "root");
    for other_case in ["/Deck", "/DECK/x", "/dEcK/"] {
        assert_eq!(
            http_get(front, "example.com", other_case),
            "deck",
            "{other_case}: Caddy's path matcher is case-sensitive now; ocgen's refusal of prefixes that differ in case can go"
        );
    }
}

#[test]
fn the_host_caddy_unit_passes_systemd_analyze_verify() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let d = setup(&fs::read_to_string(root().join("examples/front-door.yaml")).unwrap());
    let o = run_in(d.path(), &["generate", "-o", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = fs::read_to_string(d.path().join("out/proxy/openclaw-proxy.service")).unwrap();
    let sys_root = common::systemd::system_root(d.path());
    common::systemd::stub_executable(&sys_root.join("usr/bin/caddy"));
    let unit = sys_root.join("etc/systemd/system/openclaw-proxy.service");
    fs::write(&unit, &text).unwrap();
    let dump = common::systemd::verify(&analyze, &unit, Some(&sys_root), d.path());
    for line in [
        "\tDynamicUser: yes\n",
        "\tStateDirectory: openclaw-proxy\n",
        "\tEnvironment: XDG_DATA_HOME=/var/lib/openclaw-proxy\n",
        "\tAmbientCapabilities: cap_net_bind_service\n",
    ] {
        assert!(dump.contains(line), "{line:?} not in:\n{dump}\n{text}");
    }
    // The Caddyfile beside it is the one `ocgen proxy` prints.
    let printed = stdout(&run_in(d.path(), &["proxy"]));
    assert_eq!(
        fs::read_to_string(d.path().join("out/proxy/Caddyfile")).unwrap(),
        printed
    );
}

// ---------------------------------------------------------------------------
// End to end

/// The first global IPv4 address of this machine: the client's source.
fn outside_address() -> Option<Ipv4Addr> {
    let o = Command::new("ip")
        .args(["-4", "-o", "addr", "show", "scope", "global"])
        .output()
        .ok()?;
    stdout(&o)
        .split_whitespace()
        .skip_while(|w| *w != "inet")
        .nth(1)
        .and_then(|a| a.split('/').next())
        .and_then(|a| a.parse().ok())
}

/// A window of `len` ports with nothing listening, below the ephemeral range.
fn free_window(len: u16) -> u16 {
    let busy: Vec<u16> = ocgen::host::listening_sockets()
        .expect("/proc/net/tcp")
        .iter()
        .map(|l| l.port)
        .collect();
    (33_000..(32_768 + 8_000 - len))
        .step_by(500)
        .chain((23_250..32_000 - len).step_by(500))
        .find(|b| !busy.iter().any(|p| (*b..b + len).contains(p)))
        .expect("a free port window")
}

struct Client {
    node: PathBuf,
    node_path: String,
    ca: PathBuf,
    local: String,
    port: u16,
}

impl Client {
    fn run(&self, mut args: serde_json::Value) -> serde_json::Value {
        args["ca"] = self.ca.to_str().unwrap().into();
        args["connect"] = "127.0.0.1".into();
        if args.get("local").is_none() {
            args["local"] = self.local.clone().into();
        }
        let o = Command::new(&self.node)
            .arg(root().join("tests/proxy/client.mjs"))
            .arg(args.to_string())
            .env("NODE_PATH", &self.node_path)
            .output()
            .unwrap();
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("client.mjs {args}: {e}: {}{}", stdout(&o), stderr(&o)))
    }

    fn url(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.port)
    }

    fn get(&self, host: &str, path: &str) -> serde_json::Value {
        self.run(serde_json::json!({"op": "get", "url": self.url(host, path)}))
    }

    /// A handshake, again while the gateway says it is still starting
    /// (its sidecars start after `/healthz` answers), for up to a minute.
    fn handshake(&self, args: &serde_json::Value) -> serde_json::Value {
        let start = Instant::now();
        loop {
            let r = self.run(args.clone());
            if r["error"]["retryable"] != true || start.elapsed() > WATCHDOG {
                return r;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// A handshake straight with the gateway on loopback, around the proxy.
    fn ws_direct(&self, port: u16, token: &str) -> serde_json::Value {
        let url = format!("ws://127.0.0.1:{port}/");
        self.handshake(
            &serde_json::json!({"op": "ws", "url": url, "token": token, "local": "127.0.0.1"}),
        )
    }

    fn ws(&self, host: &str, path: &str, token: &str) -> serde_json::Value {
        let url = format!("wss://{host}:{}{path}", self.port);
        self.handshake(&serde_json::json!({"op": "ws", "url": url, "token": token}))
    }
}

fn token(tag: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(tag.as_bytes());
    format!(
        "ocgen-proxy-{tag}-{:016x}{:016x}",
        h.finish(),
        h.finish() ^ 0x5a5a
    )
}

/// How long a wait may take before the test calls it a hang: a watchdog,
/// never a speed limit (a loaded 2-core machine is slow, not broken).
const WATCHDOG: Duration = Duration::from_secs(600);

fn wait_for(what: &str, deadline: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < deadline,
            "{what}: not within {deadline:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    say(&format!("{what} after {:.1?}", start.elapsed()));
}

fn healthy_direct(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(s, "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    let mut body = String::new();
    let _ = std::io::Read::read_to_string(&mut s, &mut body);
    body.starts_with("HTTP/1.1 200") && body.contains("\"status\":\"live\"")
}

#[test]
fn two_gateways_behind_a_real_caddy_with_internal_tls() {
    let (Some(caddy_bin), Some(openclaw), Some(node)) =
        (tool("caddy"), tool("openclaw"), tool("node"))
    else {
        return;
    };
    let Some(outside) = outside_address() else {
        skip("this machine has no global IPv4 address for the test client");
        return;
    };
    // OpenClaw's own node_modules hold the `ws` package the client uses.
    let oc_modules = fs::canonicalize(&openclaw)
        .ok()
        .and_then(|p| {
            let text = fs::read_to_string(&p).ok()?;
            let dir = text
                .split_whitespace()
                .find(|w| w.contains("/node_modules/.bin/openclaw"))?
                .trim_matches('"')
                .to_string();
            Some(PathBuf::from(dir.split("/.bin/").next()?))
        })
        .filter(|d| d.join("ws/package.json").is_file())
        .expect("OpenClaw's node_modules (with ws) beside the openclaw wrapper");

    let tmp = tempfile::Builder::new()
        .prefix("ocgen-proxy-")
        .tempdir()
        .unwrap();
    let base = free_window(400);
    let (main_port, rescue_port, redirect_port, front_port) =
        (base, base + 120, base + 300, base + 301);
    let home = tmp.path().join("home");
    let yaml = format!(
        "version: 1\nname: frontdoor\ntargets: [host]\ndefaults:\n  home: {}\nproxy:\n  domain: example.test\n  tls: internal\n  listen: 127.0.0.1\n  http_port: {redirect_port}\n  https_port: {front_port}\ngateways:\n  main:\n    port: {main_port}\n    auth: {{ mode: token, env: MAIN_GATEWAY_TOKEN }}\n  rescue:\n    port: {rescue_port}\n    path: /rescue\n    auth: {{ mode: token, env: RESCUE_GATEWAY_TOKEN }}\n",
        home.display()
    );
    let y = tmp.path().join("ocgen.yaml");
    fs::write(&y, &yaml).unwrap();
    let yp = y.to_str().unwrap();
    let o = ocgen().args(["-f", yp, "install"]).output().unwrap();
    assert!(o.status.success(), "install: {}", stderr(&o));
    let out = tmp.path().join("out");
    let o = ocgen()
        .args(["-f", yp, "generate", "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "generate: {}", stderr(&o));
    let doc = ocgen::model::load(&yaml).unwrap();
    let plan = ocgen::plan::plan(&doc).unwrap();

    // Each gateway's token in its own secrets file, the one install created.
    let tokens = [token("main"), token("rescue")];
    for (g, t) in plan.gateways.iter().zip(&tokens) {
        let var = g.secret_names()[0];
        fs::write(
            &g.host_paths().unwrap().secrets_env_file,
            format!("{var}={t}\n"),
        )
        .unwrap();
    }

    let mut guard = Guard::default();
    let path_var = format!("{}:/usr/bin:/bin", openclaw.parent().unwrap().display());
    for g in &plan.gateways {
        let log = fs::File::create(tmp.path().join(format!("{}.out", g.name))).unwrap();
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#"set -a; . "$1"; . "$2"; set +a; exec openclaw gateway run"#)
            .arg("sh")
            .arg(g.host_paths().unwrap().env_file(&g.name))
            .arg(&g.host_paths().unwrap().secrets_env_file)
            .env_clear()
            .env("PATH", &path_var)
            .env("HOME", &home)
            .env("OPENCLAW_DISABLE_BONJOUR", "1")
            .current_dir(tmp.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap();
        guard.adopt(child);
    }
    let caddy_dir = tmp.path().join("caddy");
    fs::create_dir_all(&caddy_dir).unwrap();
    let caddy_log = fs::File::create(tmp.path().join("caddy.out")).unwrap();
    let child = caddy(&caddy_bin, &caddy_dir)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(out.join("proxy/Caddyfile"))
        .stdin(Stdio::null())
        .stdout(caddy_log.try_clone().unwrap())
        .stderr(caddy_log)
        .process_group(0)
        .spawn()
        .unwrap();
    let caddy_pid = guard.adopt(child);

    let ca = caddy_dir.join("data/caddy/pki/authorities/local/root.crt");
    let dump = |tmp: &Path| {
        ["main.out", "rescue.out", "caddy.out"]
            .iter()
            .map(|f| {
                let t = fs::read_to_string(tmp.join(f)).unwrap_or_default();
                let lines: Vec<&str> = t.lines().collect();
                format!(
                    "--- {f}\n{}",
                    lines[lines.len().saturating_sub(20)..].join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let started = Instant::now();
    let caddy_out = tmp.path().join("caddy.out");
    wait_for("caddy's local CA", WATCHDOG, || ca.is_file());
    wait_for("both gateways healthy", WATCHDOG, || {
        guard.remember();
        healthy_direct(main_port) && healthy_direct(rescue_port)
    });
    // Caddy keeps its CA to itself: the host's trust store is not its to change.
    let log = fs::read_to_string(&caddy_out).unwrap();
    assert!(!log.contains("installing root certificate"), "{log}");
    let client = Client {
        node,
        node_path: oc_modules.to_str().unwrap().to_string(),
        ca,
        local: outside.to_string(),
        port: front_port,
    };
    let check = |ok: bool, what: &str, got: &serde_json::Value| {
        assert!(ok, "{what}: {got}\n{}", dump(tmp.path()));
    };

    // /healthz through the proxy, by host name and under the prefix.
    for (host, path) in [
        ("main.example.test", "/healthz"),
        ("example.test", "/rescue/healthz"),
    ] {
        let r = client.get(host, path);
        check(
            r["status"] == 200
                && r["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("\"status\":\"live\"")),
            &format!("{host}{path}"),
            &r,
        );
    }
    // The Control UI and its assets load under the prefix; the other
    // gateway's UI is at its root.
    let ui = client.get("example.test", "/rescue/");
    let html = ui["body"].as_str().unwrap_or_default().to_string();
    check(
        ui["status"] == 200 && html.contains("data-openclaw-control-ui-base-path=\"/rescue\""),
        "rescue's Control UI",
        &ui,
    );
    let asset = html
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a script in the Control UI");
    assert!(asset.starts_with("/rescue/assets/"), "{asset}");
    let js = client.get("example.test", asset);
    check(
        js["status"] == 200
            && js["headers"]["content-type"]
                .as_str()
                .is_some_and(|c| c.contains("javascript")),
        "an asset under the prefix",
        &js,
    );
    let main_ui = client.get("main.example.test", "/");
    check(
        main_ui["status"] == 200
            && main_ui["body"]
                .as_str()
                .is_some_and(|b| b.contains("data-openclaw-control-ui-base-path=\"\"")),
        "main's Control UI at its root",
        &main_ui,
    );
    let nothing = client.get("example.test", "/elsewhere");
    check(
        nothing["status"] == 404,
        "no gateway at the domain's root",
        &nothing,
    );

    // WebSocket handshakes: a gateway's own token gets in, and the answer
    // comes from that gateway (its boot id, as it tells a client on
    // loopback); the other's token does not.
    for (i, (g, host, path)) in [
        (&plan.gateways[0], "main.example.test", "/"),
        (&plan.gateways[1], "example.test", "/rescue"),
    ]
    .into_iter()
    .enumerate()
    {
        let direct = client.ws_direct(g.port, &tokens[i]);
        let boot = direct["server"]["bootId"].clone();
        check(
            direct["ok"] == true && boot.is_string(),
            &format!("{}: on loopback", g.name),
            &direct,
        );
        let own = client.ws(host, path, &tokens[i]);
        check(
            own["ok"] == true && own["server"]["bootId"] == boot,
            &format!("{}: handshake with its own token, answered by it", g.name),
            &own,
        );
        let other = client.ws(host, path, &tokens[1 - i]);
        check(
            other["ok"] == false && other["error"]["details"]["code"] == "AUTH_TOKEN_MISMATCH",
            &format!("{}: handshake with the other gateway's token", g.name),
            &other,
        );
    }

    // A spoofed X-Forwarded-For does not make a client local: OpenClaw
    // never locks out loopback, and it locks this client out after ten
    // failures.
    let mut last = serde_json::Value::Null;
    for _ in 0..11 {
        last = client.run(serde_json::json!({
            "op": "get",
            "method": "POST",
            "url": client.url("main.example.test", "/tools/invoke"),
            "headers": {
                "authorization": "Bearer not-the-token",
                "x-forwarded-for": "127.0.0.1",
                "x-real-ip": "127.0.0.1",
                "content-type": "application/json"
            },
            "body": "{\"tool\":\"none\"}"
        }));
    }
    check(
        last["status"] == 429
            && last["body"]
                .as_str()
                .is_some_and(|b| b.contains("rate_limited")),
        "wrong tokens with a spoofed X-Forwarded-For: 127.0.0.1",
        &last,
    );
    // The gateways stay on loopback: nothing of theirs listens elsewhere,
    // and Caddy listens on 127.0.0.1 only.
    for l in ocgen::host::listening_sockets().unwrap() {
        if [main_port, rescue_port, redirect_port, front_port].contains(&l.port) {
            assert!(l.address.is_loopback(), "{l:?} listens beyond loopback");
        }
    }

    // Each route reaches its own gateway: with main stopped, its host
    // answers 502 while the rescue prefix still answers.
    let main_root = guard.root(0);
    guard.stop(main_root, Duration::from_secs(30));
    let gone = client.get("main.example.test", "/healthz");
    check(gone["status"] == 502, "main stopped: its host", &gone);
    let still = client.get("example.test", "/rescue/healthz");
    check(
        still["status"] == 200,
        "main stopped: rescue's prefix",
        &still,
    );
    say(&format!(
        "checks done {:.1?} after start",
        started.elapsed()
    ));
    guard.stop(caddy_pid, Duration::from_secs(10));
    drop(guard);
}
