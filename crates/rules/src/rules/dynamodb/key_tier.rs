use crate::context::{Context, Res};
use crate::keys::{require_tier, required_tier};
use crate::policy::KeyTier;
use crate::rule::{declare_rule, Eval, Out, Section, Severity};
use crate::{Fix, Status};
use encguard_model::DynamodbTable;

declare_rule! {
    /// ## What it checks
    /// Each table's key is at least the tier `key_tiers.dynamodb` requires:
    /// AWS owned (the default, no `server_side_encryption` block or `enabled = false`) <
    /// AWS managed (`enabled = true` without a key: `alias/aws/dynamodb`) < customer managed
    /// (`kms_key_arn`). Tables are always encrypted: this rule never reports a table as
    /// "unencrypted". Medium when the policy requires a customer managed key, low otherwise.
    ///
    /// ## Why
    /// Policy §6: with AWS owned keys the company cannot see or control key use; with a
    /// customer managed key it can audit and revoke access to the table.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_dynamodb_table" "orders" { name = "orders"  hash_key = "id" }   # AWS owned key
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `server_side_encryption { enabled = true  kms_key_arn = aws_kms_key.ddb.arn }`.
    /// - CloudFormation: `SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: !Ref DdbKey}`.
    /// - Live: `aws dynamodb update-table --table-name T --sse-specification Enabled=true,SSEType=KMS,KMSMasterKeyId=KEY` (in place).
    ///
    /// With `[fix] kms_keys.dynamodb`, `encguard fix` and `remediate` give the table that key.
    DDB_001 {
        id: "DDB-001",
        title: "Tables use the required key tier",
        severity: Severity::Low,
        section: Section::Dynamodb,
        fix: "Switch the table to a customer managed KMS key (an in-place change).",
        equivalents: &[("Checkov", "CKV_AWS_119"), ("KICS", "DynamoDB With AWS Owned CMK"), ("Trivy", "AVD-AWS-0025"),
            ("Prowler", "dynamodb_tables_kms_cmk_encryption_enabled"), ("AWS Config", "dynamodb-table-encrypted-kms"), ("cfn-nag", "W74")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, table) in ctx.all::<DynamodbTable>() {
        out.judge(r, judge(ctx, r, table));
    }
}

fn judge(ctx: &Context, r: Res, table: &DynamodbTable) -> Eval {
    let required = required_tier(ctx, ctx.policy.key_tiers.dynamodb, r)?;
    let v = require_tier(ctx, r, &table.kms_key, KeyTier::AwsOwned, required)?;
    let v =
        if v.status == Status::Fail && required == KeyTier::CustomerManaged { v.severity(Severity::Medium) } else { v };
    // The key the policy file chooses for tables, if it does, replaces one below the tier.
    Ok(match ctx.policy.fix.kms_keys.get("dynamodb") {
        Some(key) if v.status == Status::Fail => v.fix(Fix::TableKey(key.clone())),
        _ => v,
    })
}

#[cfg(test)]
mod tests {
    use super::DDB_001;
    use crate::testing::{expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn table_key_tiers() {
        let resources = json!([
            {"kind": "dynamodb_table", "name": "owned"},
            {"kind": "dynamodb_table", "name": "managed", "kms_key": {"type": "aws_managed", "alias": "alias/aws/dynamodb"}},
            {"kind": "dynamodb_table", "name": "cmk", "kms_key": {"type": "customer", "reference": "alias/ddb"}},
            {"kind": "dynamodb_table", "name": "var", "kms_key": {"type": "unresolved", "reason": "var.sse_enabled has no value"}},
        ]);
        expect_with(
            &DDB_001,
            STRICT,
            resources.clone(),
            &[("owned", Fail), ("managed", Fail), ("cmk", Pass), ("var", Unknown)],
        );
        expect_with(
            &DDB_001,
            "[key_tiers]\ndynamodb = \"aws-managed\"\n",
            resources,
            &[("owned", Fail), ("managed", Pass)],
        );
    }
}
