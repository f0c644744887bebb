//! The JSON Schema of `ocgen.yaml`.

use super::{Document, PER_GATEWAY_KEYS};

/// The JSON Schema of `ocgen.yaml`: schemars' schema of [`Document`], plus
/// what `check` refuses without needing the rest of the file, so that an
/// editor flags it as you type: the keys `defaults` cannot hold, gateway
/// and profile names (OpenClaw's grammars, lowercase; not `gateway` or
/// `node`), at least one gateway, `version: 1`.
///
/// Fails only if serde cannot turn schemars' schema into JSON, which its
/// types rule out; the error is passed on rather than hidden.
pub fn json_schema() -> Result<serde_json::Value, serde_json::Error> {
    use serde_json::json;
    // Through serde, not `Schema::to_value`: schemars orders the keywords
    // (`$schema`, `title`, ...) when it serializes.
    let mut schema = serde_json::to_value(schemars::schema_for!(Document))?;
    let props = &mut schema["properties"];
    props["version"] = json!({
        "description": "Format version. Always `1`.",
        "const": 1
    });
    let forbidden: serde_json::Map<String, serde_json::Value> = PER_GATEWAY_KEYS
        .iter()
        .map(|k| ((*k).to_string(), json!(false)))
        .collect();
    props["defaults"]["properties"] = serde_json::Value::Object(forbidden);
    props["gateways"]["minProperties"] = json!(1);
    props["gateways"]["propertyNames"] = json!({
        "description": "A gateway name: a file and unit name, OpenClaw's profile grammar in lowercase.",
        "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"
    });
    let settings = &mut schema["$defs"]["Settings"]["properties"];
    settings["profile"]["pattern"] = json!("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$");
    // `gateway` and `node` in any case: OpenClaw's own launchd labels.
    settings["profile"]["not"] = json!({
        "type": "string",
        "pattern": "^([gG][aA][tT][eE][wW][aA][yY]|[nN][oO][dD][eE])$"
    });
    schema["$defs"]["Browser"]["properties"]["profiles"]["propertyNames"] =
        json!({ "pattern": "^[a-z0-9-]+$" });
    Ok(schema)
}
