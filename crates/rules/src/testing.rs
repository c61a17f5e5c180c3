//! Test support: builds an inventory from compact JSON and runs one rule on it.

use crate::{Context, Date, Policy, Rule, Status};
use encguard_model::{Inventory, Resource};
use serde_json::{json, Value};

/// The date every rule test runs on.
pub fn today() -> Date {
    Date::parse("2026-11-28").unwrap()
}

/// Reads resources written as `{"kind": "kms_key", "name": "k", …}`; origin, type and
/// scope get test defaults unless given.
pub fn inventory(resources: Value) -> Inventory {
    let resources = resources
        .as_array()
        .expect("a list of resources")
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let obj = r.as_object_mut().unwrap();
            obj.entry("source_type").or_insert(json!("test"));
            obj.entry("location")
                .or_insert(json!({"source": "file", "format": "terraform", "file": "main.tf", "line": 1, "column": 1}));
            serde_json::from_value::<Resource>(r.clone()).unwrap_or_else(|e| panic!("bad test resource {r}: {e}"))
        })
        .collect();
    Inventory::new(resources)
}

/// Runs `rule` under `policy` (TOML) and returns (resource, status, message) per verdict.
pub fn run_with(rule: &'static Rule, policy: &str, resources: Value) -> Vec<(String, Status, String)> {
    run_on(rule, policy, &inventory(resources))
}

/// Runs `rule` under `policy` (TOML) on an inventory built by the test (with gaps, say).
pub fn run_on(rule: &'static Rule, policy: &str, inv: &Inventory) -> Vec<(String, Status, String)> {
    let policy = Policy::parse(policy).expect("test policy");
    let ctx = Context::new(inv, &policy, today());
    let mut out = crate::rule::Out::new(rule, &ctx);
    (rule.check)(&ctx, &mut out);
    out.into_findings().into_iter().map(|f| (f.resource, f.status, f.message)).collect()
}

/// Asserts the status of each named resource under the default policy.
#[track_caller]
pub fn expect(rule: &'static Rule, resources: Value, expected: &[(&str, Status)]) {
    expect_with(rule, "", resources, expected)
}

#[track_caller]
pub fn expect_with(rule: &'static Rule, policy: &str, resources: Value, expected: &[(&str, Status)]) {
    let results = run_with(rule, policy, resources);
    for (name, status) in expected {
        let found: Vec<_> = results.iter().filter(|(n, _, _)| n == name).collect();
        assert!(!found.is_empty(), "{}: no verdict on `{name}`; verdicts: {results:#?}", rule.id);
        assert!(found.iter().all(|(_, s, _)| s == status), "{}: `{name}` expected {status:?}, got {found:#?}", rule.id);
    }
}

/// Asserts that `rule` passes no verdict at all on the named resources.
#[track_caller]
pub fn expect_silent(rule: &'static Rule, resources: Value, names: &[&str]) {
    let results = run_with(rule, "", resources);
    for name in names {
        assert!(results.iter().all(|(n, _, _)| n != name), "{}: unexpected verdict on `{name}`: {results:#?}", rule.id);
    }
}

/// A policy requiring customer managed keys for every service (`encguard init --strict`),
/// for the tests of key-tier rules written against it.
pub const STRICT: &str = "[key_tiers]\ns3 = \"customer-managed\"\nsecretsmanager = \"customer-managed\"\nebs = \"customer-managed\"\nrds = \"customer-managed\"\ndynamodb = \"customer-managed\"\n";
