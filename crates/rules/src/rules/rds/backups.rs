use crate::context::{Context, Res};
use crate::keys::{require_tier, require_usable, required_tier};
use crate::policy::KeyTier;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::Status;
use encguard_model::RdsBackupReplication;

declare_rule! {
    /// ## What it checks
    /// Automated backups, and their replication to another region, are encrypted with a
    /// key of the tier `key_tiers.rds` requires that is usable in the destination region
    /// (KMS-007).
    ///
    /// ## Why
    /// Policy §5 (backups): a replicated backup is a full copy of the database in another
    /// region; it needs a customer managed key there.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance_automated_backups_replication" "dr" { source_db_instance_arn = aws_db_instance.orders.arn }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `kms_key_id` = a customer managed key in the destination region.
    /// - Live: `aws rds start-db-instance-automated-backups-replication --kms-key-id KEY --region DEST`.
    RDS_006 {
        id: "RDS-006",
        title: "Backup replication uses the required key tier in the destination",
        severity: Severity::High,
        section: Section::Rds,
        fix: "Replicate automated backups with a customer managed key in the destination region.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, backup) in ctx.all::<RdsBackupReplication>() {
        out.judge(r, judge(ctx, r, backup));
    }
}

fn judge(ctx: &Context, r: Res, backup: &RdsBackupReplication) -> Eval {
    if !backup.encrypted.or_default_to(true)? {
        return Ok(Verdict::fail("the automated backups are not encrypted").at(&backup.encrypted));
    }
    let tier =
        require_tier(ctx, r, &backup.kms_key, KeyTier::AwsManaged, required_tier(ctx, ctx.policy.key_tiers.rds, r)?)?;
    if tier.status == Status::Fail {
        return Ok(tier);
    }
    require_usable(ctx, r, &backup.kms_key)
}

#[cfg(test)]
mod tests {
    use super::RDS_006;
    use crate::testing::{expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn backup_replication_keys() {
        expect_with(
            &RDS_006,
            STRICT,
            json!([
                {"kind": "kms_key", "name": "k_dr", "region": "us-west-2"},
                {"kind": "rds_backup_replication", "name": "ok", "region": "us-west-2", "kms_key": {"type": "customer", "reference": "k_dr"}},
                {"kind": "rds_backup_replication", "name": "wrong_region", "region": "eu-west-1", "kms_key": {"type": "customer", "reference": "k_dr"}},
                {"kind": "rds_backup_replication", "name": "no_key"},
                {"kind": "rds_backup_replication", "name": "plain", "encrypted": false},
                {"kind": "rds_backup_replication", "name": "var", "kms_key": {"type": "unresolved", "reason": "var.dr_key has no value"}},
            ]),
            &[("ok", Pass), ("wrong_region", Fail), ("no_key", Fail), ("plain", Fail), ("var", Unknown)],
        );
    }
}
