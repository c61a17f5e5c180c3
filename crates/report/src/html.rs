//! A self-contained HTML report for auditors: what the scan was of (date, scope, policy and
//! its hash, tool, commit), summary per policy section and severity with SVG charts and
//! their legends, the trend over saved scans of the same inputs, every failure and unknown
//! with its evidence, location and fix (or, for an unknown, what would decide it), filtered
//! and searched in the page, and the controls that hold with the resources that pass them.
//! It prints with every detail open. No network access is needed to open it.

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
.about dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}.about dt{color:#57606a}.about dd{margin:0}
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px;color:#57606a;margin-top:6px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.holds{margin-top:16px}.holds details{margin:4px 0}.holds summary{cursor:pointer}.holds ul{margin:4px 0 8px;columns:2}
button{padding:6px 10px;border:1px solid #d0d7de;border-radius:6px;background:#fff;font:inherit;cursor:pointer}
@media print{
 body{background:#fff}header{background:none;color:#000;padding:0 0 8px}header p{color:#424a53}
 main{padding:0;max-width:none}.filters{display:none}tr.finding{cursor:auto}
 tr.finding[hidden]{display:table-row}tr.detail[hidden]{display:table-row}
 .charts{grid-template-columns:1fr 1fr}.panel,table,tr{break-inside:avoid}
}
"#;

const SCRIPT: &str = r#"
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.finding'));
  var q = document.getElementById('q'), status = document.getElementById('status'),
      severity = document.getElementById('severity'), section = document.getElementById('section'),
      shown = document.getElementById('shown');
  // A link may carry a search: report.html#q=text.
  if (location.hash.indexOf('#q=') === 0) { q.value = decodeURIComponent(location.hash.slice(3)); }
  function apply() {
    var text = q.value.toLowerCase(), n = 0;
    rows.forEach(function (row) {
      // The search reads the finding's details too: where it is, what was seen.
      var all = (row.textContent + ' ' + row.nextElementSibling.textContent).toLowerCase();
      var ok = (!text || all.indexOf(text) >= 0) &&
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
  var expanded = false;
  function expand(open) {
    rows.forEach(function (row) { if (!row.hidden) { row.nextElementSibling.hidden = !open; } });
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = open; });
  }
  document.getElementById('expand').addEventListener('click', function () {
    expanded = !expanded;
    expand(expanded);
    this.textContent = expanded ? 'Collapse all' : 'Expand all';
  });
  // A printed report keeps every detail: the evidence an auditor files.
  window.addEventListener('beforeprint', function () { expand(true); });
  apply();
})();
"#;

/// A chart's legend: what each colour stands for.
fn legend(items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(colour, name)| format!("<span><i style=\"background:{colour}\"></i>{name}</span>"))
        .collect();
    format!("<div class=\"legend\">{items}</div>")
}

/// What would decide an unknown verdict, by the kind of reason it gives.
fn to_decide(reason: &str) -> &'static str {
    let says = |words: &[&str]| words.iter().any(|w| reason.contains(w));
    if says(&[" failed", "AccessDenied", "could not be read"]) {
        "let the call named above succeed for the scanning role, and scan again"
    } else if says(&["has no value", "without a value", "no default", "is not set"]) {
        "give that input a value (a .tfvars file, --var, --var-file, or the template's parameter) and scan again"
    } else if says(&["after apply", "when planning", "at plan time", "new on every plan"]) {
        "scan a plan (terraform show -json) or the deployed account"
    } else if says(&["deploy time", "ImportValue", "resolve:ssm"]) {
        "scan the account the stack is deployed to"
    } else if says(&["not described in this scan", "not read", "does not fetch", "scan the account"]) {
        "scan what is named above together with this resource: its code, or its account"
    } else {
        "make the value named above known in the scanned code, or scan the deployed account"
    }
}

/// The scan's date and time, UTC.
fn when(time_ms: i64) -> String {
    let minutes = time_ms.div_euclid(60_000);
    let day = encguard_rules::Date(minutes.div_euclid(1440));
    format!("{day} {:02}:{:02} UTC", minutes.rem_euclid(1440) / 60, minutes.rem_euclid(60))
}

/// What the scan was of, for the auditor.
fn about(report: &Report) -> String {
    let a = report.about;
    let scope = if a.inputs.is_empty() {
        "(none given)".to_string()
    } else {
        a.inputs.iter().map(|i| esc(i)).collect::<Vec<_>>().join("<br>")
    };
    let commit =
        a.commit.as_ref().map(|c| format!("<dt>Commit</dt><dd><code>{}</code></dd>", esc(c))).unwrap_or_default();
    format!(
        "<div class=\"panel about\" id=\"about\"><h2>About this scan</h2><dl><dt>Scanned</dt><dd>{}</dd><dt>Scope</dt><dd>{scope}</dd>\
         <dt>Policy</dt><dd>{} <code>{}</code></dd><dt>Tool</dt><dd>encguard {}</dd>{commit}</dl></div>",
        when(report.time_ms),
        esc(&a.policy),
        esc(&a.policy_hash),
        env!("CARGO_PKG_VERSION"),
    )
}

/// Open failures and unknowns over the saved scans of the same inputs; none below two.
fn trend(report: &Report) -> String {
    let points = &report.about.trend;
    if points.len() < 2 {
        return String::new();
    }
    let (w, h, pad) = (640.0, 150.0, 28.0);
    let top = points.iter().map(|p| p.failures.max(p.unknowns)).max().unwrap_or(0).max(1) as f64;
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / (points.len() - 1) as f64;
    let y = |v: usize| h - pad - (h - 2.0 * pad) * v as f64 / top;
    let line = |value: fn(&crate::TrendPoint) -> usize, colour: &str| {
        let coords: Vec<String> =
            points.iter().enumerate().map(|(i, p)| format!("{:.1},{:.1}", x(i), y(value(p)))).collect();
        let dots: String = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{}: {} failures, {} unknowns</title></circle>",
                    x(i),
                    y(value(p)),
                    esc(&p.time),
                    p.failures,
                    p.unknowns
                )
            })
            .collect();
        format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>{dots}",
            coords.join(" ")
        )
    };
    let day = |p: &crate::TrendPoint| esc(p.time.get(..10).unwrap_or(&p.time));
    format!(
        "<div class=\"panel\" id=\"trend\"><h2>Trend over {} saved scans of these inputs</h2>\
         <svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" style=\"max-width:100%\" role=\"img\" aria-label=\"trend\">\
         <text x=\"{pad}\" y=\"{}\" font-size=\"11\" fill=\"#57606a\">{}</text>\
         <text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#57606a\" text-anchor=\"end\">{}</text>\
         <text x=\"4\" y=\"{:.1}\" font-size=\"11\" fill=\"#57606a\">{}</text>{}{}</svg>{}</div>",
        points.len(),
        h - 8.0,
        day(&points[0]),
        w - pad,
        h - 8.0,
        day(&points[points.len() - 1]),
        pad,
        top,
        line(|p| p.failures, "#cf222e"),
        line(|p| p.unknowns, "#d4a72c"),
        legend(&[("#cf222e", "open failures"), ("#d4a72c", "open unknowns")]),
    )
}

/// How many resources passed each rule, and which (up to a cap per rule): the evidence that
/// a control holds, without a page the size of the estate.
fn controls_that_hold(report: &Report) -> String {
    const LISTED: usize = 25;
    let mut passed: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for s in report.evaluation.settled.iter().filter(|s| s.status == Status::Pass) {
        let r = &report.resources[s.resource.index()];
        passed.entry(s.rule.id).or_default().push((r.name.clone(), r.location_at(s.span).to_string()));
    }
    for f in report.evaluation.findings.iter().filter(|f| f.status == Status::Pass && f.suppression.is_none()) {
        passed.entry(f.rule).or_default().push((f.resource.clone(), f.location.to_string()));
    }
    let mut out = String::new();
    for rule in encguard_rules::CATALOG {
        let Some(resources) = passed.get(rule.id) else { continue };
        let items: String = resources
            .iter()
            .take(LISTED)
            .map(|(name, place)| format!("<li><code>{}</code> <small>{}</small></li>", esc(name), esc(place)))
            .collect();
        let more = match resources.len().saturating_sub(LISTED) {
            0 => String::new(),
            n => format!("<li>and {n} more</li>"),
        };
        let _ = write!(
            out,
            "<details><summary><b>{}</b> {} — {} passing</summary><ul>{items}{more}</ul></details>",
            rule.id,
            esc(rule.title),
            resources.len()
        );
    }
    if out.is_empty() {
        return out;
    }
    format!("<div class=\"panel holds\" id=\"holds\"><h2>Controls that hold</h2>{out}</div>")
}

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
        if f.status == Status::Unknown {
            let _ = write!(detail, "<br><b>To decide it:</b> {}", to_decide(&f.message));
        } else {
            let _ = write!(detail, "<br><b>Fix:</b> {}", esc(f.remediation));
        }
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
{about}<div class=\"charts\"><div class=\"panel\"><h2>By policy section</h2>{section_chart}{section_legend}</div><div class=\"panel\"><h2>Failures by severity</h2>{severity_chart}</div></div>{trend}\
<div class=\"filters\"><input id=\"q\" type=\"search\" placeholder=\"Search resources, rules, messages…\" aria-label=\"search\">\
<select id=\"status\" aria-label=\"status\"><option value=\"\">any status</option><option>fail</option><option>unknown</option><option>suppressed</option></select>\
<select id=\"severity\" aria-label=\"severity\"><option value=\"\">any severity</option>{severities}</select>\
<select id=\"section\" aria-label=\"section\"><option value=\"\">any section</option>{sections}</select>\
<button id=\"expand\" type=\"button\">Expand all</button><span id=\"shown\"></span></div>\
<table><thead><tr><th>Severity</th><th>Status</th><th>Rule</th><th>Resource</th><th>Why</th></tr></thead><tbody>{rows}</tbody></table>\
{holds}{notes}</main><script>{SCRIPT}</script></body></html>\n",
        version = env!("CARGO_PKG_VERSION"),
        resources = s.resources,
        rules = encguard_rules::CATALOG.len(),
        fail = s.fail,
        unknown = s.unknown,
        pass = s.pass,
        suppressed = s.suppressed,
        about = about(report),
        trend = trend(report),
        holds = controls_that_hold(report),
        section_legend = legend(&[("#cf222e", "fail"), ("#d4a72c", "unknown"), ("#2da44e", "pass"), ("#8c959f", "suppressed")]),
    )
}
