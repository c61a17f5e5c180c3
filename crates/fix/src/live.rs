//! Live fixes: what the open failures of live resources want of each resource, for
//! `encguard remediate` to plan as API calls; and what is left to a person.
//!
//! A rule states its fix once, as an attribute and a value (or a bucket policy statement);
//! here a live resource's attribute is mapped to the state its API sets. Fixes AWS applies
//! only by recreating the resource, key policies (an edit can lock everyone out of the
//! key), and every failure without a fix are manual steps, with the rule's advice.

use encguard_model::remediation::{DistributionSetting, Fixes, ManualStep, Target, Want, Wanted};
use encguard_model::Location;
use encguard_rules::{Finding, Fix, FixValue, ParameterGroup, Status};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What the open failures among `findings` on live resources want, one entry per resource
/// and state, and the manual steps for the others.
pub fn wanted(findings: &[Finding]) -> (Vec<Wanted>, Vec<ManualStep>) {
    let mut wanted: Vec<Wanted> = Vec::new();
    let mut manual = Vec::new();
    // A bucket has one policy: the statements its findings ask for go into one change.
    let mut statements: BTreeMap<Target, (Vec<Fixes>, Vec<Value>)> = BTreeMap::new();
    for finding in findings.iter().filter(|f| f.status == Status::Fail && f.is_open()) {
        let Location::Aws { account, region, arn } = &finding.location else { continue };
        let target = Target { account: account.clone(), region: region.clone(), resource: arn.clone() };
        let fixes = Fixes { rule: finding.rule.to_string(), finding: finding.fingerprint.clone() };
        let want = match finding.fix.as_deref() {
            Some(Fix::BucketPolicy(statement) | Fix::AddToBucketPolicy(statement)) => {
                let statement = statement_json(statement, arn);
                let entry = statements.entry(target).or_default();
                entry.0.push(fixes);
                if !entry.1.contains(&statement) {
                    entry.1.push(statement);
                }
                continue;
            }
            Some(Fix::CancelKeyDeletion) => Ok(Want::KeyDeletionCancelled { key_id: key_id(arn) }),
            Some(Fix::RedirectToHttps { port }) => {
                Ok(Want::ListenerRedirect { listener_arn: arn.clone(), port: *port })
            }
            Some(Fix::TableKey(key)) => {
                Ok(Want::TableKey { table: arn.rsplit('/').next().unwrap_or(arn).to_string(), key: key.clone() })
            }
            Some(Fix::TlsParameter(tls)) => match &tls.group {
                ParameterGroup::Custom(Location::Aws { arn: group, .. }) => Ok(Want::TlsParameter {
                    group: group.rsplit(':').next().unwrap_or(group).to_string(),
                    cluster: tls.cluster,
                    parameter: tls.name.to_string(),
                }),
                _ => Err(format!(
                    "{} — the database uses its engine's default parameter group, which cannot change: create a \
                     group of its family that sets {} = 1, and name it on the database (it takes it when the change is applied and it reboots)",
                    finding.remediation, tls.name
                )),
            },
            // A bucket has one default encryption: what its findings ask go into one change.
            Some(Fix::BlockSseC | Fix::BucketKey { .. }) => {
                let bucket = arn.rsplit(':').next().unwrap_or(arn).to_string();
                let made = wanted.iter_mut().find(|w| w.target == target && matches!(w.want, Want::BucketEncryption { .. }));
                let entry = match made {
                    Some(entry) => entry,
                    None => {
                        let want = Want::BucketEncryption { bucket, key: None, block_sse_c: false };
                        wanted.push(Wanted { fixes: Vec::new(), target: target.clone(), want });
                        wanted.last_mut().expect("pushed")
                    }
                };
                entry.fixes.push(fixes);
                if let Want::BucketEncryption { key, block_sse_c, .. } = &mut entry.want {
                    match finding.fix.as_deref() {
                        Some(Fix::BucketKey { key: chosen, .. }) => *key = Some(chosen.clone()),
                        _ => *block_sse_c = true,
                    }
                }
                continue;
            }
            Some(Fix::Set(fix)) if fix.replaces.is_some() => Err(format!(
                "{} — AWS makes this change only by recreating {}: copy the data to an encrypted \
                 replacement (a snapshot copied with encryption, restored), then cut over",
                finding.remediation,
                fix.replaces.unwrap_or_default()
            )),
            Some(Fix::Set(fix) | Fix::SetEach(fix, _)) => {
                match (finding.resource_type.as_str(), fix.terraform, &fix.value) {
                    ("AWS::KMS::Key", Some("enable_key_rotation"), FixValue::Bool(true)) => {
                        Ok(Want::KeyRotation { key_id: key_id(arn) })
                    }
                    ("AWS::KMS::Key", Some("is_enabled"), FixValue::Bool(true)) => {
                        Ok(Want::KeyEnabled { key_id: key_id(arn) })
                    }
                    ("AWS::EC2::EbsEncryptionByDefault", Some("enabled"), FixValue::Bool(true)) => {
                        Ok(Want::EbsEncryptionByDefault)
                    }
                    ("AWS::ElasticLoadBalancingV2::Listener", Some("ssl_policy"), FixValue::Text(policy)) => {
                        Ok(Want::ListenerSslPolicy { listener_arn: arn.clone(), ssl_policy: policy.to_string() })
                    }
                    ("AWS::RDS::DBInstance", Some("ca_cert_identifier"), FixValue::Text(authority)) => {
                        Ok(Want::RdsCertificateAuthority {
                            db_instance: arn.rsplit(':').next().unwrap_or(arn).to_string(),
                            authority: authority.to_string(),
                        })
                    }
                    ("AWS::CloudFront::Distribution", Some(attribute), FixValue::Text(value)) => {
                        let setting = match attribute.rsplit('.').next().unwrap_or(attribute) {
                            "viewer_protocol_policy" => Some(DistributionSetting::ViewerProtocolPolicy),
                            "origin_protocol_policy" => Some(DistributionSetting::OriginProtocolPolicy),
                            "minimum_protocol_version" => Some(DistributionSetting::MinimumProtocolVersion),
                            _ => None,
                        };
                        let id = arn.rsplit('/').next().unwrap_or(arn).to_string();
                        setting
                            .map(|setting| Want::DistributionSetting { id, setting, value: value.to_string() })
                            .ok_or_else(|| finding.remediation.to_string())
                    }
                    ("AWS::SecretsManager::Secret", Some("kms_key_id"), FixValue::Chosen(key)) => {
                        Ok(Want::SecretKey { secret_id: arn.clone(), key: key.clone() })
                    }
                    ("AWS::EC2::EbsDefaultKmsKey", Some("key_arn"), FixValue::Chosen(key)) => {
                        Ok(Want::EbsDefaultKey { key: key.clone() })
                    }
                    _ => Err(finding.remediation.to_string()),
                }
            }
            _ if matches!(finding.rule, "KMS-002" | "KMS-003" | "KMS-004") => Err(format!(
                "{} — never applied by encguard: an edited key policy can lock everyone out of the key; \
                 review the change, then kms:PutKeyPolicy",
                finding.remediation
            )),
            _ => Err(finding.remediation.to_string()),
        };
        // Databases that share a parameter group want one change of it.
        let same = |w: &Wanted, want: &Want| {
            w.want == *want && (&w.target.account, &w.target.region) == (&target.account, &target.region)
        };
        match want {
            Ok(want) if matches!(want, Want::TlsParameter { .. }) && wanted.iter().any(|w| same(w, &want)) => {
                wanted.iter_mut().find(|w| same(w, &want)).expect("found").fixes.push(fixes)
            }
            Ok(want) => wanted.push(Wanted { fixes: vec![fixes], target, want }),
            Err(what) => manual.push(ManualStep { fixes: vec![fixes], target, what }),
        }
    }
    for (target, (fixes, statements)) in statements {
        let bucket = target.resource.rsplit(':').next().unwrap_or_default().to_string();
        wanted.push(Wanted { fixes, target, want: Want::BucketPolicyStatements { bucket, statements } });
    }
    (wanted, manual)
}

/// The key id an ARN ends with: the calls are made in the key's own account and region,
/// where every KMS action takes it (and moto's `CancelKeyDeletion` takes nothing else).
fn key_id(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// A statement as a bucket policy holds it, for the bucket whose ARN is `arn`.
fn statement_json(statement: &encguard_rules::PolicyStatement, arn: &str) -> Value {
    let w = crate::written(statement);
    let objects = format!("{arn}/*");
    let resource = if w.objects_only { json!(objects) } else { json!([arn, objects]) };
    let values = match w.values {
        [one] => json!(one),
        many => json!(many),
    };
    json!({
        "Sid": w.sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": w.action,
        "Resource": resource,
        "Condition": {w.operator: {w.key: values}},
    })
}
