use super::encrypted_by_itself_or_source;
use crate::context::{Context, Res};
use crate::keys::{require_tier, required_tier};
use crate::policy::KeyTier;
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::Ami;

declare_rule! {
    /// ## What it checks
    /// Images the account owns have encrypted block devices: each device is encrypted or
    /// comes from an encrypted snapshot; an image copy sets `encrypted` and names a key of
    /// the tier `key_tiers.ebs` requires.
    ///
    /// ## Why
    /// Policy §4: every instance launched from an image starts with copies of its devices.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ami_copy" "base" { source_ami_id = "ami-1"  source_ami_region = "eu-west-1" }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `encrypted = true`, `kms_key_id` on `aws_ami_copy`; `ebs_block_device { encrypted = true }` on `aws_ami`.
    /// - Live: `aws ec2 copy-image --encrypted --kms-key-id KEY`, then deregister the plaintext image.
    EBS_006 {
        id: "EBS-006",
        title: "Owned images have encrypted devices",
        severity: Severity::High,
        section: Section::Ebs,
        fix: "Copy the image with encryption and a customer managed key, and launch from the copy.",
        equivalents: &[("Checkov", "CKV_AWS_204"), ("KICS", "Ami Not Encrypted")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, image) in ctx.all::<Ami>() {
        out.judge(r, judge(ctx, r, image));
    }
}

fn judge(ctx: &Context, r: Res, image: &Ami) -> Eval {
    if image.copy {
        if !image.encrypted.or_default_to(false)? {
            return Ok(Verdict::fail("the image copy is not encrypted").at(&image.encrypted));
        }
        return require_tier(
            ctx,
            r,
            &image.kms_key,
            KeyTier::AwsManaged,
            required_tier(ctx, ctx.policy.key_tiers.ebs, r)?,
        );
    }
    let parts = image.devices.iter().map(|d| {
        Ok(match encrypted_by_itself_or_source(ctx, r, &d.encrypted, &d.snapshot)? {
            Some(how) => Verdict::pass(format!("{}: {how}", d.device_name)),
            None => Verdict::fail(format!("{} is not encrypted", d.device_name)).at(&d.encrypted),
        })
    });
    combine(parts, "every device of the image is encrypted")
}

#[cfg(test)]
mod tests {
    use super::EBS_006;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn image_devices_and_copies() {
        expect(
            &EBS_006,
            json!([
                {"kind": "kms_key", "name": "k"},
                {"kind": "ebs_snapshot", "name": "snap_enc", "encrypted": true},
                {"kind": "ami", "name": "ok", "devices": [{"device_name": "/dev/xvda", "snapshot": "snap_enc"}]},
                {"kind": "ami", "name": "plain", "devices": [{"device_name": "/dev/xvda", "encrypted": false}]},
                {"kind": "ami", "name": "foreign", "devices": [{"device_name": "/dev/xvda", "snapshot": "snap-elsewhere"}]},
                {"kind": "ami", "name": "copy_ok", "copy": true, "encrypted": true, "kms_key": {"type": "customer", "reference": "k"}},
                {"kind": "ami", "name": "copy_plain", "copy": true},
            ]),
            &[("ok", Pass), ("plain", Fail), ("foreign", Unknown), ("copy_ok", Pass), ("copy_plain", Fail)],
        );
    }
}
