//! Reading `ocgen.yaml`: size limits, every unknown key reported with the
//! rest of the file's problems.

use super::{Document, FORMAT_VERSION, Kind, Problem, Sp, Tree, yaml_options};

/// Upper bound on the input size. A deployment file is a few kilobytes; this
/// is room for tens of thousands of gateways and refuses worse.
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// Parses `text` into a [`Document`], or every problem of the file: see
/// [`load_lenient`].
pub fn load(text: &str) -> Result<Document, Vec<Problem>> {
    match load_lenient(text) {
        (Some(doc), problems) if problems.is_empty() => Ok(doc),
        (_, problems) => Err(problems),
    }
}

/// How many unknown keys one run reports before it gives up reading on.
const MAX_UNKNOWN_KEYS: usize = 20;
/// Inputs above this size get one parse: each unknown key costs another.
const LENIENT_MAX_BYTES: usize = 1024 * 1024;

/// Parses `text`. An unknown key does not hide the rest of the file: it is
/// reported, its entry is blanked out (offsets, and so every other place,
/// unchanged) and the text is read again, so the document that comes back
/// with the unknown-key problems can still be planned and checked.
pub fn load_lenient(text: &str) -> (Option<Document>, Vec<Problem>) {
    if text.len() > MAX_INPUT_BYTES {
        return (
            None,
            vec![
                Problem::new(
                    Kind::Syntax,
                    format!(
                        "the file is larger than {MAX_INPUT_BYTES} bytes, the most ocgen reads"
                    ),
                )
                .help("split the deployment into several files"),
            ],
        );
    }
    if text.trim().is_empty() {
        return (
            None,
            vec![
                Problem::new(Kind::Syntax, "the file is empty")
                    .help("start from `ocgen init`, or write `version: 1` and a `gateways:` map"),
            ],
        );
    }
    let options = || yaml_options(serde_saphyr::DuplicateKeyPolicy::Error);
    let mut problems = Vec::new();
    let doc = match serde_saphyr::from_str_with_options::<Document>(text, options()) {
        Ok(doc) => Some(doc),
        Err(e) => {
            let first = crate::diag::from_yaml_error(&e, text);
            // Every unknown key at once: read the file without the schema,
            // compare its keys with the schema's, blank them all out (every
            // other place unchanged) and read it once more.
            let unknown = (first.kind == Kind::UnknownKey && text.len() <= LENIENT_MAX_BYTES)
                .then(|| unknown_keys(text))
                .flatten()
                .filter(|u| !u.is_empty());
            match unknown {
                None => {
                    problems.push(first);
                    None
                }
                Some(unknown) => {
                    let redaction = crate::diag::redact::Redaction::of(text);
                    let mut blanked = text.to_string();
                    for u in unknown.iter().take(MAX_UNKNOWN_KEYS) {
                        problems.push(crate::diag::problem_at(
                            &format!(
                                "unknown field `{}`, expected one of {}",
                                u.key,
                                u.expected
                                    .iter()
                                    .map(|k| format!("`{k}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            u.span,
                            u.owner.clone(),
                            &redaction,
                        ));
                        if let Some(next) = u.span.offset.and_then(|o| blank_entry(&blanked, o)) {
                            blanked = next;
                        }
                    }
                    match serde_saphyr::from_str_with_options::<Document>(&blanked, options()) {
                        Ok(doc) => Some(doc),
                        Err(e) => {
                            let p = crate::diag::from_yaml_error(&e, text);
                            // `gateway:` blanked leaves `gateways` missing: said already.
                            let echo =
                                p.message
                                    .split("missing field `")
                                    .nth(1)
                                    .is_some_and(|rest| {
                                        let field = rest.split('`').next().unwrap_or("");
                                        unknown.iter().any(|u| {
                                            let expected: Vec<&str> =
                                                u.expected.iter().map(String::as_str).collect();
                                            crate::diag::did_you_mean(&u.key, &expected)
                                                == Some(field)
                                        })
                                    });
                            if !echo {
                                problems.push(p);
                            }
                            None
                        }
                    }
                }
            }
        }
    };
    let Some(doc) = doc else {
        return (None, problems);
    };
    if doc.version.value != FORMAT_VERSION {
        problems.push(
            Problem::new(
                Kind::Version,
                format!(
                    "format version {} is not supported; this ocgen reads version {FORMAT_VERSION}",
                    doc.version.value
                ),
            )
            .label(doc.version.span, "unsupported version")
            .help("write `version: 1`"),
        );
        return (None, problems);
    }
    (Some(doc), problems)
}

/// A key the schema does not know, where it was written.
struct Unknown {
    key: String,
    span: crate::diag::Span,
    /// The keys allowed there.
    expected: Vec<String>,
    /// `gateway `main``, `defaults`, ...: whose key it is.
    owner: Option<String>,
}

/// Every key of `text` that the schema of [`Document`] does not allow, in
/// file order; None when the text does not read as YAML at all.
fn unknown_keys(text: &str) -> Option<Vec<Unknown>> {
    let options = yaml_options(serde_saphyr::DuplicateKeyPolicy::LastWins);
    let tree: Sp<Tree> = serde_saphyr::from_str_with_options(text, options).ok()?;
    let schema = serde_json::to_value(schemars::schema_for!(Document)).ok()?;
    let mut out = Vec::new();
    walk_schema(&schema, &schema, &tree, &mut Vec::new(), &mut out);
    out.sort_by_key(|u| u.span.offset);
    Some(out)
}

/// `node` with its `$ref` followed and `Option`'s `anyOf [T, null]` opened,
/// down to the schema of an object, if it is one.
fn object_schema<'s>(
    root: &'s serde_json::Value,
    node: &'s serde_json::Value,
) -> Option<&'s serde_json::Value> {
    let mut node = node;
    for _ in 0..8 {
        if let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
            node = root.pointer(r.trim_start_matches('#'))?;
            continue;
        }
        if let Some(alts) = node
            .get("anyOf")
            .or_else(|| node.get("oneOf"))
            .and_then(|a| a.as_array())
        {
            node = alts
                .iter()
                .find(|a| a.get("type").and_then(|t| t.as_str()) != Some("null"))?;
            continue;
        }
        break;
    }
    (node.get("properties").is_some() || node.get("additionalProperties").is_some()).then_some(node)
}

fn walk_schema(
    root: &serde_json::Value,
    node: &serde_json::Value,
    tree: &Sp<Tree>,
    path: &mut Vec<String>,
    out: &mut Vec<Unknown>,
) {
    let Tree::Map(entries) = &tree.value else {
        return;
    };
    let Some(obj) = object_schema(root, node) else {
        return;
    };
    let props = obj.get("properties").and_then(|p| p.as_object());
    let extra = obj.get("additionalProperties");
    for (k, v) in entries {
        let sub = props.and_then(|p| p.get(&k.value)).or(match extra {
            Some(serde_json::Value::Bool(_)) | None => None,
            Some(s) => Some(s),
        });
        match sub {
            Some(sub) => {
                path.push(k.value.clone());
                walk_schema(root, sub, v, path, out);
                path.pop();
            }
            None if matches!(extra, Some(serde_json::Value::Bool(false))) => {
                let owner = match path.as_slice() {
                    [g, name, ..] if g == "gateways" => {
                        Some(format!("gateway `{}`", name.escape_debug()))
                    }
                    [first, ..] => Some(format!("`{first}`")),
                    [] => None,
                };
                let owner = owner.map(|o| {
                    if o == "`defaults`" {
                        "defaults".to_string()
                    } else {
                        o
                    }
                });
                out.push(Unknown {
                    key: k.value.clone(),
                    span: k.span,
                    expected: props
                        .map(|p| p.keys().cloned().collect())
                        .unwrap_or_default(),
                    owner,
                });
            }
            None => {}
        }
    }
}

/// `text` with the mapping entry whose key starts at `offset` replaced by
/// spaces (newlines kept): a block entry with every more-indented line
/// below it, or a flow entry up to its `,`. None when that cannot be done.
fn blank_entry(text: &str, offset: usize) -> Option<String> {
    let bytes = text.as_bytes();
    if offset >= bytes.len() {
        return None;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let mut out = bytes.to_vec();
    let blank = |out: &mut Vec<u8>, a: usize, b: usize| {
        for c in &mut out[a..b] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    if prefix.bytes().all(|c| c == b' ' || c == b'-') {
        // Block style: the key's line, then every line indented deeper
        // (or a block list at the key's own indent), blank lines and comments.
        let col = offset - line_start;
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let value_inline = text[offset..line_end]
            .split_once(':')
            .is_some_and(|(_, v)| !v.trim().is_empty() && !v.trim_start().starts_with('#'));
        blank(&mut out, offset, line_end);
        let mut pos = line_end;
        while pos < text.len() {
            let start = pos + 1;
            if start > text.len() {
                break;
            }
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let line = &text[start..end];
            let indent = line.len() - line.trim_start_matches(' ').len();
            let trimmed = line.trim();
            let belongs = trimmed.is_empty()
                || trimmed.starts_with('#')
                || indent > col
                || (!value_inline && indent == col && trimmed.starts_with('-'));
            if !belongs {
                break;
            }
            blank(&mut out, start, end);
            pos = end;
        }
    } else {
        // Flow style: up to the `,` that ends the entry (taken with it) or
        // the bracket that closes the map (left in place).
        let mut depth = 0i32;
        let mut quote: Option<u8> = None;
        let mut end = None;
        for (i, &c) in bytes.iter().enumerate().skip(offset) {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    b'"' | b'\'' => quote = Some(c),
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' if depth == 0 => {
                        end = Some(i);
                        break;
                    }
                    b']' | b'}' => depth -= 1,
                    b',' if depth == 0 => {
                        end = Some(i + 1);
                        break;
                    }
                    _ => {}
                },
            }
        }
        blank(&mut out, offset, end?);
    }
    String::from_utf8(out).ok()
}
