//! Reports: findings rendered where people read them — the terminal, machines (JSON), code
//! scanning (SARIF), CI test reports (JUnit), pull-request comments (Markdown) and auditors
//! (HTML). Reports consume an evaluation and the inventory's gaps, and nothing else.

#![deny(missing_docs)]

mod asff;
mod html;
mod json;
mod junit;
mod markdown;
mod ocsf;
mod sarif;
mod text;

pub use json::REPORT_SCHEMA_VERSION;
pub use text::Style;

use encguard_model::{Gap, InputError, Resource, TextEdit};
use encguard_rules::Evaluation;

/// Everything a report shows: the verdicts, and what could not be read.
pub struct Report<'a> {
    /// The verdicts of the scan.
    pub evaluation: &'a Evaluation,
    /// The scanned resources, which settled verdicts name by position.
    pub resources: &'a [Resource],
    /// What the scan was of, for the report's reader.
    pub about: &'a About,
    /// Parts of the estate that could not be read.
    pub gaps: &'a [Gap],
    /// Input that could not be read, or only in part (a syntax error, a reference cycle,
    /// a limit reached), each at its file, line and column.
    pub errors: &'a [InputError],
    /// The edits that fix findings, by the finding's fingerprint (SARIF carries them).
    pub fixes: &'a [(String, TextEdit)],
    /// When the scan ran, in milliseconds since 1970 (OCSF events carry it).
    pub time_ms: i64,
}

/// What a scan was of, as an auditor asks: inputs, policy, commit, and the trend of the
/// saved scans of the same inputs.
#[derive(Clone, Debug, Default)]
pub struct About {
    /// What was scanned: paths, or accounts and regions.
    pub inputs: Vec<String>,
    /// The policy file, or what stood for one.
    pub policy: String,
    /// A hash of the policy's text, telling policies apart.
    pub policy_hash: String,
    /// The commit of the scanned work tree.
    pub commit: Option<String>,
    /// The saved scans of the same inputs, oldest first.
    pub trend: Vec<TrendPoint>,
}

/// One saved scan in a trend.
#[derive(Clone, Debug)]
pub struct TrendPoint {
    /// When it ran (`YYYY-MM-DDTHH:MM:SSZ`).
    pub time: String,
    /// Its open failures.
    pub failures: usize,
    /// Its open unknowns.
    pub unknowns: usize,
}

/// Text as a terminal may show it: control characters (escape sequences among them) that
/// scanned code put into a value are written as `\u{…}` escapes instead of being obeyed.
pub fn terminal_safe(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { c.escape_unicode().to_string() } else { c.to_string() })
        .collect()
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Grouped by policy section, for people at a terminal.
    Text(Style),
    /// Machine-readable, with the report schema version.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// GitHub-flavoured Markdown, for pull-request comments.
    Markdown,
    /// One self-contained HTML file, for auditors.
    Html,
    /// OCSF Detection Findings, for security data lakes and SIEMs.
    Ocsf,
    /// AWS Security Finding Format, for Security Hub.
    Asff,
}

impl Report<'_> {
    /// Writes the report in `format` to `out`. The JSON report is written as it is
    /// serialised (a large scan's report need not be held whole in memory).
    pub fn write_to(&self, format: Format, out: &mut impl std::io::Write) -> std::io::Result<()> {
        match format {
            Format::Json => json::write(self, out),
            other => out.write_all(self.render(other).as_bytes()),
        }
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text(style) => text::render(self, style),
            Format::Json => json::render(self),
            Format::Sarif => sarif::render(self),
            Format::Junit => junit::render(self),
            Format::Markdown => markdown::render(self),
            Format::Html => html::render(self),
            Format::Ocsf => ocsf::render(self),
            Format::Asff => asff::render(self),
        }
    }
}
