//! The README and the book under docs/ say what ocgen does today: every
//! relative link leads to a file (and a heading, for `#anchor` links), the
//! book's SUMMARY.md lists every chapter and no missing one, every `ocgen`
//! command of a `sh` block runs (in a directory of its own, from `ocgen
//! init`'s starter or the example the chapter is about, with its tree
//! generated into deploy/) with the exit code it is shown with, and every
//! whole `ocgen.yaml` shown passes `ocgen check`.

mod common;
use common::*;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// mdBook's id of a heading: lowercase, spaces to `-`, other punctuation
/// dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The text outside fenced code blocks.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fence = false;
    for l in text.lines() {
        if l.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if !fence {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

fn anchors(text: &str) -> BTreeSet<String> {
    prose(text)
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| anchor(l.trim_start_matches('#')))
        .collect()
}

/// Every `[text](target)` of the prose.
fn links(text: &str) -> Vec<String> {
    let p = prose(text);
    let mut out = Vec::new();
    let mut rest = p.as_str();
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

#[test]
fn every_relative_link_leads_somewhere() {
    let mut broken = Vec::new();
    for (page, text) in doc_pages() {
        let dir = root().join(&page).parent().unwrap().to_path_buf();
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (file, frag) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                root().join(&page)
            } else {
                dir.join(file)
            };
            if !target.exists() {
                broken.push(format!("{page}: {link}: no such file"));
                continue;
            }
            if !frag.is_empty() && target.extension().is_some_and(|e| e == "md") {
                let t = fs::read_to_string(&target).unwrap();
                if !anchors(&t).contains(frag) {
                    broken.push(format!("{page}: {link}: no heading with that id"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_summary_lists_every_chapter_once() {
    let src = root().join("docs/src");
    let summary = fs::read_to_string(src.join("SUMMARY.md")).unwrap();
    let listed: Vec<String> = links(&summary);
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "a chapter listed twice");
    let on_disk: BTreeSet<String> = fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "SUMMARY.md")
        .collect();
    let listed: BTreeSet<String> = listed.into_iter().collect();
    assert_eq!(listed, on_disk, "SUMMARY.md and docs/src/ differ");
}

#[test]
fn the_readme_fits_two_screens_and_leads_to_the_book() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.lines().count() <= 100,
        "README.md has {} lines: move the detail into the book",
        readme.lines().count()
    );
    assert!(readme.contains("docs/src/SUMMARY.md"));
    // The first two commands: the install line as CI would run it, and the
    // example it prints.
    let first = readme
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let mut lines = first.lines().map(|l| l.split('#').next().unwrap().trim());
    assert_eq!(lines.next(), Some("cargo install --locked --path ."));
    let cargo = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(cargo.contains("[[bin]]\nname = \"ocgen\""), "{cargo}");
    assert_eq!(lines.next(), Some("ocgen compose -f examples/fleet.yaml"));
}

/// What a chapter's commands run against: the example it is about, else
/// `ocgen init`'s starter.
fn input_of(page: &str) -> Option<&'static str> {
    match page {
        "docs/src/kubernetes.md" => Some("examples/kubernetes.yaml"),
        "docs/src/launchd.md" => Some("examples/macos.yaml"),
        "docs/src/front-door.md" => Some("examples/front-door.yaml"),
        "docs/src/settings.md" => Some("examples/assistant.yaml"),
        _ => None,
    }
}

/// The exit code a command is shown with, when it is not 0.
fn expected_code(cmd: &str) -> &'static [i32] {
    match cmd {
        // The starter has no `proxy:`; the tour says the command needs one.
        "ocgen proxy" => &[65],
        // Whether something answers on the plan's ports, or holds them,
        // depends on the machine (another test's gateways may).
        "ocgen check --host" | "ocgen doctor" => &[0, 1],
        c if c.starts_with("ocgen status") => &[0, 1],
        _ => &[0],
    }
}

/// Runs one `ocgen ...` segment of a shell line in `dir`; what it prints
/// to a redirection goes to a file in `dir` whatever the path shown.
fn run_shown(dir: &Path, page: &str, segment: &str) -> Result<(), String> {
    let (cmd, redirect) = match segment.split_once('>') {
        Some((c, r)) => (c.trim(), Some(r.trim())),
        None => (segment.trim(), None),
    };
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let mut args: Vec<String> = words[1..].iter().map(ToString::to_string).collect();
    // Live-host commands run against the directory, never the machine.
    match args.first().map(String::as_str) {
        Some("install") => {
            args.extend(["--root".to_string(), dir.join("root").display().to_string()]);
        }
        // `import` reads this machine's homes and units, and `backup`,
        // `restore` and `rollout` change its live gateways (tests/day_two.rs
        // runs them on real ones): their options are checked here.
        Some("import" | "backup" | "restore" | "rollout") => args.push("--help".to_string()),
        // Nothing runs here to wait for: a deadline of one second, not the
        // five minutes a user gets.
        Some("status") if args.iter().any(|a| a == "--wait") => {
            if let Some(i) = args.iter().position(|a| a == "--timeout") {
                args.drain(i..=i + 1);
            }
            args.extend(["--timeout".to_string(), "1s".to_string()]);
        }
        _ => {}
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run_in(dir, &refs);
    let code = o.status.code().unwrap_or(-1);
    let want = expected_code(cmd);
    if !want.contains(&code) {
        return Err(format!(
            "{page}: `{segment}` exited {code}, the book shows {want:?}:\n{}{}",
            stdout(&o),
            stderr(&o)
        ));
    }
    if let Some(r) = redirect {
        let name = Path::new(r).file_name().unwrap();
        fs::write(dir.join(name), &o.stdout).unwrap();
    }
    Ok(())
}

#[test]
fn every_command_shown_runs() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for (page, text) in doc_pages() {
        let blocks: Vec<&str> = text
            .split("```sh\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .collect();
        for block in blocks {
            // Each block in a directory of its own: one block is one session.
            let d = tempfile::tempdir().unwrap();
            match input_of(&page) {
                Some(example) => {
                    fs::copy(root().join(example), d.path().join("ocgen.yaml")).unwrap();
                }
                None => {
                    assert!(run_in(d.path(), &["init"]).status.success());
                }
            }
            // A repository keeps its generated tree (the GitOps chapter's
            // `--check` runs against it).
            assert!(
                run_in(d.path(), &["generate", "--out", "deploy"])
                    .status
                    .success()
            );
            let examples = d.path().join("examples");
            fs::create_dir(&examples).unwrap();
            for e in common::examples() {
                fs::copy(&e, examples.join(e.file_name().unwrap())).unwrap();
            }
            for line in block.lines() {
                let line = line.split(" #").next().unwrap();
                for segment in line.split("&&") {
                    let segment = segment.split('|').next().unwrap().trim();
                    if !segment.starts_with("ocgen ") && segment != "ocgen" {
                        continue;
                    }
                    // `ocgen init` ran already: the starter is there.
                    if segment == "ocgen init" {
                        continue;
                    }
                    ran += 1;
                    if let Err(e) = run_shown(d.path(), &page, segment) {
                        failures.push(e);
                    }
                }
            }
        }
    }
    assert!(ran >= 20, "only {ran} commands found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every YAML block that is a whole file (`version: 1`) passes `ocgen
/// check`, or fails it where the text says it is refused.
#[test]
fn every_whole_file_shown_passes_check() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (page, text) in doc_pages() {
        for block in text
            .split("```yaml\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
        {
            if !block.lines().any(|l| l == "version: 1") {
                continue;
            }
            checked += 1;
            let d = setup(block);
            let o = run_in(d.path(), &["check"]);
            if !o.status.success() {
                failures.push(format!("{page}:\n{block}\n{}", stderr(&o)));
            }
        }
    }
    assert!(checked >= 3, "only {checked} whole files found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The book's chapters are the files SUMMARY.md names; a chapter
/// another branch adds joins the list when it lands.
#[test]
fn the_book_builds_with_mdbook() {
    let Some(mdbook) = tool("mdbook") else {
        return;
    };
    let out: PathBuf = tempfile::tempdir().unwrap().keep();
    let o = std::process::Command::new(mdbook)
        .args(["build"])
        .arg(root().join("docs"))
        .arg("--dest-dir")
        .arg(&out)
        .output()
        .unwrap();
    let _ = fs::remove_dir_all(&out);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(
        !err.contains("WARN") && !err.contains("ERROR"),
        "mdbook build warned:\n{err}"
    );
}

/// The compose chapter's quick start, run as a shell runs it (with a
/// `docker` that does nothing): every gateway of `ocgen init`'s starter gets
/// its secrets file, 0600, setting what the compose file says it must.
#[test]
fn the_compose_quick_start_fills_every_gateways_secrets_file() {
    use std::os::unix::fs::PermissionsExt;
    let text = fs::read_to_string(root().join("docs/src/compose.md")).unwrap();
    let block = text
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap();
    let d = tempfile::tempdir().unwrap();
    assert!(run_in(d.path(), &["init"]).status.success());
    let bin = d.path().join("bin");
    fs::create_dir(&bin).unwrap();
    fs::copy(env!("CARGO_BIN_EXE_ocgen"), bin.join("ocgen")).unwrap();
    fs::write(bin.join("docker"), "#!/bin/sh\nexit 0\n").unwrap();
    fs::set_permissions(bin.join("docker"), fs::Permissions::from_mode(0o755)).unwrap();
    let o = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", block])
        .current_dir(d.path())
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let compose = fs::read_to_string(d.path().join("docker-compose.yml")).unwrap();
    let mut seen = 0;
    for line in compose.lines() {
        let Some(rest) = line.trim().strip_prefix("# secrets/") else {
            continue;
        };
        let (file, names) = rest.split_once(" must set:").unwrap();
        let path = d.path().join("secrets").join(file);
        let meta = fs::metadata(&path).unwrap_or_else(|_| panic!("no secrets/{file}"));
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{file}");
        let set = fs::read_to_string(&path).unwrap();
        for name in names.split_whitespace() {
            assert!(
                set.contains(&format!("{name}=")),
                "secrets/{file} lacks {name}"
            );
        }
        seen += 1;
    }
    assert_eq!(seen, 2, "the starter's two gateways:\n{compose}");
}
