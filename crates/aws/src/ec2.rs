//! EC2: regions, the EBS account settings, volumes, snapshots and images owned, and what
//! launches instances: launch templates and Auto Scaling launch configurations.

use crate::common::{each_page, error_text, CallFailed, Collector};
use aws_config::SdkConfig;
use encguard_model::*;

/// The account's enabled regions.
pub async fn regions(conf: &SdkConfig) -> Result<Vec<String>, CallFailed> {
    let client = aws_sdk_ec2::Client::new(conf);
    let out = client.describe_regions().send().await.map_err(|e| CallFailed::new("ec2:DescribeRegions", &e))?;
    let mut regions: Vec<String> = out.regions().iter().filter_map(|r| r.region_name().map(str::to_string)).collect();
    regions.sort();
    Ok(regions)
}

fn key(id: Option<&str>) -> KeyRef {
    id.map_or(KeyRef::ServiceDefault, KeyRef::literal)
}

pub async fn collect(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_ec2::Client::new(conf);
    let (account, region) = (c.account.clone(), c.region.clone());
    let setting_arn = format!("arn:{}:ec2:{region}:{account}:ebs-encryption-by-default", c.partition());
    let enabled = {
        let _p = c.call("ec2:GetEbsEncryptionByDefault").await;
        match client.get_ebs_encryption_by_default().send().await {
            Ok(o) => Some(Value::Known(o.ebs_encryption_by_default().unwrap_or(false))),
            Err(e) => Some(c.gap("ec2:GetEbsEncryptionByDefault", "", error_text(&e))),
        }
    };
    c.add(
        &setting_arn,
        "AWS::EC2::EbsEncryptionByDefault",
        vec![],
        Spec::EbsEncryptionByDefault(Box::new(EbsEncryptionByDefault { enabled: enabled.into() })),
    );
    let default_key = {
        let _p = c.call("ec2:GetEbsDefaultKmsKeyId").await;
        match client.get_ebs_default_kms_key_id().send().await {
            Ok(o) => o.kms_key_id().map_or(KeyRef::AwsManaged { alias: "alias/aws/ebs".into() }, KeyRef::literal),
            Err(e) => KeyRef::unresolved(c.record_gap("ec2:GetEbsDefaultKmsKeyId", "", error_text(&e)).reason),
        }
    };
    c.add(
        &format!("arn:{}:ec2:{region}:{account}:ebs-default-kms-key", c.partition()),
        "AWS::EC2::EbsDefaultKmsKey",
        vec![],
        Spec::EbsDefaultKey(Box::new(EbsDefaultKey { kms_key: default_key.into() })),
    );

    let _ = each_page!(c, "ec2:DescribeVolumes", "", client.describe_volumes().into_paginator().send(), |p| {
        for v in p.volumes() {
            let Some(id) = v.volume_id() else { continue };
            let volume = EbsVolume {
                encrypted: Some(Value::Known(v.encrypted().unwrap_or(false))).into(),
                kms_key: key(v.kms_key_id()).into(),
                snapshot: v.snapshot_id().filter(|s| !s.is_empty()).map(|s| Value::Known(s.to_string())).into(),
            };
            let index = c.add(
                &format!("arn:{}:ec2:{region}:{account}:volume/{id}", c.partition()),
                "AWS::EC2::Volume",
                vec![id.to_string()],
                Spec::EbsVolume(Box::new(volume)),
            );
            c.tag(index, v.tags().iter().map(|t| (t.key(), t.value())));
        }
    });
    let _ = each_page!(
        c,
        "ec2:DescribeSnapshots",
        "",
        client.describe_snapshots().owner_ids("self").into_paginator().send(),
        |p| {
            for s in p.snapshots() {
                let Some(id) = s.snapshot_id() else { continue };
                let snapshot = EbsSnapshot {
                    encrypted: Some(Value::Known(s.encrypted().unwrap_or(false))).into(),
                    kms_key: key(s.kms_key_id()).into(),
                    volume: s
                        .volume_id()
                        .filter(|v| !v.is_empty() && *v != "vol-ffffffff")
                        .map(|v| Value::Known(v.to_string()))
                        .into(),
                    copy: false,
                };
                c.add(
                    &format!("arn:{}:ec2:{region}:{account}:snapshot/{id}", c.partition()),
                    "AWS::EC2::Snapshot",
                    vec![id.to_string()],
                    Spec::EbsSnapshot(Box::new(snapshot)),
                );
            }
        }
    );
    let images = {
        let _p = c.call("ec2:DescribeImages").await;
        client.describe_images().owners("self").send().await
    };
    match images {
        Ok(out) => {
            for image in out.images() {
                let Some(id) = image.image_id() else { continue };
                let devices = image
                    .block_device_mappings()
                    .iter()
                    .filter_map(|m| {
                        let ebs = m.ebs()?;
                        let encrypted = Some(Value::Known(ebs.encrypted().unwrap_or(false)));
                        Some(device(m.device_name(), encrypted, ebs.kms_key_id(), ebs.snapshot_id()))
                    })
                    .collect();
                c.add(
                    &format!("arn:{}:ec2:{region}:{account}:image/{id}", c.partition()),
                    "AWS::EC2::Image",
                    vec![id.to_string()],
                    Spec::Ami(Box::new(Ami { devices, ..Ami::default() })),
                );
            }
        }
        Err(e) => {
            c.gap::<()>("ec2:DescribeImages", "", error_text(&e));
        }
    }
    // The default version of every launch template, in one listing: the volumes new
    // instances will get.
    let _ = each_page!(
        c,
        "ec2:DescribeLaunchTemplateVersions",
        "",
        client.describe_launch_template_versions().versions("$Default").into_paginator().send(),
        |p| {
            for v in p.launch_template_versions() {
                let Some(id) = v.launch_template_id() else { continue };
                let mappings = v.launch_template_data().map(|d| d.block_device_mappings()).unwrap_or_default();
                let mut devices: Vec<BlockDevice> = mappings
                    .iter()
                    .filter_map(|m| {
                        let ebs = m.ebs()?;
                        let encrypted = ebs.encrypted().map(Value::Known);
                        Some(device(m.device_name(), encrypted, ebs.kms_key_id(), ebs.snapshot_id()))
                    })
                    .collect();
                if devices.is_empty() {
                    devices.push(image_root("template"));
                }
                let mut names = vec![id.to_string()];
                names.extend(v.launch_template_name().map(str::to_string));
                c.add(
                    &format!("arn:{}:ec2:{region}:{account}:launch-template/{id}", c.partition()),
                    "AWS::EC2::LaunchTemplate",
                    names,
                    Spec::BlockDeviceHost(Box::new(BlockDeviceHost { devices: vec![Value::Known(devices)] })),
                );
            }
        }
    );
    // Launch configurations: the volumes the instances an Auto Scaling group launches get.
    let autoscaling = aws_sdk_autoscaling::Client::new(conf);
    let _ = each_page!(
        c,
        "autoscaling:DescribeLaunchConfigurations",
        "",
        autoscaling.describe_launch_configurations().into_paginator().send(),
        |p| {
            for lc in p.launch_configurations() {
                let Some(name) = lc.launch_configuration_name() else { continue };
                let mut devices: Vec<BlockDevice> = lc
                    .block_device_mappings()
                    .iter()
                    .filter_map(|m| {
                        let ebs = m.ebs()?;
                        // A launch configuration's volumes name no key: the region's default.
                        let encrypted = ebs.encrypted().map(Value::Known);
                        Some(device(m.device_name(), encrypted, None, ebs.snapshot_id()))
                    })
                    .collect();
                if devices.is_empty() {
                    devices.push(image_root("launch configuration"));
                }
                let arn = lc.launch_configuration_arn().map_or_else(
                    || format!("arn:{}:autoscaling:{region}:{account}:launchConfiguration:{name}", c.partition()),
                    str::to_string,
                );
                c.add(
                    &arn,
                    "AWS::AutoScaling::LaunchConfiguration",
                    vec![name.to_string()],
                    Spec::BlockDeviceHost(Box::new(BlockDeviceHost { devices: vec![Value::Known(devices)] })),
                );
            }
        }
    );
}

/// One EBS device as the EC2 and Auto Scaling APIs describe it, each with types of its own.
fn device(
    name: Option<&str>,
    encrypted: Option<Value<bool>>,
    kms_key: Option<&str>,
    snapshot: Option<&str>,
) -> BlockDevice {
    BlockDevice {
        device_name: name.unwrap_or("device").to_string(),
        encrypted: encrypted.into(),
        kms_key: key(kms_key).into(),
        snapshot: snapshot.map(|s| Value::Known(s.to_string())).into(),
    }
}

/// The root volume of a launcher that maps no device: its encryption follows the AMI.
fn image_root(launcher: &str) -> BlockDevice {
    BlockDevice {
        device_name: "root".into(),
        encrypted: Some(Value::unknown(format!("the root volume's encryption follows the {launcher}'s AMI"))).into(),
        ..BlockDevice::default()
    }
}
