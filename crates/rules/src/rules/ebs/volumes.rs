use super::encrypted_by_itself_or_source;
use crate::context::{Context, Res};
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{AttributeFix, FixValue, Status};
use encguard_model::{BlockDevice, BlockDeviceHost, EbsVolume, Field, Ref};

declare_rule! {
    /// ## What it checks
    /// EBS volumes are encrypted: standalone volumes, and the root and data devices of
    /// instances, launch templates and launch configurations. A volume created from an
    /// encrypted snapshot inherits its encryption. A volume written unencrypted in a region
    /// whose EBS encryption by default is on (EBS-001) passes with a note: AWS encrypts it
    /// anyway.
    ///
    /// ## Why
    /// Policy §4: data on disks is encrypted at rest. Encryption cannot be added to an
    /// existing volume, so the fix is a replacement — catch it before deploy.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_instance" "app" { root_block_device { volume_size = 50 } }   # encrypted defaults to false
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `encrypted = true` (and `kms_key_id`) on `aws_ebs_volume`, `root_block_device`,
    ///   `ebs_block_device`, and launch template `ebs` blocks.
    /// - CloudFormation: `Encrypted: true` on `AWS::EC2::Volume` and every `BlockDeviceMappings[].Ebs`.
    /// - Live: replace the volume: snapshot → `copy-snapshot --encrypted --kms-key-id` → new volume → swap (no in-place fix).
    EBS_003 {
        id: "EBS-003",
        title: "EBS volumes are encrypted",
        severity: Severity::High,
        section: Section::Ebs,
        fix: "Set encrypted = true on the volume or device; existing volumes must be replaced from an encrypted snapshot copy.",
        equivalents: &[("Checkov", "CKV_AWS_3, CKV_AWS_8"), ("KICS", "EBS Volume Encryption Disabled"), ("Trivy", "AVD-AWS-0026, AVD-AWS-0131, AVD-AWS-0008"),
            ("Prowler", "ec2_ebs_volume_encryption"), ("AWS Config", "encrypted-volumes"), ("Security Hub", "EC2.3"), ("cfn-nag", "F1")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, volume) in ctx.all::<EbsVolume>() {
        let fix = AttributeFix::set(Some("encrypted"), Some("Encrypted"), FixValue::Bool(true)).replacing("the volume");
        let verdict = judge_one(ctx, r, "volume", &volume.encrypted, &volume.snapshot);
        out.judge(r, verdict.map(|v| if v.status == Status::Fail { v.fix(fix) } else { v }));
    }
    for (r, host) in ctx.all::<BlockDeviceHost>() {
        out.judge(r, judge_host(ctx, r, host));
    }
}

fn judge_host(ctx: &Context, r: Res, host: &BlockDeviceHost) -> Eval {
    let mut parts = Vec::new();
    for group in &host.devices {
        match group.get() {
            Ok(devices) => parts.extend(
                devices.iter().map(|d: &BlockDevice| judge_one(ctx, r, &d.device_name, &d.encrypted, &d.snapshot)),
            ),
            Err(why) => parts.push(Err(why)),
        }
    }
    combine(parts, "every block device is encrypted")
}

fn judge_one(ctx: &Context, r: Res, device: &str, encrypted: &Field<bool>, snapshot: &Ref) -> Eval {
    // Encryption by default encrypts the volumes created after it is turned on — the ones
    // the code creates and those a launch template will give new instances, whatever they
    // say or their image holds — never one that exists.
    let creates_volumes = r.is_created() || gives_new_volumes(&r.source_type);
    if let Some(setting) = ctx.ebs_default(r).filter(|_| creates_volumes) {
        if let encguard_model::Spec::EbsEncryptionByDefault(s) = &setting.spec {
            if s.enabled.or_default_to(true)?
                && encrypted_by_itself_or_source(ctx, r, encrypted, snapshot).ok().flatten().is_none()
            {
                return Ok(Verdict::pass(format!(
                    "{device}: not encrypted in code, but `{}` encrypts it by default",
                    setting.name
                )));
            }
        }
    }
    match encrypted_by_itself_or_source(ctx, r, encrypted, snapshot)? {
        Some(how) => Ok(Verdict::pass(format!("{device}: {how}"))),
        None => Ok(Verdict::fail(format!("{device} is not encrypted")).at(encrypted).evidence("encrypted = false")),
    }
}

/// Templates whose devices every new instance gets as new volumes, existing or not.
fn gives_new_volumes(source_type: &str) -> bool {
    matches!(
        source_type,
        "AWS::EC2::LaunchTemplate"
            | "aws_launch_template"
            | "aws_launch_configuration"
            | "AWS::AutoScaling::LaunchConfiguration"
    )
}

#[cfg(test)]
mod tests {
    use super::EBS_003;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn volumes_devices_snapshots_and_account_default() {
        expect(
            &EBS_003,
            json!([
                {"kind": "ebs_volume", "name": "enc", "encrypted": true},
                {"kind": "ebs_volume", "name": "plain", "encrypted": false},
                {"kind": "ebs_volume", "name": "var", "encrypted": {"unknown": "var.encrypted has no value"}},
                {"kind": "ebs_snapshot", "name": "snap", "encrypted": true, "handles": ["snap-1"]},
                {"kind": "ebs_volume", "name": "from_snap", "snapshot": "snap-1"},
                {"kind": "ebs_volume", "name": "from_foreign_snap", "snapshot": "snap-unknown"},
                {"kind": "ebs_volume", "name": "enc_source", "encrypted": true},
                {"kind": "ebs_snapshot", "name": "snap_of_enc", "volume": "enc_source", "handles": ["snap-2"]},
                {"kind": "ebs_volume", "name": "from_snap_of_enc", "snapshot": "snap-2"},
                {"kind": "block_device_host", "name": "instance_ok", "devices": [[{"device_name": "root", "encrypted": true}, {"device_name": "/dev/sdf", "encrypted": true}]]},
                {"kind": "block_device_host", "name": "instance_bad", "devices": [[{"device_name": "root", "encrypted": true}, {"device_name": "/dev/sdf"}]]},
                {"kind": "block_device_host", "name": "template_dynamic", "devices": [{"unknown": "dynamic block over var.disks"}]},
                {"kind": "ebs_encryption_by_default", "name": "default_on", "enabled": true, "region": "eu-west-1"},
                {"kind": "ebs_volume", "name": "plain_but_default", "encrypted": false, "region": "eu-west-1"},
                {"kind": "ebs_volume", "name": "plain_kept_by_plan", "encrypted": false, "region": "eu-west-1", "existing": true},
            ]),
            &[
                ("enc", Pass),
                ("plain", Fail),
                ("var", Unknown),
                ("from_snap", Pass),
                ("from_foreign_snap", Unknown),
                ("from_snap_of_enc", Pass),
                ("instance_ok", Pass),
                ("instance_bad", Fail),
                ("template_dynamic", Unknown),
                ("plain_but_default", Pass),
                ("plain_kept_by_plan", Fail),
            ],
        );
    }

    #[test]
    fn encryption_by_default_does_not_encrypt_a_volume_that_exists() {
        let live = |kind: &str, name: &str, extra: serde_json::Value| {
            let mut r = json!({"kind": kind, "name": name, "region": "eu-west-1", "scope": "1/eu-west-1",
                "location": {"source": "aws", "account": "1", "region": "eu-west-1", "arn": name}});
            r.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            r
        };
        expect(
            &EBS_003,
            json!([
                live("ebs_encryption_by_default", "default", json!({"enabled": true})),
                live("ebs_volume", "old-plain-volume", json!({"encrypted": false})),
            ]),
            &[("old-plain-volume", Fail)],
        );
    }
}
