//! Drift: the resources code declares matched with the ones deployed, by what both sides
//! call them (bucket names, identifiers, ARNs — never a source address), and for each match
//! the attributes whose values differ and the verdicts that differ; deployed resources no
//! code declares (unmanaged); declared ones not deployed; and declared ones whose name is
//! known only after apply (unmatchable — neither "not deployed" nor "unmanaged").

use crate::Reported;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One side of the comparison: a resource, what it is called, its attributes and verdicts.
#[derive(Clone, Debug)]
pub struct Side {
    /// The resource's name in its source (address, logical id, ARN).
    pub name: String,
    /// Its kind (`s3_bucket`, `kms_key`, …): only resources of one kind match.
    pub kind: String,
    /// What else it is called; a declared resource's source addresses are not among them.
    pub names: Vec<String>,
    /// Its attributes as the inventory writes them.
    pub attributes: Value,
    /// Its verdicts, by rule.
    pub verdicts: BTreeMap<String, Reported>,
}

/// A declared resource and the deployed one it matches, with what differs.
#[derive(Debug, Serialize)]
pub struct Drifted {
    /// The declared resource.
    pub declared: String,
    /// The deployed one.
    pub deployed: String,
    /// Attributes known on both sides with other values: (attribute, declared, deployed).
    pub attributes: Vec<(String, Value, Value)>,
    /// Rules whose verdict differs: (rule, declared status, deployed status).
    pub verdicts: Vec<(String, String, String)>,
}

/// What code and the deployed estate disagree on.
#[derive(Debug, Default, Serialize)]
pub struct Drift {
    /// Matched pairs that differ.
    pub drifted: Vec<Drifted>,
    /// Matched pairs that agree.
    pub matched: usize,
    /// Deployed resources no code declares, with their open findings.
    pub unmanaged: Vec<(String, Vec<Reported>)>,
    /// Declared resources with no deployed match.
    pub not_deployed: Vec<String>,
    /// Declared resources with no name known before apply to match by.
    pub unmatchable: Vec<String>,
}

/// Compares what code declares with what is deployed.
pub fn drift(declared: &[Side], deployed: &[Side]) -> Drift {
    let mut out = Drift::default();
    let mut claimed = vec![false; deployed.len()];
    for code in declared {
        if code.names.is_empty() {
            out.unmatchable.push(code.name.clone());
            continue;
        }
        let found = deployed.iter().enumerate().find(|(i, live)| {
            !claimed[*i]
                && live.kind == code.kind
                && code.names.iter().any(|n| *n == live.name || live.names.contains(n))
        });
        let Some((i, live)) = found else {
            out.not_deployed.push(code.name.clone());
            continue;
        };
        claimed[i] = true;
        let attributes = differing(&code.attributes, &live.attributes);
        let status = |side: &Side, rule: &str| side.verdicts.get(rule).map_or("pass".to_string(), |f| f.status.clone());
        let rules: std::collections::BTreeSet<&String> = code.verdicts.keys().chain(live.verdicts.keys()).collect();
        let verdicts: Vec<(String, String, String)> = rules
            .into_iter()
            .map(|rule| (rule.clone(), status(code, rule), status(live, rule)))
            // A rule that fails on one side only; what one side cannot judge is not drift.
            .filter(|(_, a, b)| (a == "fail") != (b == "fail") && a != "unknown" && b != "unknown")
            .collect();
        if attributes.is_empty() && verdicts.is_empty() {
            out.matched += 1;
        } else {
            out.drifted.push(Drifted {
                declared: code.name.clone(),
                deployed: live.name.clone(),
                attributes,
                verdicts,
            });
        }
    }
    for (live, _) in deployed.iter().zip(&claimed).filter(|(_, claimed)| !**claimed) {
        let open = live.verdicts.values().filter(|f| f.status != "pass").cloned().collect();
        out.unmanaged.push((live.name.clone(), open));
    }
    out
}

/// The attributes both sides know with other values. What code leaves unwritten, or knows
/// only after apply, is not drift.
fn differing(declared: &Value, deployed: &Value) -> Vec<(String, Value, Value)> {
    let (Some(declared), Some(deployed)) = (declared.as_object(), deployed.as_object()) else { return Vec::new() };
    declared
        .iter()
        .filter_map(|(key, value)| {
            let mut value = plain(value);
            let mut other = plain(deployed.get(key)?);
            mask_key_references(&mut value, &mut other);
            let known = |v: &Value| !v.is_null() && v.get("unknown").is_none();
            (known(&value) && known(&other) && value != other).then(|| (key.clone(), value, other))
        })
        .collect()
}

/// Blanks the key references at the same place of both values that do not name a key the
/// same way: code names a key by its address (its ARN is known after apply) or an alias,
/// an account reports the key's ARN — which key that is needs resolving, and is not drift.
fn mask_key_references(a: &mut Value, b: &mut Value) {
    let reference = |v: &Value| {
        (v.get("type").and_then(Value::as_str) == Some("customer"))
            .then(|| v.get("reference").and_then(Value::as_str).map(str::to_string))
            .flatten()
    };
    let form = |r: &str| {
        if r.starts_with("alias/") {
            Some("alias")
        } else if r.starts_with("arn:") && r.contains(":key/") {
            Some("key arn")
        } else if r.starts_with("arn:") && r.contains(":alias/") {
            Some("alias arn")
        } else {
            None
        }
    };
    // What code names by its source address (`module.key|aws_kms_key.this`,
    // `aws_kms_key.data.arn`) is known by another name once deployed.
    let address = |v: &Value| v.as_str().is_some_and(is_address);
    // A string of which code knows only parts (`arn:aws:iam::⟨?⟩:root`) is not drift.
    let partial = |v: &Value| v.as_str().is_some_and(|t| t.contains("⟨?⟩"));
    // What code knows only after apply (a load balancer's DNS name) is not drift; what the
    // account could not say is in the gaps drift prints.
    let unknown = |v: &Value| v.get("unknown").is_some() || v.get("type").and_then(Value::as_str) == Some("unresolved");
    if address(a) || partial(a) || unknown(a) || unknown(b) {
        *a = Value::Null;
        *b = Value::Null;
        return;
    }
    match (reference(a), reference(b)) {
        // Both customer keys, named the same way: compared as they are.
        (Some(x), Some(y)) if form(&x).is_some() && form(&x) == form(&y) => {}
        // Both customer keys, named differently: which key each is needs resolving.
        (Some(_), Some(_)) => {
            *a = Value::Null;
            *b = Value::Null;
        }
        // A customer key on one side only (the other an AWS managed or owned key): drift.
        (Some(_), None) | (None, Some(_)) => {}
        (None, None) => match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x.iter_mut() {
                    if let Some(w) = y.get_mut(k) {
                        mask_key_references(v, w);
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                for (v, w) in x.iter_mut().zip(y.iter_mut()) {
                    mask_key_references(v, w);
                }
            }
            _ => {}
        },
    }
}

/// Whether `text` is a Terraform source address or a handle made of one:
/// `aws_kms_key.data`, `module.key.aws_kms_key.this.arn`, `data.aws_kms_alias.x`,
/// `root//module.key|aws_kms_key.this` — not a domain name that starts like one.
fn is_address(text: &str) -> bool {
    if text.contains('|') {
        return true;
    }
    let mut parts = text.split('.').peekable();
    // `module.NAME` prefixes, possibly indexed.
    while parts.peek() == Some(&"module") {
        parts.next();
        if parts.next().is_none() {
            return false;
        }
    }
    if parts.peek() == Some(&"data") {
        parts.next();
    }
    let (Some(kind), Some(name)) = (parts.next(), parts.next()) else { return false };
    kind.starts_with("aws_")
        && kind.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-[]\"".contains(c))
}

/// A value without the places its source wrote it (`{"value": …, "span": …}`).
fn plain(value: &Value) -> Value {
    match value {
        Value::Object(m) if m.contains_key("span") && m.contains_key("value") => plain(&m["value"]),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), plain(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(plain).collect()),
        other => other.clone(),
    }
}

impl Drift {
    /// One line: how code and the deployed estate compare.
    pub fn headline(&self) -> String {
        format!(
            "{} drifted, {} match, {} unmanaged, {} not deployed, {} unmatchable",
            self.drifted.len(),
            self.matched,
            self.unmanaged.len(),
            self.not_deployed.len(),
            self.unmatchable.len()
        )
    }

    /// For people.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.headline());
        for d in &self.drifted {
            out.push_str(&format!("\ndrifted: {} ↔ {}\n", d.declared, d.deployed));
            for (attribute, code, live) in &d.attributes {
                out.push_str(&format!("  {attribute}: code {code}, deployed {live}\n"));
            }
            for (rule, code, live) in &d.verdicts {
                out.push_str(&format!("  {rule}: code {code}, deployed {live}\n"));
            }
        }
        for (title, names) in
            [("not deployed", &self.not_deployed), ("unmatchable (no name known before apply)", &self.unmatchable)]
        {
            if !names.is_empty() {
                out.push_str(&format!("\n{title}:\n"));
                names.iter().for_each(|n| out.push_str(&format!("  {n}\n")));
            }
        }
        if !self.unmanaged.is_empty() {
            out.push_str("\nunmanaged (deployed, declared by no code):\n");
            for (name, open) in &self.unmanaged {
                let rules: Vec<String> = open.iter().map(|f| format!("{} {}", f.rule, f.status)).collect();
                out.push_str(&format!(
                    "  {name}{}\n",
                    if rules.is_empty() { String::new() } else { format!(" ({})", rules.join(", ")) }
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn side(name: &str, names: &[&str], attributes: Value, failing: &[&str]) -> Side {
        Side {
            name: name.into(),
            kind: "s3_bucket".into(),
            names: names.iter().map(|n| n.to_string()).collect(),
            attributes,
            verdicts: failing
                .iter()
                .map(|r| (r.to_string(), crate::reported(name, "fail")))
                .map(|(r, mut f)| {
                    f.rule = r.clone();
                    (r, f)
                })
                .collect(),
        }
    }

    #[test]
    fn resources_match_by_name_and_differences_are_reported() {
        let declared = [
            side(
                "aws_s3_bucket.logs",
                &["acme-logs"],
                json!({"bucket_name": {"value": "acme-logs", "span": [1, 1, 1, 9]}, "versioning": {"unknown": "after apply"}}),
                &[],
            ),
            side("aws_s3_bucket.data", &["acme-data"], json!({"bucket_name": "acme-data", "key": "k"}), &[]),
            side("aws_s3_bucket.gone", &["acme-gone"], json!({}), &[]),
            side("aws_s3_bucket.later", &[], json!({}), &[]),
        ];
        let deployed = [
            side(
                "arn:aws:s3:::acme-logs",
                &["acme-logs"],
                json!({"bucket_name": "acme-logs", "versioning": true}),
                &[],
            ),
            side(
                "arn:aws:s3:::acme-data",
                &["acme-data"],
                json!({"bucket_name": "acme-data", "key": "other"}),
                &["S3-004"],
            ),
            side("arn:aws:s3:::shadow", &["shadow"], json!({}), &["S3-002"]),
        ];
        let d = drift(&declared, &deployed);
        assert_eq!(d.matched, 1, "the spanned name and an after-apply value are not drift");
        assert_eq!(d.drifted.len(), 1);
        assert_eq!(d.drifted[0].attributes, vec![("key".to_string(), json!("k"), json!("other"))]);
        assert_eq!(d.drifted[0].verdicts, vec![("S3-004".to_string(), "pass".to_string(), "fail".to_string())]);
        assert_eq!(d.not_deployed, vec!["aws_s3_bucket.gone"]);
        assert_eq!(d.unmatchable, vec!["aws_s3_bucket.later"]);
        assert_eq!(d.unmanaged.len(), 1);
        assert_eq!(d.unmanaged[0].0, "arn:aws:s3:::shadow");
        assert_eq!(d.headline(), "1 drifted, 1 match, 1 unmanaged, 1 not deployed, 1 unmatchable");
    }

    #[test]
    fn keys_named_differently_are_not_drift_but_other_keys_of_one_form_are() {
        let key = |r: &str| json!({"type": "customer", "reference": r});
        let declared = [
            side("by_address", &["a"], json!({"kms_key": key("module.data_key.aws_kms_key.this")}), &[]),
            side(
                "by_alias",
                &["b"],
                json!({"encryption": {"sse_algorithm": "aws:kms", "kms_key": key("alias/data")}}),
                &[],
            ),
            side("by_arn", &["c"], json!({"kms_key": key("arn:aws:kms:eu-west-1:1:key/one")}), &[]),
        ];
        let deployed = [
            side("a-live", &["a"], json!({"kms_key": key("arn:aws:kms:eu-west-1:1:key/one")}), &[]),
            side(
                "b-live",
                &["b"],
                json!({"encryption": {"sse_algorithm": "aws:kms", "kms_key": key("arn:aws:kms:eu-west-1:1:key/one")}}),
                &[],
            ),
            side("c-live", &["c"], json!({"kms_key": key("arn:aws:kms:eu-west-1:1:key/two")}), &[]),
        ];
        let d = drift(&declared, &deployed);
        assert_eq!(d.matched, 2, "{d:?}");
        assert_eq!(d.drifted.len(), 1);
        assert_eq!(d.drifted[0].declared, "by_arn");
    }

    #[test]
    fn a_key_of_another_kind_and_a_name_that_looks_like_an_address_are_drift() {
        let declared = [
            side("managed", &["m"], json!({"kms_key": {"type": "customer", "reference": "aws_kms_key.data"}}), &[]),
            side("origin", &["o"], json!({"domain_name": "data.example.com", "key": "aws_kms_key.data.arn"}), &[]),
        ];
        let deployed = [
            side("m-live", &["m"], json!({"kms_key": {"type": "aws_managed", "alias": "alias/aws/s3"}}), &[]),
            side(
                "o-live",
                &["o"],
                json!({"domain_name": "evil.example.com", "key": "arn:aws:kms:eu-west-1:1:key/k"}),
                &[],
            ),
        ];
        let d = drift(&declared, &deployed);
        assert_eq!(d.drifted.len(), 2, "{d:?}");
        assert_eq!(d.drifted[1].attributes.len(), 1, "the domain, not the key named by its address: {d:?}");
        assert!(is_address("module.key[\"a\"].aws_kms_key.this.arn") && is_address("data.aws_kms_alias.x"));
        assert!(!is_address("data.example.com") && !is_address("aws-example.com"));
    }
}
