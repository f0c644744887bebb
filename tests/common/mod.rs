//! Shared helpers for integration tests: running ocgen, finding external
//! tools, golden files.
#![allow(dead_code)]

pub mod caddy;
pub mod engine;
pub mod hostgw;
pub mod kube;
pub mod nix;
pub mod procs;
pub mod realnix;
pub mod seeds;
pub mod systemd;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The ocgen binary under test.
pub fn ocgen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ocgen"))
}

/// Runs ocgen with `args` in `dir` and returns its output.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    ocgen()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("ocgen runs")
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The user documentation: README.md, then every chapter of the book
/// (`docs/src/*.md`, sorted), as (path from the root, text).
pub fn doc_pages() -> Vec<(String, String)> {
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(root().join("docs/src"))
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "md"))
                .collect()
        })
        .unwrap_or_default();
    chapters.sort();
    std::iter::once(root().join("README.md"))
        .chain(chapters)
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let rel = p.strip_prefix(root()).unwrap().display().to_string();
            (rel, text)
        })
        .collect()
}

/// All of the user documentation as one text: what a test quotes from
/// "the README" may sit in any chapter of the book.
pub fn docs() -> String {
    doc_pages()
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `examples/*.yaml`, sorted.
pub fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

/// The examples whose `targets` include `target` (a file lists its
/// targets, or gets host, systemd, nixos and compose).
pub fn examples_for(target: ocgen::plan::Target) -> Vec<PathBuf> {
    examples()
        .into_iter()
        .filter(|p| {
            let doc = ocgen::model::load(&std::fs::read_to_string(p).unwrap()).unwrap();
            let plan = ocgen::plan::plan(&doc)
                .unwrap_or_else(|e| panic!("{}: {}", p.display(), e[0].message));
            plan.has_target(target)
        })
        .collect()
}

/// Whether missing tools must fail the test run (the README's test command
/// sets `OCGEN_REQUIRE_TOOLS=1`; CI always does).
pub fn tools_required() -> bool {
    std::env::var_os("OCGEN_REQUIRE_TOOLS").is_some_and(|v| v == "1")
}

/// Where `install-tools.sh` puts the tools: `$OCGEN_TOOLS`, else
/// `~/.cache/ocgen-test-tools`.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("OCGEN_TOOLS").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/ocgen-test-tools"),
        PathBuf::from,
    )
}

/// A test that cannot run on this machine: a failure when tools are
/// required (the test command, CI), else a `SKIPPED:` line, which the test
/// command also refuses.
pub fn skip(why: &str) {
    assert!(
        !tools_required(),
        "{why}; OCGEN_REQUIRE_TOOLS=1 forbids skipping"
    );
    eprintln!("SKIPPED: {why}");
}

/// Finds an external tool: `$OCGEN_TOOLS/bin`, then the default cache
/// (`~/.cache/ocgen-test-tools/bin`), then PATH. Returns None (after
/// printing why) when it is missing and tools are not required; panics when
/// they are.
pub fn tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(t) = std::env::var_os("OCGEN_TOOLS") {
        dirs.push(PathBuf::from(t).join("bin"));
    }
    if let Some(h) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(h).join(".cache/ocgen-test-tools/bin"));
    }
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    for d in dirs {
        let c = d.join(name);
        if c.is_file() {
            return Some(c);
        }
    }
    skip(&format!(
        "external tool `{name}` not found (run `bash .ci/install-tools.sh`, or set OCGEN_TOOLS)"
    ));
    None
}

/// Compares `actual` with the golden file at `path` (relative to
/// tests/golden); `OCGEN_BLESS=1` rewrites it instead.
pub fn golden(path: &str, actual: &str) {
    let p = root().join("tests/golden").join(path);
    if std::env::var_os("OCGEN_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("golden file {}: {e} (OCGEN_BLESS=1 writes it)", p.display()));
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .header("golden", "actual")
            .to_string();
        panic!(
            "{} differs from the golden file (OCGEN_BLESS=1 rewrites it):\n{diff}",
            p.display()
        );
    }
}

/// Every file below `dir`, by `/`-separated relative path.
pub fn read_tree(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

/// A temporary directory holding `ocgen.yaml` with `yaml`.
pub fn setup(yaml: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("ocgen.yaml"), yaml).unwrap();
    d
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Permission bits of a path.
pub fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}
