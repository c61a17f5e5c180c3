//! Live remediation: the states fixes want live resources in ([`Wanted`]), the API calls
//! that bring them there ([`Change`]), the reviewed plan of those calls with the state each
//! changes from ([`RemediationPlan`]), and the journal of the calls made ([`Journal`]).
//! A state is JSON as encguard reads it back (`true`, `"Enabled"`, a policy document,
//! `null` for none), so that applying and rolling back compare like with like.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The version of the plan and journal files this encguard writes and reads.
pub const REMEDIATION_VERSION: u32 = 1;

/// The finding a change fixes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fixes {
    /// The rule's id.
    pub rule: String,
    /// The finding's fingerprint.
    pub finding: String,
}

/// Where a live resource is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Target {
    /// The account id.
    pub account: String,
    /// The region its API answers in.
    pub region: String,
    /// Its ARN.
    pub resource: String,
}

/// A state a fix wants a live resource in.
#[derive(Clone, Debug, PartialEq)]
pub enum Want {
    /// Automatic rotation of a KMS key on.
    KeyRotation {
        /// The key's id or ARN.
        key_id: String,
    },
    /// A KMS key enabled.
    KeyEnabled {
        /// The key's id or ARN.
        key_id: String,
    },
    /// A KMS key's scheduled deletion cancelled. The key is disabled then: the rules judge
    /// it again on the next scan, and its next plan enables it where they ask.
    KeyDeletionCancelled {
        /// The key's id or ARN.
        key_id: String,
    },
    /// EBS encryption by default on, in the target's region.
    EbsEncryptionByDefault,
    /// The target region's default EBS key: this customer managed key.
    EbsDefaultKey {
        /// The key, as the policy file names it (an alias, an id or an ARN).
        key: String,
    },
    /// A load balancer listener whose default action is a permanent redirect to HTTPS on
    /// this port.
    ListenerRedirect {
        /// The listener's ARN.
        listener_arn: String,
        /// The port of the load balancer's HTTPS listener.
        port: u32,
    },
    /// A load balancer listener negotiating with this TLS policy.
    ListenerSslPolicy {
        /// The listener's ARN.
        listener_arn: String,
        /// The policy's name.
        ssl_policy: String,
    },
    /// A DB instance on this server certificate authority.
    RdsCertificateAuthority {
        /// The instance's identifier.
        db_instance: String,
        /// The authority, `rds-ca-rsa2048-g1`, ….
        authority: String,
    },
    /// A secret encrypted with this customer managed key.
    SecretKey {
        /// The secret's ARN.
        secret_id: String,
        /// The key, as the policy file names it (an alias, an id or an ARN).
        key: String,
    },
    /// A CloudFront distribution with this value for a setting, on every part that fails.
    DistributionSetting {
        /// The distribution's id.
        id: String,
        /// Which setting.
        setting: DistributionSetting,
        /// The value.
        value: String,
    },
    /// A parameter group (of clusters, or of instances) with this TLS parameter set to 1.
    TlsParameter {
        /// The group's name.
        group: String,
        /// Whether it is a cluster parameter group.
        cluster: bool,
        /// `rds.force_ssl` or `require_secure_transport`.
        parameter: String,
    },
    /// A DynamoDB table encrypted with this customer managed key.
    TableKey {
        /// The table's name.
        table: String,
        /// The key, as the policy file names it (an alias, an id or an ARN).
        key: String,
    },
    /// A bucket's default encryption as it is, with each rule under this customer managed
    /// key (SSE-KMS with an S3 Bucket Key) and blocking SSE-C, as asked.
    BucketEncryption {
        /// The bucket's name.
        bucket: String,
        /// The key, as the policy file names it, when the bucket needs one.
        key: Option<String>,
        /// Whether SSE-C is to be blocked.
        block_sse_c: bool,
    },
    /// A bucket policy holding these statements (added to the policy it has, if any).
    BucketPolicyStatements {
        /// The bucket's name.
        bucket: String,
        /// The statements, as JSON.
        statements: Vec<Value>,
    },
}

/// What the open failures of a scan want of one live resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Wanted {
    /// The findings it fixes.
    pub fixes: Vec<Fixes>,
    /// The resource.
    pub target: Target,
    /// The state.
    pub want: Want,
}

/// A setting of a CloudFront distribution that `remediate` changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DistributionSetting {
    /// Of every cache behaviour that lets viewers use HTTP (`allow-all`): CF-001.
    ViewerProtocolPolicy,
    /// Of every custom origin not reached with `https-only`: CF-004.
    OriginProtocolPolicy,
    /// Of the viewer certificate: CF-002.
    MinimumProtocolVersion,
}

/// One parameter of a parameter group, as `ModifyDBParameterGroup` (or its cluster
/// counterpart) sets it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterChange {
    /// The group.
    #[serde(rename = "DBParameterGroupName")]
    pub group_name: String,
    /// The parameter.
    pub parameter_name: String,
    /// Its value; none (a rollback) for the engine's default, which the group's `Reset`
    /// call restores.
    pub parameter_value: Option<String>,
    /// `immediate` for a dynamic parameter, `pending-reboot` for a static one.
    pub apply_method: String,
}

/// The setting of a listener that `ModifyListener` sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListenerSetting {
    /// The TLS policy, by name.
    SslPolicy(String),
    /// The default actions, as `DescribeListeners` writes them (`Type`, `Order`,
    /// `TargetGroupArn`, `ForwardConfig`, `RedirectConfig`, `FixedResponseConfig`).
    DefaultActions(Value),
}

/// An API call that changes a live resource, named as `iam-policy` names its action, with
/// the parameters the API takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "Action")]
pub enum Change {
    /// Turns a key's automatic rotation on.
    #[serde(rename = "kms:EnableKeyRotation", rename_all = "PascalCase")]
    EnableKeyRotation {
        /// The key.
        key_id: String,
    },
    /// Turns a key's automatic rotation off (a rollback).
    #[serde(rename = "kms:DisableKeyRotation", rename_all = "PascalCase")]
    DisableKeyRotation {
        /// The key.
        key_id: String,
    },
    /// Enables a key.
    #[serde(rename = "kms:EnableKey", rename_all = "PascalCase")]
    EnableKey {
        /// The key.
        key_id: String,
    },
    /// Disables a key (a rollback).
    #[serde(rename = "kms:DisableKey", rename_all = "PascalCase")]
    DisableKey {
        /// The key.
        key_id: String,
    },
    /// Cancels a key's scheduled deletion; the key is disabled after.
    #[serde(rename = "kms:CancelKeyDeletion", rename_all = "PascalCase")]
    CancelKeyDeletion {
        /// The key.
        key_id: String,
    },
    /// Turns EBS encryption by default on in a region.
    #[serde(rename = "ec2:EnableEbsEncryptionByDefault")]
    EnableEbsEncryptionByDefault {},
    /// Turns EBS encryption by default off in a region (a rollback).
    #[serde(rename = "ec2:DisableEbsEncryptionByDefault")]
    DisableEbsEncryptionByDefault {},
    /// Makes a key (by its ARN) the region's default EBS key.
    #[serde(rename = "ec2:ModifyEbsDefaultKmsKeyId", rename_all = "PascalCase")]
    ModifyEbsDefaultKmsKeyId {
        /// The key's ARN.
        kms_key_id: String,
    },
    /// Makes the AWS managed key (`aws/ebs`) the region's default EBS key again (a rollback).
    #[serde(rename = "ec2:ResetEbsDefaultKmsKeyId")]
    ResetEbsDefaultKmsKeyId {},
    /// Sets one setting of a listener.
    #[serde(rename = "elasticloadbalancing:ModifyListener", rename_all = "PascalCase")]
    ModifyListener {
        /// The listener.
        listener_arn: String,
        /// What is set.
        #[serde(flatten)]
        setting: ListenerSetting,
    },
    /// Moves a DB instance to another server certificate authority, at its next maintenance
    /// window (`ApplyImmediately` false: the restart it needs is not forced).
    #[serde(rename = "rds:ModifyDBInstance")]
    ModifyDbInstance {
        /// The instance.
        #[serde(rename = "DBInstanceIdentifier")]
        db_instance: String,
        /// The authority.
        #[serde(rename = "CACertificateIdentifier")]
        authority: String,
    },
    /// Encrypts a secret's new versions with another key (by its ARN).
    #[serde(rename = "secretsmanager:UpdateSecret", rename_all = "PascalCase")]
    UpdateSecret {
        /// The secret.
        secret_id: String,
        /// The key's ARN.
        kms_key_id: String,
    },
    /// Reads a distribution's configuration with its ETag, changes one setting and writes
    /// it back with `IfMatch`: a string is set on every part that fails, a list on every
    /// part in order (what a rollback restores).
    #[serde(rename = "cloudfront:UpdateDistribution", rename_all = "PascalCase")]
    UpdateDistribution {
        /// The distribution.
        id: String,
        /// Which setting.
        setting: DistributionSetting,
        /// The value, or the values of every part.
        value: Value,
    },
    /// Sets a parameter of a DB parameter group.
    #[serde(rename = "rds:ModifyDBParameterGroup")]
    ModifyDbParameterGroup(ParameterChange),
    /// Sets a parameter of a DB cluster parameter group.
    #[serde(rename = "rds:ModifyDBClusterParameterGroup")]
    ModifyDbClusterParameterGroup(ParameterChange),
    /// Encrypts a table with a key: `AWS_OWNED`, `AWS_MANAGED` (`alias/aws/dynamodb`) or a
    /// customer managed key's ARN — an in-place change DynamoDB makes in the background.
    #[serde(rename = "dynamodb:UpdateTable", rename_all = "PascalCase")]
    UpdateTableEncryption {
        /// The table's name.
        table_name: String,
        /// The key.
        key: String,
    },
    /// Replaces a bucket's default encryption with these rules (`SSEAlgorithm`,
    /// `KMSMasterKeyID`, `BucketKeyEnabled`, `BlockedEncryptionTypes` each): the ones it had,
    /// with SSE-C blocked — or, in a rollback, the ones it had.
    #[serde(rename = "s3:PutEncryptionConfiguration", rename_all = "PascalCase")]
    PutBucketEncryption {
        /// The bucket's name.
        bucket: String,
        /// The rules, as JSON.
        rules: Value,
    },
    /// Replaces a bucket's policy with this document (the one it had, with statements added).
    #[serde(rename = "s3:PutBucketPolicy", rename_all = "PascalCase")]
    PutBucketPolicy {
        /// The bucket's name.
        bucket: String,
        /// The policy document, as sent.
        policy: String,
    },
}

impl Change {
    /// The IAM action that makes the call.
    pub fn action(&self) -> &'static str {
        match self {
            Change::EnableKeyRotation { .. } => "kms:EnableKeyRotation",
            Change::DisableKeyRotation { .. } => "kms:DisableKeyRotation",
            Change::EnableKey { .. } => "kms:EnableKey",
            Change::DisableKey { .. } => "kms:DisableKey",
            Change::CancelKeyDeletion { .. } => "kms:CancelKeyDeletion",
            Change::EnableEbsEncryptionByDefault {} => "ec2:EnableEbsEncryptionByDefault",
            Change::DisableEbsEncryptionByDefault {} => "ec2:DisableEbsEncryptionByDefault",
            Change::ModifyEbsDefaultKmsKeyId { .. } => "ec2:ModifyEbsDefaultKmsKeyId",
            Change::ResetEbsDefaultKmsKeyId {} => "ec2:ResetEbsDefaultKmsKeyId",
            Change::ModifyListener { .. } => "elasticloadbalancing:ModifyListener",
            Change::PutBucketPolicy { .. } => "s3:PutBucketPolicy",
            Change::PutBucketEncryption { .. } => "s3:PutEncryptionConfiguration",
            Change::UpdateTableEncryption { .. } => "dynamodb:UpdateTable",
            Change::ModifyDbParameterGroup(p) if p.parameter_value.is_none() => "rds:ResetDBParameterGroup",
            Change::ModifyDbParameterGroup(_) => "rds:ModifyDBParameterGroup",
            Change::ModifyDbClusterParameterGroup(p) if p.parameter_value.is_none() => {
                "rds:ResetDBClusterParameterGroup"
            }
            Change::ModifyDbClusterParameterGroup(_) => "rds:ModifyDBClusterParameterGroup",
            Change::ModifyDbInstance { .. } => "rds:ModifyDBInstance",
            Change::UpdateSecret { .. } => "secretsmanager:UpdateSecret",
            Change::UpdateDistribution { .. } => "cloudfront:UpdateDistribution",
        }
    }
}

/// One call of a plan: what it fixes, where, and the state it changes from and to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The findings it fixes.
    pub fixes: Vec<Fixes>,
    /// The resource it changes.
    #[serde(flatten)]
    pub target: Target,
    /// The call.
    pub call: Change,
    /// The state read when the plan was made; the call is made only while it still is.
    pub before: Value,
    /// The state the call leaves.
    pub after: Value,
}

/// A fix no call of the plan makes, for a person: what to do, and why it is not planned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManualStep {
    /// The findings it fixes.
    pub fixes: Vec<Fixes>,
    /// The resource.
    #[serde(flatten)]
    pub target: Target,
    /// What to do.
    pub what: String,
}

/// The calls that fix a scan's open failures in place, to review before `--apply`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemediationPlan {
    /// [`REMEDIATION_VERSION`].
    pub version: u32,
    /// The calls, in the order they are made.
    pub steps: Vec<Step>,
    /// What needs a person (replacements, key policies, states that cannot be read).
    pub manual: Vec<ManualStep>,
}

/// What became of a step when it was applied or rolled back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "why")]
pub enum Outcome {
    /// The call was made.
    Applied,
    /// The resource was already in the state the call leaves: no call.
    AlreadyDone,
    /// The resource is no longer in the state the step changes from: no call.
    Changed,
    /// The state could not be read, or the call failed.
    Failed(String),
    /// Undoing it is for a person (it would delete, or schedule a deletion).
    Manual(String),
}

/// One step as applied or rolled back: the state found first, and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The step.
    pub step: Step,
    /// The state read just before the call (or instead of it).
    pub found: Value,
    /// What became of it.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What `remediate --apply` did, step by step: what `--rollback` undoes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    /// [`REMEDIATION_VERSION`].
    pub version: u32,
    /// Each step of the plan, in the order applied.
    pub entries: Vec<JournalEntry>,
}
