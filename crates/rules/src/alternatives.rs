//! Verdicts that hold whatever a resource's alternatives: Terraform `dynamic` blocks over
//! collections that cannot be known leave a resource's blocks unknown, yet a verdict may be
//! the same whatever they generate (no cache behaviour, or any number that all redirect to
//! HTTPS; no encryption rule, or rules with an algorithm S3 does not have).
//!
//! Per module instance (scope) holding such resources, every unknown verdict on a resource
//! of that scope is judged again under each combination of their alternatives — with the
//! rest of the deployment around them as it is — and is settled when every combination
//! agrees on a known verdict, or on none.

use crate::context::{deployment, Context, ResourceId};
use crate::finding::{Finding, Settled, Status};
use crate::rule::{Out, Rule};
use encguard_model::{Inventory, Resource, Spec};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The most scopes judged again per scan; past it their verdicts stay unknown.
const MAX_SCOPES: usize = 64;
/// The most combinations of alternatives judged per scope; past it, the same.
const MAX_COMBINATIONS: usize = 27;

/// Settles the unknown verdicts that every combination of alternatives agrees on.
pub(crate) fn settle(ctx: &Context, rules: &[&'static Rule], findings: &mut Vec<Finding>, settled: &mut Vec<Settled>) {
    let resources = &ctx.inventory.resources;
    let mut varying: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in resources.iter().enumerate().filter(|(_, r)| !r.alternatives.is_empty()) {
        varying.entry(r.scope.as_str()).or_default().push(i);
    }
    if varying.is_empty() {
        return;
    }
    // The verdicts on resources of those scopes: only a rule's one verdict on a resource is
    // settled (a rule that gives a resource several is left as it is).
    // Resources of those scopes by name: (scope, identity).
    let in_scope: HashMap<&str, (&str, usize)> = resources
        .iter()
        .enumerate()
        .filter(|(_, r)| varying.contains_key(r.scope.as_str()))
        .map(|(i, r)| (r.name.as_str(), (r.scope.as_str(), i)))
        .collect();
    let mut verdicts: HashMap<(&str, &'static str), (usize, Status)> = HashMap::new();
    let open = findings.iter().map(|f| (f.resource.as_str(), f.rule, f.status));
    let others = settled.iter().map(|s| (resources[s.resource.index()].name.as_str(), s.rule.id, s.status));
    for (resource, rule, status) in open.chain(others).filter(|(r, ..)| in_scope.contains_key(r)) {
        let (count, last) = verdicts.entry((resource, rule)).or_insert((0, status));
        *count += 1;
        *last = status;
    }
    let mut unknown: BTreeMap<&str, BTreeSet<(&str, &'static str)>> = BTreeMap::new();
    for ((resource, rule), _) in verdicts.into_iter().filter(|(_, (n, s))| *n == 1 && *s == Status::Unknown) {
        unknown.entry(in_scope[resource].0).or_default().insert((resource, rule));
    }

    // (resource, rule) → the verdict every combination gives; `None`: no verdict at all.
    let mut decided: HashMap<(String, &'static str), Option<Finding>> = HashMap::new();
    for (scope, targets) in unknown.into_iter().take(MAX_SCOPES) {
        let Some(combinations) = combinations(resources, &varying[scope]) else {
            continue;
        };
        let rule_ids: BTreeSet<&str> = targets.iter().map(|(_, rule)| *rule).collect();
        let rules: Vec<&'static Rule> = rules.iter().copied().filter(|r| rule_ids.contains(r.id)).collect();
        let outcomes: Vec<Vec<Finding>> =
            combinations.iter().map(|specs| judge(ctx, &varying[scope], specs, &rules)).collect();
        for (resource, rule) in targets {
            let on = |o: &'_ Vec<Finding>| -> Vec<Finding> {
                o.iter().filter(|f| f.rule == rule && f.resource == resource).cloned().collect()
            };
            // Reported as the combination with the most generated blocks (the last) has it.
            let mut each: Vec<Vec<Finding>> = outcomes.iter().map(on).collect();
            let last = each.pop().unwrap_or_default();
            let agreed = match last.as_slice() {
                [] => each.iter().all(Vec::is_empty).then_some(None),
                [one] if one.status != Status::Unknown => each
                    .iter()
                    .all(|v| matches!(v.as_slice(), [other] if other.status == one.status))
                    .then(|| Some(one.clone())),
                _ => None,
            };
            if let Some(verdict) = agreed {
                decided.insert((resource.to_string(), rule), verdict);
            }
        }
    }
    let mut done = Vec::with_capacity(findings.len());
    for f in findings.drain(..) {
        match decided.remove(&(f.resource.clone(), f.rule)) {
            Some(Some(v)) if matches!(v.status, Status::Pass | Status::NotApplicable) => {
                let rule = rules.iter().copied().find(|r| r.id == f.rule).expect("a selected rule");
                let resource = ResourceId::at(in_scope[f.resource.as_str()].1);
                settled.push(Settled { rule, resource, status: v.status, span: None });
            }
            Some(Some(v)) => done.push(Finding {
                message: format!("{} — whatever the `dynamic` blocks over unknown collections generate", v.message),
                fingerprint: f.fingerprint,
                fix: None,
                ..v
            }),
            Some(None) => {}
            None => done.push(f),
        }
    }
    *findings = done;
}

/// Every combination of the alternatives of the resources `varying`, or `None` when they
/// are more than [`MAX_COMBINATIONS`].
fn combinations<'r>(resources: &'r [Resource], varying: &[usize]) -> Option<Vec<Vec<&'r Spec>>> {
    let mut out: Vec<Vec<&Spec>> = vec![Vec::new()];
    for &i in varying {
        let alternatives = &resources[i].alternatives;
        if out.len().saturating_mul(alternatives.len()) > MAX_COMBINATIONS {
            return None;
        }
        out = out
            .iter()
            .flat_map(|prefix| {
                alternatives.iter().map(move |a| {
                    let mut next = prefix.clone();
                    next.push(a);
                    next
                })
            })
            .collect();
    }
    Some(out)
}

/// The verdicts of `rules` when the resources `varying` are `specs`, judged within their
/// deployment.
fn judge(ctx: &Context, varying: &[usize], specs: &[&Spec], rules: &[&'static Rule]) -> Vec<Finding> {
    let resources = &ctx.inventory.resources;
    let here = deployment(&resources[varying[0]]);
    let variant: Vec<Resource> = resources
        .iter()
        .enumerate()
        .filter(|(_, r)| deployment(r) == here)
        .map(|(j, r)| match varying.iter().position(|&v| v == j) {
            Some(k) => Resource { spec: specs[k].clone(), alternatives: Vec::new(), ..r.clone() },
            None => r.clone(),
        })
        .collect();
    let mut inventory = Inventory::new(variant);
    inventory.gaps = ctx.inventory.gaps.clone();
    let variant_ctx = Context::new(&inventory, ctx.policy, ctx.today);
    rules
        .iter()
        .flat_map(|rule| {
            let mut out = Out::new(rule, &variant_ctx);
            (rule.check)(&variant_ctx, &mut out);
            out.into_findings()
        })
        .collect()
}
