use crate::context::{Context, Res};
use crate::keys::{require_tier, require_usable, required_tier};
use crate::policy::KeyTier;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity};
use crate::Status;
use encguard_model::{BlockDeviceHost, EbsDefaultKey, EbsVolume, Field, KeyRef, Unknown};

declare_rule! {
    /// ## What it checks
    /// The region's default EBS key is of the tier `key_tiers.ebs` requires (by default the
    /// AWS managed `alias/aws/ebs` is enough; the strict profile asks a customer managed
    /// key) and passes KMS-007. An encrypted volume that names no key uses this key: where
    /// the policy asks more than an AWS managed key and the scan does not hold the setting,
    /// the volume's tier is unknown, and said so on the volume.
    ///
    /// ## Why
    /// Policy §4: every volume encrypted by default uses this key; with `aws/ebs` the
    /// company cannot share encrypted snapshots or revoke access.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ebs_default_kms_key" "this" { key_arn = "arn:aws:kms:eu-west-1:111122223333:alias/aws/ebs" }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `aws_ebs_default_kms_key { key_arn = aws_kms_key.ebs.arn }`.
    /// - Live: `aws ec2 modify-ebs-default-kms-key-id --kms-key-id KEY --region R`.
    EBS_002 {
        id: "EBS-002",
        title: "The default EBS key is usable and of the required tier",
        severity: Severity::Medium,
        section: Section::Ebs,
        fix: "Set the region's default EBS key to an enabled symmetric customer managed key.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, setting) in ctx.all::<EbsDefaultKey>() {
        out.judge(r, judge(ctx, r, setting));
    }
    // Encrypted volumes that name no key use their region's default key; where the policy
    // asks more than an AWS managed key and the scan does not hold that setting, their tier
    // cannot be known.
    let keyless =
        |encrypted: &Field<bool>, key: &KeyRef| encrypted.value().ok().flatten() == Some(&true) && key.is_default();
    let volumes = ctx.all::<EbsVolume>().filter(|(_, v)| keyless(&v.encrypted, &v.kms_key)).map(|(r, _)| r);
    let hosts = ctx.all::<BlockDeviceHost>().filter(|(_, h)| {
        h.devices.iter().filter_map(|d| d.known()).flatten().any(|d| keyless(&d.encrypted, &d.kms_key))
    });
    for r in volumes.chain(hosts.map(|(r, _)| r)) {
        if ctx.ebs_default_key(r).is_some() {
            continue;
        }
        let required = match required_tier(ctx, ctx.policy.key_tiers.ebs, r) {
            Ok(required) => required,
            Err(why) => {
                out.judge(r, Err(why));
                continue;
            }
        };
        if required > KeyTier::AwsManaged {
            out.judge(
                r,
                Err(Unknown::new(format!(
                    "encrypted with the region's default EBS key, which this scan does not set: whether it is {required} is unknown"
                ))),
            );
        }
    }
}

fn judge(ctx: &Context, r: Res, setting: &EbsDefaultKey) -> Eval {
    let tier = require_tier(ctx, r, &setting.kms_key, KeyTier::AwsManaged, ctx.policy.key_tiers.ebs)?;
    if tier.status == Status::Fail {
        return Ok(tier);
    }
    require_usable(ctx, r, &setting.kms_key)
}

#[cfg(test)]
mod tests {
    use super::EBS_002;
    use crate::testing::{expect, expect_silent, expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn default_key_tier_and_usability() {
        expect_with(
            &EBS_002,
            STRICT,
            json!([
                {"kind": "kms_key", "name": "ebs"},
                {"kind": "kms_key", "name": "disabled", "enabled": false},
                {"kind": "ebs_default_key", "name": "cmk", "kms_key": {"type": "customer", "reference": "ebs"}},
                {"kind": "ebs_default_key", "name": "aws", "kms_key": {"type": "aws_managed", "alias": "alias/aws/ebs"}},
                {"kind": "ebs_default_key", "name": "off", "kms_key": {"type": "customer", "reference": "disabled"}},
                {"kind": "ebs_default_key", "name": "var", "kms_key": {"type": "unresolved", "reason": "var.key has no value"}},
            ]),
            &[("cmk", Pass), ("aws", Fail), ("off", Fail), ("var", Unknown)],
        );
    }

    #[test]
    fn keyless_volumes_have_an_unknown_tier_where_the_default_key_is_not_in_the_scan() {
        let volumes = json!([
            {"kind": "ebs_volume", "name": "keyless", "encrypted": true},
            {"kind": "ebs_volume", "name": "classified", "encrypted": true, "tags": {"data-classification": "high"}},
        ]);
        expect_with(&EBS_002, STRICT, volumes.clone(), &[("keyless", Unknown), ("classified", Unknown)]);
        expect(&EBS_002, volumes.clone(), &[("classified", Unknown)]);
        expect_silent(&EBS_002, volumes, &["keyless"]);
    }
}
