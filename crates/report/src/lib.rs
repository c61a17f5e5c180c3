//! Reports: findings rendered where people read them. Reports consume an evaluation and
//! the inventory's gaps, and nothing else.

mod json;
mod text;

pub use json::{render as json, REPORT_SCHEMA_VERSION};
pub use text::{render as text, Style};

use encguard_model::Gap;
use encguard_rules::Evaluation;

/// Everything a report shows: the verdicts, and what could not be read.
pub struct Report<'a> {
    pub evaluation: &'a Evaluation,
    pub gaps: &'a [Gap],
    /// Input that could not be read at all (a syntax error, a bad inventory), as
    /// `file:line:col: message`.
    pub errors: &'a [String],
}
