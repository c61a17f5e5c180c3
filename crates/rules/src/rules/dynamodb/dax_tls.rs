use crate::context::Context;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{AttributeFix, FixValue};
use encguard_model::DaxCluster;

declare_rule! {
    /// ## What it checks
    /// DAX cluster endpoints require TLS (`cluster_endpoint_encryption_type = "TLS"`,
    /// `ClusterEndpointEncryptionType: TLS`); the default is `NONE`.
    ///
    /// ## Why
    /// Policy §7 (in transit): without it, items travel between applications and the cache
    /// in plaintext. Immutable: the cluster must be replaced.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_dax_cluster" "cache" { server_side_encryption { enabled = true } }   # endpoint NONE
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `cluster_endpoint_encryption_type = "TLS"` (replaces the cluster).
    /// - CloudFormation: `ClusterEndpointEncryptionType: TLS`.
    DDB_005 {
        id: "DDB-005",
        title: "DAX endpoints require TLS",
        severity: Severity::High,
        section: Section::Dynamodb,
        fix: "Recreate the DAX cluster with endpoint encryption type TLS.",
        equivalents: &[("Checkov", "CKV_AWS_239"), ("Prowler", "dynamodb_accelerator_cluster_in_transit_encryption_enabled"),
            ("AWS Config", "dax-tls-endpoint-encryption"), ("Security Hub", "DynamoDB.7"), ("Control Tower", "CT.DAX.PR.3")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, dax) in ctx.all::<DaxCluster>() {
        out.judge(r, judge(dax));
    }
}

fn judge(dax: &DaxCluster) -> Eval {
    match dax.endpoint_encryption.or_default_to("NONE".into())?.as_str() {
        "TLS" => Ok(Verdict::pass("the endpoint requires TLS")),
        other => Ok(Verdict::fail(format!("the endpoint encryption type is {other}"))
            .at(&dax.endpoint_encryption)
            .evidence(other)
            .fix(
                AttributeFix::set(
                    Some("cluster_endpoint_encryption_type"),
                    Some("ClusterEndpointEncryptionType"),
                    FixValue::Text("TLS"),
                )
                .replacing("the DAX cluster"),
            )),
    }
}

#[cfg(test)]
mod tests {
    use super::DDB_005;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn dax_in_transit() {
        expect(
            &DDB_005,
            json!([
                {"kind": "dax_cluster", "name": "tls", "endpoint_encryption": "TLS"},
                {"kind": "dax_cluster", "name": "none"},
                {"kind": "dax_cluster", "name": "var", "endpoint_encryption": {"unknown": "var.tls has no value"}},
            ]),
            &[("tls", Pass), ("none", Fail), ("var", Unknown)],
        );
    }
}
