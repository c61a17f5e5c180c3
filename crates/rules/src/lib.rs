//! encguard's rule catalog.
//!
//! A rule is one file: its documentation (what it checks, why, an example and the fix)
//! is the doc comment of its declaration, and its logic is one function from the
//! resolved inventory to one verdict per resource. [`CATALOG`] lists every rule;
//! [`evaluate`] runs them.
//!
//! The pipeline this crate implements: [`Context::new`] resolves the inventory
//! (references, keys, split resources, account context), each enabled rule judges the
//! resources it applies to, and [`Policy`] exceptions mark findings as suppressed.

#![deny(missing_docs)]

mod alternatives;
mod context;
pub mod date;
mod facts;
mod finding;
mod keys;
mod policy;
mod rule;
mod rules;
mod tls;

pub use context::{Context, KeyTarget, Kind, Res, ResourceId};
pub use date::Date;
pub use finding::{
    fingerprint, AttributeFix, Evaluation, Finding, Fix, FixValue, ParameterGroup, PolicyStatement, SectionCounts,
    Settled, Status, Summary, Suppression, SuppressionKind, TlsParameter, FINGERPRINT_VERSION,
};
pub use policy::{strict_policy, Exception, KeyTier, Policy, PolicyError, RuleSetting, DEFAULT_POLICY};
pub use rule::{Eval, Judged, Rule, Section, Severity, Verdict};
pub use rules::CATALOG;

/// Looks a rule up by id (`S3-004`), case-insensitively.
pub fn rule(id: &str) -> Option<&'static Rule> {
    CATALOG.iter().copied().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// Runs every rule that `select` admits and the policy enables, on a resolved inventory.
/// Rules run in parallel on the calling thread's rayon pool.
pub fn evaluate(ctx: &Context, select: impl Fn(&Rule) -> bool) -> Evaluation {
    use rayon::prelude::*;
    let selected: Vec<&Rule> = CATALOG.iter().copied().filter(|r| select(r) && ctx.policy.enabled(r)).collect();
    // Each rule reads the shared, immutable context; findings keep the catalogue's order.
    let per_rule: Vec<(Vec<Finding>, Vec<Settled>)> = selected
        .par_iter()
        .map(|&rule| {
            let mut out = rule::Out::settling(rule, ctx);
            (rule.check)(ctx, &mut out);
            out.into_parts()
        })
        .collect();
    let (mut findings, mut settled) = (Vec::new(), Vec::new());
    findings.reserve_exact(per_rule.iter().map(|(f, _)| f.len()).sum());
    settled.reserve_exact(per_rule.iter().map(|(_, s)| s.len()).sum());
    for (mut rule_findings, mut rule_settled) in per_rule {
        findings.append(&mut rule_findings);
        settled.append(&mut rule_settled);
    }
    alternatives::settle(ctx, &selected, &mut findings, &mut settled);
    let mut notices = ctx.policy.apply_exceptions(&mut findings, ctx.today);
    for r in &ctx.inventory.resources {
        for s in r.suppressions.iter().filter(|s| s.reason.trim().is_empty()) {
            notices.push(format!("`{}` suppresses {} without a reason; the suppression is ignored", r.name, s.rule));
        }
    }
    Evaluation::new(findings, settled, ctx.inventory.resources.len(), notices)
}

#[cfg(test)]
pub(crate) mod testing;
