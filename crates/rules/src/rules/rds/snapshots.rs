use super::{snapshot_encryption, snapshot_key};
use crate::context::{Context, Res};
use crate::keys::{require_tier, required_tier};
use crate::policy::KeyTier;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::RdsSnapshot;

declare_rule! {
    /// ## What it checks
    /// DB and cluster snapshots are encrypted — a snapshot inherits its database's
    /// encryption, so a snapshot of an unencrypted database fails — and snapshot copies are
    /// encrypted with a key of the tier `key_tiers.rds` requires: the key they name, or else
    /// their source's (a copy of an unencrypted snapshot that names no key is unencrypted;
    /// one whose source this scan does not describe is unknown).
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
    let Some(how) = snapshot_encryption(ctx, r, snapshot, 0)? else {
        return Ok(match snapshot.encrypted.value()? {
            Some(_) => Verdict::fail("the snapshot is not encrypted").at(&snapshot.encrypted),
            None => Verdict::fail("taken or copied from an unencrypted source").at(&snapshot.source),
        });
    };
    if !snapshot.copy {
        return Ok(Verdict::pass(how));
    }
    // A copy is encrypted with the key it names, or else its source's.
    let (owner, key) = snapshot_key(ctx, r, snapshot, 0)?;
    let verdict = require_tier(ctx, owner, key, KeyTier::AwsManaged, required_tier(ctx, ctx.policy.key_tiers.rds, r)?)?;
    if owner.id == r.id {
        return Ok(verdict);
    }
    Ok(Verdict { message: format!("inherits the key of `{}`: {}", owner.name, verdict.message), span: None, ..verdict })
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
                {"kind": "rds_snapshot", "name": "copy_default", "copy": true, "source": "of_enc"},
                {"kind": "rds_snapshot", "name": "copy_of_plain", "copy": true, "source": "of_plain"},
                {"kind": "rds_instance", "name": "cmk_db", "storage_encrypted": true, "kms_key": {"type": "customer", "reference": "k"}},
                {"kind": "rds_snapshot", "name": "of_cmk", "source": "cmk_db"},
                {"kind": "rds_snapshot", "name": "copy_of_cmk", "copy": true, "source": "of_cmk"},
                {"kind": "rds_snapshot", "name": "copy_unknown_source", "copy": true},
                {"kind": "rds_instance", "name": "restored", "snapshot_source": "of_cmk"},
            ]),
            &[
                ("of_enc", Pass),
                ("of_plain", Fail),
                ("live_plain", Fail),
                ("of_var", Unknown),
                ("copy_cmk", Pass),
                ("copy_default", Fail),
                ("copy_of_plain", Fail),
                ("of_cmk", Pass),
                ("copy_of_cmk", Pass),
                ("copy_unknown_source", Unknown),
            ],
        );
    }
}
