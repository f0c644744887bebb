//! Day two on a real Docker engine (`../shared/tools/docker-offline.sh`):
//! three gateways from `ocgen compose` started on an older OpenClaw release
//! (2026.8.2) with marker state written through OpenClaw itself (an agent
//! added with `openclaw agents add` on a seeded config), then
//!
//! 1. a round trip: an archive made by the generated backup service, run
//!    as Compose runs it (`docker compose --profile backup run --rm`),
//!    accepted by `openclaw backup verify`, 0600 in its own 0700 directory
//!    beside the compose file; `ocgen restore` (killed once half-way and run
//!    again) brings the gateway back healthy with the markers of the
//!    archive, and keeps what it replaced in a set-aside volume;
//! 2. a failed upgrade: an image that migrates the state and never serves
//!    is rolled back on its own (exit 69): the canary healthy on the old
//!    image with its markers, the gateways after it never touched;
//! 3. a real upgrade to 2026.9.6 (killed once after the canary's switch and
//!    run again): every gateway healthy on the new image, markers intact.
//!
//! One engine and one compose project for all of it; a guard takes the
//! project down and stops the engine, whether the test passes or fails. No
//! timing is asserted; every command has a generous timeout against hangs.

mod common;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Output;

use common::engine::{Engine, Guard};
use common::{ocgen, stderr, stdout};

const PROJECT: &str = "ocgen-day-two";
const OLD_RELEASE: &str = "2026.8.2";
const BROKEN: &str = "ocgen-test/openclaw-broken:1";
const GATEWAYS: [&str; 3] = ["a", "b", "c"];

fn say(msg: &str) {
    eprintln!("day_two_compose: {msg}");
}

/// Three free base ports on 127.0.0.1, 130 apart (each gateway reserves
/// P..P+110), away from the assigned grid.
fn free_ports() -> [u16; 3] {
    let free = |p: u16| {
        (0..2).all(|k| TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, p + k)).is_ok())
    };
    let start = (0..80)
        .map(|i| 27000 + i * 401)
        .find(|p| free(*p) && free(p + 130) && free(p + 260))
        .expect("free ports");
    [start, start + 130, start + 260]
}

fn input(image: &str, ports: [u16; 3]) -> String {
    format!(
        "version: 1\nname: {PROJECT}\ntargets: [compose]\ndefaults:\n  image: {image}\n  config: seeded\n  backup: {{keep: 3}}\ngateways:\n  a: {{port: {}}}\n  b: {{port: {}}}\n  c: {{port: {}}}\n",
        ports[0], ports[1], ports[2]
    )
}

fn generate(dir: &Path, yaml: &str) {
    std::fs::write(dir.join("ocgen.yaml"), yaml).unwrap();
    let o = ocgen().current_dir(dir).args(["compose"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(dir.join("compose.yaml"), &o.stdout).unwrap();
}

fn ocgen_in(engine: &Engine, dir: &Path, args: &[&str], abort: Option<&str>) -> Output {
    let mut c = ocgen();
    c.current_dir(dir)
        .args(args)
        .envs(engine.vars().iter().map(|(k, v)| (k, v)));
    if let Some(point) = abort {
        c.env("OCGEN_TEST_ABORT_AT", point);
    }
    let o = c.output().unwrap();
    say(&format!(
        "ocgen {}: {:?}\n{}{}",
        args.join(" "),
        o.status.code(),
        stdout(&o),
        stderr(&o)
    ));
    o
}

/// The agent ids OpenClaw lists in a gateway's container.
fn agents(engine: &Engine, dir: &Path, gw: &str) -> Vec<String> {
    let out = engine.compose(
        dir,
        &[
            "exec",
            "-T",
            gw,
            "node",
            "openclaw.mjs",
            "agents",
            "list",
            "--json",
        ],
    );
    let v: serde_json::Value =
        serde_json::from_str(&out[out.find('[').unwrap()..=out.rfind(']').unwrap()]).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

fn add_agent(engine: &Engine, dir: &Path, gw: &str, id: &str) {
    engine.compose(
        dir,
        &[
            "exec",
            "-T",
            gw,
            "node",
            "openclaw.mjs",
            "agents",
            "add",
            id,
            "--non-interactive",
            "--workspace",
            &format!("/home/node/.openclaw/ws-{id}"),
            "--json",
        ],
    );
}

/// (container id, image it was made from) of each gateway.
fn containers(engine: &Engine, dir: &Path) -> BTreeMap<String, (String, String)> {
    GATEWAYS
        .iter()
        .map(|gw| {
            let id = engine
                .compose(dir, &["ps", "-a", "-q", gw])
                .trim()
                .to_string();
            let v = engine.inspect(dir, &id);
            let image = v["Config"]["Image"].as_str().unwrap().to_string();
            (gw.to_string(), (id, image))
        })
        .collect()
}

/// Volumes a restore left beside the project (set aside, staging).
fn extra_volumes(engine: &Engine, dir: &Path) -> Vec<String> {
    engine
        .ok(
            dir,
            &[
                "volume",
                "ls",
                "-q",
                "--filter",
                &format!("name={PROJECT}_"),
            ],
        )
        .lines()
        .filter(|v| v.contains(".ocgen-"))
        .map(str::to_string)
        .collect()
}

fn remove_extra_volumes(engine: &Engine, dir: &Path) {
    for v in extra_volumes(engine, dir) {
        let _ = engine.docker(dir, &["volume", "rm", "-f", &v]);
    }
}

#[test]
fn compose_backup_restore_and_rollouts_on_a_real_engine() {
    let Some(engine) = Engine::start(PROJECT) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let _guard = Guard {
        engine: &engine,
        dir: dir.clone(),
    };
    let new_image = ocgen::plan::DEFAULT_IMAGE.to_string();
    say(&format!("image of openclaw {OLD_RELEASE}"));
    let old_image = engine.release_image(OLD_RELEASE);
    // A new version that migrates the state (any command opens the
    // databases) and then never serves.
    engine.build(
        BROKEN,
        &format!(
            "FROM {new_image}\nENTRYPOINT [\"sh\", \"-c\", \"node openclaw.mjs agents list --json >/dev/null 2>&1; echo 'broken build: never serving' >&2; exec sleep 100000\", \"--\"]\n"
        ),
    );
    // What a killed earlier run left.
    let _ = engine.docker(
        &dir,
        &["compose", "-p", PROJECT, "down", "-v", "--timeout", "10"],
    );
    remove_extra_volumes(&engine, &dir);

    let ports = free_ports();
    generate(&dir, &input(&old_image, ports));
    let compose = std::fs::read_to_string(dir.join("compose.yaml")).unwrap();
    assert!(compose.contains("  \"a-backup\":\n"), "{compose}");
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    for (i, gw) in GATEWAYS.iter().enumerate() {
        let path = dir.join(format!("secrets/{gw}.env"));
        std::fs::write(
            &path,
            format!(
                "OPENCLAW_GATEWAY_TOKEN=day-two-{gw}-{i}-{}\n",
                std::process::id()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    say(&format!(
        "docker compose up -d --wait (3 gateways on {old_image})"
    ));
    engine.compose(&dir, &["up", "-d", "--wait", "--wait-timeout", "600"]);
    // `up` never starts a backup service (Compose profile `backup`).
    let ps = engine.compose(&dir, &["ps", "-a", "--format", "{{.Service}}"]);
    assert!(!ps.contains("backup"), "{ps}");
    for gw in GATEWAYS {
        add_agent(&engine, &dir, gw, &format!("marker-{gw}"));
    }

    // 1. The generated backup service, run as Compose runs it.
    say("round trip: docker compose --profile backup run --rm a-backup");
    let bdir = dir.join("backups/a");
    std::fs::create_dir_all(&bdir).unwrap();
    std::fs::set_permissions(&bdir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(&bdir, Some(1000), Some(1000)).unwrap();
    let out = engine.compose(
        &dir,
        &["--profile", "backup", "run", "--rm", "-T", "a-backup"],
    );
    let json: serde_json::Value =
        serde_json::from_str(&out[out.find('{').unwrap()..=out.rfind('}').unwrap()]).unwrap();
    assert_eq!(json["verified"], true, "{out}");
    let name = json["archivePath"]
        .as_str()
        .unwrap()
        .strip_prefix("/backups/")
        .unwrap()
        .to_string();
    let archive = bdir.join(&name);
    assert!(name.ends_with("-openclaw-backup.tar.gz"), "{name}");
    assert_eq!(common::mode(&archive) & 0o777, 0o600);
    assert_eq!(common::mode(&bdir) & 0o777, 0o700);
    assert_eq!(std::fs::metadata(&archive).unwrap().uid(), 1000);
    // OpenClaw accepts it (its own verify, in a container of its image).
    engine.ok(
        &dir,
        &[
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            &format!("{}:/b:ro", bdir.display()),
            &old_image,
            "node",
            "openclaw.mjs",
            "backup",
            "verify",
            &format!("/b/{name}"),
        ],
    );

    // Changed after the backup: the restore must take this back.
    add_agent(&engine, &dir, "a", "after");
    assert!(agents(&engine, &dir, "a").contains(&"after".to_string()));
    let before = containers(&engine, &dir);

    // An archive OpenClaw refuses: nothing is touched.
    let junk = bdir.join("junk-openclaw-backup.tar.gz");
    std::fs::write(&junk, "not an archive").unwrap();
    std::os::unix::fs::chown(&junk, Some(1000), Some(1000)).unwrap();
    let o = ocgen_in(
        &engine,
        &dir,
        &["restore", "a", junk.to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(69));
    assert!(stderr(&o).contains("nothing was changed"), "{}", stderr(&o));
    std::fs::remove_file(&junk).unwrap();
    assert!(agents(&engine, &dir, "a").contains(&"after".to_string()));

    // Killed half-way (after the old state was set aside), then run again.
    let a = archive.to_str().unwrap();
    let o = ocgen_in(
        &engine,
        &dir,
        &["restore", "a", a],
        Some("restore-set-aside"),
    );
    assert!(!o.status.success());
    let o = ocgen_in(
        &engine,
        &dir,
        &["restore", "a", a, "--deadline", "600"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("found an interrupted restore (stage `aside`)"),
        "{}",
        stdout(&o)
    );
    let ids = agents(&engine, &dir, "a");
    assert!(ids.contains(&"marker-a".to_string()), "{ids:?}");
    assert!(!ids.contains(&"after".to_string()), "{ids:?}");
    // The replaced state is kept, in a volume of its own.
    let aside = extra_volumes(&engine, &dir);
    assert!(
        aside
            .iter()
            .any(|v| v.starts_with(&format!("{PROJECT}_a-state.ocgen-replaced-"))),
        "{aside:?}"
    );
    let after = containers(&engine, &dir);
    for gw in ["b", "c"] {
        assert_eq!(before[gw], after[gw], "{gw} was touched by a's restore");
    }

    // `ocgen backup`: one archive of each now, through the same service.
    let o = ocgen_in(&engine, &dir, &["backup"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    for gw in GATEWAYS {
        let line = stdout(&o)
            .lines()
            .find(|l| l.starts_with(&format!("{gw}: ")))
            .unwrap()
            .to_string();
        let path = line.split_whitespace().nth(1).unwrap();
        assert!(
            path.starts_with(dir.join(format!("backups/{gw}/")).to_str().unwrap()),
            "{line}"
        );
        assert_eq!(common::mode(Path::new(path)) & 0o777, 0o600, "{line}");
    }

    // 2. A failed upgrade rolls back by itself; b and c are never touched.
    say("failed upgrade: rollout to an image that never serves");
    generate(&dir, &input(BROKEN, ports));
    let before = containers(&engine, &dir);
    let o = ocgen_in(&engine, &dir, &["rollout", "--deadline", "90"], None);
    assert_eq!(o.status.code(), Some(69), "{}", stderr(&o));
    let report = stdout(&o);
    assert!(
        report.contains("a: ROLLED BACK: not healthy on"),
        "{report}"
    );
    for gw in ["b", "c"] {
        assert!(
            report.contains(&format!("{gw}: untouched (the rollout stopped before it)")),
            "{report}"
        );
    }
    let after = containers(&engine, &dir);
    assert_eq!(after["a"].1, old_image, "a runs {}", after["a"].1);
    for gw in ["b", "c"] {
        assert_eq!(before[gw], after[gw], "{gw} was touched");
    }
    let ids = agents(&engine, &dir, "a");
    assert!(ids.contains(&"marker-a".to_string()), "{ids:?}");

    // 3. The real upgrade, killed once after the canary's switch.
    say(&format!("upgrade: rollout to {new_image}"));
    generate(&dir, &input(&new_image, ports));
    let o = ocgen_in(
        &engine,
        &dir,
        &["rollout", "--deadline", "600"],
        Some("rollout-switched"),
    );
    assert!(!o.status.success());
    let o = ocgen_in(&engine, &dir, &["rollout", "--deadline", "600"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = stdout(&o);
    assert!(
        report.contains("a: found an interrupted rollout"),
        "{report}"
    );
    let after = containers(&engine, &dir);
    for gw in GATEWAYS {
        assert!(
            report.contains(&format!("{gw}: switched, healthy")),
            "{report}"
        );
        assert_eq!(after[gw].1, new_image, "{gw}");
        let ids = agents(&engine, &dir, gw);
        assert!(ids.contains(&format!("marker-{gw}")), "{gw}: {ids:?}");
        assert!(
            !dir.join(format!(".ocgen-image-{gw}.yaml")).exists(),
            "{gw}"
        );
    }
    // Nothing left to do: a second run touches nothing.
    let o = ocgen_in(&engine, &dir, &["rollout"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).matches("already on it, untouched").count(), 3);
    remove_extra_volumes(&engine, &dir);
}
