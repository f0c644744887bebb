//! Files of `NAME=value` lines: a unit's `EnvironmentFile=`, OpenClaw's
//! global `<state_dir>/.env`, and the `export NAME='value'` file behind a
//! 2026.9 LaunchAgent's wrapper. One lenient reader covers the three:
//! comments (`#`, `;`), an optional `export`, single quotes (literal, and
//! `'\''` as the shell joins it), double quotes with backslash escapes,
//! values across lines inside quotes.
//!
//! Values are read into [`Secret`]s: the importer uses the few it needs to
//! know where a gateway lives (its profile, state dir, port) and only the
//! names of the others.

use super::{Secret, Where};

/// An environment file a service names, and what it holds once read.
#[derive(Debug)]
pub(crate) struct EnvFileRef {
    /// Absolute path.
    pub path: String,
    /// `EnvironmentFile=-`: a missing file is fine.
    pub optional: bool,
    /// Where it is named.
    pub at: Where,
}

pub(super) fn reference(path: &str, optional: bool, at: Where) -> EnvFileRef {
    EnvFileRef {
        path: path.to_string(),
        optional,
        at,
    }
}

/// `NAME`, its value, and the line it starts on.
pub(super) type Assignment = (String, Secret, usize);

/// The assignments of an environment file, in order, with their lines; or
/// the line and reason it cannot be read.
pub(super) fn parse(text: &str) -> Result<Vec<Assignment>, (usize, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        // Start of a line: blanks, a comment, or an assignment.
        while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        if chars[i] == '\n' || chars[i] == '\r' {
            if chars[i] == '\n' {
                line += 1;
            }
            i += 1;
            continue;
        }
        if chars[i] == '#' || chars[i] == ';' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        let start_line = line;
        let name_start = i;
        while i < chars.len() && chars[i] != '=' && chars[i] != '\n' {
            i += 1;
        }
        if i >= chars.len() || chars[i] != '=' {
            return Err((start_line, "a line that is not `NAME=value`".to_string()));
        }
        let mut name: String = chars[name_start..i].iter().collect();
        name = name.trim().to_string();
        if let Some(rest) = name.strip_prefix("export") {
            if rest.starts_with([' ', '\t']) {
                name = rest.trim().to_string();
            }
        }
        if !is_name(&name) {
            return Err((
                start_line,
                "a line whose name is not a variable name".to_string(),
            ));
        }
        i += 1;
        while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
            i += 1;
        }
        let mut value = String::new();
        let mut trailing = 0usize;
        while let Some(&c) = chars.get(i) {
            match c {
                '\n' => break,
                '\'' => {
                    i += 1;
                    loop {
                        match chars.get(i) {
                            None => {
                                return Err((start_line, "an unterminated `'` quote".to_string()));
                            }
                            Some('\'') => break,
                            Some(&c) => {
                                if c == '\n' {
                                    line += 1;
                                }
                                value.push(c);
                            }
                        }
                        i += 1;
                    }
                    i += 1;
                    trailing = 0;
                }
                '"' => {
                    i += 1;
                    loop {
                        match chars.get(i) {
                            None => {
                                return Err((start_line, "an unterminated `\"` quote".to_string()));
                            }
                            Some('"') => break,
                            Some('\\') => {
                                i += 1;
                                match chars.get(i) {
                                    None => {
                                        return Err((
                                            start_line,
                                            "an unterminated `\"` quote".to_string(),
                                        ));
                                    }
                                    Some('n') => value.push('\n'),
                                    Some('\n') => line += 1,
                                    Some(&c @ ('"' | '\\' | '$' | '`')) => value.push(c),
                                    Some(&c) => {
                                        value.push('\\');
                                        value.push(c);
                                    }
                                }
                            }
                            Some(&c) => {
                                if c == '\n' {
                                    line += 1;
                                }
                                value.push(c);
                            }
                        }
                        i += 1;
                    }
                    i += 1;
                    trailing = 0;
                }
                '\\' => {
                    i += 1;
                    match chars.get(i) {
                        Some('\n') => line += 1,
                        Some(&c) => value.push(c),
                        None => {}
                    }
                    i += 1;
                    trailing = 0;
                }
                '#' if trailing > 0 || value.is_empty() => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                }
                ' ' | '\t' => {
                    value.push(c);
                    trailing += 1;
                    i += 1;
                }
                c => {
                    value.push(c);
                    trailing = 0;
                    i += 1;
                }
            }
        }
        value.truncate(value.len() - trailing);
        out.push((name, Secret::new(&value), start_line));
    }
    Ok(out)
}

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|(k, v, _)| (k, v.expose().to_string()))
            .collect()
    }

    #[test]
    fn the_three_dialects_read() {
        assert_eq!(
            pairs(
                "# c\nA=1\nexport B='x y'\nC=\"q \\\"z\\\" \\$H\"\n; c\nD='it'\\''s'\nE=plain # note\n"
            ),
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "x y".into()),
                ("C".into(), "q \"z\" $H".into()),
                ("D".into(), "it's".into()),
                ("E".into(), "plain".into()),
            ]
        );
        assert_eq!(
            pairs("A=\"multi\nline\"\nB=2\n")[1],
            ("B".into(), "2".into())
        );
    }

    #[test]
    fn broken_files_say_which_line() {
        assert_eq!(parse("A=1\nnot an assignment\n").unwrap_err().0, 2);
        assert_eq!(parse("A=1\n\nB='open\n").unwrap_err().0, 3);
        assert_eq!(parse("1A=x\n").unwrap_err().0, 1);
    }
}
