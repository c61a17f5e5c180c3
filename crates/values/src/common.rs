//! Readings that both infrastructure-as-code sources make alike, each under its own names.

use crate::{known, unknown, Attrs, Val};
use encguard_model::{
    BlockDevice, CacheBehavior, CloudfrontDistribution, Field, KeyRef, ListenerAction, Origin, OriginProtocolPolicy,
    S3Encryption, Spanned, Unknown, Value, ViewerCertificate,
};

/// The key of a DynamoDB table from its server-side encryption block: none, or one turned
/// off, is the AWS owned key; one turned on without a key is the AWS managed key.
pub fn dynamodb_table_key(sse: Result<Option<Attrs>, Unknown>, enabled: &str, key: &str) -> KeyRef {
    match sse {
        Ok(None) => KeyRef::AwsOwned,
        Ok(Some(sse)) => match sse.boolean(enabled).value {
            Some(Value::Known(true)) => {
                sse.key(key).value.default_is(KeyRef::AwsManaged { alias: "alias/aws/dynamodb".into() })
            }
            Some(Value::Unknown { unknown }) => KeyRef::unresolved(unknown),
            _ => KeyRef::AwsOwned,
        },
        Err(why) => KeyRef::unresolved(why.reason),
    }
}

/// The names a source gives the parts of a CloudFront distribution.
/// Each field is the source's name for the part the field is named after.
#[allow(missing_docs)]
pub struct CloudfrontNames {
    pub enabled: &'static str,
    pub default_behavior: &'static str,
    /// The behaviors for other paths.
    pub behaviors: &'static str,
    pub path_pattern: &'static str,
    pub target_origin_id: &'static str,
    pub viewer_protocol_policy: &'static str,
    pub origins: &'static str,
    pub origin_id: &'static str,
    pub domain_name: &'static str,
    /// The block that makes an origin custom; an origin without one is an S3 (REST) origin.
    pub custom_origin: &'static str,
    pub origin_protocol_policy: &'static str,
    /// The source's default for a custom origin's protocol policy, if it has one.
    pub origin_protocol_default: Option<&'static str>,
    pub origin_ssl_protocols: &'static str,
    pub origin_access_control: &'static str,
    pub viewer_certificate: &'static str,
    pub cloudfront_default_certificate: &'static str,
    pub acm_certificate_arn: &'static str,
    pub iam_certificate_id: &'static str,
    pub minimum_protocol_version: &'static str,
    pub ssl_support_method: &'static str,
}

/// A CloudFront distribution's configuration. Without a viewer certificate the
/// distribution serves CloudFront's default certificate.
pub fn cloudfront_distribution(c: &Attrs, n: &CloudfrontNames) -> CloudfrontDistribution {
    let behavior = |b: &Attrs, default_path: &str| CacheBehavior {
        path_pattern: b.get(n.path_pattern).and_then(Val::as_str).unwrap_or(default_path).to_string(),
        target_origin_id: b.string(n.target_origin_id),
        viewer_protocol_policy: b.choice(n.viewer_protocol_policy),
    };
    let behaviors = match (c.blocks(n.default_behavior), c.blocks(n.behaviors)) {
        (Ok(d), Ok(o)) => c.known_at(
            n.default_behavior,
            d.iter().map(|b| behavior(b, "*")).chain(o.iter().map(|b| behavior(b, "?"))).collect(),
        ),
        (Err(why), _) | (_, Err(why)) => unknown(why),
    };
    let origins = c.list(n.origins, |o| {
        let custom = o.block(n.custom_origin);
        let s3_origin = matches!(custom, Ok(None));
        let custom = custom.ok().flatten();
        Origin {
            origin_id: o.string(n.origin_id),
            domain_name: o.string(n.domain_name),
            origin_protocol_policy: custom.map_or_else(Field::default, |c| {
                let written = c.choice(n.origin_protocol_policy);
                match n.origin_protocol_default {
                    Some(default) => written.or(known(OriginProtocolPolicy::from(default))),
                    None => written,
                }
            }),
            origin_ssl_protocols: custom.unwrap_or_default().strings(n.origin_ssl_protocols),
            s3_origin,
            origin_access_control: o.string(n.origin_access_control),
        }
    });
    let viewer_certificate = match c.block(n.viewer_certificate) {
        Ok(Some(v)) => ViewerCertificate {
            cloudfront_default_certificate: v.boolean(n.cloudfront_default_certificate),
            acm_certificate_arn: v.reference(n.acm_certificate_arn),
            iam_certificate_id: v.string(n.iam_certificate_id),
            minimum_protocol_version: v.string(n.minimum_protocol_version),
            ssl_support_method: v.string(n.ssl_support_method),
        },
        Ok(None) => ViewerCertificate { cloudfront_default_certificate: known(true), ..ViewerCertificate::default() },
        Err(why) => ViewerCertificate { acm_certificate_arn: unknown(why), ..ViewerCertificate::default() },
    };
    CloudfrontDistribution {
        enabled: c.boolean(n.enabled),
        behaviors,
        origins,
        viewer_certificate: Spanned::new(viewer_certificate, c.span(n.viewer_certificate)),
    }
}

/// The names a source gives a load balancer listener's actions.
/// Each field is the source's name for the part the field is named after.
#[allow(missing_docs)]
pub struct ActionNames {
    pub action_type: &'static str,
    pub redirect: &'static str,
    pub protocol: &'static str,
    pub port: &'static str,
    pub status_code: &'static str,
}

/// A listener's (or a listener rule's) actions, from the blocks `name`.
pub fn listener_actions(a: &Attrs, name: &str, n: &ActionNames) -> Field<Vec<ListenerAction>> {
    a.list(name, |b| {
        let redirect = b.block(n.redirect).ok().flatten().unwrap_or_default();
        ListenerAction {
            action_type: b.get(n.action_type).and_then(Val::as_str).unwrap_or("").to_string(),
            redirect_protocol: redirect.string(n.protocol),
            redirect_port: redirect.string(n.port),
            redirect_status_code: redirect.string(n.status_code),
        }
    })
}

/// The names a source gives an EBS block device mapping.
/// Each field is the source's name for the part the field is named after.
#[allow(missing_docs)]
pub struct DeviceNames {
    pub device_name: &'static str,
    /// The block with the volume's settings.
    pub ebs: &'static str,
    pub encrypted: &'static str,
    pub kms_key: &'static str,
    pub snapshot: &'static str,
}

/// One device from the block that holds its volume's settings.
pub fn block_device(name: String, ebs: &Attrs, n: &DeviceNames) -> BlockDevice {
    BlockDevice {
        device_name: name,
        encrypted: ebs.boolean(n.encrypted),
        kms_key: ebs.key(n.kms_key),
        snapshot: ebs.reference(n.snapshot),
    }
}

/// The name of a device mapping that writes none, or whose name is not known.
const UNNAMED_DEVICE: &str = "device";

/// The EBS devices of block device mappings (a launch template's, an instance's);
/// mappings without volume settings (instance stores) are not EBS devices.
pub fn block_device_mappings(mappings: Result<Vec<Attrs>, Unknown>, n: &DeviceNames) -> Value<Vec<BlockDevice>> {
    let mappings = match mappings {
        Ok(m) => m,
        Err(why) => return Value::unknown(why),
    };
    Value::Known(
        mappings
            .iter()
            .filter_map(|m| {
                let name = m.get(n.device_name).and_then(Val::as_str).unwrap_or(UNNAMED_DEVICE).to_string();
                match m.block(n.ebs) {
                    Ok(Some(ebs)) => Some(block_device(name, &ebs, n)),
                    Ok(None) => None,
                    Err(why) => {
                        Some(BlockDevice { device_name: name, encrypted: unknown(why), ..BlockDevice::default() })
                    }
                }
            })
            .collect(),
    )
}

/// The root volume of an instance or template that writes no device for it: its
/// encryption follows the image, which code does not show.
pub fn image_root() -> BlockDevice {
    BlockDevice {
        device_name: "root".into(),
        encrypted: unknown("the root volume's encryption follows the AMI, which the code does not show"),
        ..BlockDevice::default()
    }
}

/// The devices written, and — when none of them is the root device — the root volume that
/// follows the image. Which device is the root is the image's choice; the names images use
/// (`/dev/xvda`, `/dev/sda1`) are taken for it, and so is a device whose name is not known.
pub fn or_image_root(devices: Value<Vec<BlockDevice>>) -> Value<Vec<BlockDevice>> {
    const ROOT_NAMES: [&str; 4] = ["/dev/xvda", "/dev/sda1", "/dev/sda", "/dev/nvme0n1"];
    let may_be_root = |d: &BlockDevice| {
        let name = d.device_name.trim_start_matches("/dev/");
        d.device_name == UNNAMED_DEVICE || ROOT_NAMES.iter().any(|r| r.trim_start_matches("/dev/") == name)
    };
    match devices {
        Value::Known(mut d) if !d.iter().any(may_be_root) => {
            d.insert(0, image_root());
            Value::Known(d)
        }
        other => other,
    }
}

/// The names a source gives a bucket's default-encryption rule.
/// Each field is the source's name for the part the field is named after.
#[allow(missing_docs)]
pub struct S3RuleNames {
    pub by_default: &'static str,
    pub sse_algorithm: &'static str,
    pub kms_key: &'static str,
    pub bucket_key_enabled: &'static str,
}

/// A bucket's default-encryption rule; `blocked_encryption_types` as the source writes them.
pub fn s3_rule(rule: &Attrs, n: &S3RuleNames, blocked_encryption_types: Field<Vec<String>>) -> Value<S3Encryption> {
    let by_default = match rule.block(n.by_default) {
        Ok(d) => d.unwrap_or_default(),
        Err(why) => return Value::unknown(why),
    };
    Value::Known(S3Encryption {
        sse_algorithm: by_default.choice(n.sse_algorithm),
        kms_key: by_default.key(n.kms_key),
        bucket_key_enabled: rule.boolean(n.bucket_key_enabled),
        blocked_encryption_types,
    })
}
