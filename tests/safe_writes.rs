//! `generate` writes safely: private files 0600 in 0700 directories whatever
//! the umask, nothing left behind, and a failure midway (disk full, a
//! permission denied even to root, a file that cannot be replaced) leaves
//! the previous tree byte for byte and exits 74 naming the path.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BEFORE: &str = "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n  main: {port: 18789}\n  rescue: {port: 19789}\n";
/// Every file of BEFORE changes, and a gateway (with new directories) is added.
const AFTER: &str = "version: 1\ndefaults:\n  home: /srv/oc\n  env: {TZ: UTC}\ngateways:\n  main: {port: 18909}\n  rescue: {port: 19789}\n  extra: {}\n";

/// Every entry under `dir`: path, mode, and contents for files.
type Snapshot = BTreeMap<String, (u32, Option<Vec<u8>>)>;

fn snapshot(dir: &Path) -> Snapshot {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                stack.push(p);
                out.insert(rel, (mode, None));
            } else {
                out.insert(rel, (mode, Some(fs::read(&p).unwrap())));
            }
        }
    }
    out
}

fn leftovers(s: &Snapshot) -> Vec<&String> {
    s.keys().filter(|p| p.contains(".ocgen-tmp.")).collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A directory with ocgen.yaml = `yaml` and `out/` generated from it.
fn generated(yaml: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("ocgen.yaml"), yaml).unwrap();
    let o = run_in(d.path(), &["generate", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    d
}

/// Runs `ocgen generate --out out` on AFTER through `sh -c PRELUDE; exec ...`.
fn generate_after(dir: &Path, prelude: &str) -> Output {
    fs::write(dir.join("ocgen.yaml"), AFTER).unwrap();
    Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg(format!("{prelude}; exec \"$0\" generate --out out"))
        .arg(env!("CARGO_BIN_EXE_ocgen"))
        .output()
        .unwrap()
}

/// The failure contract: exit 74, one line naming the path, the tree as it was.
fn assert_failed_cleanly(o: &Output, path: &str, why: &str, before: &Snapshot, out: &Path) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(74), "{e}");
    assert!(
        e.starts_with(&format!(
            "error: cannot write the output tree: {path}: {why}"
        )),
        "{e}"
    );
    assert!(!e.contains(".ocgen-tmp."), "names a temporary file: {e}");
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let after = snapshot(out);
    assert!(leftovers(&after).is_empty(), "{:?}", leftovers(&after));
    let changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(changed.is_empty(), "the previous tree changed: {changed:?}");
}

#[test]
fn disk_full_midway_leaves_the_previous_tree_and_exits_74() {
    let d = generated(BEFORE);
    let out = d.path().join("out");
    let before = snapshot(&out);
    // RLIMIT_FSIZE of 1536 bytes: the journal, every env file and config
    // stage (and are removed again), the Nix module fails with EFBIG
    // (SIGXFSZ ignored, so write() reports it).
    let o = generate_after(d.path(), "trap '' XFSZ; ulimit -f 3");
    assert_failed_cleanly(
        &o,
        "out/nixos/openclaw-gateways.nix",
        "File too large",
        &before,
        &out,
    );
    assert!(!out.join("config/extra").exists());
    // Without the limit the same run succeeds.
    let o = generate_after(d.path(), "true");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Clears the immutable flag again, whatever happens in the test.
struct Immutable(PathBuf);

impl Immutable {
    /// Sets `chattr +i` on `path`; None when the file system or the
    /// process cannot.
    fn set(path: &Path) -> Option<Immutable> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn permission_denied_midway_leaves_the_previous_tree_and_exits_74() {
    let d = generated(BEFORE);
    let out = d.path().join("out");
    // An immutable directory refuses new files even to root.
    let Some(_guard) = Immutable::set(&out.join("config/main")) else {
        // No chattr here (tmpfs, no CAP_LINUX_IMMUTABLE): a file where a
        // directory must be created fails for root too.
        eprintln!("chattr +i unavailable: a file blocks a new directory instead");
        fs::write(out.join("config/extra"), "a person's file\n").unwrap();
        let before = snapshot(&out);
        let o = generate_after(d.path(), "true");
        assert_failed_cleanly(&o, "out/config/extra", "File exists", &before, &out);
        return;
    };
    let before = snapshot(&out);
    let o = generate_after(d.path(), "true");
    assert_failed_cleanly(
        &o,
        "out/config/main/openclaw.json",
        "Operation not permitted",
        &before,
        &out,
    );
}

#[test]
fn a_file_that_cannot_be_replaced_puts_back_the_files_already_replaced() {
    let d = generated(BEFORE);
    let out = d.path().join("out");
    // compose.yaml is replaced after every env file, config, unit and the
    // Nix module: all of them must be put back.
    let Some(_guard) = Immutable::set(&out.join("compose.yaml")) else {
        // Covered without chattr by write::tests::a_failure_while_renaming_puts_every_file_back.
        eprintln!("chattr +i unavailable: only the staging failures are checked here");
        return;
    };
    let before = snapshot(&out);
    let o = generate_after(d.path(), "true");
    assert_failed_cleanly(
        &o,
        "out/compose.yaml",
        "Operation not permitted",
        &before,
        &out,
    );
}

/// Which generated paths are private, from ocgen's own list.
fn private_paths(yaml: &str) -> BTreeMap<String, bool> {
    let plan = ocgen::plan::plan(&ocgen::model::load(yaml).unwrap()).unwrap();
    ocgen::render::tree(&plan, &ocgen::render::Templates::builtin().unwrap())
        .unwrap()
        .into_iter()
        .map(|f| (f.path, f.private))
        .collect()
}

#[test]
fn private_files_are_0600_in_0700_directories_whatever_the_umask() {
    // Private files come from the host targets; Kubernetes writes none.
    let mut inputs: Vec<(String, String)> = examples_for(ocgen::plan::Target::Host)
        .iter()
        .map(|p| (p.display().to_string(), fs::read_to_string(p).unwrap()))
        .collect();
    inputs.push((
        "user units, oci-containers".into(),
        "version: 1\nnixos: {backend: oci-containers}\nsystemd: {user_units: true}\ndefaults: {home: /home/alice}\ngateways:\n  main: {auth: {mode: token, file: /home/alice/token}}\n".into(),
    ));
    for (name, yaml) in &inputs {
        let private = private_paths(yaml);
        assert!(private.values().any(|p| *p) && private.values().any(|p| !*p));
        for umask in ["000", "022", "077"] {
            let d = tempfile::tempdir().unwrap();
            fs::write(d.path().join("ocgen.yaml"), yaml).unwrap();
            let o = Command::new("sh")
                .current_dir(d.path())
                .arg("-c")
                .arg(format!("umask {umask}; exec \"$0\" generate --out out"))
                .arg(env!("CARGO_BIN_EXE_ocgen"))
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
            let tree = snapshot(&d.path().join("out"));
            let ctx = format!("{name}, umask {umask}");
            assert!(leftovers(&tree).is_empty(), "{ctx}: {:?}", leftovers(&tree));
            let mut expected: BTreeMap<String, u32> = BTreeMap::new();
            for (path, is_private) in &private {
                expected.insert(path.clone(), if *is_private { 0o600 } else { 0o644 });
                // Every directory above a private file is private too.
                let mut p = Path::new(path).parent();
                while let Some(dir) = p.filter(|p| !p.as_os_str().is_empty()) {
                    let mode = if *is_private { 0o700 } else { 0o755 };
                    let e = expected.entry(dir.display().to_string()).or_insert(mode);
                    *e = (*e).min(mode);
                    p = dir.parent();
                }
            }
            expected.insert(".ocgen-manifest".into(), 0o644);
            let actual: BTreeMap<String, u32> =
                tree.iter().map(|(k, (m, _))| (k.clone(), *m)).collect();
            assert_eq!(actual, expected, "{ctx}");
            let root = fs::metadata(d.path().join("out"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(root, 0o755, "{ctx}: the output directory");
        }
    }
}

#[test]
fn an_edited_private_file_is_named_but_never_shown() {
    // A person put a secret into a generated env file; neither --check (CI
    // logs) nor the refusal to overwrite may print it.
    let d = generated(BEFORE);
    let env = d.path().join("out/env/main.env");
    let mut text = fs::read_to_string(&env).unwrap();
    text.push_str("OPENAI_API_KEY=\"LEAK-CANARY-edit\"\n");
    fs::write(&env, &text).unwrap();
    for args in [
        &["generate", "--out", "out", "--check"][..],
        &["generate", "--out", "out"][..],
    ] {
        let o = run_in(d.path(), args);
        let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
        assert!(!all.contains("LEAK-CANARY"), "{args:?}: {all}");
        assert!(
            all.contains("env/main.env: not what ocgen last wrote there"),
            "{args:?}: {all}"
        );
        assert_eq!(o.status.code(), Some(if args.len() == 4 { 1 } else { 73 }));
    }
    assert_eq!(fs::read_to_string(&env).unwrap(), text);
}

#[test]
fn an_edited_public_file_is_diffed_without_the_lines_that_may_hold_secrets() {
    let d = generated(BEFORE);
    let compose = d.path().join("out/compose.yaml");
    let text = fs::read_to_string(&compose).unwrap();
    let edited = text
        .replacen("restart: unless-stopped", "restart: always", 1)
        .replacen(
            "    environment:\n",
            "    environment:\n      OPENCLAW_GATEWAY_TOKEN: LEAK-CANARY-compose\n",
            1,
        );
    assert_ne!(edited, text);
    fs::write(&compose, &edited).unwrap();
    let o = run_in(d.path(), &["generate", "--out", "out", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(!s.contains("LEAK-CANARY"), "{s}");
    assert!(
        s.contains("-<a line that may hold a secret, not shown>\n"),
        "{s}"
    );
    assert!(
        s.contains("-    restart: always\n+    restart: unless-stopped\n"),
        "{s}"
    );
}

#[test]
fn units_are_world_readable_and_env_files_stay_private() {
    // systemd logs "marked world-inaccessible" on every reload for a unit
    // that is not world-readable; a unit names secrets but holds none.
    let d = generated(BEFORE);
    let out = d.path().join("out");
    for unit in [
        "openclaw-gateway-main.service",
        "openclaw-gateway-rescue.service",
    ] {
        let mode = fs::metadata(out.join("systemd").join(unit))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "{unit}");
    }
    for private in [
        "env/main.env",
        "config/main/openclaw.json",
        "systemd/config/main/openclaw.json",
    ] {
        let mode = fs::metadata(out.join(private))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{private}");
    }
}
