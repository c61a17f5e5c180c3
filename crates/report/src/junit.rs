//! JUnit XML for CI test reports: a test suite per rule, a test case per rule × resource.
//! Failures fail; unknowns and suppressed findings are skipped with the reason.

use crate::Report;
use encguard_model::{Location, Resource};
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
    // Settled passes are test cases that passed: the rule and the resource it judged.
    let passed: Vec<(&str, &Resource, Location)> = report
        .evaluation
        .settled
        .iter()
        .filter(|s| s.status == Status::Pass)
        .map(|s| {
            let resource = &report.resources[s.resource.index()];
            (s.rule.id, resource, resource.location_at(s.span))
        })
        .collect();
    let failures = judged.iter().filter(|f| f.is_open() && f.status == Status::Fail).count();
    let skipped = judged.iter().filter(|f| f.status == Status::Unknown || f.suppression.is_some()).count();
    let errors = report.errors.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"encguard\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        judged.len() + passed.len() + errors
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
        let passes: Vec<&(&str, &Resource, Location)> = passed.iter().filter(|(id, ..)| *id == rule.id).collect();
        if cases.is_empty() && passes.is_empty() {
            continue;
        }
        let fails = cases.iter().filter(|f| f.is_open() && f.status == Status::Fail).count();
        let skips = cases.iter().filter(|f| f.status == Status::Unknown || f.suppression.is_some()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{fails}\" skipped=\"{skips}\">",
            rule.id,
            escape(rule.title),
            cases.len() + passes.len()
        );
        // In resource order, as findings are: each case's resource, place and finding (none
        // for a settled pass).
        let mut ordered: Vec<(&str, String, Option<&Finding>)> = cases
            .iter()
            .map(|f| (f.resource.as_str(), f.location.to_string(), Some(**f)))
            .chain(passes.iter().map(|(_, r, place)| (r.name.as_str(), place.to_string(), None)))
            .collect();
        ordered.sort_by(|a, b| a.0.cmp(b.0));
        for (resource, place, finding) in ordered {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
                rule.id,
                escape(resource),
                escape(&place)
            );
            let Some(f) = finding else {
                out.push_str("/>\n");
                continue;
            };
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
