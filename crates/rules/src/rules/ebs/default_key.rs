use crate::context::{Context, Res};
use crate::keys::{require_tier, require_usable, required_tier};
use crate::policy::KeyTier;
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{AttributeFix, FixValue, Status};
use encguard_model::{BlockDeviceHost, EbsDefaultKey, EbsVolume, Field, KeyRef, Spanned, Spec, Unknown};

declare_rule! {
    /// ## What it checks
    /// The region's default EBS key is of the tier `key_tiers.ebs` requires (by default the
    /// AWS managed `alias/aws/ebs` is enough; the strict profile asks a customer managed
    /// key) and passes KMS-007. Volumes, instances and launch templates whose data needs
    /// more than an AWS managed key (classified data, or the strict profile) are judged too,
    /// by the key each encrypted device uses: the key it names, or else the region's default
    /// key — unknown, and said so on the volume, where the scan does not hold that setting.
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
    ///
    /// With `[fix] kms_keys.ebs`, `encguard fix` writes that key in `key_arn`, and
    /// `remediate` makes it the region's default key.
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
    for (r, volume) in ctx.all::<EbsVolume>() {
        if let Some(verdict) = judge_volume(ctx, r, &volume.encrypted, &volume.kms_key) {
            out.judge(r, verdict);
        }
    }
    for (r, host) in ctx.all::<BlockDeviceHost>() {
        let devices = host.devices.iter().filter_map(|group| group.known()).flatten();
        let parts: Vec<Eval> = devices.filter_map(|d| judge_volume(ctx, r, &d.encrypted, &d.kms_key)).collect();
        if !parts.is_empty() {
            out.judge(r, combine(parts, "every device's key is of the required tier"));
        }
    }
}

/// The tier of the key an encrypted volume uses — the key it names, or else its region's
/// default key — judged where its data needs more than an AWS managed key (classified
/// data, a stricter policy); elsewhere any key EBS can use is enough and nothing is said.
fn judge_volume(ctx: &Context, r: Res, encrypted: &Field<bool>, key: &Spanned<KeyRef>) -> Option<Eval> {
    // Whether the volume is encrypted at all is EBS-003's to judge.
    let encrypted = encrypted.value().ok()?.copied().unwrap_or(!key.is_default());
    if !encrypted {
        return None;
    }
    let required = match required_tier(ctx, ctx.policy.key_tiers.ebs, r) {
        Ok(required) if required <= KeyTier::AwsManaged => return None,
        Ok(required) => required,
        Err(why) => return Some(Err(why)),
    };
    if !key.is_default() {
        return Some(require_tier(ctx, r, key, KeyTier::AwsManaged, required));
    }
    Some(match ctx.ebs_default_key(r) {
        Some(setting) => {
            let Spec::EbsDefaultKey(default) = &setting.resource.spec else { return None };
            require_tier(ctx, setting, &default.kms_key, KeyTier::AwsManaged, required).map(|v| Verdict {
                message: format!("uses the region's default EBS key (`{}`): {}", setting.name, v.message),
                span: None,
                ..v
            })
        }
        None => Err(Unknown::new(format!(
            "encrypted with the region's default EBS key, which this scan does not set: whether it is {required} is unknown"
        ))),
    })
}

fn judge(ctx: &Context, r: Res, setting: &EbsDefaultKey) -> Eval {
    let tier = require_tier(ctx, r, &setting.kms_key, KeyTier::AwsManaged, ctx.policy.key_tiers.ebs)?;
    let verdict = if tier.status == Status::Fail { tier } else { require_usable(ctx, r, &setting.kms_key)? };
    // The key the policy file chooses for EBS, if it does, replaces one that falls short.
    Ok(match ctx.policy.fix.kms_keys.get("ebs") {
        Some(key) if verdict.status == Status::Fail => {
            verdict.fix(AttributeFix::set(Some("key_arn"), None, FixValue::Chosen(key.clone())))
        }
        _ => verdict,
    })
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

    #[test]
    fn volumes_needing_more_than_an_aws_managed_key_are_judged_by_the_key_they_use() {
        let aws_ebs = json!({"type": "aws_managed", "alias": "alias/aws/ebs"});
        let cmk = json!({"type": "customer", "reference": "k"});
        let classified = json!({"data-classification": "confidential"});
        let resources = json!([
            {"kind": "kms_key", "name": "k"},
            {"kind": "ebs_default_key", "name": "default", "kms_key": aws_ebs},
            {"kind": "ebs_volume", "name": "named_aws", "encrypted": true, "kms_key": aws_ebs, "tags": classified},
            {"kind": "ebs_volume", "name": "named_cmk", "kms_key": cmk, "tags": classified},
            {"kind": "ebs_volume", "name": "keyless", "encrypted": true, "tags": classified},
            {"kind": "ebs_volume", "name": "plain", "encrypted": false, "tags": classified},
            {"kind": "ebs_volume", "name": "unclassified", "encrypted": true, "kms_key": aws_ebs},
            {"kind": "block_device_host", "name": "lt", "tags": classified,
                "devices": [[{"device_name": "/dev/xvda", "encrypted": true, "kms_key": cmk}, {"device_name": "/dev/sdf", "encrypted": true}]]},
        ]);
        expect(
            &EBS_002,
            resources.clone(),
            &[("default", Pass), ("named_aws", Fail), ("named_cmk", Pass), ("keyless", Fail), ("lt", Fail)],
        );
        expect_silent(&EBS_002, resources.clone(), &["plain", "unclassified"]);
        expect_with(&EBS_002, STRICT, resources, &[("unclassified", Fail), ("default", Fail)]);
    }
}
