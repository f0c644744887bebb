//! OpenClaw's own systemd units (`openclaw-gateway*.service`, user and
//! system), read as systemd reads them (systemd.syntax(7),
//! systemd.service(5), systemd.exec(5)): comments, line continuations,
//! sections, `ExecStart=` split into words with quotes and C escapes, the
//! `%%`/`%h` specifiers, `Environment=` assignments and `EnvironmentFile=`.
//!
//! Nothing here decides what a gateway is: a unit becomes a [`Service`],
//! which [`super::assemble`] joins with the state dirs.

use super::{Note, Secret, Service, ServiceKind, Where, env_file};

/// A unit file's directives, in order: `(section, key, value, line)`.
type Directives = Vec<(String, String, String, usize)>;

/// Reads the directives of a unit file (systemd.syntax(7)): `#`/`;`
/// comments, `[Section]` headers, `Key=Value` with whitespace around the
/// key and value trimmed, a trailing `\` joining the next line with a space
/// (comment lines inside a continuation are skipped).
fn directives(text: &str) -> Result<Directives, (usize, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut pending: Option<(String, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let (mut line, start) = match pending.take() {
            Some((mut acc, start)) => {
                acc.push(' ');
                acc.push_str(trimmed);
                (acc, start)
            }
            None => (trimmed.to_string(), n),
        };
        if line.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1 {
            line.pop();
            pending = Some((line, start));
            continue;
        }
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            if !line.ends_with(']') {
                return Err((
                    start,
                    "a section header that does not end in `]`".to_string(),
                ));
            }
            section = line[1..line.len() - 1].to_string();
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            // The line itself is not shown: it may be a secret pasted in.
            return Err((
                start,
                "a line that is neither `Key=Value` nor a section".to_string(),
            ));
        };
        out.push((
            section.clone(),
            k.trim().to_string(),
            v.trim().to_string(),
            start,
        ));
    }
    if let Some((_, start)) = pending {
        return Err((
            start,
            "the file ends inside a line continued with `\\`".to_string(),
        ));
    }
    Ok(out)
}

/// Splits a value into words as systemd's `extract_first_word` does with
/// `EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE`: whitespace separates words;
/// `"..."` and `'...'` quote (anywhere in a word); C escapes (`\n`, `\t`,
/// `\\`, `\"`, `\'`, `\s`, `\xNN`, `\NNN`, `\uNNNN`, `\UNNNNNNNN`) apply
/// inside and outside quotes. An unterminated quote or an unknown escape
/// is an error, as systemd refuses the line.
pub(super) fn split_words(value: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(words);
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        loop {
            let Some(c) = chars.next() else {
                if let Some(q) = quote {
                    return Err(format!("an unterminated {q} quote"));
                }
                break;
            };
            match (quote, c) {
                (None, c) if c.is_whitespace() => break,
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (_, '\\') => word.push(unescape(&mut chars)?),
                (_, c) => word.push(c),
            }
        }
        words.push(word);
    }
}

/// One C escape after a backslash.
fn unescape(chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<char, String> {
    let Some(c) = chars.next() else {
        return Err("a backslash at the end of the value".to_string());
    };
    let hex =
        |chars: &mut std::iter::Peekable<std::str::Chars>, n: usize| -> Result<char, String> {
            let digits: String = (0..n).filter_map(|_| chars.next()).collect();
            u32::from_str_radix(&digits, 16)
                .ok()
                .filter(|_| digits.len() == n)
                .and_then(char::from_u32)
                .filter(|c| *c != '\0')
                .ok_or_else(|| format!("an invalid escape `\\{c}{}`", digits.escape_debug()))
        };
    Ok(match c {
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        's' => ' ',
        '\\' | '"' | '\'' | ' ' => c,
        'x' => hex(chars, 2)?,
        'u' => hex(chars, 4)?,
        'U' => hex(chars, 8)?,
        '0'..='7' => {
            let mut v = c.to_digit(8).unwrap_or(0);
            for _ in 0..2 {
                match chars.next().and_then(|d| d.to_digit(8)) {
                    Some(d) => v = v * 8 + d,
                    None => return Err("an invalid octal escape".to_string()),
                }
            }
            char::from_u32(v)
                .filter(|c| *c != '\0')
                .ok_or_else(|| "an invalid octal escape".to_string())?
        }
        other => return Err(format!("an unknown escape `\\{}`", other.escape_debug())),
    })
}

/// Expands the specifiers ocgen can know: `%%` and, when the home is known,
/// `%h`. Any other specifier is an error naming it (ocgen does not guess
/// the machine's host name or unit paths).
fn specifiers(word: &str, home: Option<&str>) -> Result<String, String> {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('h') if home.is_some() => out.push_str(home.unwrap_or_default()),
            Some(s) => {
                return Err(format!(
                    "the specifier `%{}`, which ocgen does not expand",
                    s.escape_debug()
                ));
            }
            None => return Err("a `%` at the end of a value".to_string()),
        }
    }
    Ok(out)
}

/// `$NAME` and `${NAME}` in `ExecStart=` words, from the unit's own
/// `Environment=` (a `$NAME` that stands alone splits into words, as
/// systemd does).
fn substitute(words: Vec<String>, env: &[(String, Secret)]) -> Result<Vec<String>, String> {
    let lookup = |name: &str| {
        env.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.expose().to_string())
            .ok_or_else(|| format!("`${name}`, which the unit's `Environment=` does not set"))
    };
    let mut out = Vec::new();
    for w in words {
        if let Some(name) = w.strip_prefix('$').filter(|n| is_env_name(n)) {
            out.extend(lookup(name)?.split_whitespace().map(ToString::to_string));
            continue;
        }
        let mut s = String::new();
        let mut rest = w.as_str();
        while let Some(i) = rest.find("${") {
            s.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                return Err("a `${` without its `}`".to_string());
            };
            s.push_str(&lookup(&after[..end])?);
            rest = &after[end + 1..];
        }
        s.push_str(rest);
        out.push(s);
    }
    Ok(out)
}

fn is_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// Reads one unit file. `home` is the home whose user manager runs it (user
/// units) and expands `%h`. Returns the service, or a note saying where and
/// why it could not be read; odd lines inside a readable unit are notes too.
pub(super) fn read(
    path: &str,
    text: &str,
    kind: ServiceKind,
    home: Option<&str>,
    notes: &mut Vec<Note>,
) -> Option<Service> {
    let name = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".service")
        .to_string();
    let fail = |line: usize, why: String| Note::unread(Where::line(path, line), why);
    let list = match directives(text) {
        Ok(l) => l,
        Err((line, why)) => {
            notes.push(fail(
                line,
                format!("not a unit file ({why}); this service is not imported"),
            ));
            return None;
        }
    };
    let mut env: Vec<(String, Secret)> = Vec::new();
    let mut env_lines: Vec<(String, usize)> = Vec::new();
    let mut env_files = Vec::new();
    let mut exec: Option<(String, usize)> = None;
    let mut user = None;
    let mut group = None;
    for (section, key, value, line) in list {
        if section != "Service" {
            continue;
        }
        match key.as_str() {
            "Environment" => {
                if value.is_empty() {
                    env.clear();
                    continue;
                }
                let words = match split_words(&value) {
                    Ok(w) => w,
                    Err(why) => {
                        notes.push(fail(line, format!("`Environment=` with {why}: systemd ignores this line, and so does ocgen")));
                        continue;
                    }
                };
                for w in words {
                    let w = match specifiers(&w, home) {
                        Ok(w) => w,
                        Err(why) => {
                            notes.push(fail(
                                line,
                                format!(
                                    "`Environment=` with {why}: the assignment is not imported"
                                ),
                            ));
                            continue;
                        }
                    };
                    match w.split_once('=') {
                        Some((k, v)) if is_env_name(k) => {
                            env.push((k.to_string(), Secret::new(v)));
                            env_lines.push((k.to_string(), line));
                        }
                        _ => notes.push(fail(line, "`Environment=` holds a word that is not `NAME=value`: systemd ignores it, and so does ocgen".to_string())),
                    }
                }
            }
            "EnvironmentFile" => {
                if value.is_empty() {
                    env_files.clear();
                    continue;
                }
                let (optional, p) = match value.strip_prefix('-') {
                    Some(p) => (true, p),
                    None => (false, value.as_str()),
                };
                match specifiers(p, home) {
                    Ok(p) if p.starts_with('/') => {
                        env_files.push(env_file::reference(&p, optional, Where::line(path, line)));
                    }
                    Ok(_) => notes.push(fail(
                        line,
                        "`EnvironmentFile=` is not an absolute path: not read".to_string(),
                    )),
                    Err(why) => notes.push(fail(
                        line,
                        format!("`EnvironmentFile=` with {why}: not read"),
                    )),
                }
            }
            "ExecStart" => {
                if exec.is_some() {
                    notes.push(fail(
                        line,
                        "a second `ExecStart=` (a `Type=oneshot` unit?): only the first is read"
                            .to_string(),
                    ));
                    continue;
                }
                exec = Some((value, line));
            }
            "User" => user = Some(value),
            "Group" => group = Some(value),
            _ => {}
        }
    }
    let Some((exec, exec_line)) = exec else {
        notes.push(Note::unread(
            Where::file(path),
            "no `ExecStart=` in `[Service]`: not an OpenClaw gateway unit, not imported"
                .to_string(),
        ));
        return None;
    };
    // Prefixes: `-` (ignore failure), `@` (argv[0]), `:` (no substitution), `+`, `!`, `!!`.
    let mut cmd = exec.as_str();
    let mut no_subst = false;
    while let Some(c) = cmd.chars().next().filter(|c| "-@:+!".contains(*c)) {
        no_subst |= c == ':';
        cmd = &cmd[1..];
    }
    let argv = split_words(cmd)
        .and_then(|w| {
            w.into_iter()
                .map(|w| specifiers(&w, home))
                .collect::<Result<Vec<_>, _>>()
        })
        .and_then(|w| if no_subst { Ok(w) } else { substitute(w, &env) });
    let argv = match argv {
        Ok(a) if !a.is_empty() => a,
        Ok(_) => {
            notes.push(fail(
                exec_line,
                "an empty `ExecStart=`: this service is not imported".to_string(),
            ));
            return None;
        }
        Err(why) => {
            notes.push(fail(
                exec_line,
                format!("`ExecStart=` with {why}: this service is not imported"),
            ));
            return None;
        }
    };
    Some(Service {
        kind,
        path: path.to_string(),
        name,
        argv,
        argv_at: Where::line(path, exec_line),
        env: env
            .into_iter()
            .zip(env_lines)
            .map(|((k, v), (_, line))| (k, v, Where::line(path, line)))
            .collect(),
        env_files,
        user,
        group,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_systemd_quoting() {
        assert_eq!(
            split_words(r#"a "b c" 'd e' f\ g"#).unwrap(),
            vec!["a", "b c", "d e", "f g"]
        );
        assert_eq!(
            split_words(r#""A=x \"y\"" B=1"#).unwrap(),
            vec![r#"A=x "y""#, "B=1"]
        );
        assert_eq!(
            split_words(r#"A="quoted in the middle" B"#).unwrap(),
            vec!["A=quoted in the middle", "B"]
        );
        assert_eq!(split_words(r"\x41\101\u00e9\s").unwrap(), vec!["AAé "]);
        assert!(split_words(r#""open"#).is_err());
        assert!(split_words(r"bad\q").is_err());
        assert!(split_words("trailing\\").is_err());
        assert!(split_words(r"\x0").is_err());
        assert!(split_words(r"\000").is_err());
    }

    #[test]
    fn directives_join_continuations_and_skip_comments() {
        let d = directives("[Service]\n# c\nExecStart=/bin/node \\\n  index.js \\\n; skipped\n  gateway\nEnvironment = A=1\n").unwrap();
        assert_eq!(
            split_words(&d[0].2).unwrap(),
            vec!["/bin/node", "index.js", "gateway"]
        );
        assert_eq!(
            (d[1].1.as_str(), d[1].2.as_str(), d[1].3),
            ("Environment", "A=1", 7)
        );
        assert!(directives("[Service\n").is_err());
        assert!(directives("[Service]\nno equals\n").is_err());
        assert!(directives("[Service]\nA=b\\").is_err());
    }

    #[test]
    fn specifiers_expand_percent_and_home_only() {
        assert_eq!(
            specifiers("%h/x%%y", Some("/home/a")).unwrap(),
            "/home/a/x%y"
        );
        assert!(specifiers("%h/x", None).is_err());
        assert!(specifiers("%u", Some("/h")).is_err());
        assert!(specifiers("50%", None).is_err());
    }

    #[test]
    fn a_unit_reads_into_a_service() {
        let text = "[Unit]\nDescription=x\n[Service]\nExecStart=/usr/bin/node \"/opt/open claw/dist/index.js\" gateway --port ${P}\nEnvironment=P=18809 \"OPENCLAW_PROFILE=rescue\"\nEnvironment=HOME=%h\nEnvironmentFile=-%h/.openclaw-rescue/gateway.systemd.env\nUser=oc\n";
        let mut notes = Vec::new();
        let s = read(
            "/u/openclaw-gateway-rescue.service",
            text,
            ServiceKind::SystemdUser,
            Some("/home/a"),
            &mut notes,
        )
        .unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(s.name, "openclaw-gateway-rescue");
        assert_eq!(
            s.argv,
            vec![
                "/usr/bin/node",
                "/opt/open claw/dist/index.js",
                "gateway",
                "--port",
                "18809"
            ]
        );
        assert_eq!(s.env_value("HOME"), Some("/home/a"));
        assert_eq!(
            s.env_files[0].path,
            "/home/a/.openclaw-rescue/gateway.systemd.env"
        );
        assert_eq!(s.user.as_deref(), Some("oc"));
    }

    #[test]
    fn odd_quoting_is_a_note_not_a_panic() {
        for text in [
            "[Service]\nExecStart=/bin/node \"unterminated\n",
            "[Service]\nExecStart=/bin/x ${NOPE}\n",
            "[Service]\nExecStart=\n",
            "[Service]\nEnvironment=\"A=1\nExecStart=/bin/x\n",
            "garbage",
            "[Service]\nExecStart=/bin/x \\ud800\n",
        ] {
            let mut notes = Vec::new();
            let _ = read(
                "/u/x.service",
                text,
                ServiceKind::SystemdSystem,
                None,
                &mut notes,
            );
            assert!(!notes.is_empty(), "{text:?}");
            assert!(
                notes
                    .iter()
                    .all(|n| n.at.line.is_some() || n.at.path == "/u/x.service")
            );
        }
    }
}
