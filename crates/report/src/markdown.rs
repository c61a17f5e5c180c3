//! Markdown for a pull-request comment: a summary per policy section, then the failures
//! (unknowns folded below them).

use crate::Report;
use encguard_rules::{Finding, Section, Status};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Findings listed in full before the comment says how many more there are.
const MAX_ROWS: usize = 100;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render(report: &Report) -> String {
    let s = &report.evaluation.summary;
    let mut out = String::from("## encguard: encryption policy\n\n");
    let verdict = if s.fail == 0 { "No violations" } else { "Violations found" };
    let _ = writeln!(
        out,
        "**{verdict}** — {} resources: {} pass, {} fail, {} unknown, {} suppressed.\n",
        s.resources, s.pass, s.fail, s.unknown, s.suppressed
    );
    let mut per_section: BTreeMap<Section, [usize; 4]> = BTreeMap::new();
    for f in &report.evaluation.findings {
        let counts = per_section.entry(f.section).or_default();
        match (f.suppression.is_some(), f.status) {
            (true, _) => counts[3] += 1,
            (false, Status::Pass) => counts[0] += 1,
            (false, Status::Fail) => counts[1] += 1,
            (false, Status::Unknown) => counts[2] += 1,
            _ => {}
        }
    }
    out.push_str("| Section | Pass | Fail | Unknown | Suppressed |\n|---|---:|---:|---:|---:|\n");
    for (section, [p, f, u, sup]) in &per_section {
        let _ = writeln!(out, "| {} | {p} | {f} | {u} | {sup} |", section.title());
    }
    let table = |out: &mut String, findings: &[&Finding]| {
        out.push_str("\n| Severity | Rule | Resource | Where | Why |\n|---|---|---|---|---|\n");
        for f in findings.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} |",
                f.severity,
                f.rule,
                cell(&f.resource),
                cell(&f.location.to_string()),
                cell(&f.message)
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
        let _ = writeln!(out, "\n> note: {n}");
    }
    out
}
