use crate::context::{Context, Res};
use crate::keys::require_usable;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::DynamodbTable;

declare_rule! {
    /// ## What it checks
    /// A table's customer managed key is usable: it passes KMS-007 (enabled, symmetric, not
    /// pending deletion, not destroyed by the plan, in region), and live, DynamoDB does not
    /// report the key inaccessible (`InaccessibleEncryptionDateTime`).
    ///
    /// ## Why
    /// Policy §6 and §8 (R3): DynamoDB makes a table inaccessible when it loses its key, and
    /// after seven days archives it; the table is gone unless the key comes back.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_kms_key" "ddb" { is_enabled = false }
    /// resource "aws_dynamodb_table" "t" { server_side_encryption { enabled = true  kms_key_arn = aws_kms_key.ddb.arn } }
    /// ```
    ///
    /// ## Fix
    /// Re-enable the key or cancel its deletion; then point the table at a healthy key.
    DDB_002 {
        id: "DDB-002",
        title: "Table keys are usable",
        severity: Severity::Critical,
        section: Section::Dynamodb,
        fix: "Re-enable the table's key or cancel its deletion.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, table) in ctx.all::<DynamodbTable>() {
        out.judge(r, judge(ctx, r, table));
    }
}

fn judge(ctx: &Context, r: Res, table: &DynamodbTable) -> Eval {
    if let Some(since) = table.inaccessible_since.value()? {
        return Ok(Verdict::fail(format!("DynamoDB reports the table's key inaccessible since {since}"))
            .at(&table.inaccessible_since));
    }
    require_usable(ctx, r, &table.kms_key)
}

#[cfg(test)]
mod tests {
    use super::DDB_002;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn table_keys_must_stay_usable() {
        expect(
            &DDB_002,
            json!([
                {"kind": "kms_key", "name": "ok"},
                {"kind": "kms_key", "name": "off", "enabled": false},
                {"kind": "dynamodb_table", "name": "t_ok", "kms_key": {"type": "customer", "reference": "ok"}},
                {"kind": "dynamodb_table", "name": "t_off", "kms_key": {"type": "customer", "reference": "off"}},
                {"kind": "dynamodb_table", "name": "t_owned"},
                {"kind": "dynamodb_table", "name": "t_lost", "inaccessible_since": "2026-11-01T10:00:00Z"},
                {"kind": "dynamodb_table", "name": "t_var", "kms_key": {"type": "unresolved", "reason": "var.key has no value"}},
            ]),
            &[("t_ok", Pass), ("t_off", Fail), ("t_owned", Pass), ("t_lost", Fail), ("t_var", Unknown)],
        );
    }
}
