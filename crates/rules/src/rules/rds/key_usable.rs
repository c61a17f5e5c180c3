use super::{is_cluster_member, is_encrypted};
use crate::context::{Context, Res};
use crate::keys::require_usable;
use crate::rule::{declare_rule, Eval, Out, Section, Severity, Verdict};
use encguard_model::RdsDatabase;

declare_rule! {
    /// ## What it checks
    /// The key of each encrypted DB instance or cluster passes KMS-007: symmetric, enabled,
    /// not being deleted, in the database's region.
    ///
    /// ## Why
    /// Policy §5: RDS stops a database whose key becomes inaccessible; a deleted key loses
    /// the database and every backup.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "orders" { storage_encrypted = true  kms_key_id = aws_kms_key.retired.arn }
    /// ```
    ///
    /// ## Fix
    /// Name an enabled symmetric key in the database's region.
    RDS_004 {
        id: "RDS-004",
        title: "Database keys are symmetric and usable",
        severity: Severity::High,
        section: Section::Rds,
        fix: "Use an enabled symmetric ENCRYPT_DECRYPT key in the database's region.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, db) in ctx.all::<RdsDatabase>().filter(|(r, db)| !is_cluster_member(*r, db)) {
        out.judge(r, judge(ctx, r, db));
    }
}

fn judge(ctx: &Context, r: Res, db: &RdsDatabase) -> Eval {
    if !is_encrypted(ctx, r, db)? {
        return Ok(Verdict::not_applicable("the database is not encrypted (RDS-001/RDS-002)"));
    }
    require_usable(ctx, r, &db.kms_key)
}

#[cfg(test)]
mod tests {
    use super::RDS_004;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn database_keys_must_be_usable() {
        expect(
            &RDS_004,
            json!([
                {"kind": "kms_key", "name": "k"},
                {"kind": "kms_key", "name": "deleting", "key_state": "PendingDeletion"},
                {"kind": "rds_instance", "name": "ok", "storage_encrypted": true, "kms_key": {"type": "customer", "reference": "k"}},
                {"kind": "rds_cluster", "name": "doomed", "storage_encrypted": true, "kms_key": {"type": "customer", "reference": "deleting"}},
                {"kind": "rds_instance", "name": "outside", "storage_encrypted": true, "kms_key": {"type": "customer", "reference": "arn:aws:kms:eu-west-1:1:key/z"}},
                {"kind": "rds_instance", "name": "plain"},
            ]),
            &[("ok", Pass), ("doomed", Fail), ("outside", Unknown), ("plain", NotApplicable)],
        );
    }
}
