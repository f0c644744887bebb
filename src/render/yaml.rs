//! YAML written from typed values: the one YAML writer for outputs built
//! as data rather than from a template (the Kubernetes manifests). Every
//! string is double-quoted (or a `|` block for multi-line text) and keys
//! are bare only when no YAML reader can take them for another type, so
//! that no value can change the structure or be read as another type by
//! Kubernetes' YAML 1.1 reader.

use serde_json::Value;

use super::quote;

/// A JSON value as block YAML: maps and lists indented by two spaces,
/// every string double-quoted (or a `|` block for multi-line text), keys
/// bare only when no YAML reader can take them for another type.
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// [`to_string`], appended to `out` (a stream of documents is written into
/// one buffer, without a string per document).
pub fn write(v: &Value, out: &mut String) {
    write_value(v, 0, out);
}

fn scalar(v: &Value, indent: usize) -> Option<String> {
    Some(match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.contains('\n') => quote::yaml_block(s, indent),
        Value::String(s) => quote::yaml(s),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        _ => return None,
    })
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn write_value(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, v) in o {
                pad(out, indent);
                out.push_str(&quote::yaml_key(k));
                out.push(':');
                if let Some(s) = scalar(v, indent + 2) {
                    out.push(' ');
                    out.push_str(&s);
                    out.push('\n');
                } else {
                    out.push('\n');
                    write_value(v, indent + 2, out);
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for item in a {
                if let Some(s) = scalar(item, indent + 2) {
                    pad(out, indent);
                    out.push_str("- ");
                    out.push_str(&s);
                    out.push('\n');
                } else if item.is_object() {
                    // The item's first key goes on the dash's line: write
                    // the map indented as its items are, then turn the
                    // last two spaces before its first key into "- ".
                    let start = out.len();
                    write_value(item, indent + 2, out);
                    out.replace_range(start + indent..start + indent + 2, "- ");
                } else {
                    pad(out, indent);
                    out.push_str("-\n");
                    write_value(item, indent + 2, out);
                }
            }
        }
        other => {
            pad(out, indent);
            out.push_str(&scalar(other, indent).unwrap_or_default());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::to_string;

    #[test]
    fn yaml_writer_quotes_and_nests() {
        let v = json!({
            "a": "yes",
            "on": [1, {"b": true, "c": []}, [2]],
            "text": "line 1\nline 2\n",
            "odd": "x: \"y\"\u{2028}",
        });
        assert_eq!(
            to_string(&v),
            "a: \"yes\"\n\"on\":\n  - 1\n  - b: true\n    c: []\n  -\n    - 2\ntext: |\n  line 1\n  line 2\nodd: \"x: \\\"y\\\"\\u2028\"\n"
        );
    }
}
