//! Where things were written: byte spans of the input, values wrapped with
//! their span, and the YAML parser's limits. A leaf: `model` and `diag`
//! both read it, and it reads neither.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

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

/// A value together with where it was written in the input.
///
/// It deserializes through `serde_saphyr::Spanned` and is transparent in the
/// JSON schema: users see `port: 18789`, not a wrapper.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sp<T> {
    /// The value as read.
    pub value: T,
    /// Where it was read from.
    pub span: Span,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        let loc = spanned.referenced;
        let span = loc.span();
        Ok(Sp {
            value: spanned.value,
            span: Span {
                offset: span.byte_offset().and_then(|o| usize::try_from(o).ok()),
                len: span
                    .byte_len()
                    .and_then(|l| usize::try_from(l).ok())
                    .unwrap_or(0),
                line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
                column: u32::try_from(loc.column()).unwrap_or(u32::MAX),
            },
        })
    }
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// Parser limits: deep nesting and alias bombs are refused within
/// milliseconds instead of exhausting memory.
pub fn yaml_options(duplicate_keys: serde_saphyr::DuplicateKeyPolicy) -> serde_saphyr::Options {
    serde_saphyr::options! {
        duplicate_keys: duplicate_keys,
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_anchors: 1_000,
            max_aliases: 1_000,
            max_events: 2_000_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
            max_replay_stack_depth: 16,
            max_alias_expansions_per_anchor: 100,
        },
    }
}
