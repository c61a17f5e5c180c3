use crate::context::{Context, Res};
use crate::keys::require_usable_in;
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity};
use encguard_model::{KeyRole, KeyUse, Spec};

declare_rule! {
    /// ## What it checks
    /// Every key chosen to encrypt data at rest can do so: it resolves to a key that is
    /// `SYMMETRIC_DEFAULT` and `ENCRYPT_DECRYPT`, enabled, not pending deletion nor destroyed
    /// by the plan, and in the same region as the data. A reference that cannot be resolved
    /// is unknown, never a pass.
    ///
    /// SM-002, S3-003, EBS-004, RDS-004 and DDB-002 apply this check to the main key of
    /// secrets, buckets, volumes, databases and tables; this rule applies it to every other
    /// key at rest: log groups, Performance Insights, snapshots and their copies, images,
    /// backup replication, S3 objects, and secret and table replicas.
    ///
    /// ## Why
    /// Policy §1 and §8 (R2, R3): AWS services encrypt only with symmetric keys; an
    /// asymmetric, disabled, deleted or foreign-region key fails at deploy time or, worse,
    /// makes the data unreadable later.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_kms_key" "signing" { customer_master_key_spec = "RSA_2048"  key_usage = "SIGN_VERIFY" }
    /// resource "aws_cloudwatch_log_group" "app" { kms_key_id = aws_kms_key.signing.arn }
    /// ```
    ///
    /// ## Fix
    /// Point the resource at an enabled symmetric key in its own region (for multi-Region
    /// keys, the replica in that region).
    KMS_007 {
        id: "KMS-007",
        title: "Keys used at rest are symmetric, enabled and in region",
        severity: Severity::High,
        section: Section::Kms,
        fix: "Use an enabled symmetric ENCRYPT_DECRYPT key in the resource's region.",
        equivalents: &[("Checkov", "CKV2_AWS_67 (S3 only, partial)")],
    }
}

/// Whether a service rule already judges a key of `spec` in this `role` with the same
/// check. Replicas' keys and RDS Performance Insights keys are judged here.
fn covered_elsewhere(spec: &Spec, role: KeyRole) -> bool {
    match spec {
        Spec::S3Bucket(_)
        | Spec::S3EncryptionConfig(_)
        | Spec::EbsVolume(_)
        | Spec::BlockDeviceHost(_)
        | Spec::EbsDefaultKey(_) => true,
        Spec::Secret(_) | Spec::DynamodbTable(_) | Spec::RdsInstance(_) | Spec::RdsCluster(_) => role == KeyRole::Data,
        _ => false,
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for r in ctx.resources() {
        let keys: Vec<KeyUse> = r
            .spec
            .key_refs()
            .into_iter()
            .filter(|k| !covered_elsewhere(&r.spec, k.role) && !k.key.is_default())
            .collect();
        if !keys.is_empty() {
            out.judge(
                r,
                combine(keys.into_iter().map(|k| judge(ctx, r, k)), "every key is symmetric, enabled and in region"),
            );
        }
    }
}

/// A replica's key must serve the replica's region.
fn judge(ctx: &Context, r: Res, k: KeyUse) -> Eval {
    let region = match k.region.map(|f| f.value()).transpose()? {
        Some(Some(region)) => Some(region.as_str()),
        _ => None,
    };
    require_usable_in(ctx, r, k.key, region)
}

#[cfg(test)]
mod tests {
    use super::KMS_007;
    use crate::testing::{expect, expect_silent};
    use crate::Status::*;
    use serde_json::json;

    fn key(reference: &str) -> serde_json::Value {
        json!({"type": "customer", "reference": reference})
    }

    #[test]
    fn keys_at_rest_must_be_usable() {
        let resources = json!([
            {"kind": "kms_key", "name": "aws_kms_key.good", "handles": ["arn:aws:kms:eu-west-1:1:key/good"]},
            {"kind": "kms_key", "name": "aws_kms_key.rsa", "key_spec": "RSA_2048", "key_usage": "SIGN_VERIFY"},
            {"kind": "kms_key", "name": "aws_kms_key.off", "enabled": false},
            {"kind": "kms_alias", "name": "aws_kms_alias.good", "handles": ["alias/good"], "alias_name": "alias/good", "target_key": "aws_kms_key.good"},
            {"kind": "log_group", "name": "good", "kms_key": key("arn:aws:kms:eu-west-1:1:key/good")},
            {"kind": "log_group", "name": "via_alias", "kms_key": key("alias/good")},
            {"kind": "log_group", "name": "rsa", "kms_key": key("aws_kms_key.rsa")},
            {"kind": "log_group", "name": "off", "kms_key": key("aws_kms_key.off")},
            {"kind": "log_group", "name": "elsewhere", "kms_key": key("arn:aws:kms:eu-west-1:1:key/other")},
            {"kind": "log_group", "name": "var", "kms_key": {"type": "unresolved", "reason": "var.key has no value"}},
            {"kind": "log_group", "name": "managed", "kms_key": {"type": "aws_managed", "alias": "alias/aws/logs"}},
            {"kind": "log_group", "name": "plain"},
            {"kind": "secret", "name": "secret_main_key", "kms_key": key("aws_kms_key.rsa")},
        ]);
        expect(
            &KMS_007,
            resources.clone(),
            &[
                ("good", Pass),
                ("via_alias", Pass),
                ("rsa", Fail),
                ("off", Fail),
                ("elsewhere", Unknown),
                ("var", Unknown),
                ("managed", Pass),
            ],
        );
        expect_silent(&KMS_007, resources, &["plain", "secret_main_key"]);
    }

    #[test]
    fn region_and_planned_destroy() {
        expect(
            &KMS_007,
            json!([
                {"kind": "kms_key", "name": "k_us", "region": "us-east-1"},
                {"kind": "kms_key", "name": "k_gone", "planned_action": "delete"},
                {"kind": "rds_snapshot", "name": "cross_region", "region": "eu-west-1", "copy": true, "encrypted": true, "kms_key": key("k_us")},
                {"kind": "rds_snapshot", "name": "doomed", "encrypted": true, "kms_key": key("k_gone")},
            ]),
            &[("cross_region", Fail), ("doomed", Fail)],
        );
    }

    #[test]
    fn a_replica_key_serves_the_replica_region() {
        let replica = |region: &str, k: &str| json!({"region": region, "kms_key": key(k)});
        expect(
            &KMS_007,
            json!([
                {"kind": "kms_key", "name": "k_eu", "region": "eu-west-1"},
                {"kind": "kms_key", "name": "k_us", "region": "us-east-1"},
                {"kind": "secret", "name": "ok", "region": "eu-west-1", "replicas": [replica("us-east-1", "k_us")]},
                {"kind": "secret", "name": "wrong", "region": "eu-west-1", "replicas": [replica("us-east-1", "k_eu")]},
                {"kind": "dynamodb_table", "name": "table", "region": "eu-west-1", "replicas": [replica("us-east-1", "k_us")]},
            ]),
            &[("ok", Pass), ("wrong", Fail), ("table", Pass)],
        );
    }
}
