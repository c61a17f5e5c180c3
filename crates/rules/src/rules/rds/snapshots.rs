use crate::context::{Context, Res, Target};
use crate::keys::require_tier;
use crate::policy::KeyTier;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{RdsSnapshot, Spec, Unknown};

declare_rule! {
    /// ## What it checks
    /// DB and cluster snapshots are encrypted — a snapshot inherits its database's
    /// encryption, so a snapshot of an unencrypted database fails — and snapshot copies name
    /// a key of the tier `key_tiers.rds` requires.
    ///
    /// ## Why
    /// Policy §5 (backups): snapshots are copied, shared and restored elsewhere; each copy
    /// of the data must stay encrypted under a key the company controls.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_snapshot_copy" "dr" { source_db_snapshot_identifier = aws_db_snapshot.s.db_snapshot_arn }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `kms_key_id` on `aws_db_snapshot_copy`; encrypt the source database.
    /// - Live: `aws rds copy-db-snapshot --kms-key-id KEY` (and `copy-db-cluster-snapshot`).
    RDS_005 {
        id: "RDS-005",
        title: "Database snapshots are encrypted",
        severity: Severity::High,
        section: Section::Rds,
        fix: "Encrypt the source database, and copy snapshots with a customer managed key.",
        equivalents: &[("Checkov", "CKV_AWS_146, CKV_AWS_266"), ("Prowler", "rds_snapshots_encrypted"),
            ("AWS Config", "rds-snapshot-encrypted"), ("Security Hub", "RDS.4"), ("cfn-guard", "RDS_SNAPSHOT_ENCRYPTED")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, snapshot) in ctx.all::<RdsSnapshot>() {
        out.judge(r, judge(ctx, r, snapshot));
    }
}

fn judge(ctx: &Context, r: Res, snapshot: &RdsSnapshot) -> Eval {
    if snapshot.copy {
        return require_tier(
            ctx,
            r,
            &snapshot.kms_key,
            KeyTier::AwsManaged,
            ctx.policy.required_tier(ctx.policy.key_tiers.rds, &r)?,
        );
    }
    if let Some(encrypted) = snapshot.encrypted.value()? {
        return Ok(if *encrypted {
            Verdict::pass("the snapshot is encrypted")
        } else {
            Verdict::fail("the snapshot is not encrypted").at(&snapshot.encrypted)
        });
    }
    match ctx.target(r, &snapshot.source) {
        Target::Found(s) => match &s.spec {
            Spec::RdsInstance(db) | Spec::RdsCluster(db) => Ok(match super::database_encryption(ctx, s, db, 0)? {
                Some(_) => Verdict::pass(format!("inherits encryption from `{}`", s.name)),
                None => Verdict::fail(format!("a snapshot of unencrypted `{}`", s.name)).at(&snapshot.source),
            }),
            _ => Err(Unknown::new(format!("source `{}` is not a database", s.name))),
        },
        Target::Outside(name) => {
            Err(Unknown::new(format!("a snapshot of `{name}`, which this scan does not describe")))
        }
        Target::Unknown(why) => Err(Unknown::new(why.to_string())),
        Target::Absent => Err(Unknown::new("neither the snapshot's encryption nor its database is known")),
    }
}

#[cfg(test)]
mod tests {
    use super::RDS_005;
    use crate::testing::{expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn snapshots_and_copies() {
        expect_with(
            &RDS_005,
            STRICT,
            json!([
                {"kind": "kms_key", "name": "k"},
                {"kind": "rds_instance", "name": "enc_db", "storage_encrypted": true},
                {"kind": "rds_instance", "name": "plain_db"},
                {"kind": "rds_snapshot", "name": "of_enc", "source": "enc_db"},
                {"kind": "rds_snapshot", "name": "of_plain", "source": "plain_db"},
                {"kind": "rds_snapshot", "name": "live_plain", "encrypted": false},
                {"kind": "rds_snapshot", "name": "of_var", "source": {"unknown": "var.db has no value"}},
                {"kind": "rds_snapshot", "name": "copy_cmk", "copy": true, "kms_key": {"type": "customer", "reference": "k"}},
                {"kind": "rds_snapshot", "name": "copy_default", "copy": true},
            ]),
            &[
                ("of_enc", Pass),
                ("of_plain", Fail),
                ("live_plain", Fail),
                ("of_var", Unknown),
                ("copy_cmk", Pass),
                ("copy_default", Fail),
            ],
        );
    }
}
