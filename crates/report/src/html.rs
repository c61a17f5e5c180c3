//! A self-contained HTML report for auditors: summary per policy section and severity with
//! SVG charts, then every failure and unknown with its evidence, location and fix, filtered
//! and searched in the page. No network access is needed to open it.

use crate::Report;
use encguard_rules::{Finding, SectionCounts, Severity, Status};
use std::collections::BTreeMap;
use std::fmt::Write;

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#0d1117;color:#fff;padding:20px 32px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#9da7b3}
main{padding:24px 32px;max-width:1400px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:20px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 18px;min-width:110px}
.card b{display:block;font-size:26px}.card span{color:#57606a}
.fail b{color:#cf222e}.unknown b{color:#9a6700}.pass b{color:#1a7f37}.suppressed b{color:#57606a}
.charts{display:grid;grid-template-columns:2fr 1fr;gap:16px;margin-bottom:24px}
.panel{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px}.panel h2{font-size:15px;margin:0 0 10px}
.filters{display:flex;gap:8px;flex-wrap:wrap;margin:0 0 10px;align-items:center}
.filters input,.filters select{padding:6px 8px;border:1px solid #d0d7de;border-radius:6px;font:inherit}
.filters input{flex:1;min-width:240px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #d0d7de}
th,td{text-align:left;padding:7px 9px;border-bottom:1px solid #eaeef2;vertical-align:top}th{background:#f6f8fa;font-weight:600}
tr.finding{cursor:pointer}tr.finding:hover{background:#f6f8fa}
tr.detail td{background:#fbfcfd;color:#424a53}tr.detail[hidden]{display:none}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff}
.sev-critical{background:#8250df}.sev-high{background:#cf222e}.sev-medium{background:#bc4c00}.sev-low{background:#0969da}.sev-info{background:#6e7781}
.st-fail{color:#cf222e;font-weight:600}.st-unknown{color:#9a6700;font-weight:600}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eff1f3;padding:1px 4px;border-radius:4px;word-break:break-all}
.notes{margin-top:16px}.notes li{margin:4px 0}
"#;

const SCRIPT: &str = r#"
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.finding'));
  var q = document.getElementById('q'), status = document.getElementById('status'),
      severity = document.getElementById('severity'), section = document.getElementById('section'),
      shown = document.getElementById('shown');
  function apply() {
    var text = q.value.toLowerCase(), n = 0;
    rows.forEach(function (row) {
      var ok = (!text || row.textContent.toLowerCase().indexOf(text) >= 0) &&
        (!status.value || row.dataset.status === status.value) &&
        (!severity.value || row.dataset.severity === severity.value) &&
        (!section.value || row.dataset.section === section.value);
      row.hidden = !ok;
      if (!ok) { row.nextElementSibling.hidden = true; }
      if (ok) { n++; }
    });
    shown.textContent = n + ' of ' + rows.length + ' findings shown';
  }
  rows.forEach(function (row) {
    row.addEventListener('click', function () { row.nextElementSibling.hidden = !row.nextElementSibling.hidden; });
  });
  [q, status, severity, section].forEach(function (el) { el.addEventListener('input', apply); });
  apply();
})();
"#;

/// A horizontal stacked bar chart: one bar per label, segments (value, colour, name).
/// One bar: its label and segments (value, colour, name).
type Bar<'a> = (String, Vec<(usize, &'a str, &'a str)>);

fn stacked_bars(rows: &[Bar], width: f64, label_w: f64) -> String {
    let bar_h = 20.0;
    let max = rows.iter().map(|(_, segs)| segs.iter().map(|s| s.0).sum::<usize>()).max().unwrap_or(1).max(1) as f64;
    let height = rows.len() as f64 * (bar_h + 8.0) + 8.0;
    let mut svg = format!(
        "<svg role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (i, (label, segs)) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * (bar_h + 8.0);
        let _ = write!(svg, "<text x=\"0\" y=\"{}\" font-size=\"12\" fill=\"#1f2328\">{}</text>", y + 14.0, esc(label));
        let mut x = label_w;
        for (value, colour, name) in segs {
            if *value == 0 {
                continue;
            }
            let w = (*value as f64 / max) * (width - label_w - 40.0);
            let _ = write!(svg, "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"{colour}\"><title>{}: {value}</title></rect>", esc(name));
            x += w;
        }
        let total: usize = segs.iter().map(|s| s.0).sum();
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" fill=\"#57606a\">{total}</text>",
            x + 4.0,
            y + 14.0
        );
    }
    svg.push_str("</svg>");
    svg
}

pub fn render(report: &Report) -> String {
    let s = &report.evaluation.summary;
    let findings: Vec<&Finding> =
        report.evaluation.findings.iter().filter(|f| matches!(f.status, Status::Fail | Status::Unknown)).collect();
    let per_section = report.evaluation.by_section();
    let mut per_severity: BTreeMap<Severity, usize> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.is_open() && f.status == Status::Fail) {
        *per_severity.entry(f.severity).or_default() += 1;
    }
    let section_chart = stacked_bars(
        &per_section
            .iter()
            .map(|(sec, SectionCounts { pass: p, fail: f, unknown: u, suppressed: sup })| {
                (
                    sec.title().to_string(),
                    vec![
                        (*f, "#cf222e", "fail"),
                        (*u, "#d4a72c", "unknown"),
                        (*p, "#2da44e", "pass"),
                        (*sup, "#8c959f", "suppressed"),
                    ],
                )
            })
            .collect::<Vec<_>>(),
        640.0,
        215.0,
    );
    let severity_chart = stacked_bars(
        &Severity::ALL
            .iter()
            .rev()
            .map(|sev| {
                let colour = match sev {
                    Severity::Critical => "#8250df",
                    Severity::High => "#cf222e",
                    Severity::Medium => "#bc4c00",
                    Severity::Low => "#0969da",
                    Severity::Info => "#6e7781",
                };
                (sev.name().to_string(), vec![(per_severity.get(sev).copied().unwrap_or(0), colour, "failures")])
            })
            .collect::<Vec<_>>(),
        300.0,
        70.0,
    );
    let mut rows = String::new();
    for f in &findings {
        let status = if f.suppression.is_some() {
            "suppressed"
        } else if f.status == Status::Fail {
            "fail"
        } else {
            "unknown"
        };
        let _ = write!(
            rows,
            "<tr class=\"finding\" data-status=\"{status}\" data-severity=\"{sev}\" data-section=\"{sec}\"><td><span class=\"sev sev-{sev}\">{sev}</span></td><td class=\"st-{status}\">{status}</td><td>{rule}</td><td><code>{res}</code><br><small>{kind}</small></td><td>{msg}</td></tr>",
            sev = f.severity,
            sec = esc(f.section.title()),
            rule = f.rule,
            res = esc(&f.resource),
            kind = esc(&f.resource_type),
            msg = esc(&f.message),
        );
        let mut detail = format!("<b>Where:</b> <code>{}</code>", esc(&f.location.to_string()));
        if let Some(e) = &f.evidence {
            let _ = write!(detail, "<br><b>Seen:</b> <code>{}</code>", esc(e));
        }
        let _ = write!(detail, "<br><b>Fix:</b> {}", esc(f.remediation));
        if let Some(sup) = &f.suppression {
            let _ = write!(detail, "<br><b>Suppressed:</b> {}", esc(&sup.reason));
        }
        let _ = write!(detail, "<br><small>rule {} · fingerprint {}</small>", f.rule, f.fingerprint);
        let _ = write!(rows, "<tr class=\"detail\" hidden><td colspan=\"5\">{detail}</td></tr>");
    }
    let option = |v: &str| format!("<option value=\"{0}\">{0}</option>", esc(v));
    let sections: String = per_section.keys().map(|s| option(s.title())).collect();
    let severities: String = Severity::ALL.iter().rev().map(|s| option(s.name())).collect();
    let mut notes = String::new();
    for n in report
        .evaluation
        .notices
        .iter()
        .map(|n| format!("note: {n}"))
        .chain(report.gaps.iter().map(|g| format!("not read: {} {}: {}", g.scope, g.what, g.error)))
        .chain(report.errors.iter().map(|e| format!("error: {e}")))
    {
        let _ = write!(notes, "<li>{}</li>", esc(&n));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("<div class=\"panel notes\"><h2>Notes</h2><ul>{notes}</ul></div>")
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>encguard report</title><style>{STYLE}</style></head><body>\
<header><h1>Encryption policy report</h1><p>encguard {version} · {resources} resources checked against {rules} rules</p></header><main>\
<div class=\"cards\">\
<div class=\"card fail\" id=\"count-fail\"><b>{fail}</b><span>fail</span></div>\
<div class=\"card unknown\" id=\"count-unknown\"><b>{unknown}</b><span>unknown</span></div>\
<div class=\"card pass\" id=\"count-pass\"><b>{pass}</b><span>pass</span></div>\
<div class=\"card suppressed\" id=\"count-suppressed\"><b>{suppressed}</b><span>suppressed</span></div>\
<div class=\"card\" id=\"count-resources\"><b>{resources}</b><span>resources</span></div></div>\
<div class=\"charts\"><div class=\"panel\"><h2>By policy section</h2>{section_chart}</div><div class=\"panel\"><h2>Failures by severity</h2>{severity_chart}</div></div>\
<div class=\"filters\"><input id=\"q\" type=\"search\" placeholder=\"Search resources, rules, messages…\" aria-label=\"search\">\
<select id=\"status\" aria-label=\"status\"><option value=\"\">any status</option><option>fail</option><option>unknown</option><option>suppressed</option></select>\
<select id=\"severity\" aria-label=\"severity\"><option value=\"\">any severity</option>{severities}</select>\
<select id=\"section\" aria-label=\"section\"><option value=\"\">any section</option>{sections}</select>\
<span id=\"shown\"></span></div>\
<table><thead><tr><th>Severity</th><th>Status</th><th>Rule</th><th>Resource</th><th>Why</th></tr></thead><tbody>{rows}</tbody></table>\
{notes}</main><script>{SCRIPT}</script></body></html>\n",
        version = env!("CARGO_PKG_VERSION"),
        resources = s.resources,
        rules = encguard_rules::CATALOG.len(),
        fail = s.fail,
        unknown = s.unknown,
        pass = s.pass,
        suppressed = s.suppressed,
    )
}
