// The one function every fuzz input goes through, shared by the cargo-fuzz
// target and the regression test (tests/fuzz_regressions.rs): read -> plan
// -> render every format -> render the diagnostics. It must never panic,
// and a valid input must render the same bytes twice.

/// Runs the whole pipeline on `data`.
pub fn exercise(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = match ocgen::model::load(text) {
        Ok(doc) => doc,
        Err(problems) => {
            let _ = ocgen::diag::render(&problems, "fuzz.yaml", text, false);
            return;
        }
    };
    match ocgen::plan::plan(&doc) {
        Ok(plan) => {
            let templates = ocgen::render::Templates::builtin().expect("built-in templates load");
            let first = ocgen::render::tree(&plan, &templates);
            let second = ocgen::render::tree(&plan, &templates);
            match (first, second) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "output is not deterministic"),
                (Err(_), Err(_)) => {}
                _ => panic!("rendering is not deterministic"),
            }
            let _ = ocgen::cli::ports(&plan, ocgen::cli::Format::Json);
        }
        Err(problems) => {
            let _ = ocgen::diag::render(&problems, "fuzz.yaml", text, false);
        }
    }
}
