//! What the YAML reader says, as a problem at its place with a fix:
//! located messages, unknown keys and values with a did-you-mean.

use super::{Kind, Problem, Span, redact};

/// Turns a serde-saphyr error into a problem with a place and a fix.
pub fn from_yaml_error(err: &serde_saphyr::Error, text: &str) -> Problem {
    let raw = err.without_snippet().to_string();
    // serde-saphyr prefixes "error: line L column C: "; the place is shown anyway.
    let message = strip_location_suffix(strip_location_prefix(&raw)).to_string();
    let span = err.location().map_or(Span::NONE, |loc| {
        let s = loc.span();
        Span {
            offset: s
                .byte_offset()
                .and_then(|o| usize::try_from(o).ok())
                .or_else(|| line_col_offset(text, loc.line(), loc.column())),
            len: s
                .byte_len()
                .and_then(|l| usize::try_from(l).ok())
                .unwrap_or(1),
            line: u32::try_from(loc.line()).unwrap_or(0),
            column: u32::try_from(loc.column()).unwrap_or(0),
        }
    });
    let message = match message.strip_prefix("duplicate mapping key: ") {
        Some(rest) => {
            let key = rest
                .split(", set DuplicateKeyPolicy")
                .next()
                .unwrap_or(rest);
            format!("duplicate key `{key}`")
        }
        None => message,
    };
    // A key the whole file lacks: serde-saphyr points at the last key it
    // read, which has nothing to do with it. Point at the file's start.
    if let Some(field) = ["version", "gateways"]
        .into_iter()
        .find(|f| message == format!("missing field `{f}`"))
    {
        let example = if field == "version" {
            "`version: 1` as the first line"
        } else {
            "a `gateways:` map with one entry per gateway"
        };
        return Problem::new(Kind::Syntax, format!("the file has no `{field}` key"))
            .label(
                Span {
                    offset: Some(0),
                    len: 0,
                    line: 1,
                    column: 1,
                },
                "missing here",
            )
            .help(format!(
                "add {example}; `ocgen init` writes a complete starter file"
            ));
    }
    // Parser limits: the loose reading below would hit the same limit.
    if let Some(p) = limit_problem(&message, span) {
        return with_owner(p, locate_by_lines(text, span.line));
    }
    let owner = locate(text, span.line).or_else(|| locate_by_lines(text, span.line));
    let mut p = problem_at(&message, span, owner, &redact::Redaction::of(text));
    if let Some(help) = span.offset.and_then(|at| out_of_place_help(text, at)) {
        p.help = Some(help);
    }
    p
}

/// The fix for a name or mode written where a list or map belongs:
/// `secrets: NAME` (a list of names) and `auth: token` (a map).
fn out_of_place_help(text: &str, at: usize) -> Option<String> {
    let before = text.get(..at)?.trim_end();
    let key = before.strip_suffix(':')?;
    let key = &key[key
        .rfind(|c: char| c.is_whitespace() || matches!(c, '{' | ','))
        .map_or(0, |i| i + 1)..];
    let rest = text.get(at..)?;
    let value = &rest[..rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | '}' | '#'))
        .unwrap_or(rest.len())];
    match key {
        "secrets" if crate::openclaw::is_secret_env_name(value) => Some(format!(
            "`secrets` is a list of variable names: write `secrets: [{value}]`"
        )),
        "auth" if matches!(value, "none" | "token" | "password" | "trusted-proxy") => {
            Some(match value {
                "none" => "`auth` is a map: write `auth: { mode: none }`".to_string(),
                "trusted-proxy" => "`auth` is a map: write `auth: { mode: trusted-proxy, user_header: X-Forwarded-User }`".to_string(),
                m => format!(
                    "`auth` is a map: write `auth: {{ mode: {m}, env: OPENCLAW_GATEWAY_{} }}` (the variable that holds it)",
                    m.to_ascii_uppercase()
                ),
            })
        }
        _ => None,
    }
}

/// A problem for a YAML reader's `message` at `span`, said of `owner`
/// (`gateway `main``, `defaults`), with what `redaction` hides kept out.
pub fn problem_at(
    message: &str,
    span: Span,
    owner: Option<String>,
    redaction: &redact::Redaction,
) -> Problem {
    let mut p = with_owner(yaml_problem(message, span), owner);
    // A wrong value where a secret's reference belongs may be the secret.
    let at = span.offset.map(|o| o..o + span.len);
    if p.kind != Kind::Syntax && at.is_some_and(|at| redaction.touches(at)) {
        p.kind = Kind::Secret;
        p.help = Some(INLINE_SECRET_HELP.to_string());
    }
    p
}

fn with_owner(p: Problem, owner: Option<String>) -> Problem {
    match owner {
        Some(owner) => Problem {
            message: format!("{owner}: {}", p.message),
            ..p
        },
        None => p,
    }
}

/// The fix for a secret written where ocgen expects a reference to it.
pub const INLINE_SECRET_HELP: &str = "ocgen never takes a secret inline: keep it in an environment variable or a file \
     and write `auth: { mode: token, env: VAR_NAME }` or `auth: { mode: token, file: /path }`";

/// The parser's limits (see `model::yaml_options`) and document-level
/// refusals, in users' terms.
fn limit_problem(message: &str, span: Span) -> Option<Problem> {
    let (msg, help) = if let Some(breach) = message.strip_prefix("budget breached: ") {
        let count: String = breach.chars().filter(char::is_ascii_digit).collect();
        let limit = count
            .parse::<u64>()
            .map_or(String::new(), |n| format!(" ({})", n.saturating_sub(1)));
        match breach.split_whitespace().next().unwrap_or("") {
            "Nodes" => (
                format!("the file holds more YAML values than ocgen reads{limit}"),
                "that is room for tens of thousands of gateways: check that this is the right file, or split the deployment into several files",
            ),
            "Depth" => (
                format!("values nest deeper than ocgen reads{limit}"),
                "ocgen.yaml nests a few levels: look for a `[` or `{` that is never closed",
            ),
            "Aliases" | "Anchors" => (
                format!("the file uses more YAML anchors or aliases than ocgen reads{limit}"),
                "write the values out instead of repeating `*alias`",
            ),
            _ => (
                format!("the file is larger than ocgen reads ({breach})"),
                "a deployment file is a few kilobytes: split it into several files",
            ),
        }
    } else if message.starts_with("alias ") {
        (
            format!("YAML aliases expand to too much: {message}"),
            "an alias bomb? write the values out instead of repeating `*alias`",
        )
    } else if message.starts_with("recursion limit exceeded") {
        (
            "values nest deeper than ocgen reads".to_string(),
            "ocgen.yaml nests a few levels: look for a `[` or `{` that is never closed",
        )
    } else if message.starts_with("multiple YAML documents") {
        (
            "the file holds more than one YAML document; ocgen reads one".to_string(),
            "remove the `---` line and everything after it, or merge the documents into one",
        )
    } else {
        return None;
    };
    Some(
        Problem::new(Kind::Syntax, msg)
            .label(span, "here")
            .help(help),
    )
}

/// Which part of the file a line belongs to: "gateway `x`" or "defaults".
/// The file did not deserialize, so this reads it loosely: only top-level
/// keys and gateway names, with their lines.
fn locate(text: &str, line: u32) -> Option<String> {
    use serde::Deserialize;
    #[derive(Deserialize)]
    struct Loose {
        #[serde(default)]
        defaults: Option<crate::span::Sp<serde::de::IgnoredAny>>,
        #[serde(default)]
        gateways: Option<indexmap::IndexMap<crate::span::Sp<String>, serde::de::IgnoredAny>>,
    }
    if line == 0 {
        return None;
    }
    let options = crate::span::yaml_options(serde_saphyr::DuplicateKeyPolicy::FirstWins);
    let Ok(loose) = serde_saphyr::from_str_with_options::<Loose>(text, options) else {
        return locate_by_lines(text, line);
    };
    let gw = loose
        .gateways
        .iter()
        .flatten()
        .map(|(k, _)| k)
        .filter(|k| k.span.line <= line)
        .max_by_key(|k| k.span.line);
    let defaults_line = loose.defaults.as_ref().map_or(0, |d| d.span.line);
    match gw {
        Some(k) if k.span.line >= defaults_line || defaults_line > line => {
            Some(format!("gateway `{}`", k.value.escape_debug()))
        }
        _ if defaults_line > 0 && defaults_line <= line => {
            // Inside `defaults` unless a later top-level key started.
            let after_defaults_key = text
                .lines()
                .skip(defaults_line as usize)
                .take((line as usize).saturating_sub(defaults_line as usize))
                .any(|l| !l.is_empty() && !l.starts_with([' ', '#', '\t', '-']));
            (!after_defaults_key).then(|| "defaults".to_string())
        }
        _ => None,
    }
}

/// [`locate`] for text that does not parse: the last top-level key at or
/// above `line`, and under `gateways:` the last key at the gateways'
/// indentation (or `` `gateways` `` itself; `` `nixos` ``, `` `systemd` ``).
/// Block style only; flow maps give None.
fn locate_by_lines(text: &str, line: u32) -> Option<String> {
    let lines: Vec<&str> = text.lines().take(line as usize).collect();
    let key = |l: &str| -> Option<String> {
        let body = l.trim_start();
        if body.is_empty() || body.starts_with(['#', '-', '{', '[']) {
            return None;
        }
        let (k, _) = body.split_once(':')?;
        Some(k.trim().trim_matches(['"', '\'']).to_string())
    };
    let indent = |l: &str| l.len() - l.trim_start_matches([' ', '\t']).len();
    let (top, top_key) = lines
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, l)| indent(l) == 0)
        .find_map(|(i, l)| key(l).map(|k| (i, k)))?;
    match top_key.as_str() {
        "defaults" => Some("defaults".to_string()),
        "gateways" => {
            let below = &lines[top + 1..];
            let Some(level) = below
                .iter()
                .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map(|l| indent(l))
            else {
                return Some("`gateways`".to_string());
            };
            let gateway = below
                .iter()
                .rev()
                .filter(|l| indent(l) == level)
                .find_map(|l| key(l))
                .map(|k| format!("gateway `{}`", k.escape_debug()));
            gateway.or_else(|| Some("`gateways`".to_string()))
        }
        "nixos" | "systemd" | "launchd" => Some(format!("`{top_key}`")),
        _ => None,
    }
}

fn yaml_problem(message: &str, span: Span) -> Problem {
    let message = message.to_string();
    if let Some((field, expected)) = parse_unknown_field(&message) {
        let candidates: Vec<&str> = expected.iter().map(String::as_str).collect();
        let mut p = Problem::new(Kind::UnknownKey, format!("unknown key `{field}`"));
        p = p.label(span, "not a key here");
        let secretish = ["token", "password", "secret", "api_key", "apikey", "key"];
        p = if secretish.contains(&field.to_ascii_lowercase().as_str()) {
            p.redact_source().help(INLINE_SECRET_HELP)
        } else if let Some(best) = did_you_mean(&field, &candidates) {
            p.help(format!(
                "did you mean `{best}`? Keys here: {}",
                candidates.join(", ")
            ))
        } else {
            p.help(format!("keys here: {}", candidates.join(", ")))
        };
        return p;
    }
    if let Some(variant) = parse_unknown_variant(&message) {
        return Problem::new(Kind::Type, message.clone())
            .label(span, "not one of the allowed values")
            .help(variant);
    }
    // serde-saphyr's wording for a value of the wrong shape, in users' terms.
    let message = match message.as_str() {
        "expected mapping start" => "expected a map of `key: value` pairs here".to_string(),
        "expected string scalar" => "expected a single text value here".to_string(),
        "expected sequence start" => "expected a list here".to_string(),
        m if m.starts_with("invalid u") || m.starts_with("invalid i") => {
            "expected a whole number here".to_string()
        }
        m if m.starts_with("invalid bool") => "expected `true` or `false` here".to_string(),
        m if m.starts_with("cannot deserialize null") || m.starts_with("null is not allowed") => {
            "expected a text value here, not an empty value (null)".to_string()
        }
        _ => message,
    };
    let kind = if message.contains("invalid type")
        || message.contains("a port must")
        || message.starts_with("invalid ")
        || message.starts_with("expected a ")
        || message.contains("(null)")
        || message.starts_with("expected `true`")
    {
        Kind::Type
    } else {
        Kind::Syntax
    };
    let help = if message.contains("duplicate key") {
        "each key may appear once per map; a gateway name twice is an error, not \"last one wins\": rename or merge the two entries"
    } else if message.contains("tab") {
        "indent YAML with spaces, not tabs"
    } else if message.contains("missing field") {
        "add the key; `ocgen init` writes a complete starter file"
    } else if message.contains("a port must") {
        "write the port as a whole number without quotes, e.g. `port: 18789` (base ports go from 1024 to 65425), or leave `port` out to have one assigned"
    } else if message.contains("not an empty value (null)") {
        "write a value, in quotes if it looks like a number or a word like `yes` (`\"\"` for an empty text), or remove the key"
    } else if kind == Kind::Type {
        "see `ocgen schema` for the type of every key"
    } else {
        "fix the YAML syntax at this place"
    };
    Problem::new(kind, message).label(span, "here").help(help)
}

fn strip_location_prefix(s: &str) -> &str {
    let s = s.strip_prefix("error: ").unwrap_or(s);
    if let Some(rest) = s.strip_prefix("line ") {
        if let Some(idx) = rest.find(": ") {
            let head = &rest[..idx];
            if head.contains(" column ") {
                return rest[idx + 2..].lines().next().unwrap_or("");
            }
        }
    }
    s.lines().next().unwrap_or("")
}

/// Drops a trailing " at line L, column C" (the place is shown anyway).
fn strip_location_suffix(s: &str) -> &str {
    match s.rfind(" at line ") {
        Some(i) if s[i..].contains(", column ") => &s[..i],
        _ => s,
    }
}

fn line_col_offset(text: &str, line: u64, column: u64) -> Option<usize> {
    let line = usize::try_from(line).ok()?.checked_sub(1)?;
    let column = usize::try_from(column).ok()?.checked_sub(1)?;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let rest = text.get(start..)?;
    let col: usize = rest.chars().take(column).map(char::len_utf8).sum();
    Some(start + col)
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (or "expected `a`").
fn parse_unknown_field(msg: &str) -> Option<(String, Vec<String>)> {
    let rest = msg.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    let field = rest[..end].to_string();
    let tail = &rest[end + 1..];
    let list = tail
        .split_once("expected one of ")
        .or_else(|| tail.split_once("expected "))
        .map_or("", |(_, l)| l);
    let expected = list
        .split(',')
        .map(|s| s.trim().trim_matches('`').to_string())
        .filter(|s| !s.is_empty() && s != "there are no fields")
        .collect();
    Some((field, expected))
}

fn parse_unknown_variant(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("unknown variant `")?;
    let end = rest.find('`')?;
    let given = &rest[..end];
    let list = rest[end + 1..]
        .split_once("expected ")
        .map_or("", |(_, l)| l);
    let options: Vec<String> = list
        .split(',')
        .map(|s| {
            s.trim()
                .trim_start_matches("one of ")
                .trim()
                .trim_matches('`')
                .to_string()
        })
        .filter(|s| !s.is_empty())
        .collect();
    let refs: Vec<&str> = options.iter().map(String::as_str).collect();
    let best = did_you_mean(given, &refs).or_else(|| synonym(given, &refs));
    Some(match best {
        Some(best) => format!("did you mean `{best}`? Allowed: {}", options.join(", ")),
        None => format!("allowed: {}", options.join(", ")),
    })
}

/// What a value people write for one of ocgen's choices means in ocgen's
/// words (`localhost` for `loopback`, `docker` for `compose`), when that
/// word is among `candidates`.
fn synonym<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    const SYNONYMS: &[(&[&str], &str)] = &[
        (
            &["localhost", "127.0.0.1", "::1", "local", "lo"],
            "loopback",
        ),
        (&["0.0.0.0", "::", "all", "any", "public"], "lan"),
        (&["tailscale", "tailnet0"], "tailnet"),
        (
            &[
                "docker",
                "docker-compose",
                "podman",
                "container",
                "containers",
            ],
            "compose",
        ),
        (&["k8s", "kube", "k3s", "kubectl"], "kubernetes"),
        (&["nix", "nixos-module"], "nixos"),
        (
            &["macos", "launchagent", "launchctl", "osx", "darwin"],
            "launchd",
        ),
        (&["bare", "bare-host", "bare_host", "linux"], "host"),
        (&["systemd-user", "unit", "units", "service"], "systemd"),
        (&["apikey", "api-key", "bearer"], "token"),
    ];
    let given = given.to_ascii_lowercase();
    SYNONYMS
        .iter()
        .find(|(words, _)| words.contains(&given.as_str()))
        .and_then(|(_, word)| candidates.iter().find(|c| *c == word).copied())
}

/// The closest candidate, if it is close enough to be a typo.
pub fn did_you_mean<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let given = given.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(&given, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::fit;

    #[test]
    fn a_choice_said_in_other_words_gets_a_did_you_mean() {
        let help = |m: &str| parse_unknown_variant(m).unwrap();
        assert_eq!(
            help("unknown variant `localhost`, expected one of `loopback`, `lan`"),
            "did you mean `loopback`? Allowed: loopback, lan"
        );
        assert_eq!(
            help("unknown variant `docker`, expected one of `host`, `compose`"),
            "did you mean `compose`? Allowed: host, compose"
        );
        // Only a word that is allowed there.
        assert_eq!(
            help("unknown variant `docker`, expected one of `managed`, `seeded`"),
            "allowed: managed, seeded"
        );
    }

    #[test]
    fn unknown_field_message_is_parsed() {
        let (f, e) =
            parse_unknown_field("unknown field `prot`, expected one of `port`, `profile`").unwrap();
        assert_eq!(f, "prot");
        assert_eq!(e, vec!["port", "profile"]);
        let (f, e) =
            parse_unknown_field("unknown field `x`, expected one of port, profile").unwrap();
        assert_eq!(f, "x");
        assert_eq!(e, vec!["port", "profile"]);
    }

    #[test]
    fn spans_are_fitted_to_character_boundaries() {
        let text = "%\u{feff}x\n";
        let s = fit(
            Span {
                offset: Some(2),
                len: 1,
                line: 1,
                column: 2,
            },
            text,
        );
        assert_eq!((s.offset, s.len), (Some(1), 3));
        let s = fit(
            Span {
                offset: Some(99),
                len: 5,
                line: 1,
                column: 2,
            },
            text,
        );
        assert_eq!((s.offset, s.len), (Some(text.len()), 0));
    }

    #[test]
    fn did_you_mean_picks_close_keys_only() {
        assert_eq!(did_you_mean("prot", &["port", "profile"]), Some("port"));
        assert_eq!(
            did_you_mean("statedir", &["state_dir", "workspace"]),
            Some("state_dir")
        );
        assert_eq!(did_you_mean("zzzz", &["port", "profile"]), None);
    }

    #[test]
    fn offsets_from_line_and_column_count_characters() {
        let text = "a: 1\nbé: x\n";
        assert_eq!(line_col_offset(text, 2, 1), Some(5));
        assert_eq!(line_col_offset(text, 2, 3), Some(8));
    }
}
