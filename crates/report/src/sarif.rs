//! SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDEs). Every rule carries its full
//! documentation and equivalents; every result a logical location naming the resource,
//! and, for code, a repository-relative physical location. Unknowns are results of kind
//! `review`; suppressed findings stay, with their justification.

use crate::Report;
use encguard_model::Location;
use encguard_rules::{Finding, Severity, Status, SuppressionKind, CATALOG};
use serde_json::{json, Value};

const HELP_URI: &str = "https://github.com/encguard/encguard/blob/main/docs/rules.md";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's scale for ranking security alerts.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = CATALOG
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.title.replace(' ', ""),
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.documentation().lines().skip_while(|l| l.starts_with('#') || l.is_empty()).take_while(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")},
                "help": {"text": r.documentation(), "markdown": r.documentation()},
                "helpUri": format!("{HELP_URI}#{}", r.id.to_ascii_lowercase()),
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {
                    "tags": ["security", "encryption", r.section.title()],
                    "precision": "high",
                    "security-severity": security_severity(r.severity),
                    "severity": r.severity,
                    "section": r.section.title(),
                    "equivalents": r.equivalents.iter().map(|(tool, id)| json!({"tool": tool, "id": id})).collect::<Vec<_>>(),
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .evaluation
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
        .map(result)
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "encguard",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/encguard/encguard",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("SARIF is JSON");
    text.push('\n');
    text
}

fn result(f: &Finding) -> Value {
    let rule_index = CATALOG.iter().position(|r| r.id == f.rule).unwrap_or(0);
    let mut location = json!({
        "logicalLocations": [{"fullyQualifiedName": f.resource, "name": f.resource, "kind": f.resource_type}],
    });
    if let Location::File { file, line, column, .. } = &f.location {
        location["physicalLocation"] = json!({
            "artifactLocation": {"uri": uri(file)},
            "region": {"startLine": (*line).max(1), "startColumn": (*column).max(1)},
        });
    }
    let message = match f.status {
        Status::Unknown => format!("{} cannot be judged: {}", f.resource, f.message),
        _ => format!("{}: {}", f.resource, f.message),
    };
    let mut result = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "kind": if f.status == Status::Fail { "fail" } else { "review" },
        "level": if f.status == Status::Fail { level(f.severity) } else { "none" },
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {"encguardFindingHash/v1": f.fingerprint},
        "properties": {"severity": f.severity, "section": f.section.title(), "evidence": f.evidence, "remediation": f.remediation},
    });
    if let Some(s) = &f.suppression {
        result["suppressions"] = json!([{
            "kind": if s.kind == SuppressionKind::Inline { "inSource" } else { "external" },
            "status": "accepted",
            "justification": s.reason,
        }]);
    }
    result
}

/// A repository-relative URI: forward slashes, each segment percent-encoded where needed.
fn uri(path: &str) -> String {
    let path = path.trim_start_matches("./").replace('\\', "/");
    path.split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("./examples/terraform/live/prod/main.tf"), "examples/terraform/live/prod/main.tf");
        assert_eq!(uri("infra/my stack.yaml"), "infra/my%20stack.yaml");
    }
}
