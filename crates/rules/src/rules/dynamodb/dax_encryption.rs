use crate::context::Context;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{AttributeFix, FixValue};
use encguard_model::DaxCluster;

declare_rule! {
    /// ## What it checks
    /// DAX clusters encrypt their cache at rest (`server_side_encryption { enabled = true }`,
    /// `SSESpecification.SSEEnabled: true`); the default is off.
    ///
    /// ## Why
    /// Policy §6: DAX caches table items on its nodes' disks. The setting cannot change
    /// after creation: the cluster must be replaced.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_dax_cluster" "cache" { cluster_name = "cache"  node_type = "dax.r5.large"  replication_factor = 3 }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `server_side_encryption { enabled = true }` (replaces the cluster).
    /// - CloudFormation: `SSESpecification: {SSEEnabled: true}`.
    DDB_004 {
        id: "DDB-004",
        title: "DAX clusters are encrypted at rest",
        severity: Severity::High,
        section: Section::Dynamodb,
        fix: "Recreate the DAX cluster with server-side encryption enabled.",
        equivalents: &[("Checkov", "CKV_AWS_47"), ("KICS", "DAX Cluster Not Encrypted"), ("Trivy", "AVD-AWS-0023"),
            ("Prowler", "dynamodb_accelerator_cluster_encryption_enabled"), ("AWS Config", "dax-encryption-enabled"),
            ("Security Hub", "DynamoDB.3"), ("cfn-nag", "W83")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, dax) in ctx.all::<DaxCluster>() {
        out.judge(r, judge(dax));
    }
}

fn judge(dax: &DaxCluster) -> Eval {
    if dax.sse_enabled.or_default_to(false)? {
        Ok(Verdict::pass("the cache is encrypted at rest"))
    } else {
        Ok(Verdict::fail("the cache is not encrypted at rest").at(&dax.sse_enabled).fix(
            AttributeFix::set(
                Some("server_side_encryption.enabled"),
                Some("SSESpecification.SSEEnabled"),
                FixValue::Bool(true),
            )
            .replacing("the DAX cluster"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::DDB_004;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn dax_at_rest() {
        expect(
            &DDB_004,
            json!([
                {"kind": "dax_cluster", "name": "on", "sse_enabled": true},
                {"kind": "dax_cluster", "name": "off"},
                {"kind": "dax_cluster", "name": "var", "sse_enabled": {"unknown": "var.sse has no value"}},
            ]),
            &[("on", Pass), ("off", Fail), ("var", Unknown)],
        );
    }
}
