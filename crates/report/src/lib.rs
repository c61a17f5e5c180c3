//! Reports: findings rendered where people read them — the terminal, machines (JSON), code
//! scanning (SARIF), CI test reports (JUnit), pull-request comments (Markdown) and auditors
//! (HTML). Reports consume an evaluation and the inventory's gaps, and nothing else.

mod html;
mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

pub use json::REPORT_SCHEMA_VERSION;
pub use text::Style;

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

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text(Style),
    Json,
    Sarif,
    Junit,
    Markdown,
    Html,
}

impl Report<'_> {
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text(style) => text::render(self, style),
            Format::Json => json::render(self),
            Format::Sarif => sarif::render(self),
            Format::Junit => junit::render(self),
            Format::Markdown => markdown::render(self),
            Format::Html => html::render(self),
        }
    }
}
