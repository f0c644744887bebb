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
