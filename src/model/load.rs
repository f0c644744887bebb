//! Reading `ocgen.yaml`: size limits, every unknown key reported with the
//! rest of the file's problems.

use std::ops::Range;

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
    let (doc, problems, _) = load_lenient_blanked(text);
    (doc, problems)
}

/// [`load_lenient`], and the byte ranges of the maps that lost an entry
/// for a wrong value (a type, a choice): a rule of the plan that finds
/// something missing there only echoes that problem.
pub fn load_lenient_blanked(text: &str) -> (Option<Document>, Vec<Problem>, Vec<Range<usize>>) {
    let mut maps = Vec::new();
    let (doc, problems) = load_lenient_into(text, &mut maps);
    (doc, problems, maps)
}

fn load_lenient_into(text: &str, maps: &mut Vec<Range<usize>>) -> (Option<Document>, Vec<Problem>) {
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
                // A wrong type or choice: blank its entry and read on, so
                // every such mistake is reported in one run.
                None if retypable(&first)
                    && text.len() <= LENIENT_MAX_BYTES
                    && !has_anchors(text) =>
                {
                    let next = first.primary().and_then(|at| blank_value_entry(text, at));
                    problems.push(first);
                    if let Some((blanked, key, map)) = next {
                        maps.push(map);
                        reread(text, blanked, vec![key], &mut problems, maps)
                    } else {
                        None
                    }
                }
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
                    let gone: Vec<String> = unknown
                        .iter()
                        .filter_map(|u| {
                            let expected: Vec<&str> =
                                u.expected.iter().map(String::as_str).collect();
                            crate::diag::did_you_mean(&u.key, &expected).map(str::to_string)
                        })
                        .collect();
                    reread(text, blanked, gone, &mut problems, maps)
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

/// How many wrong types or choices one run reports before it stops reading.
const MAX_RETYPED: usize = 20;

/// Whether a problem is a wrong value at a known place (a type, a choice),
/// after which the rest of the file can be read with that entry blanked.
fn retypable(p: &Problem) -> bool {
    matches!(p.kind, Kind::Type | Kind::Secret) && p.primary().is_some_and(|s| s.offset.is_some())
}

/// Whether `text` defines a YAML anchor (`&name`): each reading expands
/// its aliases again, so such a file is read once, and reports the first
/// wrong value only.
fn has_anchors(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(3).any(|w| {
        matches!(w[0], b' ' | b'[' | b',' | b'-' | b':' | b'\n')
            && w[1] == b'&'
            && w[2].is_ascii_alphanumeric()
    })
}

/// Reads `blanked` (the file with entries blanked, every other place
/// unchanged) once more, and again after blanking each wrong value it
/// finds; `gone` are the keys blanked so far, whose "missing field" is an
/// echo of what was said already.
fn reread(
    text: &str,
    mut blanked: String,
    mut gone: Vec<String>,
    problems: &mut Vec<Problem>,
    maps: &mut Vec<Range<usize>>,
) -> Option<Document> {
    let options = || yaml_options(serde_saphyr::DuplicateKeyPolicy::Error);
    for _ in 0..MAX_RETYPED {
        let e = match serde_saphyr::from_str_with_options::<Document>(&blanked, options()) {
            Ok(doc) => return Some(doc),
            Err(e) => e,
        };
        let p = crate::diag::from_yaml_error(&e, text);
        let missing = p
            .message
            .split("missing field `")
            .nth(1)
            .or_else(|| p.message.split("the file has no `").nth(1))
            .map(|rest| rest.split('`').next().unwrap_or(""));
        if missing.is_some_and(|field| gone.iter().any(|g| g == field)) {
            return None;
        }
        let next = if retypable(&p) {
            p.primary().and_then(|at| blank_value_entry(&blanked, at))
        } else if p.kind == Kind::UnknownKey {
            // An unknown key after a wrong value: its span is the key's.
            p.primary()
                .and_then(|at| at.offset)
                .and_then(|o| blank_entry(&blanked, o))
                .filter(|b| *b != blanked)
                .map(|b| (b, String::new(), 0..0))
        } else {
            None
        };
        problems.push(p);
        let (b, key, map) = next?;
        blanked = b;
        gone.push(key);
        if !map.is_empty() {
            maps.push(map);
        }
    }
    None
}

/// `text` with the entry whose value starts at `at` blanked (the key, its
/// value and what is nested under it), and that key; None when the value
/// is not a map entry's (a list item).
fn blank_value_entry(text: &str, at: crate::diag::Span) -> Option<(String, String, Range<usize>)> {
    let offset = at.offset?;
    let before = text.get(..offset)?.trim_end_matches([' ', '\t']);
    let Some(before) = before.strip_suffix(':') else {
        return blank_line_entry(text, offset);
    };
    let key_start = before
        .rfind(|c: char| c.is_whitespace() || matches!(c, '{' | ',' | '-' | '['))
        .map_or(0, |i| i + 1);
    let key = before[key_start..]
        .trim_matches(|c| c == '"' || c == '\'')
        .to_string();
    if key.is_empty() {
        return None;
    }
    // A block entry starts its line (after indentation and `- `); a flow
    // entry follows `{` or `,`.
    let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
    let lead = &text[line_start..key_start];
    let block = lead.bytes().all(|c| c == b' ' || c == b'-');
    let flow = text[..key_start].trim_end().ends_with(['{', ',']);
    if !block && !flow {
        return None;
    }
    let out = blank_entry(text, key_start)?;
    (out != text).then(|| (out, key, enclosing_map(text, key_start)))
}

/// The bytes of the map that holds the entry whose key starts at `at`: up
/// to the `{ }` around a flow entry, else the block of the key above it
/// (the whole text for a top-level key).
fn enclosing_map(text: &str, at: usize) -> Range<usize> {
    let bytes = text.as_bytes();
    // Flow: the unmatched `{` before, the matching `}` after.
    let mut depth = 0i32;
    let mut open = None;
    for i in (0..at).rev() {
        match bytes[i] {
            b'}' | b']' => depth += 1,
            b'{' | b'[' if depth > 0 => depth -= 1,
            b'{' => {
                open = Some(i);
                break;
            }
            b'\n' => break,
            _ => {}
        }
    }
    if let Some(open) = open {
        let mut depth = 0i32;
        for (i, &c) in bytes.iter().enumerate().skip(open) {
            match c {
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return open..i + 1;
                    }
                }
                _ => {}
            }
        }
        return open..text.len();
    }
    // Block: from the line of the key above, indented less, to the end of
    // its block.
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = at - line_start;
    let mut parent: Option<(usize, usize)> = None;
    let mut end = line_start;
    while end > 0 {
        let start = text[..end - 1].rfind('\n').map_or(0, |i| i + 1);
        let l = &text[start..end - 1];
        let t = l.trim();
        let i = l.len() - l.trim_start_matches(' ').len();
        if !t.is_empty() && !t.starts_with('#') && i < indent {
            parent = Some((start, i));
            break;
        }
        end = start;
    }
    let Some((start, pi)) = parent else {
        return 0..text.len();
    };
    let mut pos = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    while pos < text.len() {
        let e = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let l = &text[pos..e];
        let t = l.trim();
        let i = l.len() - l.trim_start_matches(' ').len();
        if !t.is_empty() && !t.starts_with('#') && i <= pi {
            return start..pos;
        }
        pos = e + 1;
    }
    start..text.len()
}

/// `text` with the block entry that holds `offset` blanked, and its key:
/// the `key:` that starts the line, or for an item of a block list
/// (`- x`) the `key:` above it that the list belongs to.
fn blank_line_entry(text: &str, offset: usize) -> Option<(String, String, Range<usize>)> {
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[line_start..line_end];
    let indent = line.len() - line.trim_start_matches(' ').len();
    let key_of = |l: &str| -> Option<String> {
        let t = l.trim_start_matches(' ');
        let (k, rest) = t.split_once(':')?;
        let plain = !k.is_empty()
            && k.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
        (plain && (rest.is_empty() || rest.starts_with([' ', '\t']))).then(|| k.to_string())
    };
    if line[indent..].starts_with('-') {
        // The list's key: the nearest line above, indented less or as much.
        let mut end = line_start.checked_sub(1)?;
        loop {
            let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
            let l = &text[start..end];
            let i = l.len() - l.trim_start_matches(' ').len();
            let t = l.trim();
            if !t.is_empty() && !t.starts_with('#') && i <= indent && !t.starts_with('-') {
                let key = key_of(l)?;
                let out = blank_entry(text, start + i)?;
                return (out != text).then(|| (out, key, enclosing_map(text, start + i)));
            }
            end = start.checked_sub(1)?;
        }
    }
    let key = key_of(line)?;
    let out = blank_entry(text, line_start + indent)?;
    (out != text).then(|| (out, key, enclosing_map(text, line_start + indent)))
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
