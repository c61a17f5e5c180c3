//! Scans over time, and code against what is deployed ([`drift`]): saved scans (SQLite,
//! [`saved`]) and the difference between two scans —
//! saved, or read from their JSON reports: what the newer one introduces, what it fixes,
//! what still fails, and findings whose verdict changed (a failure that became unknown).
//! Findings are matched by fingerprint, which stays the same across line shifts and
//! reformatting.
#![deny(missing_docs)]

pub mod drift;
pub mod saved;

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A finding as a JSON report holds it: enough to match and to show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reported {
    /// The rule's id.
    pub rule: String,
    /// The resource's name.
    pub resource: String,
    /// `fail` or `unknown`.
    pub status: String,
    /// The severity.
    pub severity: String,
    /// What the rule found.
    pub message: String,
    /// `FILE:LINE`, or the account and region.
    pub location: String,
    /// The fingerprint that matches it across scans.
    pub fingerprint: String,
}

/// What a newer scan changed against an older one.
#[derive(Debug, Default, Serialize)]
pub struct Diff {
    /// Open in the newer scan, not in the older one.
    pub introduced: Vec<Reported>,
    /// Open in the older scan, not in the newer one.
    pub fixed: Vec<Reported>,
    /// Open in both with the same verdict.
    pub still_open: Vec<Reported>,
    /// Open in both with another verdict: (before, after).
    pub changed: Vec<(Reported, Reported)>,
}

/// A JSON report that cannot be compared.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReportError(String);

/// The open findings (failures and unknowns that nothing suppresses) of a JSON report.
pub fn open_findings(report: &str) -> Result<Vec<Reported>, ReportError> {
    let doc: Value = serde_json::from_str(report)
        .map_err(|e| ReportError(format!("not JSON ({e}) at line {}, column {}", e.line(), e.column())))?;
    if doc["tool"]["name"] != "encguard" {
        return Err(ReportError("not an encguard JSON report (`encguard scan --format json`)".into()));
    }
    let findings = doc["findings"].as_array().ok_or_else(|| ReportError("the report lists no findings".into()))?;
    let text = |f: &Value, key: &str| f[key].as_str().unwrap_or_default().to_string();
    Ok(findings
        .iter()
        .filter(|f| f["suppression"].is_null())
        .map(|f| {
            let at = &f["location"];
            let location = match at["file"].as_str() {
                Some(file) => format!("{file}:{}", at["line"]),
                None => format!("{}/{}", text(at, "account"), text(at, "region")),
            };
            Reported {
                rule: text(f, "rule"),
                resource: text(f, "resource"),
                status: text(f, "status"),
                severity: text(f, "severity"),
                message: text(f, "message"),
                location,
                fingerprint: text(f, "fingerprint"),
            }
        })
        .collect())
}

/// What `newer` changed against `older`.
pub fn diff(older: Vec<Reported>, newer: Vec<Reported>) -> Diff {
    let mut before: BTreeMap<String, Reported> = older.into_iter().map(|f| (f.fingerprint.clone(), f)).collect();
    let mut out = Diff::default();
    for f in newer {
        match before.remove(&f.fingerprint) {
            None => out.introduced.push(f),
            Some(old) if old.status == f.status => out.still_open.push(f),
            Some(old) => out.changed.push((old, f)),
        }
    }
    out.fixed = before.into_values().collect();
    out
}

impl Diff {
    /// One line: what the newer scan introduces and fixes.
    pub fn headline(&self) -> String {
        format!(
            "introduces {}, fixes {}, {} still open, {} changed verdict",
            self.introduced.len(),
            self.fixed.len(),
            self.still_open.len(),
            self.changed.len()
        )
    }

    /// For people: the headline, then each introduced, fixed and changed finding.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.headline());
        let line = |f: &Reported| format!("  {} {} {} ({}): {}\n", f.rule, f.status, f.resource, f.location, f.message);
        for (title, findings) in [("introduced", &self.introduced), ("fixed", &self.fixed)] {
            if !findings.is_empty() {
                out.push_str(&format!("\n{title}:\n"));
                findings.iter().for_each(|f| out.push_str(&line(f)));
            }
        }
        if !self.changed.is_empty() {
            out.push_str("\nchanged verdict:\n");
            for (old, new) in &self.changed {
                out.push_str(&format!(
                    "  {} {} ({}): {} → {}\n",
                    new.rule, new.resource, new.location, old.status, new.status
                ));
            }
        }
        out
    }

    /// A pull-request comment.
    pub fn markdown(&self) -> String {
        let mut out = format!("**encguard**: {}\n", self.headline());
        let table = |title: &str, findings: &[Reported]| {
            let mut t = format!("\n### {title}\n\n| rule | status | resource | where |\n|---|---|---|---|\n");
            for f in findings {
                t.push_str(&format!(
                    "| {} | {} | `{}` | {} |\n",
                    f.rule,
                    f.status,
                    f.resource.replace('|', "\\|"),
                    f.location
                ));
            }
            t
        };
        if !self.introduced.is_empty() {
            out.push_str(&table("Introduced", &self.introduced));
        }
        if !self.fixed.is_empty() {
            out.push_str(&table("Fixed", &self.fixed));
        }
        out
    }
}

/// A finding of KMS-001 on a resource named as its fingerprint, for tests.
#[cfg(test)]
pub(crate) fn reported(fingerprint: &str, status: &str) -> Reported {
    Reported {
        rule: "KMS-001".into(),
        resource: fingerprint.into(),
        status: status.into(),
        severity: "medium".into(),
        message: String::new(),
        location: String::new(),
        fingerprint: fingerprint.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fingerprint: &str, status: &str) -> Reported {
        reported(fingerprint, status)
    }

    #[test]
    fn findings_are_matched_by_fingerprint() {
        let d = diff(
            vec![f("a", "fail"), f("b", "fail"), f("c", "fail")],
            vec![f("b", "fail"), f("c", "unknown"), f("d", "fail")],
        );
        assert_eq!(d.introduced, vec![f("d", "fail")]);
        assert_eq!(d.fixed, vec![f("a", "fail")]);
        assert_eq!(d.still_open, vec![f("b", "fail")]);
        assert_eq!(d.changed, vec![(f("c", "fail"), f("c", "unknown"))]);
        assert_eq!(d.headline(), "introduces 1, fixes 1, 1 still open, 1 changed verdict");
    }
}
