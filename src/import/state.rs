//! State dirs and their `openclaw.json` (JSON5, as OpenClaw reads it).
//!
//! [`scan_home`] finds OpenClaw's `--profile` layout under a home
//! (`.openclaw`, `.openclaw-<profile>`); [`read_config`] reads a config
//! with the `json5` crate, after a bounded pre-scan of its nesting (the
//! parser recurses); [`Config::take`] splits it into what ocgen models
//! (port, bind, auth, origins, workspace, browser profiles) and the rest,
//! which becomes the gateway's `openclaw:`.

use std::path::Path;

use serde_json::{Map, Value};

use super::{Note, Where, io_words};
use crate::openclaw::{STATE_DIR_NAME, is_profile_name};

/// How deep a config may nest: OpenClaw's own go a handful of levels.
const MAX_DEPTH: usize = 64;

/// A state dir found under a home: its path and the profile its name says.
pub(super) struct Found {
    pub path: String,
    pub profile: String,
}

/// The `--profile` layout under `home`: `.openclaw` (profile `default`) and
/// `.openclaw-<profile>`, sorted. Entries that cannot be read (a symlink
/// loop, no permission) are notes.
pub(super) fn scan_home(home: &str, notes: &mut Vec<Note>) -> Vec<Found> {
    let entries = match std::fs::read_dir(home) {
        Ok(e) => e,
        Err(e) => {
            notes.push(Note::unread(
                Where::file(home),
                format!("the home cannot be read: {}", io_words(&e)),
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let profile = if name == STATE_DIR_NAME {
            "default".to_string()
        } else if let Some(p) = name.strip_prefix(&format!("{STATE_DIR_NAME}-")) {
            if !is_profile_name(p) {
                continue;
            }
            p.to_string()
        } else {
            continue;
        };
        let path = format!("{}/{name}", home.trim_end_matches('/'));
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => out.push(Found { path, profile }),
            Ok(_) => {}
            Err(e) => notes.push(Note::unread(
                Where::file(&path),
                format!(
                    "cannot be read as a state dir: {}; not imported",
                    io_words(&e)
                ),
            )),
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Reads a config: JSON5 into a JSON object, or a note with its place.
#[allow(clippy::result_large_err)] // one per config read, never in a loop's hot path
pub(super) fn read_config(path: &str, text: &str) -> Result<Map<String, Value>, Note> {
    if let Some((line, col)) = too_deep(text) {
        return Err(Note::unread(
            Where::at(path, line, col),
            format!("values nest deeper than {MAX_DEPTH} levels; this gateway is not imported"),
        ));
    }
    match json5::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(Note::unread(
            Where::file(path),
            format!(
                "the config is {}, not an object; this gateway is not imported",
                kind(&other)
            ),
        )),
        Err(e) => {
            let at = e.position().map_or_else(
                || Where::file(path),
                |p| Where::at(path, p.line + 1, p.column + 1),
            );
            let what = e.to_string();
            // The crate appends " at line:column"; the place is shown anyway.
            let what = what.rsplit_once(" at ").map_or(what.as_str(), |(w, _)| w);
            Err(Note::unread(
                at,
                format!("not JSON5 ({what}); this gateway is not imported"),
            ))
        }
    }
}

pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Where brackets first nest deeper than [`MAX_DEPTH`], skipping strings
/// and comments; 1-based line and column.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let (mut line, mut col) = (1usize, 0usize);
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        col += 1;
        if c == '\n' {
            line += 1;
            col = 0;
        }
        if let Some(q) = quote {
            if c == '\\' {
                chars.next();
                col += 1;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        col = 0;
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    col += 1;
                    if c == '\n' {
                        line += 1;
                        col = 0;
                    }
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((line, col));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Removes the value at a dotted path of the config, if there.
pub(super) fn take(root: &mut Map<String, Value>, path: &[&str]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut map = root;
    for p in parents {
        map = map.get_mut(*p)?.as_object_mut()?;
    }
    map.remove(*last)
}

/// Drops maps that `take` emptied (`gateway: {}` once port and bind are
/// out), from the deepest of `path` up.
pub(super) fn prune(root: &mut Map<String, Value>, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let empty = match root.get_mut(*first).and_then(Value::as_object_mut) {
        Some(child) => {
            prune(child, rest);
            child.is_empty()
        }
        None => false,
    };
    if empty {
        root.remove(*first);
    }
}

/// Whether a directory exists (following symlinks).
pub(super) fn is_dir(p: &str) -> bool {
    Path::new(p).is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json5_reads_and_garbage_is_located() {
        let m = read_config(
            "/c.json",
            "{ // c\n gateway: { port: 18789, }, 'x': [1,2,], }\n",
        )
        .unwrap();
        assert_eq!(m["gateway"]["port"], 18789);
        let e = read_config(
            "/c.json",
            "{\n  gateway: {\n    port: 18789 bind: 'x'\n  }\n}\n",
        )
        .unwrap_err();
        assert_eq!(
            (e.at.line, e.at.path.as_str()),
            (Some(3), "/c.json"),
            "{e:?}"
        );
        assert!(
            read_config("/c.json", "[1]")
                .unwrap_err()
                .why
                .contains("a list")
        );
        assert!(read_config("/c.json", "not json at all").is_err());
        assert!(read_config("/c.json", "").is_err());
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = read_config("/c.json", &deep).unwrap_err();
        assert!(e.why.contains("nest deeper"), "{}", e.why);
        // Brackets in strings and comments do not count.
        let fine = format!(
            "{{ a: '{}', /* {} */ b: 1 }}",
            "[".repeat(200),
            "{".repeat(200)
        );
        assert!(read_config("/c.json", &fine).is_ok());
    }

    #[test]
    fn take_and_prune_leave_no_empty_maps() {
        let mut m: Map<String, Value> = serde_json::from_str(
            r#"{"gateway":{"port":1,"controlUi":{"allowedOrigins":[]}},"a":1}"#,
        )
        .unwrap();
        assert_eq!(take(&mut m, &["gateway", "port"]), Some(Value::from(1)));
        take(&mut m, &["gateway", "controlUi", "allowedOrigins"]);
        prune(&mut m, &["gateway", "controlUi"]);
        assert_eq!(Value::Object(m), serde_json::json!({"a": 1}));
    }
}
