use crate::Report;
use encguard_model::Location;
use encguard_rules::{Finding, Severity, Status, CATALOG};
use serde_json::{json, Value};

/// The OCSF schema version the findings follow.
const OCSF_VERSION: &str = "1.3.0";

/// OCSF Detection Findings (class 2004), one per failure and unknown, as security data
/// lakes and SIEMs ingest them: a JSON array. A suppressed finding has the status
/// Suppressed and the reason; an unknown one says in `status_detail` what would decide it.
pub fn render(report: &Report) -> String {
    let findings: Vec<Value> = report
        .evaluation
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
        .map(|f| finding(f, report.time_ms))
        .collect();
    serde_json::to_string_pretty(&findings).expect("OCSF is JSON") + "\n"
}

fn finding(f: &Finding, time_ms: i64) -> Value {
    let title = CATALOG.iter().find(|r| r.id == f.rule).map_or(f.rule, |r| r.title);
    let (severity_id, severity) = match f.severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    };
    let (status_id, status) = match &f.suppression {
        Some(_) => (3, "Suppressed"),
        None => (1, "New"),
    };
    let (region, place) = match &f.location {
        Location::File { file, line, .. } => (None, format!("{file}:{line}")),
        Location::Aws { account, region, .. } => (Some(region.clone()), format!("{account}/{region}")),
    };
    json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "time": time_ms,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "status_code": if f.status == Status::Fail { "FAIL" } else { "UNKNOWN" },
        "status_detail": f.suppression.as_ref().map_or_else(|| f.message.clone(), |s| s.reason.clone()),
        "message": format!("{}: {}", f.resource, f.message),
        "finding_info": {
            "uid": f.fingerprint,
            "title": format!("{} {title}", f.rule),
            "desc": f.message,
            "types": [f.section.title()],
            "created_time": time_ms,
        },
        "metadata": {
            "version": OCSF_VERSION,
            "event_code": f.rule,
            "product": {"name": "encguard", "vendor_name": "encguard", "version": env!("CARGO_PKG_VERSION")},
        },
        "resources": [{
            "uid": f.resource,
            "name": f.resource,
            "type": f.resource_type,
            "region": region,
            "data": {"location": place, "evidence": f.evidence},
        }],
        "remediation": {"desc": f.remediation},
    })
}
