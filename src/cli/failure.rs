//! How a command fails: the text for standard error and the exit code.

use crate::diag::exit;
use crate::render::TemplateError;

/// A failure of a command, with the exit code it maps to.
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Text for standard error (already formatted).
    pub message: String,
}

impl Failure {
    /// Reading or writing failed.
    pub(crate) fn io(what: &str, e: &dyn std::fmt::Display) -> Self {
        Failure {
            code: exit::IO,
            message: format!("error: {what}: {e}\n"),
        }
    }

    /// A template failed to load or render.
    pub(crate) fn template(e: &TemplateError) -> Self {
        Failure {
            code: exit::INVALID,
            message: format!("error: {e}\n"),
        }
    }
}
