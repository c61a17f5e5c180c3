//! Input that could not be read, or could be read only in part.

use crate::Position;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An input that could not be read, or that was read only in part: a syntax error, a
/// reference cycle, a limit reached, an unreadable file. Every source reports these the
/// same way, so that every report can name the file, line and column at fault.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub struct InputError {
    /// The file as reports show it (relative to the working directory when inside it).
    pub file: String,
    /// Where in the file, when the fault has a place (not for a file that cannot be opened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Position>,
    /// What was wrong, or what was expected.
    pub message: String,
}

impl InputError {
    /// An error at a line and column (1-based).
    pub fn at(file: impl Into<String>, line: u32, column: u32, message: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            at: Some(Position { line: line.max(1), column: column.max(1) }),
            message: message.into(),
        }
    }

    /// An error about a whole file.
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError { file: file.into(), at: None, message: message.into() }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some(Position { line, column }) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for InputError {}
