use super::{inherited_key, is_cluster_member, is_encrypted};
use crate::context::{Context, Res};
use crate::keys::{require_tier, required_tier};
use crate::policy::KeyTier;
use crate::rule::{declare_rule, Eval, Out, Section, Severity, Verdict};
use encguard_model::RdsDatabase;

declare_rule! {
    /// ## What it checks
    /// Encrypted DB instances and clusters use a key of the tier `key_tiers.rds` requires
    /// (by default the AWS managed `alias/aws/rds`, which an encrypted database without
    /// `kms_key_id` uses, is enough; classified databases and the strict profile need a
    /// customer managed key). A replica or restore that names no key inherits the key
    /// of its source in the same region, and is judged by it. Unencrypted databases are N/A
    /// (RDS-001, RDS-002).
    ///
    /// ## Why
    /// Policy §5: snapshots encrypted with `aws/rds` cannot be shared with another account,
    /// and access to the data cannot be revoked through the key.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "orders" { storage_encrypted = true }   # aws/rds
    /// ```
    ///
    /// ## Fix
    /// Set `kms_key_id` / `KmsKeyId` to a customer managed key (replacement: the key cannot change in place).
    RDS_003 {
        id: "RDS-003",
        title: "Databases use the required key tier",
        severity: Severity::Medium,
        section: Section::Rds,
        fix: "Encrypt with a customer managed key (a new key requires a snapshot copy and restore).",
        equivalents: &[("Checkov", "CKV_AWS_327"), ("Trivy", "AVD-AWS-0079"), ("AWS Config", "rds-storage-encrypted (kmsKeyId)")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, db) in ctx.all::<RdsDatabase>() {
        out.judge(r, judge(ctx, r, db));
    }
}

fn judge(ctx: &Context, r: Res, db: &RdsDatabase) -> Eval {
    if is_cluster_member(r, db) {
        return Ok(Verdict::not_applicable("an Aurora member instance uses its cluster's key"));
    }
    if !is_encrypted(ctx, r, db)? {
        return Ok(Verdict::not_applicable("the database is not encrypted (RDS-001/RDS-002)"));
    }
    let required = required_tier(ctx, ctx.policy.key_tiers.rds, r)?;
    let (owner, key) = inherited_key(ctx, r, db, 0)?;
    let verdict = require_tier(ctx, owner, key, KeyTier::AwsManaged, required)?;
    if owner.id == r.id {
        return Ok(verdict);
    }
    // The source's key is written in the source: the finding points at this database.
    Ok(Verdict { message: format!("inherits the key of `{}`: {}", owner.name, verdict.message), span: None, ..verdict })
}

#[cfg(test)]
mod tests {
    use super::RDS_003;
    use crate::testing::{expect, expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn database_key_tiers() {
        expect_with(
            &RDS_003,
            STRICT,
            json!([
                {"kind": "kms_key", "name": "k"},
                {"kind": "rds_instance", "name": "cmk", "storage_encrypted": true, "kms_key": {"type": "customer", "reference": "k"}},
                {"kind": "rds_instance", "name": "aws_rds", "storage_encrypted": true},
                {"kind": "rds_cluster", "name": "cluster_var", "storage_encrypted": true, "kms_key": {"type": "unresolved", "reason": "module.kms.key_arn is a module output"}},
                {"kind": "rds_instance", "name": "plain"},
                {"kind": "rds_instance", "name": "replica", "replication_source": "cmk"},
                {"kind": "rds_instance", "name": "replica_of_replica", "replication_source": "replica"},
                {"kind": "rds_snapshot", "name": "snap", "encrypted": true, "kms_key": {"type": "customer", "reference": "k"}},
                {"kind": "rds_instance", "name": "restored", "snapshot_source": "snap"},
                {"kind": "rds_instance", "name": "foreign_replica", "replication_source": "arn:aws:rds:eu-west-1:1:db:src", "storage_encrypted": true},
                {"kind": "rds_instance", "name": "cross_region_replica", "region": "us-east-1", "storage_encrypted": true,
                    "replication_source": "arn:aws:rds:eu-west-1:1:db:src"},
            ]),
            &[
                ("cmk", Pass),
                ("aws_rds", Fail),
                ("cluster_var", Unknown),
                ("plain", NotApplicable),
                ("replica", Pass),
                ("replica_of_replica", Pass),
                ("restored", Pass),
                ("foreign_replica", Unknown),
                ("cross_region_replica", Fail),
            ],
        );
    }

    #[test]
    fn data_derived_from_classified_data_is_classified() {
        let classified = json!({"data-classification": "confidential"});
        expect(
            &RDS_003,
            json!([
                {"kind": "rds_instance", "name": "source", "storage_encrypted": true, "tags": classified},
                {"kind": "rds_instance", "name": "untagged_replica", "storage_encrypted": true,
                    "replication_source": "source", "kms_key": {"type": "aws_managed", "alias": "alias/aws/rds"}},
                {"kind": "rds_snapshot", "name": "snap", "source": "source"},
                {"kind": "rds_instance", "name": "restored_from_snapshot", "storage_encrypted": true, "snapshot_source": "snap",
                    "kms_key": {"type": "aws_managed", "alias": "alias/aws/rds"}},
                {"kind": "rds_instance", "name": "unclassified", "storage_encrypted": true},
            ]),
            &[("source", Fail), ("untagged_replica", Fail), ("restored_from_snapshot", Fail), ("unclassified", Pass)],
        );
    }
}
