//! The name-grammar audit: the widest names ocgen's own grammars allow
//! (a gateway name of one digit, one with `_` and `-`, one of 64
//! characters; a deployment name of 63), written into every output that
//! names things, and read by the engine that reads those names: Docker
//! Compose (project, services, networks, volumes), systemd (unit names),
//! Caddy (named matchers), the YAML of the Kubernetes manifests. A name an
//! engine would refuse is refused by `ocgen check` instead (a front-door
//! host name from a gateway name with `_`; Kubernetes' DNS labels).

mod common;
use common::systemd::{system_root, verify};
use common::*;

use std::fs;
use std::process::Command;

fn wide() -> (String, String) {
    let g = format!("9{}", "a-_".repeat(21));
    assert_eq!(g.len(), 64);
    let n = format!("0{}xy", "b_-".repeat(20));
    assert_eq!(n.len(), 63);
    (g, n)
}

fn yaml() -> String {
    let (g, n) = wide();
    format!(
        "version: 1\nname: {n}\ntargets: [host, systemd, compose]\ndefaults: {{home: /srv/oc, auth: {{mode: token, env: T}}}}\nproxy: {{domain: example.com, listen: 127.0.0.1}}\ngateways:\n  \"0\": {{path: /zero}}\n  a_b-c: {{path: /a_b-c}}\n  {g}: {{path: /wide}}\n"
    )
}

#[test]
fn ocgens_widest_names_pass_check() {
    let d = setup(&yaml());
    let o = run_in(d.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn docker_compose_reads_every_name() {
    let Some(dc) = tool("docker-compose") else {
        return;
    };
    let d = setup(&yaml());
    let o = run_in(d.path(), &["generate", "--out", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = d.path().join("out");
    fs::create_dir_all(out.join("secrets")).unwrap();
    for g in ["0", "a_b-c", &wide().0] {
        fs::write(out.join(format!("secrets/{g}.env")), "T=x\n").unwrap();
    }
    let home = tempfile::tempdir().unwrap();
    let o = Command::new(dc)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .current_dir(&out)
        .args(["-f", "compose.yaml", "config", "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["name"], wide().1.as_str());
    for g in ["0", "a_b-c", &wide().0] {
        assert!(json["services"][g].is_object(), "service {g}: {json}");
        assert!(json["networks"][format!("{g}-net")].is_object(), "{g}-net");
        assert!(
            json["volumes"][format!("{g}-state")].is_object(),
            "{g}-state"
        );
    }
}

#[test]
fn systemd_reads_every_unit_name() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let d = setup(&yaml());
    let dir = tempfile::tempdir().unwrap();
    let sys_root = system_root(dir.path());
    for g in ["0", "a_b-c", &wide().0] {
        let o = run_in(d.path(), &["systemd", g]);
        assert!(o.status.success(), "{}", stderr(&o));
        let path = sys_root.join(format!("etc/systemd/system/openclaw-gateway-{g}.service"));
        fs::write(&path, &o.stdout).unwrap();
        verify(&analyze, &path, Some(&sys_root), dir.path());
        fs::remove_file(&path).unwrap();
    }
}

#[test]
fn caddy_reads_every_matcher_name() {
    let Some(bin) = tool("caddy") else { return };
    let d = setup(&yaml());
    let o = run_in(d.path(), &["proxy"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let json = common::caddy::caddy_accepts(&bin, &text, "wide names");
    let routes = json.to_string();
    for p in ["/zero", "/a_b-c", "/wide"] {
        assert!(routes.contains(&format!("\"{p}\"")), "{p}: {routes}");
    }
}

/// Names an engine would refuse are refused by `check`, with the fix.
#[test]
fn names_no_engine_takes_are_refused_by_check() {
    let d = setup(
        "version: 1\ndefaults: {home: /srv/oc, auth: {mode: token, env: T}}\nproxy: {domain: example.com}\ngateways:\n  a_b: {}\n",
    );
    let o = run_in(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(65));
    assert!(
        stderr(&o).contains("`a_b.example.com` is not a host name"),
        "{}",
        stderr(&o)
    );
    let d = setup("version: 1\ntargets: [kubernetes]\ngateways:\n  a_b: {}\n");
    let o = run_in(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(65), "{}", stdout(&o));
}
