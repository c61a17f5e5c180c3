use crate::context::{Context, Res};
use crate::keys::require_usable;
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{BlockDeviceHost, EbsVolume, Field, KeyRef, Spanned};

declare_rule! {
    /// ## What it checks
    /// The key named by each encrypted volume or block device passes KMS-007: symmetric,
    /// enabled, not being deleted, in the volume's region. Volumes that name no key use the
    /// region's default EBS key, which EBS-002 judges.
    ///
    /// ## Why
    /// Policy §4: EBS supports symmetric keys only; an instance whose volume key is disabled
    /// cannot start.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ebs_volume" "data" { encrypted = true  kms_key_id = aws_kms_key.rsa.arn }
    /// ```
    ///
    /// ## Fix
    /// Name an enabled symmetric key in the volume's region.
    EBS_004 {
        id: "EBS-004",
        title: "Volume keys are symmetric and usable",
        severity: Severity::High,
        section: Section::Ebs,
        fix: "Use an enabled symmetric ENCRYPT_DECRYPT key in the volume's region.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, volume) in ctx.all::<EbsVolume>() {
        if !volume.kms_key.is_default() {
            out.judge(r, judge(ctx, r, &volume.encrypted, &volume.kms_key));
        }
    }
    for (r, host) in ctx.all::<BlockDeviceHost>() {
        let mut parts = Vec::new();
        for group in &host.devices {
            match group.get() {
                Ok(devices) => parts.extend(
                    devices.iter().filter(|d| !d.kms_key.is_default()).map(|d| judge(ctx, r, &d.encrypted, &d.kms_key)),
                ),
                Err(why) => parts.push(Err(why)),
            }
        }
        if !parts.is_empty() {
            out.judge(r, combine(parts, "every device key is symmetric, enabled and in region"));
        }
    }
}

fn judge(ctx: &Context, r: Res, encrypted: &Field<bool>, key: &Spanned<KeyRef>) -> Eval {
    // Naming a key implies encryption unless `encrypted` is written false: then EC2
    // ignores the key and EBS-003 reports the volume.
    match encrypted.value()? {
        Some(false) => Ok(Verdict::not_applicable("the volume is not encrypted (EBS-003)")),
        _ => require_usable(ctx, r, key),
    }
}

#[cfg(test)]
mod tests {
    use super::EBS_004;
    use crate::testing::{expect, expect_silent};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn volume_and_device_keys() {
        let key = |k: &str| json!({"type": "customer", "reference": k});
        let resources = json!([
            {"kind": "kms_key", "name": "good"},
            {"kind": "kms_key", "name": "rsa", "key_spec": "RSA_4096", "key_usage": "ENCRYPT_DECRYPT"},
            {"kind": "ebs_volume", "name": "v_good", "encrypted": true, "kms_key": key("good")},
            {"kind": "ebs_volume", "name": "v_rsa", "encrypted": true, "kms_key": key("rsa")},
            {"kind": "ebs_volume", "name": "v_var", "encrypted": true, "kms_key": {"type": "unresolved", "reason": "module.kms.arn is a module output"}},
            {"kind": "ebs_volume", "name": "v_default", "encrypted": true},
            {"kind": "block_device_host", "name": "lt", "devices": [[{"device_name": "/dev/xvda", "encrypted": true, "kms_key": key("rsa")}]]},
        ]);
        expect(&EBS_004, resources.clone(), &[("v_good", Pass), ("v_rsa", Fail), ("v_var", Unknown), ("lt", Fail)]);
        expect_silent(&EBS_004, resources, &["v_default"]);
    }
}
