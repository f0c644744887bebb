//! The CLI case catalogue: tests/cmd/<case>.toml runs ocgen in
//! tests/cmd/<case>.in and asserts exit code, stdout and stderr exactly.
//! `TRYCMD=overwrite cargo test --test cli_cases` rewrites the expectations.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
