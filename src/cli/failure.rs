//! How a command fails: the text for standard error and the exit code.

use super::ExitStatus;
use crate::render::TemplateError;

/// A failure of a command, with the exit status it maps to.
pub struct Failure {
    /// How ocgen exits.
    pub status: ExitStatus,
    /// Text for standard error (already formatted).
    pub message: String,
}

impl Failure {
    /// Reading or writing failed.
    pub(crate) fn io(what: &str, e: &dyn std::fmt::Display) -> Self {
        Failure {
            status: ExitStatus::Io,
            message: format!("error: {what}: {e}\n"),
        }
    }

    /// A template failed to load or render.
    pub(crate) fn template(e: &TemplateError) -> Self {
        Failure {
            status: ExitStatus::Invalid,
            message: format!("error: {e}\n"),
        }
    }
}
