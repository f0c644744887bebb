//! The pipeline's layering: data flows cli → model → plan → render → write,
//! and no module reaches back up. Read from the sources themselves: every
//! `crate::…` and `super::…` path outside comments and unit tests is an edge,
//! and the graph of modules (render's and plan's files each count as one)
//! must have no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn module_of(rel: &str) -> String {
    let rel = rel.trim_end_matches(".rs");
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        [one] => (*one).to_string(),
        [dir, "mod"] => (*dir).to_string(),
        [dir, file, ..] => format!("{dir}::{file}"),
        [] => String::new(),
    }
}

fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    let body = text.split("#[cfg(test)]").next().unwrap_or("");
    body.lines().filter(|l| !l.trim_start().starts_with("//"))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let dirs: BTreeSet<String> = files
        .iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&src).unwrap().to_str().unwrap().to_string();
            rel.contains('/')
                .then(|| rel.split('/').next().unwrap().to_string())
        })
        .collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in &files {
        let rel = p.strip_prefix(&src).unwrap().to_str().unwrap().to_string();
        let me = module_of(&rel);
        if me == "lib" || me == "main" {
            continue;
        }
        let top = me.split("::").next().unwrap().to_string();
        let text = std::fs::read_to_string(p).unwrap();
        let mut deps = BTreeSet::new();
        for line in code_lines(&text) {
            for (prefix, base) in [("crate::", None), ("super::", Some(top.clone()))] {
                let mut rest = line;
                while let Some(i) = rest.find(prefix) {
                    rest = &rest[i + prefix.len()..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if name.is_empty() {
                        continue;
                    }
                    let target = match &base {
                        // `super::x` from a file inside a folder module.
                        Some(dir) if me.contains("::") => format!("{dir}::{name}"),
                        Some(_) => continue,
                        None => {
                            // `crate::render::compose` names render's file.
                            let after = &rest[name.len()..];
                            let sub: String = after
                                .strip_prefix("::")
                                .unwrap_or("")
                                .chars()
                                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                                .collect();
                            if dirs.contains(&name)
                                && !sub.is_empty()
                                && src.join(&name).join(format!("{sub}.rs")).exists()
                            {
                                format!("{name}::{sub}")
                            } else {
                                name
                            }
                        }
                    };
                    if target != me {
                        deps.insert(target);
                    }
                }
            }
        }
        g.entry(me).or_default().extend(deps);
    }
    g
}

/// A module depends on its folder's `mod.rs` (`render`) only through what
/// that file declares, so a file may use its parent freely; what counts is
/// that no two modules reach each other, directly or around a loop.
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            // A file's edge to its own folder's mod.rs is containment.
            if n.starts_with(&format!("{d}::")) {
                continue;
            }
            match state.get(d.as_str()) {
                Some(1) => {
                    let at = path.iter().position(|p| p == d).unwrap();
                    let mut c = path[at..].to_vec();
                    c.push(d.clone());
                    return Some(c);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(d, g, state, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if !state.contains_key(n.as_str()) {
            if let Some(c) = visit(n, g, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn no_module_reaches_back_up_the_pipeline() {
    let g = graph();
    if let Some(c) = find_cycle(&g) {
        panic!("import cycle: {}\n{g:#?}", c.join(" -> "));
    }
}

#[test]
fn the_leaves_depend_on_nothing_above_them() {
    let g = graph();
    let allowed: &[(&str, &[&str])] = &[
        ("span", &[]),
        ("openclaw", &[]),
        ("target", &[]),
        ("diag", &["span", "openclaw", "target", "diag::redact"]),
        ("diag::redact", &["span", "openclaw", "diag"]),
        ("model", &["span", "diag", "diag::redact", "target"]),
    ];
    for (m, ok) in allowed {
        let deps = g.get(*m).cloned().unwrap_or_default();
        let extra: Vec<_> = deps.iter().filter(|d| !ok.contains(&d.as_str())).collect();
        assert!(extra.is_empty(), "`{m}` depends on {extra:?}");
    }
    // Renderers ask the plan; the plan never asks a renderer or the writer.
    for (m, deps) in &g {
        if m == "plan" || m.starts_with("plan::") || m == "openclaw" {
            let up: Vec<_> = deps
                .iter()
                .filter(|d| {
                    ["render", "write", "host", "cli"]
                        .iter()
                        .any(|u| d.starts_with(u))
                })
                .collect();
            assert!(up.is_empty(), "`{m}` depends on {up:?}");
        }
    }
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert!(find_cycle(&g).is_some());
    g.insert("b".to_string(), BTreeSet::new());
    assert!(find_cycle(&g).is_none());
}

/// Every source file under `src/<dir>`, relative name and text.
fn sources(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_str().unwrap().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Lines of a rule file that import its folder wholesale.
fn glob_imports(text: &str) -> Vec<String> {
    code_lines(text)
        .filter(|l| {
            let l = l.trim();
            l.starts_with("use super::*") || l.starts_with("pub use super::*")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn rule_files_name_what_they_import() {
    for (file, text) in sources("plan") {
        let globs = glob_imports(&text);
        assert!(
            globs.is_empty(),
            "src/plan/{file}.rs imports its folder wholesale ({globs:?}): name what it uses, so that the reader (and this test) sees which rule family depends on which"
        );
    }
}

/// Files of `src/render/` that are not renderers: shared formatting.
const RENDER_HELPERS: &[&str] = &["mod", "quote", "yaml", "templates"];

/// `(other renderer, item)` pairs a renderer file reaches into, except its
/// entry points (`render*`, `value`): a renderer may embed another's
/// output, never reuse one of its rules.
fn foreign_renderer_items(me: &str, text: &str, renderers: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in code_lines(text) {
        for prefix in ["super::", "crate::render::"] {
            let mut rest = line;
            while let Some(i) = rest.find(prefix) {
                rest = &rest[i + prefix.len()..];
                let module: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if module == me || !renderers.contains(&module) {
                    continue;
                }
                let after = rest[module.len()..].strip_prefix("::").unwrap_or("");
                let items: Vec<String> = if let Some(group) = after.strip_prefix('{') {
                    group
                        .split('}')
                        .next()
                        .unwrap_or("")
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                } else {
                    vec![
                        after
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect(),
                    ]
                };
                for item in items {
                    if !(item.starts_with("render") || item == "value") {
                        out.push((module.clone(), item));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn a_renderer_takes_only_other_renderers_outputs() {
    let files = sources("render");
    let renderers: Vec<String> = files
        .iter()
        .map(|(f, _)| f.clone())
        .filter(|f| !RENDER_HELPERS.contains(&f.as_str()))
        .collect();
    for (file, text) in &files {
        if RENDER_HELPERS.contains(&file.as_str()) {
            continue;
        }
        let bad = foreign_renderer_items(file, text, &renderers);
        assert!(
            bad.is_empty(),
            "src/render/{file}.rs reaches into another renderer for {bad:?}: a fact both need belongs in src/plan/"
        );
    }
}

#[test]
fn the_layout_checks_catch_what_they_forbid() {
    assert_eq!(glob_imports("use super::*;\nfn f() {}\n").len(), 1);
    assert!(glob_imports("use super::auth::X;\n#[cfg(test)]\nuse super::*;\n").is_empty());
    let renderers = vec!["compose".to_string(), "systemd".to_string()];
    assert_eq!(
        foreign_renderer_items("compose", "use super::systemd::scope;\n", &renderers),
        vec![("systemd".to_string(), "scope".to_string())]
    );
    assert_eq!(
        foreign_renderer_items(
            "compose",
            "use super::systemd::{render, file_name};\n",
            &renderers
        ),
        vec![("systemd".to_string(), "file_name".to_string())]
    );
    assert!(
        foreign_renderer_items(
            "compose",
            "let x = super::systemd::render(p);\nsuper::quote::yaml(v);\n",
            &renderers
        )
        .is_empty()
    );
}
