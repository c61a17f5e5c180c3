use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::DynamodbTable;

declare_rule! {
    /// ## What it checks
    /// Advisory: tables (and their indexes) whose sort key has a name suggesting sensitive
    /// values (`dynamodb.sensitive_sort_keys`: email, ssn, phone, …) or whose classification
    /// tag marks classified data (`classification`). Tables without a sort key are N/A.
    ///
    /// ## Why
    /// Policy §6: DynamoDB keeps some sort-key values that mark partition boundaries in
    /// plaintext table metadata, outside the table's KMS encryption.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_dynamodb_table" "users" { hash_key = "tenant"  range_key = "email" }
    /// ```
    ///
    /// ## Fix
    /// Key on an opaque identifier, or tokenise / encrypt the value client-side (the AWS
    /// Database Encryption SDK) before it becomes a sort key.
    DDB_006 {
        id: "DDB-006",
        title: "Sort keys hold no sensitive plaintext",
        severity: Severity::Info,
        section: Section::Dynamodb,
        fix: "Use an opaque or client-side-encrypted value as the sort key.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, table) in ctx.all::<DynamodbTable>() {
        out.judge(r, judge(ctx, r, table));
    }
}

fn judge(ctx: &Context, r: Res, table: &DynamodbTable) -> Eval {
    let range_keys = table.range_keys.or_default_to(Vec::new())?;
    if range_keys.is_empty() {
        return Ok(Verdict::not_applicable("the table has no sort key"));
    }
    let settings = &ctx.policy.dynamodb;
    let sensitive: Vec<&String> = range_keys
        .iter()
        .filter(|k| {
            settings.sensitive_sort_keys.iter().any(|p| k.to_ascii_lowercase().contains(&p.to_ascii_lowercase()))
        })
        .collect();
    if !sensitive.is_empty() {
        let names = sensitive.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        return Ok(Verdict::fail(format!(
            "sort key {names} may hold sensitive values, kept partly in plaintext metadata"
        ))
        .at(&table.range_keys));
    }
    if let Some(level) = ctx.policy.classification.classified(&r.tags) {
        return Ok(Verdict::fail(format!(
            "a {level} table uses sort keys, which are kept partly in plaintext metadata"
        ))
        .at(&r.tags));
    }
    Ok(Verdict::pass("sort keys do not suggest sensitive values"))
}

#[cfg(test)]
mod tests {
    use super::DDB_006;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn sensitive_sort_keys() {
        expect(
            &DDB_006,
            json!([
                {"kind": "dynamodb_table", "name": "email_key", "range_keys": ["UserEmail"]},
                {"kind": "dynamodb_table", "name": "opaque", "range_keys": ["created_at"]},
                {"kind": "dynamodb_table", "name": "classified", "range_keys": ["sk"], "tags": {"data-classification": "Restricted"}},
                {"kind": "dynamodb_table", "name": "hash_only"},
                {"kind": "dynamodb_table", "name": "unread", "range_keys": {"unknown": "dynamodb:DescribeTable failed"}},
            ]),
            &[
                ("email_key", Fail),
                ("opaque", Pass),
                ("classified", Fail),
                ("hash_only", NotApplicable),
                ("unread", Unknown),
            ],
        );
    }
}
