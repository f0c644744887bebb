//! Fixtures the size of one feature: `tests/golden/features/<feature>/`
//! holds an `ocgen.yaml` that uses one feature on one target, and `tree/`,
//! what `ocgen generate` writes for it. A change of one rule shows as a
//! small diff here, not as a re-blessed whole example
//! (`OCGEN_BLESS=1 cargo test --test features` rewrites them).

mod common;
use common::*;

#[test]
fn every_feature_fixture_generates_its_golden_tree() {
    let dir = root().join("tests/golden/features");
    let mut features: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("ocgen.yaml").is_file())
        .collect();
    features.sort();
    assert!(features.len() >= 10, "{features:?}");
    for f in features {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let o = ocgen()
            .args(["generate", "--out"])
            .arg(&out)
            .arg("-f")
            .arg(f.join("ocgen.yaml"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let tree = read_tree(&out);
        for (path, contents) in &tree {
            golden(&format!("features/{name}/tree/{path}"), contents);
        }
        if std::env::var_os("OCGEN_BLESS").is_none() {
            let expected = read_tree(&f.join("tree"));
            assert_eq!(
                expected.keys().collect::<Vec<_>>(),
                tree.keys().collect::<Vec<_>>(),
                "{name}: the generated file list differs from tests/golden/features/{name}/tree"
            );
        }
    }
}
