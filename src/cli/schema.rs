//! `ocgen schema`: the JSON Schema of ocgen.yaml.

use std::io::Write;

use super::{ExitStatus, Failure, Outcome, emit};

/// The JSON Schema of ocgen.yaml, as committed in `ocgen.schema.json`.
pub(crate) fn schema_json() -> Result<String, Failure> {
    let schema =
        crate::model::json_schema().map_err(|e| Failure::io("cannot write the JSON Schema", e))?;
    Ok(format!("{schema:#}\n"))
}

pub(crate) fn run(out: &mut dyn Write) -> Outcome {
    emit(out, &schema_json()?)?;
    Ok(ExitStatus::Success)
}
