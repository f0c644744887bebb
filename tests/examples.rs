//! Every example checks, and its outputs equal the golden files
//! (tests/golden/<example>/; `OCGEN_BLESS=1 cargo test` rewrites them).

mod common;
use common::*;

#[test]
fn every_example_checks() {
    assert!(examples().len() >= 3);
    for ex in examples() {
        let out = ocgen().args(["check", "-f"]).arg(&ex).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            ex.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn outputs_of_every_example_match_golden_files() {
    for ex in examples() {
        let stem = ex.file_stem().unwrap().to_string_lossy().into_owned();
        let run = |args: &[&str]| {
            let out = ocgen().args(args).arg("-f").arg(&ex).output().unwrap();
            assert!(
                out.status.success(),
                "{stem} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        let check =
            run(&["check"]).replace(&ex.display().to_string(), &format!("examples/{stem}.yaml"));
        golden(&format!("{stem}/check.txt"), &check);
        golden(&format!("{stem}/ports.txt"), &run(&["ports"]));
        golden(
            &format!("{stem}/ports.json"),
            &run(&["ports", "--format", "json"]),
        );

        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let o = ocgen()
            .args(["generate", "--out"])
            .arg(&out)
            .arg("-f")
            .arg(&ex)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{stem}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let tree = read_tree(&out);
        for (path, contents) in &tree {
            golden(&format!("{stem}/tree/{path}"), contents);
        }
        // No golden file without a generated one.
        let golden_tree = root().join("tests/golden").join(&stem).join("tree");
        if std::env::var_os("OCGEN_BLESS").is_none() {
            let expected = read_tree(&golden_tree);
            assert_eq!(
                expected.keys().collect::<Vec<_>>(),
                tree.keys().collect::<Vec<_>>(),
                "{stem}: generated file list differs from tests/golden/{stem}/tree"
            );
        }
        // `ocgen env` / `ocgen config` print what `generate` wrote.
        for (path, contents) in &tree {
            if let Some(name) = path
                .strip_prefix("env/")
                .and_then(|p| p.strip_suffix(".env"))
            {
                assert_eq!(&run(&["env", name]), contents);
            }
            if let Some(name) = path
                .strip_prefix("config/")
                .and_then(|p| p.strip_suffix("/openclaw.json"))
            {
                assert_eq!(&run(&["config", name]), contents);
            }
        }
    }
}

#[test]
fn generation_is_byte_identical_and_check_finds_no_drift_after_it() {
    for ex in examples() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for d in [a.path(), b.path()] {
            let o = ocgen()
                .args(["generate", "--out"])
                .arg(d)
                .arg("-f")
                .arg(&ex)
                .output()
                .unwrap();
            assert!(o.status.success());
        }
        assert_eq!(read_tree(a.path()), read_tree(b.path()));
        let o = ocgen()
            .args(["generate", "--check", "--out"])
            .arg(a.path())
            .arg("-f")
            .arg(&ex)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
}

#[test]
fn committed_schema_equals_the_generated_one() {
    let out = ocgen().arg("schema").output().unwrap();
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap();
    let path = root().join("ocgen.schema.json");
    if std::env::var_os("OCGEN_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    if committed != generated {
        let diff = similar::TextDiff::from_lines(&committed, &generated)
            .unified_diff()
            .to_string();
        panic!("ocgen.schema.json is stale: run `cargo run -- schema > ocgen.schema.json`\n{diff}");
    }
}

/// Each example names the schema beside it, as `ocgen init`'s file does,
/// so a copied example keeps working next to `ocgen schema >
/// ocgen.schema.json`; in examples/ that is a link to the repository's.
#[test]
fn examples_point_at_the_schema() {
    for ex in examples() {
        let text = std::fs::read_to_string(&ex).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=ocgen.schema.json\n"),
            "{}",
            ex.display()
        );
    }
    assert_eq!(
        std::fs::read_to_string(root().join("examples/ocgen.schema.json")).unwrap(),
        std::fs::read_to_string(root().join("ocgen.schema.json")).unwrap()
    );
}
