//! Values that may be secrets, kept out of every diagnostic.
//!
//! ocgen refuses a secret written where a reference belongs (`auth.token`,
//! `auth: <the token>`, `auth.env: <the token>`, `env: { API_KEY: ... }`),
//! but it must do so without echoing it: a diagnostic ends up in CI logs.
//! [`Redaction::of`] finds the values in such places (read without the
//! schema, since the file may not deserialize); the renderer masks them in
//! every source snippet, context lines included, and scrubs them from
//! messages.

use std::ops::Range;

use serde::Deserialize;

use crate::span::Sp;

/// What shows instead of a hidden value in a message.
pub const HIDDEN: &str = "<hidden>";

/// Larger inputs are scanned line by line instead of parsed: a second parse
/// of a huge file would double the time of its error.
const PARSE_LIMIT: usize = 1024 * 1024;

/// Keys under `auth` whose values are never secrets.
const AUTH_PLAIN: &[&str] = &["user_header", "trusted_proxies", "allow_loopback"];

/// The parts of an input that must not be shown.
#[derive(Debug, Default)]
pub struct Redaction {
    /// Byte ranges of the text.
    pub ranges: Vec<Range<usize>>,
    /// The hidden values as read, for scrubbing messages that quote them.
    pub values: Vec<String>,
    /// Where hidden lists and maps start (an error may point there).
    starts: Vec<usize>,
}

impl Redaction {
    /// Finds the values in secret positions of `text`.
    pub fn of(text: &str) -> Redaction {
        let mut r = Redaction::default();
        if !mentions_secrets(text) {
            return r;
        }
        let parsed = (text.len() <= PARSE_LIMIT)
            .then(|| {
                let options = crate::span::yaml_options(serde_saphyr::DuplicateKeyPolicy::LastWins);
                serde_saphyr::from_str_with_options::<Sp<Loose>>(text, options).ok()
            })
            .flatten();
        match parsed {
            Some(root) => {
                let mut auth_vars = Vec::new();
                auth_env_names(&root, &mut auth_vars);
                r.walk(text, &root, &auth_vars);
            }
            None => r.scan_lines(text),
        }
        r.values.retain(|v| v.trim().chars().count() >= 4);
        r
    }

    /// Whether the byte range `span` touches a hidden value.
    pub fn touches(&self, span: Range<usize>) -> bool {
        let end = span.end.max(span.start + 1);
        self.starts
            .iter()
            .any(|s| span.contains(s) || *s == span.start)
            || self
                .ranges
                .iter()
                .any(|r| r.start < end && span.start < r.end)
    }

    /// `text` with every hidden byte replaced by `*` (line ends kept, so
    /// every offset and line number stays valid).
    pub fn mask(&self, text: &str) -> String {
        if self.ranges.is_empty() {
            return text.to_string();
        }
        let mut bytes = text.as_bytes().to_vec();
        for r in &self.ranges {
            // Whole characters only, so that the result stays UTF-8 of the
            // same length.
            let mut start = r.start.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = r.end.clamp(start, text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            for b in &mut bytes[start..end] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b'*';
                }
            }
        }
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// `message` with every hidden value replaced by [`HIDDEN`].
    pub fn scrub(&self, message: &str) -> String {
        let mut out = message.to_string();
        for v in &self.values {
            for shown in [
                v.clone(),
                v.escape_debug().to_string(),
                v.trim().to_string(),
            ] {
                if !shown.is_empty() && out.contains(&shown) {
                    out = out.replace(&shown, HIDDEN);
                }
            }
        }
        out
    }

    fn hide(&mut self, text: &str, node: &Sp<Loose>) {
        match &node.value {
            Loose::Scalar(v) => {
                self.values.push(v.clone());
                self.ranges.push(scalar_range(text, node));
            }
            Loose::List(items) => {
                self.starts.extend(node.span.offset);
                for i in items {
                    self.hide(text, i);
                }
            }
            Loose::Map(entries) => {
                self.starts.extend(node.span.offset);
                for (k, v) in entries {
                    self.hide(text, k);
                    self.hide(text, v);
                }
            }
        }
    }

    fn walk(&mut self, text: &str, node: &Sp<Loose>, auth_vars: &[String]) {
        match &node.value {
            Loose::Scalar(_) => {}
            Loose::List(items) => {
                for i in items {
                    self.walk(text, i, auth_vars);
                }
            }
            Loose::Map(entries) => {
                for (k, v) in entries {
                    match k.value.as_scalar() {
                        Some("auth") => self.walk_auth(text, v),
                        // `secrets:` lists variable names; anything else
                        // there may be a value. OpenClaw's own `secrets`
                        // section (providers) holds paths and commands.
                        Some("secrets") => match &v.value {
                            Loose::List(items) => {
                                for i in items {
                                    if !i
                                        .value
                                        .as_scalar()
                                        .is_some_and(crate::openclaw::is_secret_env_name)
                                    {
                                        self.hide(text, i);
                                    }
                                }
                            }
                            Loose::Map(_) => self.walk(text, v, auth_vars),
                            // One name, not in a list: a name all the same.
                            Loose::Scalar(name) if crate::openclaw::is_secret_env_name(name) => {}
                            Loose::Scalar(_) => self.hide(text, v),
                        },
                        Some(key)
                            if (is_secret_key(key) || auth_vars.iter().any(|a| a == key))
                                && !is_reference(&v.value) =>
                        {
                            self.hide(text, v);
                        }
                        _ => self.walk(text, v, auth_vars),
                    }
                }
            }
        }
    }

    /// Inside `auth` only a mode, a variable name and an absolute path are
    /// expected: anything else may be the secret itself.
    fn walk_auth(&mut self, text: &str, node: &Sp<Loose>) {
        let Loose::Map(entries) = &node.value else {
            // `auth: token`: a mode written where the map belongs is a
            // word, not a secret.
            if !node.value.as_scalar().is_some_and(is_auth_mode) {
                self.hide(text, node);
            }
            return;
        };
        for (k, v) in entries {
            let scalar = v.value.as_scalar();
            let plain = match k.value.as_scalar() {
                // A mode is a short word; a typo of one stays visible.
                Some("mode") => scalar.is_some_and(is_mode_word),
                Some("env") => scalar.is_some_and(crate::openclaw::is_secret_env_name),
                Some("file") => scalar.is_some_and(|f| {
                    f.starts_with('/') && !f.chars().any(|c| c.is_whitespace() || c.is_control())
                }),
                Some(key) if AUTH_PLAIN.contains(&key) => true,
                Some(key) => {
                    // An unknown key: its value is hidden, and the key too
                    // unless it is a plain word (`token:`), which a
                    // message may name.
                    if !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                        self.hide(text, k);
                    }
                    false
                }
                None => {
                    self.hide(text, k);
                    false
                }
            };
            if !plain {
                self.hide(text, v);
            }
        }
    }

    /// For text that does not parse: after `auth:` or a secret-looking key,
    /// the rest of the line and any more-indented lines below it.
    fn scan_lines(&mut self, text: &str) {
        // `env: NAME` anywhere: an entry `NAME:` may hold that secret.
        let auth_vars: Vec<&str> = text
            .match_indices("env:")
            .filter_map(|(i, _)| {
                let rest = text[i + 4..].trim_start_matches([' ', '"', '\'']);
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                Some(&rest[..end]).filter(|n| crate::openclaw::is_secret_env_name(n))
            })
            .collect();
        let mut offset = 0;
        let mut hide_below: Option<usize> = None;
        for line in text.split_inclusive('\n') {
            let body = line.trim_end_matches(['\n', '\r']);
            let indent = body.len() - body.trim_start().len();
            let blank = body.trim().is_empty();
            match hide_below {
                Some(level) if blank || indent > level => {
                    // Hidden whole; for messages, the value after a key.
                    let value_at = body.find(": ").map_or(indent, |i| i + 1);
                    self.hide_raw(text, offset + value_at..offset + body.len());
                    self.ranges.push(offset..offset + body.len());
                    offset += line.len();
                    continue;
                }
                _ => hide_below = None,
            }
            if let Some(colon) = secret_key_end(body, &auth_vars) {
                let rest = body[colon..].trim();
                let after = body.len() - body[colon..].trim_start().len();
                self.hide_raw(text, offset + after..offset + body.len());
                if rest.is_empty() || rest.starts_with(['|', '>', '#']) {
                    hide_below = Some(indent);
                }
            }
            offset += line.len();
        }
    }

    fn hide_raw(&mut self, text: &str, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let v = text
            .get(range.clone())
            .unwrap_or("")
            .trim()
            .trim_matches(['"', '\''])
            .to_string();
        self.values.push(v);
        self.ranges.push(range);
    }
}

/// A short lowercase word, as a mode is: a typo of one stays visible.
fn is_mode_word(m: &str) -> bool {
    m.len() <= 20 && m.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// One of the auth modes, written where `auth`'s map belongs.
fn is_auth_mode(m: &str) -> bool {
    matches!(m, "none" | "token" | "password" | "trusted-proxy")
}

/// An OpenClaw SecretRef (`{source, provider, id}`) or `${VAR}`: where a
/// secret is, not the secret.
fn is_reference(v: &Loose) -> bool {
    match v {
        Loose::Map(entries) => {
            !entries.is_empty()
                && entries.iter().all(|(k, v)| {
                    matches!(k.value.as_scalar(), Some("source" | "provider" | "id"))
                        && v.value.as_scalar().is_some()
                })
        }
        Loose::Scalar(s) => s
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .is_some_and(crate::openclaw::is_secret_env_name),
        Loose::List(_) => false,
    }
}

/// A cheap first look: without any of these words no value is in a secret
/// position, and the parse is skipped.
fn mentions_secrets(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["auth", "token", "passw", "secret", "key", "credential"]
        .iter()
        .any(|w| lower.contains(w))
}

/// A key whose value would be a secret: `token`, `password`, `API_KEY`,
/// `GITHUB_TOKEN`, ... (not `*_FILE` or `*_PATH`, which name where it is).
fn is_secret_key(key: &str) -> bool {
    crate::openclaw::looks_like_secret_name(key)
        || ["key", "apikey", "pass", "pwd"].contains(&key.to_ascii_lowercase().as_str())
}

/// Byte offset just after the colon of the first secret key of `line`
/// (`auth:` counts), anywhere in the line (flow maps put several on one).
fn secret_key_end(line: &str, auth_vars: &[&str]) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        if is_word(bytes[i]) && (i == 0 || !is_word(bytes[i - 1])) {
            let start = i;
            while i < bytes.len() && is_word(bytes[i]) {
                i += 1;
            }
            let word = &line[start..i];
            let mut j = i;
            if j < bytes.len() && (bytes[j] == b'"' || bytes[j] == b'\'') {
                j += 1;
            }
            let colon = j < bytes.len()
                && bytes[j] == b':'
                && (j + 1 == bytes.len() || bytes[j + 1] == b' ' || bytes[j + 1] == b'\t');
            if colon && (word == "auth" || is_secret_key(word) || auth_vars.contains(&word)) {
                return Some(j + 1);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Every valid `auth.env` in the file: an `env` entry of that name holds the
/// secret itself.
fn auth_env_names(node: &Sp<Loose>, out: &mut Vec<String>) {
    match &node.value {
        Loose::Scalar(_) => {}
        Loose::List(items) => items.iter().for_each(|i| auth_env_names(i, out)),
        Loose::Map(entries) => {
            for (k, v) in entries {
                if k.value.as_scalar() == Some("auth") {
                    if let Loose::Map(auth) = &v.value {
                        for (ak, av) in auth {
                            if let (Some("env"), Some(name)) =
                                (ak.value.as_scalar(), av.value.as_scalar())
                            {
                                if crate::openclaw::is_secret_env_name(name) {
                                    out.push(name.to_string());
                                }
                            }
                        }
                    }
                }
                auth_env_names(v, out);
            }
        }
    }
}

/// The bytes a scalar was written on: its span (block scalars included),
/// and a comment after it.
fn scalar_range(text: &str, node: &Sp<Loose>) -> Range<usize> {
    let Some(mut start) = node.span.offset.filter(|o| *o <= text.len()) else {
        return 0..0;
    };
    // The parser's offsets may fall inside a character (after a byte order
    // mark, say): widen to whole characters before slicing.
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + node.span.len).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    // A block scalar's span runs on to the indentation of the next key.
    while end > start && matches!(text.as_bytes()[end - 1], b' ' | b'\t' | b'\n' | b'\r') {
        end -= 1;
    }
    // A comment after it may repeat it.
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    if text[end..line_end].trim_start().starts_with('#') {
        end = line_end;
    }
    start..end
}

/// A YAML value read without a schema, with the place of every part.
#[derive(Debug)]
enum Loose {
    Scalar(String),
    List(Vec<Sp<Loose>>),
    Map(Vec<(Sp<Loose>, Sp<Loose>)>),
}

impl Loose {
    fn as_scalar(&self) -> Option<&str> {
        match self {
            Loose::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Loose;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
                Ok(Loose::Scalar(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
                Ok(Loose::Scalar(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
                Ok(Loose::Scalar(v.to_string()))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Loose, E> {
                Ok(Loose::Scalar(v.to_string()))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Loose, E> {
                Ok(Loose::Scalar(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
                Ok(Loose::Scalar(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
                Ok(Loose::Scalar(v.to_string()))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Loose, E> {
                Ok(Loose::Scalar(String::from_utf8_lossy(v).into_owned()))
            }
            fn visit_unit<E>(self) -> Result<Loose, E> {
                Ok(Loose::Scalar(String::new()))
            }
            fn visit_none<E>(self) -> Result<Loose, E> {
                Ok(Loose::Scalar(String::new()))
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
                Loose::deserialize(d)
            }
            fn visit_newtype_struct<D: serde::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Loose, D::Error> {
                Loose::deserialize(d)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Loose, A::Error> {
                let mut items = Vec::new();
                while let Some(i) = a.next_element()? {
                    items.push(i);
                }
                Ok(Loose::List(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Loose, A::Error> {
                let mut entries = Vec::new();
                while let Some(e) = a.next_entry()? {
                    entries.push(e);
                }
                Ok(Loose::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(text: &str) -> String {
        Redaction::of(text).mask(text)
    }

    #[test]
    fn secret_positions_are_masked_and_the_rest_kept() {
        let text = "version: 1\ngateways:\n  a:\n    port: 5\n    auth: {mode: token, token: SEKRET1}\n    env:\n      API_KEY: SEKRET2 # comment\n      TZ: UTC\n  b:\n    auth: SEKRET3\n  c:\n    auth:\n      mode: token\n      env: OPENCLAW_GATEWAY_TOKEN\n  d:\n    auth: {mode: token, env: not a name SEKRET4, file: rel/SEKRET5}\n";
        let m = hidden(text);
        assert_eq!(m.len(), text.len());
        assert_eq!(m.lines().count(), text.lines().count());
        for s in ["SEKRET1", "SEKRET2", "SEKRET3", "SEKRET4", "SEKRET5"] {
            assert!(!m.contains(s), "{s} shown:\n{m}");
        }
        for kept in [
            "port: 5",
            "mode: token",
            "TZ: UTC",
            "env: OPENCLAW_GATEWAY_TOKEN",
            "API_KEY:",
        ] {
            assert!(m.contains(kept), "{kept} masked:\n{m}");
        }
        // An error about a list where the variable's name belongs points at `[`.
        let text = "gateways:\n  a: {auth: {mode: token, env: [SEKRET1]}}\n";
        let at = text.find('[').unwrap();
        assert!(Redaction::of(text).touches(at..at + 1));
    }

    /// Names are shown as written: a variable's name given where a list
    /// belongs, a mode given where `auth`'s map belongs.
    #[test]
    fn names_and_modes_out_of_place_are_not_masked() {
        let text = "version: 1\ngateways:\n  a:\n    secrets: ANTHROPIC_API_KEY\n    auth: token\n  b:\n    secrets: sk-ant-SEKRET1\n    auth: SEKRET2\n";
        let m = hidden(text);
        assert!(m.contains("secrets: ANTHROPIC_API_KEY"), "{m}");
        assert!(m.contains("auth: token"), "{m}");
        for s in ["SEKRET1", "SEKRET2"] {
            assert!(!m.contains(s), "{s} shown:\n{m}");
        }
    }

    #[test]
    fn block_scalars_and_auth_env_values_are_masked() {
        let text = "version: 1\ngateways:\n  a:\n    auth: {mode: token, env: GW_AUTH}\n    env:\n      GW_AUTH: SEKRET1\n      API_KEY: |\n        SEKRET2\n        SEKRET3\n      TZ: UTC\n";
        let m = hidden(text);
        for s in ["SEKRET1", "SEKRET2", "SEKRET3"] {
            assert!(!m.contains(s), "{s} shown:\n{m}");
        }
        assert!(m.contains("TZ: UTC") && m.contains("env: GW_AUTH"), "{m}");
    }

    #[test]
    fn text_that_does_not_parse_is_masked_line_by_line() {
        let text = "version: 1\ngateways:\n  a: {port: 5, env: {API_KEY: SEKRET1}\n  b:\n    auth:\n      token: SEKRET2\n  c: {auth: {mode: token, env: GW_AUTH}}\n  d: {env: {GW_AUTH: SEKRET3\n";
        let r = Redaction::of(text);
        let m = r.mask(text);
        for s in ["SEKRET1", "SEKRET2", "SEKRET3"] {
            assert!(!m.contains(s), "{s} shown:\n{m}");
        }
        assert!(m.contains("a: {port: 5, env: {API_KEY:"), "{m}");
        assert!(r.touches(text.find("SEKRET3").unwrap()..text.len()));
        assert_eq!(
            r.scrub("unknown variant `SEKRET2`"),
            format!("unknown variant `{HIDDEN}`")
        );
    }

    #[test]
    fn files_without_secret_words_are_not_parsed_again() {
        assert!(
            Redaction::of("version: 1\ngateways: {a: {port: 5}}\n")
                .ranges
                .is_empty()
        );
    }
}
