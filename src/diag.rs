//! Problems found in the input, and how they are shown.
//!
//! Every failure that is the input's fault is a [`Problem`]: a [`Kind`]
//! (which fixes the diagnostic code), a message naming the gateway and the
//! values involved, labelled spans in the source and a help line with a fix.
//! They are collected, never thrown one at a time, and rendered with miette.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

pub mod redact;
mod yaml;

pub use yaml::{INLINE_SECRET_HELP, did_you_mean, from_yaml_error, problem_at};

/// Most problems rendered in full; the rest are counted.
pub const MAX_SHOWN: usize = 20;

pub use crate::span::Span;
use crate::target::Targets;

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
    Settings,
    Target,
    Proxy,
    Kubernetes,
    Sandbox,
    Tailscale,
    /// `start:`: how the gateways start.
    Start,
    Backup,
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
            Kind::Settings => "ocgen::settings",
            Kind::Target => "ocgen::target",
            Kind::Proxy => "ocgen::proxy",
            Kind::Kubernetes => "ocgen::kubernetes",
            Kind::Sandbox => "ocgen::sandbox",
            Kind::Tailscale => "ocgen::tailscale",
            Kind::Start => "ocgen::start",
            Kind::Backup => "ocgen::backup",
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
    /// The targets whose rule this is; `None` for rules every target shares.
    pub targets: Option<Targets>,
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
            targets: None,
        }
    }

    /// Marks the problem as a rule of these targets only.
    #[must_use]
    pub fn only(mut self, targets: Targets) -> Self {
        self.targets = Some(targets);
        self
    }

    /// Whether the problem matters when `wanted` are the targets checked.
    pub fn applies_to(&self, wanted: Targets) -> bool {
        self.targets.is_none_or(|t| t.intersects(wanted))
    }

    /// A target's own rule says which of the checked targets it belongs
    /// to at the start of its message (`compose: ...`).
    #[must_use]
    pub fn for_targets(mut self, wanted: Targets) -> Self {
        if let Some(t) = self.targets {
            let t = t.intersection(wanted);
            if t != Targets::NONE {
                self.message = format!("{}: {}", t.label(), self.message);
            }
        }
        self
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
///
/// Values in places where a secret may have been written by mistake (see
/// [`redact`]) are masked in every snippet and left out of every message.
pub fn render(problems: &[Problem], file: &str, text: &str, color: bool) -> String {
    let redaction = redact::Redaction::of(text);
    let source = Arc::new(NamedSource::new(file, redaction.mask(text)));
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
        let problem = &Problem {
            message: redaction.scrub(&problem.message),
            labels: problem
                .labels
                .iter()
                .map(|(span, label)| (fit(*span, text), redaction.scrub(label)))
                .collect(),
            show_source: problem.show_source
                && !problem
                    .labels
                    .iter()
                    .any(|(span, _)| long_line_near(text, fit(*span, text))),
            ..(*problem).clone()
        };
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

/// `problems` as JSON for scripts (`ocgen check --format json`): in the
/// order `render` shows them, every one (not only the first 20), with what
/// may be a secret scrubbed as `render` scrubs it.
pub fn to_json(problems: &[Problem], file: &str, text: &str) -> serde_json::Value {
    let redaction = redact::Redaction::of(text);
    let mut order: Vec<&Problem> = problems.iter().collect();
    order.sort_by_key(|p| {
        p.primary()
            .map_or((u32::MAX, u32::MAX), |s| (s.line, s.column))
    });
    let rows: Vec<serde_json::Value> = order
        .iter()
        .map(|p| {
            let at = p.primary().map(|s| fit(s, text));
            serde_json::json!({
                "code": p.kind.code(),
                "message": redaction.scrub(&p.message),
                "file": file,
                "line": at.map(|s| s.line).filter(|l| *l > 0),
                "column": at.map(|s| s.column).filter(|c| *c > 0),
                "help": p.help.as_deref().map(|h| redaction.scrub(h)),
            })
        })
        .collect();
    serde_json::Value::Array(rows)
}

/// `span` moved onto character boundaries inside `text`. The parser counts
/// some characters (a byte order mark, say) differently from Rust's byte
/// offsets, and a span that ends mid-character cannot be sliced or drawn.
fn fit(span: Span, text: &str) -> Span {
    let Some(offset) = span.offset else {
        return span;
    };
    let mut start = offset.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (offset.saturating_add(span.len)).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    Span {
        offset: Some(start),
        len: end - start,
        ..span
    }
}

/// Longest source line a snippet prints: a minified or hostile file may
/// hold megabytes on one line, and `file:line:col` says where anyway.
const MAX_SNIPPET_LINE: usize = 1000;

/// Whether the line of `span`, or a line beside it (the snippet's context),
/// is too long to print.
fn long_line_near(text: &str, span: Span) -> bool {
    let Some(at) = span.offset.filter(|o| *o <= text.len()) else {
        return false;
    };
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = text[..start.saturating_sub(1)]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = (at + span.len).min(text.len());
    let after = text[end..]
        .match_indices('\n')
        .nth(1)
        .map_or(text.len(), |(i, _)| end + i);
    text.get(before..after)
        .unwrap_or("")
        .split('\n')
        .any(|l| l.len() > MAX_SNIPPET_LINE)
}
