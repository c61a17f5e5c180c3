use super::encrypted_by_itself_or_source;
use crate::context::{Context, Res};
use crate::keys::{require_tier, required_tier};
use crate::policy::KeyTier;
use crate::rule::{declare_rule, Eval, Out, Section, Severity, Verdict};
use encguard_model::{EbsSnapshot, Unknown};

declare_rule! {
    /// ## What it checks
    /// EBS snapshots are encrypted: a snapshot inherits the encryption of its volume, so a
    /// snapshot of an unencrypted volume fails; a snapshot copy sets `encrypted` and names a
    /// key of the tier `key_tiers.ebs` requires.
    ///
    /// ## Why
    /// Policy §4: snapshots hold the same data as volumes and are shared and copied across
    /// accounts and regions.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ebs_snapshot_copy" "dr" { source_snapshot_id = "snap-1"  source_region = "eu-west-1" }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `encrypted = true` and `kms_key_id` on `aws_ebs_snapshot_copy`; encrypt the source volume.
    /// - CloudFormation (DLM): `CrossRegionCopyRules[].Encrypted: true` with `CmkArn`.
    /// - Live: `aws ec2 copy-snapshot --encrypted --kms-key-id KEY`, then delete the plaintext snapshot by hand.
    EBS_005 {
        id: "EBS-005",
        title: "EBS snapshots are encrypted",
        severity: Severity::High,
        section: Section::Ebs,
        fix: "Encrypt the source volume, and copy snapshots with encrypted = true and a customer managed key.",
        equivalents: &[("KICS", "EBS Volume Snapshot Not Encrypted"), ("Prowler", "ec2_ebs_snapshots_encrypted")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, snapshot) in ctx.all::<EbsSnapshot>() {
        out.judge(r, judge(ctx, r, snapshot));
    }
}

fn judge(ctx: &Context, r: Res, snapshot: &EbsSnapshot) -> Eval {
    if snapshot.copy {
        // A copy of an encrypted snapshot is encrypted whatever it says.
        if encrypted_by_itself_or_source(ctx, r, &snapshot.encrypted, &snapshot.volume)?.is_none() {
            return Ok(Verdict::fail("the snapshot copy is not encrypted").at(&snapshot.encrypted));
        }
        return require_tier(
            ctx,
            r,
            &snapshot.kms_key,
            KeyTier::AwsManaged,
            required_tier(ctx, ctx.policy.key_tiers.ebs, r)?,
        );
    }
    match encrypted_by_itself_or_source(ctx, r, &snapshot.encrypted, &snapshot.volume)? {
        Some(how) => Ok(Verdict::pass(how)),
        None if snapshot.encrypted.is_none() && snapshot.volume.is_none() => {
            Err(Unknown::new("neither the snapshot's encryption nor its volume is known"))
        }
        None => Ok(Verdict::fail("the snapshot is not encrypted (its volume is not)").at(&snapshot.encrypted)),
    }
}

#[cfg(test)]
mod tests {
    use super::EBS_005;
    use crate::testing::{expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn snapshots_inherit_and_copies_need_cmk() {
        expect_with(
            &EBS_005,
            STRICT,
            json!([
                {"kind": "kms_key", "name": "k"},
                {"kind": "ebs_volume", "name": "enc_vol", "encrypted": true},
                {"kind": "ebs_volume", "name": "plain_vol"},
                {"kind": "ebs_snapshot", "name": "of_enc", "volume": "enc_vol"},
                {"kind": "ebs_snapshot", "name": "of_plain", "volume": "plain_vol"},
                {"kind": "ebs_snapshot", "name": "live_enc", "encrypted": true},
                {"kind": "ebs_snapshot", "name": "of_var", "volume": {"unknown": "var.volume_id has no value"}},
                {"kind": "ebs_snapshot", "name": "copy_cmk", "copy": true, "encrypted": true, "kms_key": {"type": "customer", "reference": "k"}},
                {"kind": "ebs_snapshot", "name": "copy_default_key", "copy": true, "encrypted": true},
                {"kind": "ebs_snapshot", "name": "copy_plain", "copy": true},
                {"kind": "ebs_snapshot", "name": "copy_of_enc", "copy": true, "volume": "of_enc", "kms_key": {"type": "customer", "reference": "k"}},
            ]),
            &[
                ("of_enc", Pass),
                ("of_plain", Fail),
                ("live_enc", Pass),
                ("of_var", Unknown),
                ("copy_cmk", Pass),
                ("copy_default_key", Fail),
                ("copy_plain", Fail),
                ("copy_of_enc", Pass),
            ],
        );
    }
}
