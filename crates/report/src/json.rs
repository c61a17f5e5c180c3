use crate::Report;
use encguard_rules::{Status, Summary};
use serde::Serialize;

/// Version of the JSON report format. Bumped on any incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    summary: &'a Summary,
    /// Failures and unknowns, suppressed ones included with their suppression.
    findings: Vec<&'a encguard_rules::Finding>,
    notices: &'a [String],
    gaps: &'a [encguard_model::Gap],
    errors: &'a [encguard_model::InputError],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// The machine-readable report: every failure and unknown (suppressed ones marked, never
/// dropped), the summary, notices, gaps and errors.
pub fn render(report: &Report) -> String {
    let mut text = Vec::new();
    write(report, &mut text).expect("writing to memory");
    String::from_utf8(text).expect("JSON is UTF-8")
}

/// [`render`], written to `out` as it is serialised.
pub fn write(report: &Report, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let doc = JsonReport {
        schema_version: REPORT_SCHEMA_VERSION,
        tool: Tool { name: "encguard", version: env!("CARGO_PKG_VERSION") },
        summary: &report.evaluation.summary,
        findings: report
            .evaluation
            .findings
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
            .collect(),
        notices: &report.evaluation.notices,
        gaps: report.gaps,
        errors: report.errors,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}
