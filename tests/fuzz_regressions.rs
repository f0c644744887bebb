//! Replays every input the fuzzer was seeded with or found
//! (tests/fuzz/*.yaml, examples/, tests/cmd/*.in/ocgen.yaml) through the
//! fuzz target's pipeline: none may panic. Inputs that once crashed ocgen
//! are kept in tests/fuzz/ as regressions.

#[path = "../fuzz/exercise.rs"]
mod exercise;

use std::path::PathBuf;

fn inputs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut v = Vec::new();
    for dir in ["tests/fuzz", "examples"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            v.push(e.unwrap().path());
        }
    }
    for e in std::fs::read_dir(root.join("tests/cmd")).unwrap() {
        let p = e.unwrap().path().join("ocgen.yaml");
        if p.is_file() {
            v.push(p);
        }
    }
    v.sort();
    v
}

#[test]
fn no_fuzz_input_panics() {
    let inputs = inputs();
    assert!(inputs.len() > 40, "{} inputs", inputs.len());
    for p in inputs {
        let data = std::fs::read(&p).unwrap();
        let t = std::time::Instant::now();
        let r = std::panic::catch_unwind(|| exercise::exercise(&data));
        assert!(r.is_ok(), "{} makes ocgen panic", p.display());
        // The fuzzer's timeouts are regressions too (it flagged 12 s on one,
        // then minutes with the bug): a watchdog against a hang, generous
        // enough for a debug build on a loaded machine, not a speed limit
        // (benches/measure.py measures speed).
        let took = t.elapsed();
        assert!(took.as_secs() < 120, "{} hangs: {took:?}", p.display());
    }
}
