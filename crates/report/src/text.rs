use crate::{terminal_safe, Report};
use encguard_rules::{Finding, Section, Severity, Status};
use std::fmt::Write;

/// Whether to colour the text (only on a terminal, never with NO_COLOR: the caller decides).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// No escape sequences.
    Plain,
    /// ANSI colours.
    Color,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        match self {
            Style::Plain => text.to_string(),
            Style::Color => format!("\x1b[{code}m{text}\x1b[0m"),
        }
    }

    fn status(self, status: Status) -> String {
        let code = match status {
            Status::Fail => "1;31",
            Status::Unknown => "1;33",
            Status::Pass => "32",
            Status::NotApplicable => "2",
        };
        self.paint(code, &format!("{:<7}", status.name()))
    }

    fn severity(self, severity: Severity) -> String {
        let code = match severity {
            Severity::Critical => "1;35",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, &format!("{:<8}", severity.name()))
    }
}

/// The terminal report: open findings grouped by policy section, then notices, gaps,
/// errors, and one summary line.
pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let open: Vec<&Finding> = report.evaluation.findings.iter().filter(|f| f.is_open()).collect();
    let mut section: Option<Section> = None;
    for f in &open {
        if section != Some(f.section) {
            if section.is_some() {
                out.push('\n');
            }
            section = Some(f.section);
            let _ = writeln!(out, "{}", style.paint("1", f.section.title()));
        }
        let _ = writeln!(
            out,
            "  {} {} {}  {}  {}",
            style.status(f.status),
            style.severity(f.severity),
            f.rule,
            style.paint("1", &terminal_safe(&f.resource)),
            terminal_safe(&f.location.to_string())
        );
        let label = if f.status == Status::Unknown { "unknown because" } else { "why" };
        let _ = writeln!(out, "      {label}: {}", terminal_safe(&f.message));
        if let Some(evidence) = &f.evidence {
            let _ = writeln!(out, "      seen: {}", terminal_safe(evidence));
        }
        if f.status == Status::Fail {
            let _ = writeln!(out, "      fix: {}", f.remediation);
        }
    }
    let mut notes = Vec::new();
    notes.extend(report.evaluation.notices.iter().map(|n| format!("note: {n}")));
    notes.extend(report.gaps.iter().map(|g| format!("not read: {} {}: {}", g.scope, g.what, g.error)));
    notes.extend(report.errors.iter().map(|e| format!("error: {e}")));
    if !notes.is_empty() {
        if !open.is_empty() {
            out.push('\n');
        }
        for n in notes {
            let _ = writeln!(out, "{}", terminal_safe(&n));
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    let s = &report.evaluation.summary;
    let checks = s.pass + s.fail + s.unknown + s.suppressed;
    let _ = writeln!(
        out,
        "{} resources, {checks} checks: {} pass, {} fail, {} unknown, {} suppressed{}",
        s.resources,
        style.paint("32", &s.pass.to_string()),
        style.paint("31", &s.fail.to_string()),
        style.paint("33", &s.unknown.to_string()),
        s.suppressed,
        match report.errors.len() {
            0 => String::new(),
            n => style.paint("1;31", &format!("; {n} input errors")),
        }
    );
    out
}
