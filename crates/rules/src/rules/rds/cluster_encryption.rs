use super::database_encryption;
use crate::context::{Context, Res, Target};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{RdsDatabase, RdsGlobalCluster, Spec, Unknown};

declare_rule! {
    /// ## What it checks
    /// Aurora clusters, Multi-AZ DB clusters and global clusters are encrypted
    /// (`storage_encrypted`, default false for provisioned clusters). Aurora Serverless v1
    /// is always encrypted. Clusters restored from a snapshot or replicating another cluster
    /// inherit its encryption; a global cluster built from a source cluster inherits it.
    ///
    /// ## Why
    /// Policy §5: as RDS-001, for clusters; encryption cannot be added in place.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_rds_cluster" "orders" { engine = "aurora-postgresql" }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `storage_encrypted = true`, `kms_key_id`; on `aws_rds_global_cluster` `storage_encrypted = true`.
    /// - CloudFormation: `StorageEncrypted: true` on `AWS::RDS::DBCluster` / `GlobalCluster`.
    /// - Live: snapshot → encrypted copy → restore a new cluster.
    RDS_002 {
        id: "RDS-002",
        title: "DB clusters are encrypted",
        severity: Severity::High,
        section: Section::Rds,
        fix: "Set storage_encrypted = true with a KMS key; existing clusters must be restored from an encrypted snapshot copy.",
        equivalents: &[("Checkov", "CKV_AWS_96, CKV_AWS_140"), ("KICS", "rds_storage_not_encrypted"), ("Trivy", "AVD-AWS-0079"),
            ("Prowler", "rds_cluster_storage_encrypted"), ("AWS Config", "rds-cluster-encrypted-at-rest"), ("Security Hub", "RDS.27"), ("cfn-nag", "F26")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, db) in ctx.all::<RdsDatabase>().filter(|(r, _)| matches!(r.spec, Spec::RdsCluster(_))) {
        out.judge(r, judge_cluster(ctx, r, db));
    }
    for (r, global) in ctx.all::<RdsGlobalCluster>() {
        out.judge(r, judge_global(ctx, r, global));
    }
}

fn judge_cluster(ctx: &Context, r: Res, db: &RdsDatabase) -> Eval {
    match database_encryption(ctx, r, db, 0)? {
        Some(how) => Ok(Verdict::pass(how)),
        None => Ok(super::unencrypted(db, "cluster storage is not encrypted", "the DB cluster")),
    }
}

fn judge_global(ctx: &Context, r: Res, global: &RdsGlobalCluster) -> Eval {
    if global.storage_encrypted.or_default_to(false)? {
        return Ok(Verdict::pass("global cluster storage is encrypted"));
    }
    match ctx.target(r, &global.source_cluster) {
        Target::Found(s) => match &s.spec {
            Spec::RdsCluster(db) => Ok(match database_encryption(ctx, s, db, 0)? {
                Some(_) => Verdict::pass(format!("inherits encryption from `{}`", s.name)),
                None => {
                    Verdict::fail(format!("built from unencrypted cluster `{}`", s.name)).at(&global.source_cluster)
                }
            }),
            _ => Err(Unknown::new(format!("source `{}` is not a cluster", s.name))),
        },
        Target::Outside(name) => Err(Unknown::new(format!("built from `{name}`, which this scan does not describe"))),
        Target::Unknown(why) => Err(Unknown::new(why.to_string())),
        Target::Absent => Ok(Verdict::fail("global cluster storage is not encrypted").at(&global.storage_encrypted)),
    }
}

#[cfg(test)]
mod tests {
    use super::RDS_002;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn clusters_and_global_clusters() {
        expect(
            &RDS_002,
            json!([
                {"kind": "rds_cluster", "name": "enc", "storage_encrypted": true},
                {"kind": "rds_cluster", "name": "plain", "engine": "aurora-mysql"},
                {"kind": "rds_cluster", "name": "serverless_v1", "engine_mode": "serverless"},
                {"kind": "rds_cluster", "name": "var", "storage_encrypted": {"unknown": "var.enc has no value"}},
                {"kind": "rds_global_cluster", "name": "g_enc", "storage_encrypted": true},
                {"kind": "rds_global_cluster", "name": "g_from_enc", "source_cluster": "enc"},
                {"kind": "rds_global_cluster", "name": "g_from_plain", "source_cluster": "plain"},
                {"kind": "rds_global_cluster", "name": "g_plain"},
            ]),
            &[
                ("enc", Pass),
                ("plain", Fail),
                ("serverless_v1", Pass),
                ("var", Unknown),
                ("g_enc", Pass),
                ("g_from_enc", Pass),
                ("g_from_plain", Fail),
                ("g_plain", Fail),
            ],
        );
    }
}
