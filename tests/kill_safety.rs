//! A kill at any moment of `generate` or `install` leaves the old tree or
//! the new one, never a mix, and the next run cleans up after it.
//!
//! Deterministic: `OCGEN_TEST_ABORT_AFTER=N` makes ocgen abort (SIGABRT, no
//! unwinding, no cleanup: what `kill -9` does) at its N-th file-system step,
//! for every N until a run completes. Then a few real `kill -9`s at
//! pseudo-random moments (a fixed seed) over a large plan; whatever moment
//! they hit, the same must hold. No assertion depends on timing.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

use ocgen::write::{self, Recovered};

const OLD: &str = "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n  main: {port: 18789}\n  rescue: {port: 19789}\n  gone: {port: 20789}\n";
/// Updates every file of OLD, deletes a gateway's files, adds one with new
/// directories.
const NEW: &str = "version: 1\ndefaults:\n  home: /srv/oc\n  env: {TZ: UTC}\ngateways:\n  main: {port: 18909}\n  rescue: {port: 19789}\n  extra: {}\n";

/// Path -> (mode, contents) of every entry under `dir`; a missing `dir` is
/// an empty tree (a kill right after creating it leaves it empty).
type Tree = BTreeMap<String, (u32, Option<Vec<u8>>)>;

fn tree(dir: &Path) -> Tree {
    // `install --root` writes the root into the files: compare without it.
    let root = dir.display().to_string();
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd {
            let p = e.unwrap().path();
            let meta = fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                stack.push(p);
                out.insert(rel, (mode, None));
            } else {
                let text = String::from_utf8_lossy(&fs::read(&p).unwrap()).replace(&root, "ROOT");
                out.insert(rel, (mode, Some(text.into_bytes())));
            }
        }
    }
    out
}

fn ocgen(dir: &Path, args: &[&str], abort_after: Option<u64>) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ocgen"));
    c.current_dir(dir).args(args);
    if let Some(n) = abort_after {
        c.env("OCGEN_TEST_ABORT_AFTER", n.to_string());
    }
    c.output().unwrap()
}

/// The trees `args` writes from `old`, then from `new` over it, in a fresh
/// directory.
fn written(old: &str, new: &str, args: &[&str], root: &str) -> (Tree, Tree) {
    let d = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for yaml in [old, new] {
        fs::write(d.path().join("ocgen.yaml"), yaml).unwrap();
        let o = ocgen(d.path(), args, None);
        assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
        trees.push(tree(&d.path().join(root)));
    }
    let new = trees.pop().unwrap();
    (trees.pop().unwrap(), new)
}

/// The paths where `a` and `b` differ.
fn differ<'t>(a: &'t Tree, b: &'t Tree) -> Vec<&'t String> {
    let mut d: Vec<&String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, _)| k)
        .chain(b.keys().filter(|k| !a.contains_key(*k)))
        .collect();
    d.sort();
    d
}

/// Copies the tree under `from` to `to`, modes included.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    fs::set_permissions(to, fs::metadata(from).unwrap().permissions()).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Kills `args` (run on NEW over a tree written from OLD) at every
/// file-system step; after each kill, recovery gives exactly the old tree
/// or exactly the new one, and the next run gives the new one with no
/// temporary file left.
///
/// `portable`: the tree holds no absolute path of itself (`generate`), so
/// a killed tree can be copied and both checks run on one kill.
fn every_step(
    args: &[&str],
    root: &str,
    portable: bool,
    journal: impl Fn(&Path) -> Option<std::path::PathBuf>,
) {
    let (old, new) = written(OLD, NEW, args, root);
    assert_ne!(old, new);
    let template = tempfile::tempdir().unwrap();
    fs::write(template.path().join("ocgen.yaml"), OLD).unwrap();
    assert_eq!(ocgen(template.path(), args, None).status.code(), Some(0));
    let killed_at = |n: u64| -> (tempfile::TempDir, bool) {
        let d = tempfile::tempdir().unwrap();
        if portable {
            copy_tree(&template.path().join(root), &d.path().join(root));
        } else {
            fs::write(d.path().join("ocgen.yaml"), OLD).unwrap();
            assert_eq!(ocgen(d.path(), args, None).status.code(), Some(0));
        }
        fs::write(d.path().join("ocgen.yaml"), NEW).unwrap();
        let o = ocgen(d.path(), args, Some(n));
        if !o.status.success() {
            assert_eq!(
                o.status.signal(),
                Some(6),
                "step {n}: {:?} {}",
                o.status,
                common::stderr(&o)
            );
        }
        (d, o.status.success())
    };
    let (mut rolled_back, mut rolled_forward) = (0, 0);
    let mut n = 1;
    loop {
        let (d, finished) = killed_at(n);
        let out = d.path().join(root);
        if finished {
            assert_eq!(tree(&out), new, "a run that was not stopped");
            break;
        }
        // The next run, from the killed state itself: no recovery by hand.
        let next = if portable {
            let d2 = tempfile::tempdir().unwrap();
            copy_tree(&out, &d2.path().join(root));
            fs::write(d2.path().join("ocgen.yaml"), NEW).unwrap();
            d2
        } else {
            killed_at(n).0
        };
        match journal(&out).map(|j| write::recover(&j).unwrap()) {
            Some(Some(Recovered::RolledForward)) => rolled_forward += 1,
            Some(Some(Recovered::RolledBack) | None) | None => rolled_back += 1,
        }
        let after = tree(&out);
        assert!(
            after == old || after == new,
            "killed at step {n}: neither the old tree nor the new one:\nnot as old: {:#?}\nnot as new: {:#?}",
            differ(&after, &old),
            differ(&after, &new)
        );
        let o = ocgen(next.path(), args, None);
        assert_eq!(o.status.code(), Some(0), "step {n}: {}", common::stderr(&o));
        assert_eq!(
            tree(&next.path().join(root)),
            new,
            "the run after a kill at step {n}"
        );
        n += 1;
        assert!(n < 500, "a run of more than 500 file-system steps");
    }
    eprintln!(
        "{args:?}: {} kill points, {rolled_back} kept the old tree, {rolled_forward} gave the new one",
        n - 1
    );
    assert!(
        rolled_back > 0 && rolled_forward > 0,
        "both outcomes are met"
    );
}

#[test]
fn generate_killed_at_every_step_leaves_the_old_tree_or_the_new_one() {
    every_step(&["generate", "--out", "out"], "out", true, |out| {
        Some(out.join(write::JOURNAL))
    });
}

#[test]
fn install_killed_at_every_step_leaves_the_old_files_or_the_new_ones() {
    every_step(
        &["install", "--root", "root", "--force"],
        "root",
        false,
        |root| write::find_install_journal(&root.join("srv/oc/.openclaw-main/openclaw.json")),
    );
}

/// A minimal linear congruential generator: a fixed seed, the same delays
/// every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

fn big(gateways: usize, env: &str) -> String {
    let mut y = format!("version: 1\ndefaults:\n  home: /srv/oc\n  env: {{X: {env}}}\ngateways:\n");
    for i in 0..gateways {
        let _ = writeln!(y, "  g{i}: {{port: {}}}", 1024 + i * 120);
    }
    y
}

#[test]
fn real_kill_9_at_random_moments_leaves_the_old_tree_or_the_new_one() {
    let (old_yaml, new_yaml) = (big(150, "old"), big(150, "new"));
    let args = ["generate", "--out", "out"];
    let (old, new) = written(&old_yaml, &new_yaml, &args, "out");
    let mut rng = Lcg(11);
    for round in 0..8 {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("ocgen.yaml"), &old_yaml).unwrap();
        assert_eq!(ocgen(d.path(), &args, None).status.code(), Some(0));
        fs::write(d.path().join("ocgen.yaml"), &new_yaml).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ocgen"))
            .current_dir(d.path())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Aim at the writing: wait for the journal (or the end), then a
        // pseudo-random few milliseconds more.
        let journal = d.path().join("out").join(write::JOURNAL);
        while !journal.exists() && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        let delay = rng.next(60);
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL; it may have finished already
        let _ = child.wait();
        let out = d.path().join("out");
        let how = write::recover(&out.join(write::JOURNAL)).unwrap();
        eprintln!("round {round}: kill -9 after {delay} ms: {how:?}");
        let after = tree(&out);
        assert!(
            after == old || after == new,
            "round {round}, kill -9 after {delay} ms: neither the old tree nor the new one: {:?} / {:?}",
            differ(&after, &old),
            differ(&after, &new)
        );
        let o = ocgen(d.path(), &args, None);
        assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
        assert_eq!(tree(&out), new, "round {round}: the run after the kill");
    }
}
