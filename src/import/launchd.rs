//! OpenClaw's LaunchAgents (`~/Library/LaunchAgents/ai.openclaw.*.plist`),
//! read with the `plist` crate (XML or binary), into a [`Service`]:
//! `ProgramArguments`, `EnvironmentVariables`, and, for 2026.9's own
//! installs, the environment file that the plist's `/bin/sh` wrapper loads
//! (`<state_dir>/service-env/<label>.env`).
//!
//! The tree is built from plist's event stream with a depth limit, so a
//! hostile file cannot exhaust the stack; a key of the wrong type is a note
//! that names it.

use std::collections::BTreeMap;
use std::io::Cursor;

use super::{Note, Secret, Service, ServiceKind, Where, env_file};
use crate::openclaw::{LAUNCHD_ENV_WRAPPER_SHELL, LAUNCHD_SERVICE_ENV_DIR};

/// How deep a LaunchAgent's values may nest (OpenClaw's nest two levels).
const MAX_DEPTH: usize = 16;

/// Most bytes of a binary property list: its nesting cannot be pre-scanned
/// as text, and a small file cannot nest deep enough to matter.
const MAX_BINARY_BYTES: usize = 16 * 1024;

/// A plist value.
enum PVal {
    Str(String),
    Array(Vec<PVal>),
    Dict(BTreeMap<String, PVal>),
    Other(&'static str),
}

impl PVal {
    fn kind(&self) -> &'static str {
        match self {
            PVal::Str(_) => "a string",
            PVal::Array(_) => "an array",
            PVal::Dict(_) => "a dictionary",
            PVal::Other(k) => k,
        }
    }

    fn of(v: plist::Value) -> PVal {
        match v {
            plist::Value::String(s) => PVal::Str(s),
            plist::Value::Array(items) => PVal::Array(items.into_iter().map(PVal::of).collect()),
            plist::Value::Dictionary(d) => {
                PVal::Dict(d.into_iter().map(|(k, v)| (k, PVal::of(v))).collect())
            }
            plist::Value::Boolean(_) => PVal::Other("a boolean"),
            plist::Value::Integer(_) => PVal::Other("an integer"),
            plist::Value::Real(_) => PVal::Other("a number"),
            plist::Value::Data(_) => PVal::Other("data"),
            plist::Value::Date(_) => PVal::Other("a date"),
            plist::Value::Uid(_) => PVal::Other("a UID"),
            _ => PVal::Other("an unknown value"),
        }
    }
}

/// How deep `<array>` and `<dict>` elements nest in XML text (an upper
/// bound: tags in comments count too).
fn xml_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|b| *b == b'<') {
        i += off + 1;
        let rest = &bytes[i..];
        let open = rest.starts_with(b"array") || rest.starts_with(b"dict");
        let close = rest.starts_with(b"/array") || rest.starts_with(b"/dict");
        if open {
            let end = rest.iter().position(|b| *b == b'>').unwrap_or(rest.len());
            if end == 0 || rest[end - 1] != b'/' {
                depth += 1;
                max = max.max(depth);
            }
        } else if close {
            depth = depth.saturating_sub(1);
        }
    }
    max
}

fn build(bytes: &[u8]) -> Result<PVal, String> {
    let binary = bytes.starts_with(b"bplist");
    if binary && bytes.len() > MAX_BINARY_BYTES {
        return Err(format!(
            "a binary property list larger than {MAX_BINARY_BYTES} bytes, the most ocgen reads"
        ));
    }
    if !binary && xml_depth(bytes) > MAX_DEPTH {
        return Err(format!("values nest deeper than {MAX_DEPTH} levels"));
    }
    plist::Value::from_reader(Cursor::new(bytes))
        .map(PVal::of)
        .map_err(|e| format!("not a property list ({e})"))
}

/// Reads one LaunchAgent. `read_file` reads a file the plist points at (the
/// wrapper's environment file), as the importer reads every host file.
pub(super) fn read(
    path: &str,
    bytes: &[u8],
    read_file: &dyn Fn(&str) -> Result<String, String>,
    notes: &mut Vec<Note>,
) -> Option<Service> {
    let at = Where::file(path);
    let root = match build(bytes) {
        Ok(PVal::Dict(d)) => d,
        Ok(other) => {
            notes.push(Note::unread(
                at,
                format!(
                    "the property list is {}, not a dictionary: not imported",
                    other.kind()
                ),
            ));
            return None;
        }
        Err(why) => {
            notes.push(Note::unread(at, format!("{why}: not imported")));
            return None;
        }
    };
    let wrong = |key: &str, v: &PVal, want: &str| {
        Note::unread(
            Where::key(path, key),
            format!(
                "`{key}` is {}, not {want}: this LaunchAgent is not imported",
                v.kind()
            ),
        )
    };
    let label = match root.get("Label") {
        Some(PVal::Str(s)) => s.clone(),
        Some(v) => {
            notes.push(wrong("Label", v, "a string"));
            return None;
        }
        None => {
            notes.push(Note::unread(at, "no `Label`: not imported".to_string()));
            return None;
        }
    };
    let mut argv = Vec::new();
    match root.get("ProgramArguments") {
        Some(PVal::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    PVal::Str(s) => argv.push(s.clone()),
                    v => {
                        notes.push(wrong(&format!("ProgramArguments[{i}]"), v, "a string"));
                        return None;
                    }
                }
            }
        }
        Some(v) => {
            notes.push(wrong("ProgramArguments", v, "an array of strings"));
            return None;
        }
        None => {
            notes.push(Note::unread(
                at,
                "no `ProgramArguments`: not imported".to_string(),
            ));
            return None;
        }
    }
    let mut env = Vec::new();
    match root.get("EnvironmentVariables") {
        None => {}
        Some(PVal::Dict(vars)) => {
            for (k, v) in vars {
                match v {
                    PVal::Str(s) => env.push((
                        k.clone(),
                        Secret::new(s),
                        Where::key(path, &format!("EnvironmentVariables.{k}")),
                    )),
                    v => notes.push(wrong(&format!("EnvironmentVariables.{k}"), v, "a string")),
                }
            }
        }
        Some(v) => {
            notes.push(wrong("EnvironmentVariables", v, "a dictionary"));
            return None;
        }
    }
    // 2026.9: `/bin/sh <state>/service-env/<label>-env-wrapper.sh <state>/service-env/<label>.env node ...`.
    let dir = format!("/{LAUNCHD_SERVICE_ENV_DIR}/");
    if argv.len() > 3
        && argv[0] == LAUNCHD_ENV_WRAPPER_SHELL
        && argv[1].contains(&dir)
        && argv[1].ends_with("-env-wrapper.sh")
        && argv[2].contains(&dir)
        && argv[2].ends_with(".env")
    {
        let file = argv[2].clone();
        argv.drain(..3);
        match read_file(&file).and_then(|t| env_file::parse(&t).map_err(|(line, why)| format!("line {line}: {why}"))) {
            Ok(vars) => {
                for (k, v, line) in vars {
                    env.push((k, v, Where::line(&file, line)));
                }
            }
            Err(why) => notes.push(Note::unread(
                Where::file(&file),
                format!("the environment file of LaunchAgent `{label}` cannot be read ({why}): its variables are not imported"),
            )),
        }
    }
    Some(Service {
        kind: ServiceKind::LaunchAgent,
        path: path.to_string(),
        name: label,
        argv,
        argv_at: Where::key(path, "ProgramArguments"),
        env,
        env_files: Vec::new(),
        user: None,
        group: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n";

    fn no_files(_: &str) -> Result<String, String> {
        Err("no".into())
    }

    #[test]
    fn a_plist_with_a_wrong_type_is_a_note() {
        for body in [
            "<key>Label</key><string>ai.openclaw.x</string><key>ProgramArguments</key><string>node</string>",
            "<key>Label</key><integer>3</integer>",
            "<key>Label</key><string>x</string><key>ProgramArguments</key><array><integer>1</integer></array>",
            "<key>Label</key><string>x</string><key>ProgramArguments</key><array/><key>EnvironmentVariables</key><array/>",
        ] {
            let text = format!("{HEAD}{body}</dict></plist>");
            let mut notes = Vec::new();
            assert!(
                read("/p.plist", text.as_bytes(), &no_files, &mut notes).is_none(),
                "{body}"
            );
            assert_eq!(notes.len(), 1, "{body}");
            assert!(notes[0].why.contains(", not "), "{}", notes[0].why);
        }
    }

    #[test]
    fn garbage_and_deep_nesting_are_notes() {
        let deep = format!(
            "{HEAD}<key>a</key>{}{}</dict></plist>",
            "<array>".repeat(100_000),
            "</array>".repeat(100_000)
        );
        for text in [
            "not xml at all",
            "<plist><dict><key>a</key></dict>",
            &deep,
            "",
        ] {
            let mut notes = Vec::new();
            assert!(read("/p.plist", text.as_bytes(), &no_files, &mut notes).is_none());
            assert_eq!(notes.len(), 1);
        }
    }

    #[test]
    fn the_wrapper_form_reads_its_environment_file() {
        let text = format!(
            "{HEAD}<key>Label</key><string>ai.openclaw.ops</string><key>ProgramArguments</key><array><string>/bin/sh</string><string>/h/.openclaw-ops/service-env/ai.openclaw.ops-env-wrapper.sh</string><string>/h/.openclaw-ops/service-env/ai.openclaw.ops.env</string><string>/n/node</string><string>/p/dist/index.js</string><string>gateway</string><string>--port</string><string>19000</string></array></dict></plist>"
        );
        let files = |p: &str| -> Result<String, String> {
            assert_eq!(p, "/h/.openclaw-ops/service-env/ai.openclaw.ops.env");
            Ok("# Generated by OpenClaw.\nexport OPENCLAW_PROFILE='ops'\n".to_string())
        };
        let mut notes = Vec::new();
        let s = read("/p.plist", text.as_bytes(), &files, &mut notes).unwrap();
        assert!(notes.is_empty());
        assert_eq!(s.argv[0], "/n/node");
        assert_eq!(s.env_value("OPENCLAW_PROFILE"), Some("ops"));
    }
}
