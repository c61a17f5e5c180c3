use super::{database_encryption, is_cluster_member};
use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, Out, Section, Severity, Verdict};
use encguard_model::{RdsDatabase, Spec};

declare_rule! {
    /// ## What it checks
    /// DB instance storage is encrypted (`storage_encrypted` / `StorageEncrypted`, default
    /// false). Read replicas and restores inherit their source's encryption, so the source is
    /// evaluated; a cross-region replica or a restore from a snapshot this scan does not see
    /// must name its key. Aurora member instances take the cluster's setting (RDS-002) and
    /// are N/A here.
    ///
    /// ## Why
    /// Policy §5: databases hold the company's most sensitive data; encryption cannot be
    /// turned on later without a snapshot, copy and restore.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "orders" { engine = "postgres"  instance_class = "db.t4g.micro" }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `storage_encrypted = true`, `kms_key_id = aws_kms_key.rds.arn`.
    /// - CloudFormation: `StorageEncrypted: true`, `KmsKeyId: !Ref RdsKey`.
    /// - Live: snapshot → `copy-db-snapshot --kms-key-id KEY` → restore → cut over (no in-place fix).
    RDS_001 {
        id: "RDS-001",
        title: "DB instances are encrypted",
        severity: Severity::High,
        section: Section::Rds,
        fix: "Set storage_encrypted = true with a KMS key; existing instances must be restored from an encrypted snapshot copy.",
        equivalents: &[("Checkov", "CKV_AWS_16"), ("KICS", "DB Instance Storage Not Encrypted"), ("Trivy", "AVD-AWS-0080"),
            ("Prowler", "rds_instance_storage_encrypted"), ("AWS Config", "rds-storage-encrypted"), ("Security Hub", "RDS.3"), ("cfn-nag", "F26")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, db) in ctx.all::<RdsDatabase>().filter(|(r, _)| matches!(r.spec, Spec::RdsInstance(_))) {
        out.judge(r, judge(ctx, r, db));
    }
}

fn judge(ctx: &Context, r: Res, db: &RdsDatabase) -> Eval {
    if is_cluster_member(r, db) {
        return Ok(Verdict::not_applicable("an Aurora member instance takes its cluster's encryption (RDS-002)"));
    }
    match database_encryption(ctx, r, db, 0)? {
        Some(how) => Ok(Verdict::pass(how)),
        None => Ok(super::unencrypted(db, "storage is not encrypted", "the DB instance")),
    }
}

#[cfg(test)]
mod tests {
    use super::RDS_001;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn instances_replicas_and_restores() {
        expect(
            &RDS_001,
            json!([
                {"kind": "rds_instance", "name": "enc", "storage_encrypted": true},
                {"kind": "rds_instance", "name": "plain"},
                {"kind": "rds_instance", "name": "var", "storage_encrypted": {"unknown": "var.encrypt has no value"}},
                {"kind": "rds_instance", "name": "replica_of_enc", "replication_source": "enc"},
                {"kind": "rds_instance", "name": "replica_of_plain", "replication_source": "plain"},
                {"kind": "rds_instance", "name": "cross_region", "replication_source": "arn:aws:rds:us-east-1:1:db:src", "kms_key": {"type": "customer", "reference": "alias/rds-dr"}},
                {"kind": "rds_instance", "name": "cross_region_no_key", "replication_source": "arn:aws:rds:us-east-1:1:db:src"},
                {"kind": "rds_snapshot", "name": "snap", "encrypted": true},
                {"kind": "rds_instance", "name": "restored", "snapshot_source": "snap"},
                {"kind": "rds_instance", "name": "member", "cluster": "aurora"},
                {"kind": "rds_snapshot", "name": "snap_of_plain", "source": "plain"},
                {"kind": "rds_instance", "name": "restored_plain", "snapshot_source": "snap_of_plain"},
                {"kind": "rds_snapshot", "name": "snap_of_enc", "source": "enc"},
                {"kind": "rds_instance", "name": "restored_enc", "snapshot_source": "snap_of_enc"},
            ]),
            &[
                ("enc", Pass),
                ("plain", Fail),
                ("var", Unknown),
                ("replica_of_enc", Pass),
                ("replica_of_plain", Fail),
                ("cross_region", Pass),
                ("cross_region_no_key", Unknown),
                ("restored", Pass),
                ("member", NotApplicable),
                ("restored_plain", Fail),
                ("restored_enc", Pass),
            ],
        );
    }

    #[test]
    fn a_source_is_found_in_its_own_deployment_among_namesakes() {
        // Two example roots each create `db-master` (and a parameter group of that name);
        // each replica replicates the database of its own root.
        let db = |name: &str, scope: &str, encrypted: bool| json!({"kind": "rds_instance", "name": name, "scope": scope, "handles": ["db-master"], "storage_encrypted": encrypted});
        expect(
            &RDS_001,
            json!([
                db("a_master", "examples/a//module.master", true),
                db("b_master", "examples/b//module.master", false),
                {"kind": "db_parameter_group", "name": "pg", "scope": "examples/a//module.master", "handles": ["db-master"]},
                {"kind": "rds_instance", "name": "a_replica", "scope": "examples/a//module.replica", "replication_source": "db-master"},
                {"kind": "rds_instance", "name": "b_replica", "scope": "examples/b//module.replica", "replication_source": "db-master"},
            ]),
            &[("a_replica", Pass), ("b_replica", Fail)],
        );
    }
}
