//! Markdown for a pull-request comment: a summary per policy section, then the failures
//! (unknowns folded below them).

use crate::Report;
use encguard_rules::{Finding, SectionCounts, Status};
use std::fmt::Write;

/// Findings listed in full before the comment says how many more there are.
const MAX_ROWS: usize = 100;

/// Text from scanned code or findings as literal Markdown: HTML, links, emphasis, code
/// spans and table pipes in a value stay text; line breaks and control characters become
/// spaces and escapes, so a value cannot break out of its table cell or line.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let s = &report.evaluation.summary;
    let mut out = String::from("## encguard: encryption policy\n\n");
    let verdict = match (s.fail, report.errors.len()) {
        (0, 0) => "No violations".to_string(),
        (0, n) => format!("No violations in what could be read; {n} inputs could not be read"),
        (_, 0) => "Violations found".to_string(),
        (_, n) => format!("Violations found; {n} inputs could not be read"),
    };
    let checks = s.pass + s.fail + s.unknown + s.suppressed;
    let _ = writeln!(
        out,
        "**{verdict}** — {} resources, {checks} checks: {} pass, {} fail, {} unknown, {} suppressed.\n",
        s.resources, s.pass, s.fail, s.unknown, s.suppressed
    );
    if !report.errors.is_empty() {
        out.push_str("### Inputs that could not be read\n\n");
        for e in report.errors.iter().take(MAX_ROWS) {
            let _ = writeln!(out, "- {}", text(&e.to_string()));
        }
        if report.errors.len() > MAX_ROWS {
            let _ = writeln!(out, "- … and {} more (see the full report)", report.errors.len() - MAX_ROWS);
        }
        out.push('\n');
    }
    out.push_str("| Section | Pass | Fail | Unknown | Suppressed |\n|---|---:|---:|---:|---:|\n");
    for (section, SectionCounts { pass: p, fail: f, unknown: u, suppressed: sup }) in &report.evaluation.by_section() {
        let _ = writeln!(out, "| {} | {p} | {f} | {u} | {sup} |", section.title());
    }
    let table = |out: &mut String, findings: &[&Finding]| {
        out.push_str("\n| Severity | Rule | Resource | Where | Why |\n|---|---|---|---|---|\n");
        for f in findings.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                f.severity,
                f.rule,
                text(&f.resource),
                text(&f.location.to_string()),
                text(&f.message)
            );
        }
        if findings.len() > MAX_ROWS {
            let _ = writeln!(out, "\n… and {} more (see the full report).", findings.len() - MAX_ROWS);
        }
    };
    let mut fails: Vec<&Finding> =
        report.evaluation.findings.iter().filter(|f| f.is_open() && f.status == Status::Fail).collect();
    fails.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(b.rule)));
    if !fails.is_empty() {
        out.push_str("\n### Failures\n");
        table(&mut out, &fails);
    }
    let unknown: Vec<&Finding> =
        report.evaluation.findings.iter().filter(|f| f.is_open() && f.status == Status::Unknown).collect();
    if !unknown.is_empty() {
        let _ = writeln!(out, "\n<details><summary>{} checks could not be judged</summary>\n", unknown.len());
        table(&mut out, &unknown);
        out.push_str("\n</details>\n");
    }
    for n in &report.evaluation.notices {
        let _ = writeln!(out, "\n> note: {}", text(n));
    }
    if !report.gaps.is_empty() {
        let _ = writeln!(out, "\n<details><summary>{} things could not be read</summary>\n", report.gaps.len());
        for g in report.gaps.iter().take(MAX_ROWS) {
            let _ = writeln!(out, "- {} {}: {}", text(&g.scope), text(&g.what), text(&g.error));
        }
        out.push_str("\n</details>\n");
    }
    out
}
