//! `ocgen schema`: the JSON Schema of ocgen.yaml.

use std::io::Write;

use super::ExitStatus;
use super::{Failure, emit};

/// The JSON Schema of ocgen.yaml, as committed in `ocgen.schema.json`.
pub(crate) fn schema_json() -> String {
    let mut s = serde_json::to_string_pretty(&crate::model::json_schema()).unwrap_or_default();
    s.push('\n');
    s
}

pub(crate) fn run(out: &mut dyn Write) -> Result<ExitStatus, Failure> {
    emit(out, &schema_json())?;
    Ok(ExitStatus::Success)
}
