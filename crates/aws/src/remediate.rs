//! `encguard remediate`: the API calls that fix open failures of live resources in place.
//! A plan reads each resource's state first and records it beside the call; `--apply`
//! makes a call only while the resource is still in that state (and makes none when it is
//! already fixed), journaling what it found; `--rollback` restores the journaled states,
//! each only while the resource is still as the call left it. Nothing is ever deleted, and
//! nothing is scheduled for deletion: where undoing would need that, rollback says so.
//! These are the only calls encguard makes that change resources; `iam-policy --remediate`
//! prints their permissions, and scans never make them.

use crate::common::{error_code, error_text};
use crate::listener_action;
use crate::{CallFailed, Caller, Options};
use aws_config::{Region, SdkConfig};
use encguard_model::remediation::{
    Change, DistributionSetting, Fixes, Journal, JournalEntry, ListenerSetting, ManualStep, Outcome, ParameterChange,
    RemediationPlan, Step, Target, Want, Wanted, REMEDIATION_VERSION,
};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Every action `remediate` may call: the reads that check a state, then the writes.
pub const REMEDIATE_ACTIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "sts:AssumeRole",
    "kms:GetKeyRotationStatus",
    "kms:DescribeKey",
    "ec2:GetEbsEncryptionByDefault",
    "ec2:GetEbsDefaultKmsKeyId",
    "elasticloadbalancing:DescribeListeners",
    "s3:GetBucketPolicy",
    "s3:GetEncryptionConfiguration",
    "dynamodb:DescribeTable",
    "rds:DescribeDBInstances",
    "rds:DescribeDBParameters",
    "rds:DescribeDBClusterParameters",
    "secretsmanager:DescribeSecret",
    "cloudfront:GetDistributionConfig",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:CancelKeyDeletion",
    "ec2:EnableEbsEncryptionByDefault",
    "ec2:DisableEbsEncryptionByDefault",
    "ec2:ModifyEbsDefaultKmsKeyId",
    "ec2:ResetEbsDefaultKmsKeyId",
    "elasticloadbalancing:ModifyListener",
    "s3:PutBucketPolicy",
    "s3:PutEncryptionConfiguration",
    "dynamodb:UpdateTable",
    "rds:ModifyDBInstance",
    "rds:ModifyDBParameterGroup",
    "rds:ModifyDBClusterParameterGroup",
    "rds:ResetDBParameterGroup",
    "rds:ResetDBClusterParameterGroup",
    "secretsmanager:UpdateSecret",
    "cloudfront:UpdateDistribution",
];

/// A table's key when DynamoDB owns it, and when it is the AWS managed `aws/dynamodb`.
const AWS_OWNED_TABLE_KEY: &str = "AWS_OWNED";
const AWS_MANAGED_TABLE_KEY: &str = "AWS_MANAGED";

/// What `UpdateSecret` needs to re-encrypt a secret's versions with its new key, granted only
/// through Secrets Manager.
const REENCRYPT_ACTIONS: &[&str] = &["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"];

/// What `UpdateTable` needs to give a table a customer managed key, granted only through
/// DynamoDB, which makes a grant on the key for the table.
const TABLE_KEY_ACTIONS: &[&str] = &["kms:CreateGrant", "kms:DescribeKey"];

/// The IAM policy `remediate` needs, as JSON.
pub fn remediate_policy() -> String {
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "EncguardRemediate", "Effect": "Allow", "Action": REMEDIATE_ACTIONS, "Resource": "*"},
            {"Sid": "EncguardReencryptSecrets", "Effect": "Allow", "Action": REENCRYPT_ACTIONS, "Resource": "*",
             "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}}},
            {"Sid": "EncguardTableKeys", "Effect": "Allow", "Action": TABLE_KEY_ACTIONS, "Resource": "*",
             "Condition": {"StringLike": {"kms:ViaService": "dynamodb.*.amazonaws.com"}}},
        ],
    });
    serde_json::to_string_pretty(&policy).expect("JSON") + "\n"
}

/// What keeps a plan, an apply or a rollback from starting.
#[derive(Debug, thiserror::Error)]
pub enum RemediateError {
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[from] std::io::Error),
    /// Who the credentials belong to could not be read.
    #[error(transparent)]
    Identity(#[from] CallFailed),
    /// A plan or journal of another version.
    #[error("written by another encguard (version {0}; this one reads {REMEDIATION_VERSION})")]
    Version(u32),
}

/// Plans the calls that bring each resource to the state wanted, reading its state now.
/// A resource already in that state needs no call; one whose state cannot be read, or whose
/// bucket policy cannot be merged with, is a manual step.
pub fn plan(
    options: &Options,
    wanted: Vec<Wanted>,
    mut manual: Vec<ManualStep>,
) -> Result<RemediationPlan, RemediateError> {
    run(async {
        let mut sessions = Sessions::new(options).await?;
        let mut steps = Vec::new();
        for Wanted { fixes, target, want } in wanted {
            let conf = sessions.config(&target).await;
            let planned = async |want: Want| {
                let (call, before) = call_for(&conf, want).await?;
                Ok::<_, String>((after(&call, &before)?, call, before))
            };
            let (fixes, planned) = match (planned(want.clone()).await, want) {
                // A bucket's key that cannot be used does not hold back its SSE-C block.
                (Err(why), Want::BucketEncryption { bucket, key: Some(_), block_sse_c: true }) => {
                    let (keyed, blocked): (Vec<Fixes>, Vec<Fixes>) =
                        fixes.into_iter().partition(|f| f.rule == "S3-002");
                    manual.push(ManualStep {
                        fixes: keyed,
                        target: target.clone(),
                        what: format!("not planned: {why}"),
                    });
                    (blocked, planned(Want::BucketEncryption { bucket, key: None, block_sse_c: true }).await)
                }
                (planned, _) => (fixes, planned),
            };
            match planned {
                // Already so: the account changed since the scan.
                Ok((after, _, before)) if before == after => {}
                Ok((after, call, before)) => steps.push(Step { fixes, target, call, before, after }),
                Err(why) => manual.push(ManualStep { fixes, target, what: format!("not planned: {why}") }),
            }
        }
        Ok(RemediationPlan { version: REMEDIATION_VERSION, steps, manual })
    })
}

/// Makes the plan's calls in order, each only while its resource is in the state it
/// changes from; `journaled` is given the journal after each step (so that what was done is
/// on disk before the next call), and the whole of it is returned. A step that is not one
/// a plan makes — a call that only a rollback makes, a state after that is not the call's,
/// a bucket policy that is more than the one read with deny statements added — fails
/// without a call.
pub fn apply(
    options: &Options,
    plan: &RemediationPlan,
    mut journaled: impl FnMut(&Journal),
) -> Result<Journal, RemediateError> {
    if plan.version != REMEDIATION_VERSION {
        return Err(RemediateError::Version(plan.version));
    }
    run(async {
        let mut sessions = Sessions::new(options).await?;
        let mut journal = Journal { version: REMEDIATION_VERSION, entries: Vec::new() };
        for step in &plan.steps {
            let conf = sessions.config(&step.target).await;
            let (found, outcome) = match planned(step) {
                Ok(()) => match aws_managed_key(&conf, step).await {
                    None => guarded(&conf, &step.call, &step.before, &step.after).await,
                    Some(why) => (Value::Null, Outcome::Failed(format!("not a step a plan makes: {why}"))),
                },
                Err(why) => (Value::Null, Outcome::Failed(format!("not a step a plan makes: {why}"))),
            };
            journal.entries.push(JournalEntry { step: step.clone(), found, outcome });
            journaled(&journal);
        }
        Ok(journal)
    })
}

/// Whether `step` is one [`plan`] makes: a forward call, the state it leaves, and for a
/// bucket policy, the policy read with only deny statements added.
fn planned(step: &Step) -> Result<(), String> {
    if matches!(
        step.call,
        Change::DisableKeyRotation { .. }
            | Change::DisableKey { .. }
            | Change::DisableEbsEncryptionByDefault {}
            | Change::ResetEbsDefaultKmsKeyId {}
            | Change::UpdateDistribution { value: Value::Array(_), .. }
    ) {
        return Err(format!("{} undoes a fix", step.call.action()));
    }
    // The values a plan sets, and no other: a key by its ARN, settings the rules accept.
    let accepted = match &step.call {
        Change::UpdateSecret { kms_key_id, .. }
        | Change::ModifyEbsDefaultKmsKeyId { kms_key_id }
        | Change::UpdateTableEncryption { key: kms_key_id, .. } => kms_key_id.contains(":key/"),
        // A TLS policy of TLS 1.2 and later only, a current server CA.
        Change::ModifyListener { setting: ListenerSetting::SslPolicy(policy), .. } => {
            policy.starts_with("ELBSecurityPolicy-TLS13-1-2-") || policy.starts_with("ELBSecurityPolicy-TLS13-1-3-")
        }
        Change::ModifyDbInstance { authority, .. } => {
            matches!(authority.as_str(), "rds-ca-rsa2048-g1" | "rds-ca-rsa4096-g1" | "rds-ca-ecc384-g1")
        }
        // The TLS parameter on, as a plan sets it.
        Change::ModifyDbParameterGroup(p) | Change::ModifyDbClusterParameterGroup(p) => {
            matches!(p.parameter_name.as_str(), "rds.force_ssl" | "require_secure_transport")
                && p.parameter_value.as_deref() == Some("1")
        }
        // One permanent redirect to HTTPS, as a plan makes it.
        Change::ModifyListener { setting: ListenerSetting::DefaultActions(actions), .. } => {
            actions.as_array().is_some_and(|a| a.len() == 1)
                && actions[0]["RedirectConfig"]["Port"]
                    .as_str()
                    .and_then(|p| p.parse::<u32>().ok())
                    .map(redirect_to_https)
                    == Some(actions.clone())
        }
        Change::UpdateDistribution { setting, value: Value::String(value), .. } => match setting {
            DistributionSetting::ViewerProtocolPolicy => matches!(value.as_str(), "redirect-to-https" | "https-only"),
            DistributionSetting::OriginProtocolPolicy => value == "https-only",
            DistributionSetting::MinimumProtocolVersion => {
                value.starts_with("TLSv1.2_") || value.starts_with("TLSv1.3")
            }
        },
        _ => true,
    };
    if !accepted {
        return Err(format!("{} sets a value no plan sets", step.call.action()));
    }
    if after(&step.call, &step.before)? != step.after {
        return Err(format!("{} does not leave {}", step.call.action(), step.after));
    }
    if let Change::PutBucketEncryption { rules, .. } = &step.call {
        // The rules read, under the key the new rules name (a customer managed key's ARN, if
        // any), with SSE-C blocked or not: nothing else.
        let key = rules[0]["KMSMasterKeyID"].as_str().filter(|k| k.contains(":key/"));
        let made = [None, key].into_iter().flat_map(|k| [false, true].map(|b| encrypted(&step.before, k, b)));
        if rules == &step.before || !made.flatten().any(|m| &m == rules) {
            return Err("the new default encryption is not the one read under a key, with SSE-C blocked".into());
        }
    }
    if let Change::PutBucketPolicy { .. } = step.call {
        let statements = |policy: &Value| match policy.get("Statement") {
            Some(Value::Array(list)) => list.clone(),
            Some(one) => vec![one.clone()],
            None => Vec::new(),
        };
        let (was, will) = (statements(&step.before), statements(&step.after));
        let kept = was.iter().all(|s| will.contains(s));
        let added_denies = will.iter().filter(|s| !was.contains(s)).all(|s| s["Effect"] == "Deny");
        if !kept || !added_denies {
            return Err("the new bucket policy is not the one read with deny statements added".into());
        }
    }
    Ok(())
}

/// Why a call that gives a resource a key is refused: the key is AWS managed (named by its
/// ARN), which the plan never chooses — or cannot be read.
async fn aws_managed_key(conf: &SdkConfig, step: &Step) -> Option<String> {
    let key = match &step.call {
        Change::UpdateSecret { kms_key_id: key, .. }
        | Change::ModifyEbsDefaultKmsKeyId { kms_key_id: key }
        | Change::UpdateTableEncryption { key, .. } => key.as_str(),
        // A bucket's key, when the step changes it.
        Change::PutBucketEncryption { rules, .. } => {
            match rules[0]["KMSMasterKeyID"].as_str().filter(|k| Some(*k) != step.before[0]["KMSMasterKeyID"].as_str())
            {
                Some(key) => key,
                None => return None,
            }
        }
        _ => return None,
    };
    match key_metadata(conf, key).await {
        Ok(m) if m.key_manager().is_some_and(|m| m.as_str() == "AWS") => Some(format!("{key} is an AWS managed key")),
        Ok(_) => None,
        Err(why) => Some(why),
    }
}

/// Restores the states the journal's applied steps changed from, last first, each only
/// while its resource is as the call left it. Undoing what would need a deletion (a bucket
/// policy where there was none) or a deletion scheduled (a cancelled key deletion) is left
/// to a person.
pub fn rollback(options: &Options, journal: &Journal) -> Result<Journal, RemediateError> {
    if journal.version != REMEDIATION_VERSION {
        return Err(RemediateError::Version(journal.version));
    }
    run(async {
        let mut sessions = Sessions::new(options).await?;
        let mut entries = Vec::new();
        // A failed step may have been made (its state seen only later): the guard undoes it
        // only if its resource is as the call leaves it.
        let undoable = |e: &&JournalEntry| matches!(e.outcome, Outcome::Applied | Outcome::Failed(_));
        for entry in journal.entries.iter().rev().filter(undoable) {
            let step = &entry.step;
            let (found, outcome) = match undo(step) {
                Err(manual) => (Value::Null, Outcome::Manual(manual)),
                Ok(call) => guarded(&sessions.config(&step.target).await, &call, &step.after, &step.before).await,
            };
            entries.push(JournalEntry { step: step.clone(), found, outcome });
        }
        Ok(Journal { version: REMEDIATION_VERSION, entries })
    })
}

fn run<T>(work: impl std::future::Future<Output = Result<T, RemediateError>>) -> Result<T, RemediateError> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(work)
}

/// Makes `call` if the resource is in state `from`; not if it is already in `to`, or in
/// another state. The state found, and what became of the call.
async fn guarded(conf: &SdkConfig, call: &Change, from: &Value, to: &Value) -> (Value, Outcome) {
    let found = match read(conf, call).await {
        Ok(found) => found,
        Err(why) => return (Value::Null, Outcome::Failed(why)),
    };
    let outcome = if &found == to {
        Outcome::AlreadyDone
    } else if &found != from {
        Outcome::Changed
    } else {
        // Made or not (a call that timed out may have been), the state read again says —
        // after a while, as KMS and S3 show a change only eventually.
        let made = make(conf, call).await;
        let mut now = read(conf, call).await;
        for wait in [1, 2, 4] {
            if made.is_err() || now.as_ref().is_ok_and(|now| now == to) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            now = read(conf, call).await;
        }
        match (made, now) {
            (_, Ok(now)) if &now == to => Outcome::Applied,
            (Err(why), _) => Outcome::Failed(why),
            (Ok(()), Ok(now)) => Outcome::Failed(format!("{} was made, but the state is {now}", call.action())),
            (Ok(()), Err(why)) => {
                Outcome::Failed(format!("{} was made, but the state cannot be read: {why}", call.action()))
            }
        }
    };
    (found, outcome)
}

/// The call that brings a resource to a state, and the state it is in now: a bucket's
/// statements merged into the policy it has, a secret's key named by its ARN (as the secret
/// names it once updated).
async fn call_for(conf: &SdkConfig, want: Want) -> Result<(Change, Value), String> {
    let call = match want {
        Want::KeyRotation { key_id } => Change::EnableKeyRotation { key_id },
        Want::KeyEnabled { key_id } => Change::EnableKey { key_id },
        Want::KeyDeletionCancelled { key_id } => Change::CancelKeyDeletion { key_id },
        Want::EbsEncryptionByDefault => Change::EnableEbsEncryptionByDefault {},
        Want::EbsDefaultKey { key } => Change::ModifyEbsDefaultKmsKeyId { kms_key_id: key_arn(conf, &key).await? },
        Want::ListenerSslPolicy { listener_arn, ssl_policy } => {
            Change::ModifyListener { listener_arn, setting: ListenerSetting::SslPolicy(ssl_policy) }
        }
        Want::ListenerRedirect { listener_arn, port } => {
            Change::ModifyListener { listener_arn, setting: ListenerSetting::DefaultActions(redirect_to_https(port)) }
        }
        Want::RdsCertificateAuthority { db_instance, authority } => Change::ModifyDbInstance { db_instance, authority },
        Want::SecretKey { secret_id, key } => {
            Change::UpdateSecret { secret_id, kms_key_id: key_arn(conf, &key).await? }
        }
        Want::DistributionSetting { id, setting, value } => {
            Change::UpdateDistribution { id, setting, value: Value::String(value) }
        }
        Want::TlsParameter { group, cluster, parameter } => {
            let apply_method = apply_method(conf, &group, cluster, &parameter).await?;
            let change = ParameterChange {
                group_name: group,
                parameter_name: parameter,
                parameter_value: Some("1".into()),
                apply_method,
            };
            if cluster {
                Change::ModifyDbClusterParameterGroup(change)
            } else {
                Change::ModifyDbParameterGroup(change)
            }
        }
        Want::TableKey { table, key } => {
            Change::UpdateTableEncryption { table_name: table, key: key_arn(conf, &key).await? }
        }
        Want::BucketEncryption { bucket, key, block_sse_c } => {
            let reading = Change::PutBucketEncryption { bucket: bucket.clone(), rules: Value::Null };
            let before = read(conf, &reading).await?;
            let key = match key {
                Some(key) => Some(key_arn(conf, &key).await?),
                None => None,
            };
            let rules = encrypted(&before, key.as_deref(), block_sse_c)?;
            return Ok((Change::PutBucketEncryption { bucket, rules }, before));
        }
        Want::BucketPolicyStatements { bucket, statements } => {
            let reading = Change::PutBucketPolicy { bucket: bucket.clone(), policy: String::new() };
            let before = read(conf, &reading).await?;
            let policy = merged(&before, statements)?;
            return Ok((Change::PutBucketPolicy { bucket, policy: policy.to_string() }, before));
        }
    };
    let before = read(conf, &call).await?;
    Ok((call, before))
}

/// The state a call leaves, as [`read`] reads it.
fn after(call: &Change, before: &Value) -> Result<Value, String> {
    Ok(match call {
        Change::UpdateDistribution { setting, value: Value::String(value), .. } => {
            let fails = |part: &str| match setting {
                DistributionSetting::ViewerProtocolPolicy => part == "allow-all",
                DistributionSetting::OriginProtocolPolicy => part != "https-only",
                DistributionSetting::MinimumProtocolVersion => true,
            };
            match before {
                Value::Array(parts) => {
                    json!(parts
                        .iter()
                        .map(|p| if p.as_str().is_some_and(fails) { json!(value) } else { p.clone() })
                        .collect::<Vec<_>>())
                }
                _ => json!(value),
            }
        }
        Change::UpdateDistribution { value, .. } => value.clone(),
        Change::EnableKeyRotation { .. } | Change::EnableEbsEncryptionByDefault {} => json!(true),
        Change::DisableKeyRotation { .. } | Change::DisableEbsEncryptionByDefault {} => json!(false),
        Change::EnableKey { .. } => json!("Enabled"),
        Change::DisableKey { .. } | Change::CancelKeyDeletion { .. } => json!("Disabled"),
        Change::ModifyListener { setting: ListenerSetting::SslPolicy(policy), .. } => json!(policy),
        Change::ModifyListener { setting: ListenerSetting::DefaultActions(actions), .. } => actions.clone(),
        Change::ModifyDbInstance { authority, .. } => json!(authority),
        Change::UpdateSecret { kms_key_id, .. } | Change::ModifyEbsDefaultKmsKeyId { kms_key_id } => json!(kms_key_id),
        Change::ResetEbsDefaultKmsKeyId {} => Value::Null,
        Change::PutBucketPolicy { policy, .. } => {
            serde_json::from_str(policy).map_err(|e| format!("the policy to put is not JSON: {e}"))?
        }
        Change::PutBucketEncryption { rules, .. } => rules.clone(),
        Change::UpdateTableEncryption { key, .. } => json!(key),
        Change::ModifyDbParameterGroup(p) | Change::ModifyDbClusterParameterGroup(p) => json!(p.parameter_value),
    })
}

/// A bucket's default encryption rules (as [`read`] reads them) with each rule under `key`
/// (SSE-KMS with an S3 Bucket Key), and with SSE-C blocked when `block_sse_c` — added to
/// what each blocks, in place of `NONE` (blocking nothing).
fn encrypted(rules: &Value, key: Option<&str>, block_sse_c: bool) -> Result<Value, String> {
    let Value::Array(rules) = rules else {
        return Err("the bucket has no default encryption to change".into());
    };
    let changed = rules.iter().map(|rule| {
        let mut rule = rule.clone();
        // DSSE-KMS stays dual-layer (it takes no Bucket Key), under the key.
        if let Some(key) = key {
            rule["KMSMasterKeyID"] = json!(key);
            if rule["SSEAlgorithm"] != "aws:kms:dsse" {
                rule["SSEAlgorithm"] = json!("aws:kms");
                rule["BucketKeyEnabled"] = json!(true);
            }
        }
        if block_sse_c {
            let types = rule["BlockedEncryptionTypes"].as_array().cloned().unwrap_or_default();
            let mut types: Vec<Value> = types.into_iter().filter(|t| t != "NONE").collect();
            if !types.iter().any(|t| t == "SSE-C") {
                types.push(json!("SSE-C"));
            }
            rule["BlockedEncryptionTypes"] = Value::Array(types);
        }
        rule
    });
    Ok(Value::Array(changed.collect()))
}

/// The call that restores the state a step changed from, or why that is for a person.
fn undo(step: &Step) -> Result<Change, String> {
    let back = match (&step.call, &step.before) {
        (Change::EnableKeyRotation { key_id }, Value::Bool(false)) => Change::DisableKeyRotation { key_id: key_id.clone() },
        (Change::EnableKey { key_id }, before) if before == "Disabled" => Change::DisableKey { key_id: key_id.clone() },
        (Change::CancelKeyDeletion { key_id }, _) => {
            return Err(format!(
                "scheduling the key's deletion again is for a person: aws kms schedule-key-deletion --key-id {key_id}"
            ))
        }
        (Change::EnableEbsEncryptionByDefault {}, Value::Bool(false)) => Change::DisableEbsEncryptionByDefault {},
        (Change::ModifyEbsDefaultKmsKeyId { .. }, Value::String(key)) => {
            Change::ModifyEbsDefaultKmsKeyId { kms_key_id: key.clone() }
        }
        (Change::ModifyEbsDefaultKmsKeyId { .. }, Value::Null) => Change::ResetEbsDefaultKmsKeyId {},
        (Change::ModifyListener { listener_arn, setting: ListenerSetting::SslPolicy(_) }, Value::String(policy)) => {
            Change::ModifyListener { listener_arn: listener_arn.clone(), setting: ListenerSetting::SslPolicy(policy.clone()) }
        }
        (Change::ModifyListener { listener_arn, setting: ListenerSetting::DefaultActions(_) }, Value::Array(actions))
            if !actions.is_empty() =>
        {
            let actions = ListenerSetting::DefaultActions(Value::Array(actions.clone()));
            Change::ModifyListener { listener_arn: listener_arn.clone(), setting: actions }
        }
        (Change::ModifyDbInstance { db_instance, .. }, Value::String(authority)) => {
            Change::ModifyDbInstance { db_instance: db_instance.clone(), authority: authority.clone() }
        }
        (Change::UpdateSecret { secret_id, .. }, Value::String(key)) => {
            Change::UpdateSecret { secret_id: secret_id.clone(), kms_key_id: key.clone() }
        }
        (Change::UpdateSecret { secret_id, .. }, Value::Null) => {
            Change::UpdateSecret { secret_id: secret_id.clone(), kms_key_id: AWS_MANAGED_SECRETS_KEY.into() }
        }
        (Change::UpdateDistribution { id, setting, .. }, before) if !before.is_null() => {
            Change::UpdateDistribution { id: id.clone(), setting: *setting, value: before.clone() }
        }
        (Change::ModifyDbParameterGroup(p) | Change::ModifyDbClusterParameterGroup(p), before)
            if before.is_null() || before.is_string() =>
        {
            let back = ParameterChange { parameter_value: before.as_str().map(str::to_string), ..p.clone() };
            match step.call {
                Change::ModifyDbParameterGroup(_) => Change::ModifyDbParameterGroup(back),
                _ => Change::ModifyDbClusterParameterGroup(back),
            }
        }
        (Change::UpdateTableEncryption { table_name, .. }, Value::String(key)) => {
            Change::UpdateTableEncryption { table_name: table_name.clone(), key: key.clone() }
        }
        (Change::PutBucketEncryption { bucket, .. }, before @ Value::Array(_)) => {
            Change::PutBucketEncryption { bucket: bucket.clone(), rules: before.clone() }
        }
        (Change::PutBucketPolicy { bucket, .. }, Value::Null) => {
            return Err(format!(
                "the bucket had no policy, and removing one is a deletion: aws s3api delete-bucket-policy --bucket {bucket}"
            ))
        }
        (Change::PutBucketPolicy { bucket, .. }, before) => {
            Change::PutBucketPolicy { bucket: bucket.clone(), policy: before.to_string() }
        }
        (call, before) => return Err(format!("{} from {before} has no undo", call.action())),
    };
    Ok(back)
}

/// `statements` added to the bucket policy `current` (JSON, or `null` for none); one with
/// the Sid of a statement the policy has already is added only if it is that statement.
fn merged(current: &Value, statements: Vec<Value>) -> Result<Value, String> {
    let mut policy = match current {
        Value::Null => json!({"Version": "2012-10-17", "Statement": []}),
        Value::Object(_) => current.clone(),
        _ => return Err("the bucket policy is not a JSON object".into()),
    };
    let list = match policy.get_mut("Statement") {
        Some(Value::Array(list)) => list,
        Some(single @ Value::Object(_)) => {
            *single = Value::Array(vec![single.take()]);
            single.as_array_mut().expect("made an array")
        }
        _ => return Err("the bucket policy has no Statement list".into()),
    };
    for statement in statements {
        match list.iter().find(|s| s.get("Sid").is_some() && s.get("Sid") == statement.get("Sid")) {
            Some(same) if *same == statement => {}
            Some(_) => return Err(format!("the bucket policy has a statement {} of its own", statement["Sid"])),
            None => list.push(statement),
        }
    }
    Ok(policy)
}

/// The state of the resource a call changes, in the terms of [`after`].
async fn read(conf: &SdkConfig, call: &Change) -> Result<Value, String> {
    // A request's answer, or the error saying the action and why.
    macro_rules! answer {
        ($action:literal, $request:expr) => {
            $request.send().await.map_err(|e| format!("{}: {}", $action, error_text(&e)))?
        };
    }
    match call {
        Change::EnableKeyRotation { key_id } | Change::DisableKeyRotation { key_id } => {
            let kms = aws_sdk_kms::Client::new(conf);
            let out = answer!("kms:GetKeyRotationStatus", kms.get_key_rotation_status().key_id(key_id));
            Ok(json!(out.key_rotation_enabled()))
        }
        Change::EnableKey { key_id } | Change::DisableKey { key_id } | Change::CancelKeyDeletion { key_id } => {
            let kms = aws_sdk_kms::Client::new(conf);
            let out = answer!("kms:DescribeKey", kms.describe_key().key_id(key_id));
            Ok(json!(out.key_metadata().and_then(|m| m.key_state()).map(|s| s.as_str().to_string())))
        }
        Change::EnableEbsEncryptionByDefault {} | Change::DisableEbsEncryptionByDefault {} => {
            let ec2 = aws_sdk_ec2::Client::new(conf);
            let out = answer!("ec2:GetEbsEncryptionByDefault", ec2.get_ebs_encryption_by_default());
            Ok(json!(out.ebs_encryption_by_default()))
        }
        Change::ModifyEbsDefaultKmsKeyId { .. } | Change::ResetEbsDefaultKmsKeyId {} => {
            let ec2 = aws_sdk_ec2::Client::new(conf);
            let out = answer!("ec2:GetEbsDefaultKmsKeyId", ec2.get_ebs_default_kms_key_id());
            managed_or_arn(conf, out.kms_key_id()).await
        }
        Change::ModifyListener { listener_arn, setting } => {
            let elb = aws_sdk_elasticloadbalancingv2::Client::new(conf);
            let out =
                answer!("elasticloadbalancing:DescribeListeners", elb.describe_listeners().listener_arns(listener_arn));
            let listener = out.listeners().first().ok_or_else(|| format!("no listener {listener_arn}"))?;
            match setting {
                ListenerSetting::SslPolicy(_) => Ok(json!(listener.ssl_policy())),
                ListenerSetting::DefaultActions(_) => {
                    listener.default_actions().iter().map(listener_action::to_json).collect::<Result<_, _>>()
                }
            }
        }
        Change::ModifyDbInstance { db_instance, .. } => {
            let rds = aws_sdk_rds::Client::new(conf);
            let out =
                answer!("rds:DescribeDBInstances", rds.describe_db_instances().db_instance_identifier(db_instance));
            let db = out.db_instances().first().ok_or_else(|| format!("no DB instance {db_instance}"))?;
            // A change waiting for the maintenance window is the state it will be in.
            let pending = db.pending_modified_values().and_then(|p| p.ca_certificate_identifier());
            Ok(json!(pending.or(db.ca_certificate_identifier())))
        }
        Change::UpdateSecret { secret_id, .. } => {
            let secrets = aws_sdk_secretsmanager::Client::new(conf);
            let out = answer!("secretsmanager:DescribeSecret", secrets.describe_secret().secret_id(secret_id));
            managed_or_arn(conf, out.kms_key_id()).await
        }
        Change::UpdateDistribution { id, setting, .. } => {
            let (config, _) = distribution(conf, id).await?;
            distribution_state(&config, *setting)
        }
        Change::ModifyDbParameterGroup(p) => {
            Ok(json!(parameter(conf, &p.group_name, false, &p.parameter_name).await?.and_then(|p| p.0)))
        }
        Change::ModifyDbClusterParameterGroup(p) => {
            Ok(json!(parameter(conf, &p.group_name, true, &p.parameter_name).await?.and_then(|p| p.0)))
        }
        Change::UpdateTableEncryption { table_name, .. } => {
            let dynamodb = aws_sdk_dynamodb::Client::new(conf);
            let out = answer!("dynamodb:DescribeTable", dynamodb.describe_table().table_name(table_name));
            // DynamoDB omits SSEDescription for the AWS owned key.
            let sse = out.table().and_then(|t| t.sse_description());
            let enabled =
                sse.and_then(|s| s.status()).is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING" | "UPDATING"));
            Ok(match sse.and_then(|s| s.kms_master_key_arn()).filter(|_| enabled) {
                None => json!(AWS_OWNED_TABLE_KEY),
                Some(key) => match managed_or_arn(conf, Some(key)).await? {
                    Value::Null => json!(AWS_MANAGED_TABLE_KEY),
                    arn => arn,
                },
            })
        }
        Change::PutBucketEncryption { bucket, .. } => {
            let s3 = aws_sdk_s3::Client::new(conf);
            match s3.get_bucket_encryption().bucket(bucket).send().await {
                Ok(out) => {
                    let rules = out.server_side_encryption_configuration().map(|c| c.rules()).unwrap_or_default();
                    Ok(Value::Array(rules.iter().map(rule_json).collect()))
                }
                Err(e) if error_code(&e) == Some("ServerSideEncryptionConfigurationNotFoundError") => Ok(Value::Null),
                Err(e) => Err(format!("s3:GetEncryptionConfiguration: {}", error_text(&e))),
            }
        }
        Change::PutBucketPolicy { bucket, .. } => {
            let s3 = aws_sdk_s3::Client::new(conf);
            match s3.get_bucket_policy().bucket(bucket).send().await {
                Ok(out) => serde_json::from_str(out.policy().unwrap_or("null"))
                    .map_err(|e| format!("the bucket policy is not JSON: {e}")),
                Err(e) if error_code(&e) == Some("NoSuchBucketPolicy") => Ok(Value::Null),
                Err(e) => Err(format!("s3:GetBucketPolicy: {}", error_text(&e))),
            }
        }
    }
}

/// Makes the call.
async fn make(conf: &SdkConfig, call: &Change) -> Result<(), String> {
    // A request sent: its answer is not needed, its failure is said with the action.
    macro_rules! sent {
        ($request:expr) => {
            $request.send().await.map(drop).map_err(|e| format!("{}: {}", call.action(), error_text(&e)))
        };
    }
    let kms = aws_sdk_kms::Client::new(conf);
    let ec2 = aws_sdk_ec2::Client::new(conf);
    match call {
        Change::EnableKeyRotation { key_id } => sent!(kms.enable_key_rotation().key_id(key_id)),
        Change::DisableKeyRotation { key_id } => sent!(kms.disable_key_rotation().key_id(key_id)),
        Change::EnableKey { key_id } => sent!(kms.enable_key().key_id(key_id)),
        Change::DisableKey { key_id } => sent!(kms.disable_key().key_id(key_id)),
        Change::CancelKeyDeletion { key_id } => sent!(kms.cancel_key_deletion().key_id(key_id)),
        Change::EnableEbsEncryptionByDefault {} => sent!(ec2.enable_ebs_encryption_by_default()),
        Change::DisableEbsEncryptionByDefault {} => sent!(ec2.disable_ebs_encryption_by_default()),
        Change::ModifyEbsDefaultKmsKeyId { kms_key_id } => {
            sent!(ec2.modify_ebs_default_kms_key_id().kms_key_id(kms_key_id))
        }
        Change::ResetEbsDefaultKmsKeyId {} => sent!(ec2.reset_ebs_default_kms_key_id()),
        Change::ModifyListener { listener_arn, setting } => {
            let request =
                aws_sdk_elasticloadbalancingv2::Client::new(conf).modify_listener().listener_arn(listener_arn);
            match setting {
                ListenerSetting::SslPolicy(policy) => sent!(request.ssl_policy(policy)),
                ListenerSetting::DefaultActions(actions) => {
                    sent!(request.set_default_actions(Some(listener_action::from_json(actions)?)))
                }
            }
        }
        Change::ModifyDbInstance { db_instance, authority } => sent!(aws_sdk_rds::Client::new(conf)
            .modify_db_instance()
            .db_instance_identifier(db_instance)
            .ca_certificate_identifier(authority)
            .apply_immediately(false)),
        Change::UpdateSecret { secret_id, kms_key_id } => {
            sent!(aws_sdk_secretsmanager::Client::new(conf).update_secret().secret_id(secret_id).kms_key_id(kms_key_id))
        }
        Change::PutBucketPolicy { bucket, policy } => {
            sent!(aws_sdk_s3::Client::new(conf).put_bucket_policy().bucket(bucket).policy(policy))
        }
        Change::ModifyDbParameterGroup(p) | Change::ModifyDbClusterParameterGroup(p) => {
            let rds = aws_sdk_rds::Client::new(conf);
            let parameter = aws_sdk_rds::types::Parameter::builder()
                .parameter_name(&p.parameter_name)
                .set_parameter_value(p.parameter_value.clone())
                .apply_method(aws_sdk_rds::types::ApplyMethod::from(p.apply_method.as_str()))
                .build();
            match (call, &p.parameter_value) {
                (Change::ModifyDbParameterGroup(_), Some(_)) => {
                    sent!(rds.modify_db_parameter_group().db_parameter_group_name(&p.group_name).parameters(parameter))
                }
                (Change::ModifyDbParameterGroup(_), None) => {
                    sent!(rds.reset_db_parameter_group().db_parameter_group_name(&p.group_name).parameters(parameter))
                }
                (_, Some(_)) => sent!(rds
                    .modify_db_cluster_parameter_group()
                    .db_cluster_parameter_group_name(&p.group_name)
                    .parameters(parameter)),
                (_, None) => sent!(rds
                    .reset_db_cluster_parameter_group()
                    .db_cluster_parameter_group_name(&p.group_name)
                    .parameters(parameter)),
            }
        }
        Change::UpdateTableEncryption { table_name, key } => {
            use aws_sdk_dynamodb::types::{SseSpecification, SseType};
            let specification = match key.as_str() {
                AWS_OWNED_TABLE_KEY => SseSpecification::builder().enabled(false),
                AWS_MANAGED_TABLE_KEY => SseSpecification::builder().enabled(true).sse_type(SseType::Kms),
                arn => SseSpecification::builder().enabled(true).sse_type(SseType::Kms).kms_master_key_id(arn),
            };
            sent!(aws_sdk_dynamodb::Client::new(conf)
                .update_table()
                .table_name(table_name)
                .sse_specification(specification.build()))
        }
        Change::PutBucketEncryption { bucket, rules } => {
            let configuration = encryption_configuration(rules)?;
            sent!(aws_sdk_s3::Client::new(conf)
                .put_bucket_encryption()
                .bucket(bucket)
                .server_side_encryption_configuration(configuration))
        }
        // The configuration as read, with the one setting changed, written back only if
        // nobody changed it since (its ETag).
        Change::UpdateDistribution { id, setting, value } => {
            let (mut config, etag) = distribution(conf, id).await?;
            set_distribution(&mut config, *setting, value)?;
            sent!(aws_sdk_cloudfront::Client::new(conf)
                .update_distribution()
                .id(id)
                .if_match(etag)
                .distribution_config(config))
        }
    }
}

/// A parameter of a group: its value (none at the engine's default) and how it applies
/// (`static` or `dynamic`); none when the group does not have it.
async fn parameter(
    conf: &SdkConfig,
    group: &str,
    cluster: bool,
    name: &str,
) -> Result<Option<(Option<String>, Option<String>)>, String> {
    let rds = aws_sdk_rds::Client::new(conf);
    let found = |parameters: &[aws_sdk_rds::types::Parameter]| {
        parameters
            .iter()
            .find(|p| p.parameter_name() == Some(name))
            .map(|p| (p.parameter_value().map(str::to_string), p.apply_type().map(str::to_string)))
    };
    let mut marker = None;
    loop {
        let (parameters, next) = if cluster {
            let out = rds
                .describe_db_cluster_parameters()
                .db_cluster_parameter_group_name(group)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| format!("rds:DescribeDBClusterParameters: {}", error_text(&e)))?;
            (out.parameters().to_vec(), out.marker().map(str::to_string))
        } else {
            let out = rds
                .describe_db_parameters()
                .db_parameter_group_name(group)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| format!("rds:DescribeDBParameters: {}", error_text(&e)))?;
            (out.parameters().to_vec(), out.marker().map(str::to_string))
        };
        if let Some(found) = found(&parameters) {
            return Ok(Some(found));
        }
        match next {
            Some(next) => marker = Some(next),
            None => return Ok(None),
        }
    }
}

/// How the parameter applies: at once when it is dynamic, at the next reboot when static.
async fn apply_method(conf: &SdkConfig, group: &str, cluster: bool, name: &str) -> Result<String, String> {
    let static_parameter =
        parameter(conf, group, cluster, name).await?.and_then(|p| p.1).is_some_and(|t| t == "static");
    Ok(if static_parameter { "pending-reboot" } else { "immediate" }.to_string())
}

/// A listener's default actions: one permanent redirect to HTTPS on `port`.
fn redirect_to_https(port: u32) -> Value {
    json!([{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": port.to_string(), "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}",
        "StatusCode": "HTTP_301"}}])
}

/// A default encryption rule as a step's state holds it.
fn rule_json(rule: &aws_sdk_s3::types::ServerSideEncryptionRule) -> Value {
    let by_default = rule.apply_server_side_encryption_by_default();
    let blocked = rule.blocked_encryption_types().map(|b| b.encryption_type()).unwrap_or_default();
    json!({
        "SSEAlgorithm": by_default.map(|d| d.sse_algorithm().as_str()),
        "KMSMasterKeyID": by_default.and_then(|d| d.kms_master_key_id()),
        "BucketKeyEnabled": rule.bucket_key_enabled(),
        "BlockedEncryptionTypes": blocked.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
    })
}

/// The configuration `PutBucketEncryption` sends for rules as [`rule_json`] writes them.
fn encryption_configuration(rules: &Value) -> Result<aws_sdk_s3::types::ServerSideEncryptionConfiguration, String> {
    use aws_sdk_s3::types::{
        BlockedEncryptionTypes, EncryptionType, ServerSideEncryption, ServerSideEncryptionByDefault,
        ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    };
    let built = |e: aws_smithy_types::error::operation::BuildError| format!("the encryption rules are incomplete: {e}");
    let mut configuration = ServerSideEncryptionConfiguration::builder();
    for rule in rules.as_array().ok_or("the encryption rules are not a list")? {
        let mut written = ServerSideEncryptionRule::builder()
            .set_bucket_key_enabled(rule["BucketKeyEnabled"].as_bool())
            // None read is none sent (not an empty element).
            .set_blocked_encryption_types(rule["BlockedEncryptionTypes"].as_array().filter(|t| !t.is_empty()).map(
                |types| {
                    let types = types.iter().filter_map(Value::as_str).map(EncryptionType::from);
                    BlockedEncryptionTypes::builder().set_encryption_type(Some(types.collect())).build()
                },
            ));
        if let Some(algorithm) = rule["SSEAlgorithm"].as_str() {
            let by_default = ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::from(algorithm))
                .set_kms_master_key_id(rule["KMSMasterKeyID"].as_str().map(str::to_string))
                .build()
                .map_err(built)?;
            written = written.apply_server_side_encryption_by_default(by_default);
        }
        configuration = configuration.rules(written.build());
    }
    configuration.build().map_err(built)
}

/// A distribution's configuration and its ETag.
async fn distribution(
    conf: &SdkConfig,
    id: &str,
) -> Result<(aws_sdk_cloudfront::types::DistributionConfig, String), String> {
    let out = aws_sdk_cloudfront::Client::new(conf)
        .get_distribution_config()
        .id(id)
        .send()
        .await
        .map_err(|e| format!("cloudfront:GetDistributionConfig: {}", error_text(&e)))?;
    let etag = out.e_tag().ok_or("cloudfront:GetDistributionConfig gave no ETag")?.to_string();
    Ok((out.distribution_config.ok_or("cloudfront:GetDistributionConfig gave no configuration")?, etag))
}

/// The values of `setting` in a distribution's configuration: the viewer protocol policy of
/// each cache behaviour (the default first), the protocol policy of each custom origin, or
/// the viewer certificate's minimum protocol version.
fn distribution_state(
    config: &aws_sdk_cloudfront::types::DistributionConfig,
    setting: DistributionSetting,
) -> Result<Value, String> {
    Ok(match setting {
        DistributionSetting::ViewerProtocolPolicy => {
            let default = config.default_cache_behavior.iter().map(|b| b.viewer_protocol_policy.as_str());
            let others = config
                .cache_behaviors
                .iter()
                .flat_map(|c| c.items.iter().flatten())
                .map(|b| b.viewer_protocol_policy.as_str());
            json!(default.chain(others).collect::<Vec<_>>())
        }
        DistributionSetting::OriginProtocolPolicy => {
            let origins = config.origins.iter().flat_map(|o| &o.items);
            json!(origins
                .filter_map(|o| o.custom_origin_config.as_ref())
                .map(|c| c.origin_protocol_policy.as_str())
                .collect::<Vec<_>>())
        }
        DistributionSetting::MinimumProtocolVersion => {
            let certificate = config.viewer_certificate.as_ref();
            if certificate.and_then(|c| c.cloud_front_default_certificate).unwrap_or(true) {
                return Err("the distribution serves CloudFront's own certificate, whose minimum protocol AWS sets: give it a certificate of its own".into());
            }
            json!(certificate.and_then(|c| c.minimum_protocol_version.as_ref()).map(|v| v.as_str()))
        }
    })
}

/// `setting` changed in `config`: to `value` (a string) on every part that fails, or to each
/// of `value`'s items (a list, as read) part by part.
fn set_distribution(
    config: &mut aws_sdk_cloudfront::types::DistributionConfig,
    setting: DistributionSetting,
    value: &Value,
) -> Result<(), String> {
    use aws_sdk_cloudfront::types::{MinimumProtocolVersion, OriginProtocolPolicy, ViewerProtocolPolicy};
    let before = distribution_state(config, setting)?;
    let now = after(&Change::UpdateDistribution { id: String::new(), setting, value: value.clone() }, &before)?;
    let mut values = match &now {
        Value::Array(items) => items.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect::<Vec<_>>(),
        other => vec![other.as_str().unwrap_or_default().to_string()],
    }
    .into_iter();
    let counted = |got: usize, parts: usize| {
        if got == parts {
            Ok(())
        } else {
            Err(format!("{got} values for {parts} parts: the distribution changed"))
        }
    };
    let parts = before.as_array().map_or(1, Vec::len);
    counted(now.as_array().map_or(1, Vec::len), parts)?;
    match setting {
        DistributionSetting::ViewerProtocolPolicy => {
            let default = config.default_cache_behavior.iter_mut().map(|b| &mut b.viewer_protocol_policy);
            let others = config
                .cache_behaviors
                .iter_mut()
                .flat_map(|c| c.items.iter_mut().flatten())
                .map(|b| &mut b.viewer_protocol_policy);
            for (policy, value) in default.chain(others).zip(&mut values) {
                *policy = ViewerProtocolPolicy::from(value.as_str());
            }
        }
        DistributionSetting::OriginProtocolPolicy => {
            let origins = config.origins.iter_mut().flat_map(|o| o.items.iter_mut());
            for (custom, value) in origins.filter_map(|o| o.custom_origin_config.as_mut()).zip(&mut values) {
                custom.origin_protocol_policy = OriginProtocolPolicy::from(value.as_str());
            }
        }
        DistributionSetting::MinimumProtocolVersion => {
            if let (Some(certificate), Some(value)) = (config.viewer_certificate.as_mut(), values.next()) {
                certificate.minimum_protocol_version = Some(MinimumProtocolVersion::from(value.as_str()));
            }
        }
    }
    Ok(())
}

/// The AWS managed key of Secrets Manager, which a secret that names no key uses.
const AWS_MANAGED_SECRETS_KEY: &str = "alias/aws/secretsmanager";

/// The ARN of the key `key` names (an alias, an id or an ARN), as a secret's `KmsKeyId`
/// reads once it names it.
/// A key a resource names, as one state: `null` for the AWS managed key (named or not, by
/// alias or ARN), else the key's ARN.
async fn managed_or_arn(conf: &SdkConfig, key: Option<&str>) -> Result<Value, String> {
    let Some(key) = key.filter(|k| !k.contains("alias/aws/")) else { return Ok(Value::Null) };
    let metadata = key_metadata(conf, key).await?;
    if metadata.key_manager().is_some_and(|m| m.as_str() == "AWS") {
        return Ok(Value::Null);
    }
    Ok(json!(metadata.arn()))
}

/// The ARN of the customer managed key the policy file names: a plan never gives a
/// resource an AWS managed key.
async fn key_arn(conf: &SdkConfig, key: &str) -> Result<String, String> {
    let metadata = key_metadata(conf, key).await?;
    if metadata.key_manager().is_some_and(|m| m.as_str() == "AWS") {
        return Err(format!("{key} is an AWS managed key"));
    }
    Ok(metadata.arn().unwrap_or_default().to_string())
}

async fn key_metadata(conf: &SdkConfig, key: &str) -> Result<aws_sdk_kms::types::KeyMetadata, String> {
    let out = aws_sdk_kms::Client::new(conf)
        .describe_key()
        .key_id(key)
        .send()
        .await
        .map_err(|e| format!("kms:DescribeKey {key}: {}", error_text(&e)))?;
    out.key_metadata.ok_or_else(|| format!("no key {key}"))
}

/// Credentials for each (account, region), reached as a scan reaches them, in sessions
/// named `encguard-remediate`.
struct Sessions<'a> {
    options: &'a Options,
    caller: Caller,
    configs: HashMap<(String, String), SdkConfig>,
}

impl<'a> Sessions<'a> {
    async fn new(options: &'a Options) -> Result<Sessions<'a>, CallFailed> {
        Ok(Sessions { options, caller: Caller::new(options, "encguard-remediate").await?, configs: HashMap::new() })
    }

    async fn config(&mut self, target: &Target) -> SdkConfig {
        let key = (target.account.clone(), target.region.clone());
        if let Some(conf) = self.configs.get(&key) {
            return conf.clone();
        }
        let account = self.caller.account(self.options, &target.account).await;
        // Global services (CloudFront) answer in the partition's home region.
        let region = if target.region == "global" { self.caller.home.to_string() } else { target.region.clone() };
        let conf = account.to_builder().region(Region::new(region)).build();
        self.configs.insert(key, conf.clone());
        conf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_join_the_policy_a_bucket_has() {
        let deny = json!({"Sid": "DenyInsecureTransport", "Effect": "Deny"});
        let single = json!({"Version": "2012-10-17", "Statement": {"Sid": "Read", "Effect": "Allow"}});
        let joined = merged(&single, vec![deny.clone()]).unwrap();
        assert_eq!(joined["Statement"].as_array().unwrap().len(), 2);
        assert_eq!(merged(&joined, vec![deny.clone()]).unwrap(), joined, "added once");
        assert_eq!(merged(&Value::Null, vec![deny.clone()]).unwrap()["Statement"], json!([deny]));
        let other = json!({"Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Allow"}]});
        assert!(merged(&other, vec![deny]).is_err(), "a statement of the same Sid is the owner's");
    }

    #[test]
    fn apply_makes_only_the_steps_a_plan_makes() {
        let step = |call: Change, before: Value, after: Value| Step {
            fixes: vec![],
            target: Target { account: "1".into(), region: "r".into(), resource: "a".into() },
            call,
            before,
            after,
        };
        let key = || "k".to_string();
        assert!(planned(&step(Change::EnableKeyRotation { key_id: key() }, json!(false), json!(true))).is_ok());
        assert!(planned(&step(Change::DisableKey { key_id: key() }, json!("Enabled"), json!("Disabled"))).is_err());
        assert!(planned(&step(Change::EnableKey { key_id: key() }, json!("Disabled"), json!("Disabled"))).is_err());
        let secret = |key: &str| Change::UpdateSecret { secret_id: "s".into(), kms_key_id: key.into() };
        let arn = "arn:aws:kms:us-east-1:1:key/k";
        assert!(planned(&step(secret(arn), Value::Null, json!(arn))).is_ok());
        let aws_managed = "arn:aws:kms:us-east-1:1:alias/aws/secretsmanager";
        assert!(planned(&step(secret(aws_managed), json!(arn), json!(aws_managed))).is_err(), "back to AWS's key");
        let tls = |v: &str| Change::UpdateDistribution {
            id: "d".into(),
            setting: DistributionSetting::MinimumProtocolVersion,
            value: json!(v),
        };
        assert!(planned(&step(tls("TLSv1.2_2021"), json!("TLSv1"), json!("TLSv1.2_2021"))).is_ok());
        assert!(planned(&step(tls("TLSv1"), json!("TLSv1.2_2021"), json!("TLSv1"))).is_err(), "a downgrade");
        let read = json!({"Statement": [{"Sid": "Read", "Effect": "Allow"}]});
        let put = |policy: Value| {
            step(Change::PutBucketPolicy { bucket: "b".into(), policy: policy.to_string() }, read.clone(), policy)
        };
        let denied = json!({"Statement": [{"Sid": "Read", "Effect": "Allow"}, {"Sid": "D", "Effect": "Deny"}]});
        assert!(planned(&put(denied)).is_ok());
        let opened = json!({"Statement": [{"Sid": "Read", "Effect": "Allow"}, {"Sid": "All", "Effect": "Allow"}]});
        assert!(planned(&put(opened)).is_err(), "an allow added");
        assert!(planned(&put(json!({"Statement": []}))).is_err(), "a statement taken away");
        let rules = |blocked: Value| json!([{"SSEAlgorithm": "AES256", "BlockedEncryptionTypes": blocked}]);
        let encrypt = |rules: Value, before: Value| {
            step(Change::PutBucketEncryption { bucket: "b".into(), rules: rules.clone() }, before, rules)
        };
        assert!(planned(&encrypt(rules(json!(["SSE-C"])), rules(json!(["NONE"])))).is_ok());
        assert!(planned(&encrypt(rules(json!(["NONE"])), rules(json!(["SSE-C"])))).is_err(), "SSE-C unblocked");
        let moved = json!([{"SSEAlgorithm": "aws:kms", "BlockedEncryptionTypes": ["SSE-C"]}]);
        assert!(planned(&encrypt(moved, rules(json!([])))).is_err(), "the algorithm changed, and no key");
        let keyed = |key: &str| json!([{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key, "BucketKeyEnabled": true, "BlockedEncryptionTypes": ["SSE-C"]}]);
        assert!(planned(&encrypt(keyed(arn), rules(json!([])))).is_ok(), "under a key, SSE-C blocked");
        assert!(planned(&encrypt(keyed("alias/aws/s3"), rules(json!([])))).is_err(), "not a key's ARN");
        let new_key = Change::ModifyEbsDefaultKmsKeyId { kms_key_id: arn.into() };
        assert!(planned(&step(new_key, Value::Null, json!(arn))).is_ok());
        assert!(planned(&step(Change::ResetEbsDefaultKmsKeyId {}, json!(arn), Value::Null)).is_err(), "a rollback");
        let table = |key: &str| Change::UpdateTableEncryption { table_name: "t".into(), key: key.into() };
        assert!(planned(&step(table(arn), json!("AWS_OWNED"), json!(arn))).is_ok());
        assert!(planned(&step(table("AWS_OWNED"), json!(arn), json!("AWS_OWNED"))).is_err(), "back to AWS's key");
    }

    #[test]
    fn undoing_never_deletes() {
        let step = |call: Change, before: Value| Step {
            fixes: vec![],
            target: Target { account: "1".into(), region: "r".into(), resource: "a".into() },
            call,
            before,
            after: Value::Null,
        };
        let policy = Change::PutBucketPolicy { bucket: "b".into(), policy: "{}".into() };
        assert!(undo(&step(policy.clone(), Value::Null)).is_err());
        assert!(matches!(undo(&step(policy, json!({"Statement": []}))), Ok(Change::PutBucketPolicy { .. })));
        assert!(undo(&step(Change::CancelKeyDeletion { key_id: "k".into() }, json!("PendingDeletion"))).is_err());
        let encryption = Change::PutBucketEncryption { bucket: "b".into(), rules: json!([]) };
        assert!(undo(&step(encryption, Value::Null)).is_err(), "no configuration to put back");
        let tls = |value: Option<&str>| {
            Change::ModifyDbParameterGroup(ParameterChange {
                group_name: "g".into(),
                parameter_name: "rds.force_ssl".into(),
                parameter_value: value.map(str::to_string),
                apply_method: "immediate".into(),
            })
        };
        assert_eq!(undo(&step(tls(Some("1")), json!("0"))).unwrap(), tls(Some("0")));
        assert_eq!(undo(&step(tls(Some("1")), Value::Null)).unwrap(), tls(None), "reset to the engine's default");
        assert_eq!(tls(None).action(), "rds:ResetDBParameterGroup");
        let default_key = Change::ModifyEbsDefaultKmsKeyId { kms_key_id: "arn:aws:kms:r:1:key/k".into() };
        assert_eq!(undo(&step(default_key, Value::Null)).unwrap(), Change::ResetEbsDefaultKmsKeyId {});
        assert_eq!(
            undo(&step(Change::EnableKeyRotation { key_id: "k".into() }, json!(false))).unwrap(),
            Change::DisableKeyRotation { key_id: "k".into() }
        );
    }
}
