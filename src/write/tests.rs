use std::os::unix::fs::PermissionsExt;

use super::*;

fn file(path: &str, contents: &str) -> OutFile {
    OutFile {
        path: path.into(),
        contents: contents.into(),
        private: true,
    }
}

#[test]
fn create_then_keep_then_update() {
    let d = tempfile::tempdir().unwrap();
    let v1 = vec![file("env/a.env", "A=1\n")];
    let c = changes(d.path(), &v1).unwrap();
    assert_eq!(c[0].action, Action::Create);
    apply(d.path(), &v1, &c).unwrap();
    let mode = fs::metadata(d.path().join("env/a.env"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dmode = fs::metadata(d.path().join("env"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dmode & 0o777, 0o700);
    assert_eq!(changes(d.path(), &v1).unwrap()[0].action, Action::Keep);
    let v2 = vec![file("env/a.env", "A=2\n")];
    let c = changes(d.path(), &v2).unwrap();
    assert_eq!((c[0].action.clone(), c[0].foreign), (Action::Update, false));
    assert!(c[0].diff().contains("-A=1\n+A=2"));
}

#[test]
fn edited_files_are_foreign_and_stale_files_are_deleted() {
    let d = tempfile::tempdir().unwrap();
    let v1 = vec![file("a", "1\n"), file("b", "2\n")];
    apply(d.path(), &v1, &changes(d.path(), &v1).unwrap()).unwrap();
    fs::write(d.path().join("a"), "edited\n").unwrap();
    let v2 = vec![file("a", "3\n")];
    let c = changes(d.path(), &v2).unwrap();
    assert!(c[0].foreign);
    assert_eq!(c[1].action, Action::Delete);
    assert!(!c[1].foreign);
}

fn abs(dir: &Path, rel: &str, contents: &str) -> OutFile {
    file(&dir.join(rel).to_string_lossy(), contents)
}

#[test]
fn absolute_files_differing_from_ocgen_are_foreign() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("same"), "x\n").unwrap();
    fs::write(d.path().join("other"), "mine\n").unwrap();
    let files = vec![
        abs(d.path(), "same", "x\n"),
        abs(d.path(), "other", "ocgen\n"),
        abs(d.path(), "new", "n\n"),
    ];
    let c = compare_absolute(&files).unwrap();
    let got: Vec<(Action, bool)> = c.iter().map(|c| (c.action.clone(), c.foreign)).collect();
    assert_eq!(
        got,
        vec![
            (Action::Keep, false),
            (Action::Update, true),
            (Action::Create, false)
        ]
    );
    let diff = c[1].diff();
    assert!(diff.starts_with(&format!("--- a{}", c[1].path)), "{diff}");
    assert!(diff.contains("-mine\n+ocgen\n"), "{diff}");
}

#[test]
fn replace_all_creates_missing_dirs_0700_and_keeps_existing_modes() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("a")).unwrap();
    fs::set_permissions(d.path().join("a"), fs::Permissions::from_mode(0o755)).unwrap();
    let deep = d.path().join("a/b/c");
    let other = d.path().join("a/b/d");
    let journal = d.path().join(INSTALL_JOURNAL);
    let made = replace_all(&journal, &[&deep, &other, &deep], &[]).unwrap();
    assert_eq!(
        made,
        vec![d.path().join("a/b"), deep.clone(), other.clone()]
    );
    for p in &made {
        assert_eq!(fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o700);
    }
    let kept = fs::metadata(d.path().join("a"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(kept & 0o777, 0o755);
    // A file in the way: an error naming it, and nothing left behind.
    fs::write(d.path().join("f"), "").unwrap();
    let e = replace_all(
        &journal,
        &[&d.path().join("g/h"), &d.path().join("f/x")],
        &[],
    )
    .unwrap_err();
    assert_eq!(e.path, d.path().join("f"));
    assert!(!d.path().join("g").exists());
    assert!(!journal.exists());
}

#[test]
fn a_path_the_journal_cannot_hold_is_refused_before_anything_is_touched() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let odd = d.path().join(std::ffi::OsStr::from_bytes(b"\xff"));
    let journal = d.path().join(INSTALL_JOURNAL);
    let e = replace_all(&journal, &[&odd], &[]).unwrap_err();
    assert_eq!(e.path, journal);
    assert!(!odd.exists());
    assert!(!journal.exists());
}

#[test]
fn replace_all_stages_everything_before_renaming() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("a"), "old\n").unwrap();
    fs::create_dir(d.path().join("sub")).unwrap();
    let files = vec![
        abs(d.path(), "a", "new\n"),
        abs(d.path(), "sub/b", "b\n"),
        abs(d.path(), "missing-dir/c", "c\n"),
    ];
    // A plain file where a directory must go: staging fails after
    // `a` and `sub/b` were staged.
    let c = compare_absolute(&files).unwrap();
    fs::write(d.path().join("missing-dir"), "a person's file\n").unwrap();
    let journal = d.path().join(INSTALL_JOURNAL);
    let e = replace_all(&journal, &[], &c).unwrap_err();
    assert_eq!(e.path, d.path().join("missing-dir"));
    assert_eq!(fs::read_to_string(d.path().join("a")).unwrap(), "old\n");
    assert!(!d.path().join("sub/b").exists());
    assert!(!journal.exists());
    assert_eq!(fs::read_dir(d.path().join("sub")).unwrap().count(), 0);
    replace_all(&journal, &[], &c[..2]).unwrap();
    assert_eq!(fs::read_to_string(d.path().join("a")).unwrap(), "new\n");
    let mode = fs::metadata(d.path().join("sub/b"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

fn tree(dir: &Path) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            if p.is_dir() {
                out.push((rel, None));
                stack.push(p);
            } else {
                out.push((rel, Some(fs::read_to_string(&p).unwrap())));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_failure_while_renaming_puts_every_file_back() {
    let d = tempfile::tempdir().unwrap();
    let v1 = vec![file("a/x", "1\n"), file("b/y", "1\n"), file("z", "1\n")];
    apply(d.path(), &v1, &changes(d.path(), &v1).unwrap()).unwrap();
    let v2 = vec![
        file("a/x", "2\n"),
        file("b/y", "2\n"),
        file("c/new", "2\n"),
        file("z", "2\n"),
    ];
    let c = changes(d.path(), &v2).unwrap();
    // Between the comparison and the write, `z` became a directory:
    // `a/x`, `b/y` and `c/new` are renamed into place before `z` fails.
    fs::remove_file(d.path().join("z")).unwrap();
    fs::create_dir(d.path().join("z")).unwrap();
    fs::write(d.path().join("z/keep"), "k\n").unwrap();
    let before = tree(d.path());
    let err = apply(d.path(), &v2, &c).unwrap_err();
    assert_eq!(err.path, d.path().join("z"));
    assert_eq!(tree(d.path()), before);
}

#[test]
fn a_staging_failure_leaves_the_tree_as_it_was() {
    let d = tempfile::tempdir().unwrap();
    let v1 = vec![file("a/x", "1\n")];
    apply(d.path(), &v1, &changes(d.path(), &v1).unwrap()).unwrap();
    // A plain file where a directory must go: staging `b/y` fails (even
    // for root) after `a/x` was already staged.
    let v2 = vec![file("a/x", "2\n"), file("b/y", "2\n")];
    let c = changes(d.path(), &v2).unwrap();
    fs::write(d.path().join("b"), "a person's file\n").unwrap();
    let err = apply(d.path(), &v2, &c).unwrap_err();
    assert_eq!(err.path, d.path().join("b"));
    assert_eq!(fs::read_to_string(d.path().join("a/x")).unwrap(), "1\n");
    let names: Vec<_> = fs::read_dir(d.path().join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("x")]);
}
