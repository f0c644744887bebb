//! Quoting rules, one function per target language. Every value that a
//! template writes goes through one of these (as a handlebars helper), and
//! the test suite proves each by parsing the output back with the real tool.

/// Quotes a value for an env file that both systemd's `EnvironmentFile=` and
/// a POSIX shell's `set -a; . FILE` read back unchanged.
///
/// Double quotes, with a backslash before `\`, `"`, `$` and `` ` ``: inside
/// double quotes both readers turn exactly those four escapes into the plain
/// character, keep any other backslash, and keep newlines. (Single quotes do
/// not work: systemd does not join `'a'\''b'` the way a shell does.) Values
/// are checked earlier to hold no control characters but tab and newline,
/// which systemd refuses.
pub fn env(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A YAML double-quoted scalar: safe for any string, any position.
pub fn yaml(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20
                || c == '\u{7f}'
                || c == '\u{85}'
                || c == '\u{2028}'
                || c == '\u{2029}'
                || c == '\u{feff}' =>
            {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Caddyfile token: bare when it holds only characters that never end or
/// start anything in a Caddyfile, else double-quoted with `\` before `"` and
/// `\`. Braces, `#`, spaces and newlines cannot leak out of quotes.
pub fn caddy(value: &str) -> String {
    let bare = !value.is_empty()
        && !value.starts_with(['@', '{', '#'])
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/*-~[]@+=,".contains(c));
    if bare {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The text of an XML element (a plist `<string>` or `<key>`): `&`, `<`,
/// `>`, `"` and `'` as entities, and CR as `&#13;`, which a parser would
/// otherwise turn into LF. Tab and LF stay as they are (element content
/// keeps them). XML 1.0 cannot carry other control characters, nor U+FFFE
/// and U+FFFF, even as references: the plan refuses them in every value
/// that reaches a plist, and should one slip through it becomes U+FFFD
/// rather than a file no parser reads.
pub fn xml(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
    out
}

/// Whether XML 1.0 can hold `c` (its `Char` production; Rust has no surrogates).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

/// A Nix double-quoted string: escapes `"`, `\`, `${` and control characters.
pub fn nix(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A systemd unit value in which specifiers must not expand: `%` becomes `%%`.
/// Paths and names reaching units are checked earlier to need nothing else.
pub fn systemd(value: &str) -> String {
    value.replace('%', "%%")
}

/// A command line of an `Exec*=` directive, one word per argument: a word
/// of plain characters as it is, any other in double quotes, which systemd
/// reads with C escapes (`\\`, `\"`, `\n`, `\t`); then `%` and `$` are
/// doubled, so that neither a specifier nor a variable expands.
pub fn systemd_exec(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            let bare = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/._:=@+-,".contains(c));
            if bare {
                return a.clone();
            }
            let mut out = String::with_capacity(a.len() + 2);
            out.push('"');
            for c in a.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '%' => out.push_str("%%"),
                    '$' => out.push_str("$$"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One `Environment=` assignment: `"NAME=value"` in double quotes, which
/// systemd reads with C escapes (`\\`, `\"`, `\n`, `\t`) and then
/// expands specifiers (`%%`). `$` is literal in `Environment=`.
pub fn systemd_env(name: &str, value: &str) -> String {
    let mut out = String::with_capacity(name.len() + value.len() + 3);
    out.push('"');
    for c in name
        .chars()
        .chain(std::iter::once('='))
        .chain(value.chars())
    {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Escapes `$` for docker compose, which would otherwise interpolate it.
pub fn compose_literal(value: &str) -> String {
    value.replace('$', "$$")
}

/// A multi-line literal for compose, `$` doubled: a `|` block scalar whose
/// lines are indented by `indent` spaces (the caller writes the line end
/// after it). Text that a block cannot carry unchanged (no single final
/// newline, a leading space or newline, control or YAML line-break
/// characters) gets the double-quoted form instead.
pub fn compose_block(value: &str, indent: usize) -> String {
    yaml_block(&compose_literal(value), indent)
}

/// A multi-line YAML string: a `|` block scalar whose lines are indented by
/// `indent` spaces (the caller writes the line end after it), or the
/// double-quoted form for text that a block cannot carry unchanged (no
/// single final newline, a leading space or newline, control or YAML
/// line-break characters).
pub fn yaml_block(value: &str, indent: usize) -> String {
    let block_safe = value.ends_with('\n')
        && !value.ends_with("\n\n")
        && !value.starts_with([' ', '\n'])
        && value.chars().all(|c| {
            c == '\n' || !(c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
        });
    if !block_safe {
        return yaml(value);
    }
    let pad = " ".repeat(indent);
    let mut out = String::from("|");
    for line in value.lines() {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

/// A compose value taken from the deployment's environment at `up` time:
/// `${NAME:?...}` fails with a message naming the variable when it is unset
/// or empty, so the value never has to be written down. None when `name` is
/// not a variable name.
pub fn compose_var(name: &str) -> Option<String> {
    let b = name.as_bytes();
    let valid = !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
    valid.then(|| {
        yaml(&format!(
            "${{{name}:?set {name} in the environment or .env}}"
        ))
    })
}

/// A YAML mapping key: bare when every YAML reader takes it as that
/// string (a letter, then letters, digits and `_./-`, and not one of YAML
/// 1.1's booleans or nulls, which Kubernetes' YAML 1.1 reader converts),
/// else double-quoted.
pub fn yaml_key(key: &str) -> String {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    let bare = key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
        && !WORDS.contains(&key.to_ascii_lowercase().as_str());
    if bare { key.to_string() } else { yaml(key) }
}

/// Nix keywords, which need quotes as attribute names.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or",
];

/// An attribute name: bare when it is a Nix identifier, else a quoted string.
pub fn attr_name(name: &str) -> String {
    let mut chars = name.chars();
    let ident = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_'-".contains(c))
        && !KEYWORDS.contains(&name);
    if ident { name.to_string() } else { nix(name) }
}

/// A JSON value as a Nix expression laid out as nixpkgs-fmt lays it out:
/// attribute sets one binding a line, short lists of scalars on one line.
/// `indent` is the column of the line the expression starts on.
pub fn nix_expr(v: &serde_json::Value, indent: usize) -> String {
    let mut out = String::new();
    write_expr(&mut out, v, indent);
    out
}

fn write_expr(out: &mut String, v: &serde_json::Value, indent: usize) {
    match v {
        serde_json::Value::Null => out.push_str("null"),
        serde_json::Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        serde_json::Value::Number(n) => out.push_str(&n.to_string()),
        serde_json::Value::String(s) => out.push_str(&nix(s)),
        serde_json::Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
        serde_json::Value::Array(items) => {
            let scalars = items.iter().all(|i| !i.is_array() && !i.is_object());
            let inline: Vec<String> = if scalars {
                items.iter().map(|i| nix_expr(i, 0)).collect()
            } else {
                Vec::new()
            };
            let width: usize = inline.iter().map(|s| s.len() + 1).sum();
            if scalars && indent + width < 70 {
                out.push_str("[ ");
                out.push_str(&inline.join(" "));
                out.push_str(" ]");
            } else {
                out.push_str("[\n");
                for i in items {
                    push_indent(out, indent + 2);
                    write_expr(out, i, indent + 2);
                    out.push('\n');
                }
                push_indent(out, indent);
                out.push(']');
            }
        }
        serde_json::Value::Object(m) if m.is_empty() => out.push_str("{ }"),
        serde_json::Value::Object(m) => {
            out.push_str("{\n");
            for (k, val) in m {
                push_indent(out, indent + 2);
                out.push_str(&attr_name(k));
                out.push_str(" = ");
                write_expr(out, val, indent + 2);
                out.push_str(";\n");
            }
            push_indent(out, indent);
            out.push('}');
        }
    }
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_keeps_cr() {
        assert_eq!(
            xml("a&b<c>\"d\"'e'\r\n\tzoë"),
            "a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;&#13;\n\tzoë"
        );
        assert_eq!(xml("x\u{1}\u{ffff}"), "x\u{fffd}\u{fffd}");
    }

    #[test]
    fn env_escapes_the_four_double_quote_specials() {
        assert_eq!(env("plain"), "\"plain\"");
        assert_eq!(env("it's"), "\"it's\"");
        assert_eq!(
            env("$HOME ${X} `x` \\ \"q\""),
            "\"\\$HOME \\${X} \\`x\\` \\\\ \\\"q\\\"\""
        );
        assert_eq!(env("a\nb"), "\"a\nb\"");
    }

    #[test]
    fn yaml_escapes_everything_that_matters() {
        assert_eq!(yaml("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(yaml("\u{1}"), "\"\\u0001\"");
        assert_eq!(yaml("é #: x"), "\"é #: x\"");
    }

    #[test]
    fn nix_escapes_interpolation() {
        assert_eq!(nix("${x} $y \"q\" \\"), "\"\\${x} $y \\\"q\\\" \\\\\"");
        assert_eq!(nix("a\nb"), "\"a\\nb\"");
    }

    #[test]
    fn systemd_env_quotes_c_style_and_doubles_percent() {
        assert_eq!(systemd_env("A", "plain"), "\"A=plain\"");
        assert_eq!(
            systemd_env("A", "q\"b\\ 50% $X\n\tz"),
            "\"A=q\\\"b\\\\ 50%% $X\\n\\tz\""
        );
        assert_eq!(systemd("50%"), "50%%");
    }

    #[test]
    fn compose_doubles_dollars() {
        assert_eq!(compose_literal("$x ${y} $$"), "$$x $${y} $$$$");
    }

    #[test]
    fn compose_block_indents_or_falls_back_to_quotes() {
        assert_eq!(
            compose_block("{\n  \"a\": \"$x\"\n\n}\n", 4),
            "|\n    {\n      \"a\": \"$$x\"\n\n    }"
        );
        for odd in [
            "no newline",
            "two\n\n",
            " leading\n",
            "\nfirst\n",
            "tab\there\n",
            "cr\r\n",
            "ls\u{2028}\n",
        ] {
            assert_eq!(
                compose_block(odd, 4),
                yaml(&compose_literal(odd)),
                "{odd:?}"
            );
        }
    }

    #[test]
    fn compose_var_interpolates_names_only() {
        assert_eq!(
            compose_var("OC_TOKEN").as_deref(),
            Some("\"${OC_TOKEN:?set OC_TOKEN in the environment or .env}\"")
        );
        assert_eq!(compose_var("A}B"), None);
        assert_eq!(compose_var(""), None);
    }
}
