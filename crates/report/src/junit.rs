//! JUnit XML for CI test reports: a test suite per rule, a test case per rule × resource.
//! Failures fail; unknowns and suppressed findings are skipped with the reason.

use crate::Report;
use encguard_rules::{Finding, Status, CATALOG};
use std::fmt::Write;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let judged: Vec<&Finding> =
        report.evaluation.findings.iter().filter(|f| f.status != Status::NotApplicable).collect();
    let failures = judged.iter().filter(|f| f.is_open() && f.status == Status::Fail).count();
    let skipped = judged.iter().filter(|f| f.status == Status::Unknown || f.suppression.is_some()).count();
    let errors = report.errors.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"encguard\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        judged.len() + errors
    );
    // Each input that could not be read is a test case in error, so that a CI report of a
    // scan that read nothing is not an empty, green one.
    if errors > 0 {
        let _ = writeln!(
            out,
            "  <testsuite name=\"inputs\" tests=\"{errors}\" failures=\"0\" errors=\"{errors}\" skipped=\"0\">"
        );
        for e in report.errors {
            let _ = writeln!(
                out,
                "    <testcase classname=\"inputs\" name=\"{}\" file=\"{}\">\n      <error message=\"{}\" type=\"input\"/>\n    </testcase>",
                escape(&e.file),
                escape(&e.file),
                escape(&e.to_string())
            );
        }
        out.push_str("  </testsuite>\n");
    }
    for rule in CATALOG {
        let cases: Vec<&&Finding> = judged.iter().filter(|f| f.rule == rule.id).collect();
        if cases.is_empty() {
            continue;
        }
        let fails = cases.iter().filter(|f| f.is_open() && f.status == Status::Fail).count();
        let skips = cases.iter().filter(|f| f.status == Status::Unknown || f.suppression.is_some()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{fails}\" skipped=\"{skips}\">",
            rule.id,
            escape(rule.title),
            cases.len()
        );
        for f in cases {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
                f.rule,
                escape(&f.resource),
                escape(&f.location.to_string())
            );
            match (&f.suppression, f.status) {
                (Some(s), _) => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"suppressed: {}\"/>\n    </testcase>",
                        escape(&s.reason)
                    );
                }
                (None, Status::Fail) => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"{}\">{}\nfix: {}</failure>\n    </testcase>",
                        escape(&f.message),
                        f.severity,
                        escape(f.evidence.as_deref().unwrap_or("")),
                        escape(f.remediation)
                    );
                }
                (None, Status::Unknown) => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"unknown: {}\"/>\n    </testcase>",
                        escape(&f.message)
                    );
                }
                _ => out.push_str("/>\n"),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
