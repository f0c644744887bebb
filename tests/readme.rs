//! The README's example error is what ocgen prints today.

mod common;
use common::*;

#[test]
fn readme_error_example_is_current() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```text\n$ ocgen check\n")
        .expect("example in README")
        + 22;
    let shown = &readme[start..start + readme[start..].find("```\n").unwrap()];
    let d = setup(
        "version: 1\ndefaults:\n  home: /srv/oc\ngateways:\n  main:\n    port: 18789\n  rescue:\n    port: 18809\n",
    );
    let o = run_in(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(65));
    assert_eq!(stderr(&o), shown, "update the example in README.md");
}

/// The README's table of exit codes says what `ocgen::cli::ExitStatus`
/// says (the man page and `--help` are written from it).
#[test]
fn readme_exit_codes_are_the_enums() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("### Exit codes\n").expect("an exit code table");
    let rows: Vec<(u8, String)> = readme[start..]
        .lines()
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
            assert_eq!(cells.len(), 2, "{l}");
            (
                cells[0].trim().parse().unwrap(),
                cells[1].trim().to_string(),
            )
        })
        .collect();
    let want: Vec<(u8, String)> = ocgen::cli::ExitStatus::ALL
        .iter()
        .map(|s| (s.code(), s.meaning().to_string()))
        .collect();
    assert_eq!(rows, want, "update the exit code table in README.md");
}
