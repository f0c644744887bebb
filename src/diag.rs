//! Problems found in the input, and how they are shown.
//!
//! Every failure that is the input's fault is a [`Problem`]: a [`Kind`]
//! (which fixes the diagnostic code), a message naming the gateway and the
//! values involved, labelled spans in the source and a help line with a fix.
//! They are collected, never thrown one at a time, and rendered with miette.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

/// sysexits-style exit codes, the contract with scripts and CI.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// `--check` found files that differ from what ocgen would write.
    pub const DRIFT: i32 = 1;
    /// `status`: a gateway is not healthy.
    pub const UNHEALTHY: i32 = 1;
    /// `check --host`: a reserved port is already in use on this host.
    pub const PORTS_IN_USE: i32 = 1;
    /// Bad command line (clap's own code).
    pub const USAGE: i32 = 2;
    /// The input file is invalid (`EX_DATAERR`).
    pub const INVALID: i32 = 65;
    /// A file exists that ocgen did not write (or that differs from what it
    /// would write); `--force` replaces it (`EX_CANTCREAT`).
    pub const REFUSED: i32 = 73;
    /// A file could not be read or written (`EX_IOERR`).
    pub const IO: i32 = 74;
}

/// Most problems rendered in full; the rest are counted.
pub const MAX_SHOWN: usize = 20;

/// A place in the input: byte offset and length for the snippet, line and
/// column for the one-line form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// Byte offset, when known.
    pub offset: Option<usize>,
    /// Length in bytes.
    pub len: usize,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub column: u32,
}

impl Span {
    /// No place (values ocgen made up itself).
    pub const NONE: Span = Span {
        offset: None,
        len: 0,
        line: 0,
        column: 0,
    };

    /// Whether this span points into the input.
    pub fn is_known(&self) -> bool {
        self.line > 0
    }
}

/// What went wrong, as a stable diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Kind {
    Syntax,
    Version,
    UnknownKey,
    Type,
    Name,
    Profile,
    PortRange,
    PortOverlap,
    PortExhausted,
    CdpPort,
    CdpUrl,
    Path,
    PathOverlap,
    Auth,
    Secret,
    Env,
    Image,
    Defaults,
    UnknownGateway,
    Account,
    Firewall,
    Publish,
}

impl Kind {
    /// The diagnostic code shown next to the message.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Syntax => "ocgen::syntax",
            Kind::Version => "ocgen::version",
            Kind::UnknownKey => "ocgen::unknown_key",
            Kind::Type => "ocgen::type",
            Kind::Name => "ocgen::name",
            Kind::Profile => "ocgen::profile",
            Kind::PortRange => "ocgen::port::range",
            Kind::PortOverlap => "ocgen::port::overlap",
            Kind::PortExhausted => "ocgen::port::exhausted",
            Kind::CdpPort => "ocgen::port::cdp",
            Kind::CdpUrl => "ocgen::cdp_url",
            Kind::Path => "ocgen::path",
            Kind::PathOverlap => "ocgen::path::overlap",
            Kind::Auth => "ocgen::auth",
            Kind::Secret => "ocgen::secret",
            Kind::Env => "ocgen::env",
            Kind::Image => "ocgen::image",
            Kind::Defaults => "ocgen::defaults",
            Kind::UnknownGateway => "ocgen::unknown_gateway",
            Kind::Account => "ocgen::account",
            Kind::Firewall => "ocgen::firewall",
            Kind::Publish => "ocgen::publish",
        }
    }
}

/// One thing wrong with the input.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The kind, which gives the code.
    pub kind: Kind,
    /// What is wrong, naming the gateway and values.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Places in the input.
    pub labels: Vec<(Span, String)>,
    /// Whether the source line may be printed. False where the line may hold
    /// a secret that the user wrote inline.
    pub show_source: bool,
}

impl Problem {
    /// A problem with no place yet.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Problem {
            kind,
            message: message.into(),
            help: None,
            labels: Vec::new(),
            show_source: true,
        }
    }

    /// Adds the fix.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a labelled place (ignored when the span is unknown).
    #[must_use]
    pub fn label(mut self, span: Span, text: impl Into<String>) -> Self {
        if span.is_known() {
            self.labels.push((span, text.into()));
        }
        self
    }

    /// Hides the source line (it may hold a secret).
    #[must_use]
    pub fn redact_source(mut self) -> Self {
        self.show_source = false;
        self
    }

    /// The first known place, for `file:line:col`.
    pub fn primary(&self) -> Option<Span> {
        self.labels.first().map(|(s, _)| *s)
    }
}

/// A problem bound to the text it is about, ready for miette.
struct Rendered<'a> {
    problem: &'a Problem,
    source: Arc<NamedSource<String>>,
    file: &'a str,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problem.primary() {
            Some(s) => write!(
                f,
                "{}:{}:{}: {}",
                self.file, s.line, s.column, self.problem.message
            ),
            None => write!(f, "{}: {}", self.file, self.problem.message),
        }
    }
}

impl std::error::Error for Rendered<'_> {}

impl Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.problem.kind.code()))
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.problem
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        if self.problem.show_source {
            Some(&*self.source)
        } else {
            None
        }
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if !self.problem.show_source {
            return None;
        }
        let labels = self.problem.labels.iter().filter_map(|(span, text)| {
            let offset = span.offset?;
            Some(LabeledSpan::new(
                Some(text.clone()),
                offset,
                span.len.max(1),
            ))
        });
        Some(Box::new(labels))
    }
}

/// Renders problems for a terminal or a log: the first [`MAX_SHOWN`] in
/// full, sorted by place, then a count of the rest.
pub fn render(problems: &[Problem], file: &str, text: &str, color: bool) -> String {
    let source = Arc::new(NamedSource::new(file, text.to_string()));
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut order: Vec<&Problem> = problems.iter().collect();
    order.sort_by_key(|p| {
        p.primary()
            .map_or((u32::MAX, u32::MAX), |s| (s.line, s.column))
    });
    let mut out = String::new();
    for problem in order.iter().take(MAX_SHOWN) {
        let r = Rendered {
            problem,
            source: source.clone(),
            file,
        };
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &r);
        out.push('\n');
    }
    let n = problems.len();
    if n > MAX_SHOWN {
        out.push_str(&format!(
            "… and {} more problems not shown (the first {MAX_SHOWN} are above)\n",
            n - MAX_SHOWN
        ));
    }
    out.push_str(&format!(
        "error: {file} is invalid: {n} problem{} found\n",
        if n == 1 { "" } else { "s" }
    ));
    out
}

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
    let p = yaml_problem(&message, span);
    match locate(text, span.line) {
        Some(owner) => Problem {
            message: format!("{owner}: {}", p.message),
            ..p
        },
        None => p,
    }
}

/// Which part of the file a line belongs to: "gateway `x`" or "defaults".
/// The file did not deserialize, so this reads it loosely: only top-level
/// keys and gateway names, with their lines.
fn locate(text: &str, line: u32) -> Option<String> {
    use serde::Deserialize;
    #[derive(Deserialize)]
    struct Loose {
        #[serde(default)]
        defaults: Option<crate::model::Sp<serde::de::IgnoredAny>>,
        #[serde(default)]
        gateways: Option<indexmap::IndexMap<crate::model::Sp<String>, serde::de::IgnoredAny>>,
    }
    if line == 0 {
        return None;
    }
    let options = crate::model::yaml_options(serde_saphyr::DuplicateKeyPolicy::FirstWins);
    let loose: Loose = serde_saphyr::from_str_with_options(text, options).ok()?;
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

fn yaml_problem(message: &str, span: Span) -> Problem {
    let message = message.to_string();
    if let Some((field, expected)) = parse_unknown_field(&message) {
        let candidates: Vec<&str> = expected.iter().map(String::as_str).collect();
        let mut p = Problem::new(Kind::UnknownKey, format!("unknown key `{field}`"));
        p = p.label(span, "not a key here");
        let secretish = ["token", "password", "secret", "api_key", "apikey", "key"];
        p = if secretish.contains(&field.to_ascii_lowercase().as_str()) {
            p.redact_source().help(
                "ocgen never takes a secret inline: keep it in an environment variable or a file \
                 and write `auth: { mode: token, env: VAR_NAME }` or `auth: { mode: token, file: /path }`",
            )
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
        _ => message,
    };
    let kind = if message.contains("invalid type")
        || message.contains("a port must")
        || message.starts_with("invalid ")
        || message.starts_with("expected a ")
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
    Some(match did_you_mean(given, &refs) {
        Some(best) => format!("did you mean `{best}`? Allowed: {}", options.join(", ")),
        None => format!("allowed: {}", options.join(", ")),
    })
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
