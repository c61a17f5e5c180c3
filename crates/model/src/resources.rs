//! The resource kinds of the policy. Field names follow the AWS APIs' meaning, not any one
//! source's spelling; every source maps its own attributes onto them.
//!
//! "Split" kinds (an encryption configuration, a bucket policy, a key policy written as a
//! resource of its own) carry a reference to the resource they configure; resolution
//! joins them, so that the rules see one bucket with one effective configuration.

use crate::{Field, KeyRef, PolicyDocument, Spanned};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A reference to another resource: one of its handles (address, logical id, ARN, name).
pub type Ref = Field<String>;

/// What a resource is, with the attributes the rules read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Spec {
    KmsKey(KmsKey),
    KmsAlias(KmsAlias),
    KmsKeyPolicy(KmsKeyPolicy),
    IamPolicy(IamPolicy),
    Secret(Secret),
    SecretRotation(SecretRotation),
    S3Bucket(S3Bucket),
    S3EncryptionConfig(S3EncryptionConfig),
    S3BucketPolicy(S3BucketPolicy),
    S3Logging(S3Logging),
    S3InventoryConfig(S3InventoryConfig),
    S3Object(S3Object),
    EbsEncryptionByDefault(EbsEncryptionByDefault),
    EbsDefaultKey(EbsDefaultKey),
    EbsVolume(EbsVolume),
    BlockDeviceHost(BlockDeviceHost),
    EbsSnapshot(EbsSnapshot),
    Ami(Ami),
    RdsInstance(RdsDatabase),
    RdsCluster(RdsDatabase),
    RdsGlobalCluster(RdsGlobalCluster),
    RdsSnapshot(RdsSnapshot),
    RdsBackupReplication(RdsBackupReplication),
    DbParameterGroup(DbParameterGroup),
    LogGroup(LogGroup),
    DynamodbTable(DynamodbTable),
    DynamodbReplica(DynamodbReplica),
    DaxCluster(DaxCluster),
    AcmCertificate(AcmCertificate),
    AcmValidation(AcmValidation),
    LoadBalancer(LoadBalancer),
    Listener(Listener),
    ListenerRule(ListenerRule),
    ListenerCertificate(ListenerCertificate),
    TargetGroup(TargetGroup),
    ClassicLoadBalancer(ClassicLoadBalancer),
    CloudfrontDistribution(CloudfrontDistribution),
}

/// What a key protects for the resource that names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// The resource's own data: a bucket's objects, a volume, a table, a database, a
    /// secret's value, a snapshot's or image's blocks.
    Data,
    /// A copy of the resource's data in another region (secret and table replicas).
    Replica,
    /// RDS Performance Insights data.
    PerformanceInsights,
}

impl Spec {
    /// The keys this resource uses to encrypt data at rest, each with what it protects
    /// and where it is written.
    pub fn key_refs(&self) -> Vec<(KeyRole, &Spanned<KeyRef>)> {
        use KeyRole::*;
        let data = |k| (Data, k);
        let replica = |k| (Replica, k);
        match self {
            Spec::Secret(s) => {
                std::iter::once(data(&s.kms_key)).chain(s.replicas.iter().map(|r| replica(&r.kms_key))).collect()
            }
            Spec::S3Bucket(b) => b.encryption.iter().filter_map(|e| e.known()).map(|e| data(&e.kms_key)).collect(),
            Spec::S3EncryptionConfig(c) => c.encryption.known().map(|e| data(&e.kms_key)).into_iter().collect(),
            Spec::S3Object(o) => vec![data(&o.kms_key)],
            Spec::EbsDefaultKey(k) => vec![data(&k.kms_key)],
            Spec::EbsVolume(v) => vec![data(&v.kms_key)],
            Spec::BlockDeviceHost(h) => {
                h.devices.iter().filter_map(|d| d.known()).flatten().map(|d| data(&d.kms_key)).collect()
            }
            Spec::EbsSnapshot(s) => vec![data(&s.kms_key)],
            Spec::Ami(a) => vec![data(&a.kms_key)],
            Spec::RdsInstance(d) | Spec::RdsCluster(d) => {
                vec![data(&d.kms_key), (PerformanceInsights, &d.performance_insights_kms_key)]
            }
            Spec::RdsSnapshot(s) => vec![data(&s.kms_key)],
            Spec::RdsBackupReplication(r) => vec![data(&r.kms_key)],
            Spec::LogGroup(l) => vec![data(&l.kms_key)],
            Spec::DynamodbTable(t) => {
                std::iter::once(data(&t.kms_key)).chain(t.replicas.iter().map(|r| replica(&r.kms_key))).collect()
            }
            Spec::DynamodbReplica(r) => vec![replica(&r.kms_key)],
            _ => Vec::new(),
        }
    }
}

// ---------------------------------------------------------------- KMS

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct KmsKey {
    /// `SYMMETRIC_DEFAULT` (the default), `RSA_2048`, `ECC_NIST_P256`, `HMAC_256`, …
    pub key_spec: Field<String>,
    /// `ENCRYPT_DECRYPT` (the default), `SIGN_VERIFY`, `GENERATE_VERIFY_MAC`, …
    pub key_usage: Field<String>,
    /// `AWS_KMS` (the default), `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    pub origin: Field<String>,
    /// Set when the key lives in a custom key store (CloudHSM or external).
    pub custom_key_store_id: Field<String>,
    /// `CUSTOMER` (every key written in code) or `AWS`.
    pub key_manager: Field<String>,
    pub rotation_enabled: Field<bool>,
    pub rotation_period_days: Field<u32>,
    /// Whether the key is enabled; `None` means the default, enabled.
    pub enabled: Field<bool>,
    /// Live key state: `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, …
    pub key_state: Field<String>,
    pub deletion_window_days: Field<u32>,
    /// Set when a plan destroys or replaces the key: `delete`, `replace`.
    pub planned_action: Option<String>,
    pub policy: Field<PolicyDocument>,
    pub multi_region: Field<bool>,
    /// For a multi-Region replica key: its primary.
    pub replica_of: Ref,
    /// Imported key material: `KEY_MATERIAL_EXPIRES` or `KEY_MATERIAL_DOES_NOT_EXPIRE`.
    pub expiration_model: Field<String>,
    /// Imported key material expiry, RFC 3339.
    pub valid_to: Field<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct KmsAlias {
    /// `alias/…`
    pub alias_name: Field<String>,
    pub target_key: Ref,
}

/// A key policy written as a resource of its own (`aws_kms_key_policy`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KmsKeyPolicy {
    #[serde(default)]
    pub key: Ref,
    pub policy: Spanned<crate::Value<PolicyDocument>>,
}

/// An identity policy (IAM managed or inline policy), for the KMS permissions it grants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IamPolicy {
    pub document: Spanned<crate::Value<PolicyDocument>>,
}

// ---------------------------------------------------------------- Secrets Manager

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Secret {
    /// `ServiceDefault` is `alias/aws/secretsmanager`.
    pub kms_key: Spanned<KeyRef>,
    pub replicas: Vec<Replica>,
    pub rotation_enabled: Field<bool>,
}

/// A copy of a secret or a table in another region, with the key that encrypts it there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Replica {
    #[serde(default)]
    pub region: Field<String>,
    #[serde(default)]
    pub kms_key: Spanned<KeyRef>,
}

impl Replica {
    /// Stands for replicas that could not be read (a `dynamic` block, a denied call): the
    /// rules about replicas then say *unknown* rather than "no replicas".
    pub fn unreadable(why: impl Into<String>) -> Self {
        let why = why.into();
        Replica { region: Some(crate::Value::unknown(why.clone())).into(), kms_key: KeyRef::unresolved(why).into() }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecretRotation {
    #[serde(default)]
    pub secret: Ref,
}

// ---------------------------------------------------------------- S3

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct S3Bucket {
    pub bucket_name: Field<String>,
    /// Default encryption written on the bucket itself (legacy inline block, CloudFormation,
    /// live). A split configuration resource, when present, takes precedence.
    pub encryption: Field<S3Encryption>,
    pub policy: Field<PolicyDocument>,
    /// Where this bucket's server access logs go.
    pub logging_target: Ref,
    /// Whether an S3 Inventory configuration reports `EncryptionStatus`.
    pub inventory_encryption_status: Field<bool>,
    /// Creation date (live), RFC 3339.
    pub created: Field<String>,
}

/// The effective default-encryption rule of a bucket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct S3Encryption {
    /// `AES256`, `aws:kms`, `aws:kms:dsse`.
    pub sse_algorithm: Field<String>,
    /// `ServiceDefault` with `aws:kms` is `alias/aws/s3`.
    pub kms_key: Spanned<KeyRef>,
    pub bucket_key_enabled: Field<bool>,
    /// `SSE-C`, `NONE`.
    pub blocked_encryption_types: Field<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3EncryptionConfig {
    #[serde(default)]
    pub bucket: Ref,
    pub encryption: crate::Value<S3Encryption>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3BucketPolicy {
    #[serde(default)]
    pub bucket: Ref,
    pub policy: Spanned<crate::Value<PolicyDocument>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3Logging {
    #[serde(default)]
    pub bucket: Ref,
    #[serde(default)]
    pub target_bucket: Ref,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3InventoryConfig {
    #[serde(default)]
    pub bucket: Ref,
    #[serde(default)]
    pub optional_fields: Field<Vec<String>>,
}

/// An object managed as code (`aws_s3_object`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct S3Object {
    pub bucket: Ref,
    pub server_side_encryption: Field<String>,
    pub kms_key: Spanned<KeyRef>,
}

// ---------------------------------------------------------------- EBS

/// The account × region setting "encrypt new EBS volumes by default".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EbsEncryptionByDefault {
    #[serde(default)]
    pub enabled: Field<bool>,
}

/// The account × region default key for EBS encryption (`ServiceDefault` = `alias/aws/ebs`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct EbsDefaultKey {
    pub kms_key: Spanned<KeyRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct EbsVolume {
    pub encrypted: Field<bool>,
    /// `ServiceDefault` with encryption is the region's default EBS key.
    pub kms_key: Spanned<KeyRef>,
    pub snapshot: Ref,
}

/// An EC2 instance, launch template or launch configuration, with its block devices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BlockDeviceHost {
    /// Each device, or unknown when the list itself cannot be known (a `dynamic` block
    /// over an unknown collection).
    pub devices: Vec<crate::Value<Vec<BlockDevice>>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BlockDevice {
    pub device_name: String,
    pub encrypted: Field<bool>,
    pub kms_key: Spanned<KeyRef>,
    /// A device created from a snapshot inherits the snapshot's encryption.
    pub snapshot: Ref,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct EbsSnapshot {
    pub encrypted: Field<bool>,
    pub kms_key: Spanned<KeyRef>,
    /// The volume it is taken from (its encryption is inherited).
    pub volume: Ref,
    /// A copy of another snapshot (copies should name a CMK).
    pub copy: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Ami {
    pub devices: Vec<BlockDevice>,
    /// A copy of another image (`aws_ami_copy`): its own `encrypted` and key.
    pub copy: bool,
    pub encrypted: Field<bool>,
    pub kms_key: Spanned<KeyRef>,
}

// ---------------------------------------------------------------- RDS

/// An RDS DB instance or DB cluster (Aurora, Multi-AZ DB cluster).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RdsDatabase {
    pub identifier: Field<String>,
    pub engine: Field<String>,
    /// `provisioned`, `serverless`, … (clusters).
    pub engine_mode: Field<String>,
    pub storage_encrypted: Field<bool>,
    /// `ServiceDefault` with encryption is `alias/aws/rds`.
    pub kms_key: Spanned<KeyRef>,
    /// Source of a read replica (instance) or replication source (cluster).
    pub replication_source: Ref,
    /// Snapshot the database is restored from.
    pub snapshot_source: Ref,
    /// The cluster an instance belongs to (Aurora members take the cluster's encryption).
    pub cluster: Ref,
    pub performance_insights_enabled: Field<bool>,
    pub performance_insights_kms_key: Spanned<KeyRef>,
    pub cloudwatch_logs_exports: Field<Vec<String>>,
    /// Name of the (cluster) parameter group; `None` means the engine's default group.
    pub parameter_group: Field<String>,
    pub ca_cert_identifier: Field<String>,
    /// Server certificate expiry (live), RFC 3339.
    pub ca_cert_valid_till: Field<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RdsGlobalCluster {
    pub storage_encrypted: Field<bool>,
    pub source_cluster: Ref,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RdsSnapshot {
    pub encrypted: Field<bool>,
    pub kms_key: Spanned<KeyRef>,
    /// The instance or cluster the snapshot is taken from (its encryption is inherited).
    pub source: Ref,
    pub copy: bool,
}

/// Automated backups, and their replication to another region.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RdsBackupReplication {
    pub source: Ref,
    pub encrypted: Field<bool>,
    pub kms_key: Spanned<KeyRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DbParameterGroup {
    pub name: Field<String>,
    pub family: Field<String>,
    pub parameters: Field<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LogGroup {
    pub name: Field<String>,
    pub kms_key: Spanned<KeyRef>,
}

// ---------------------------------------------------------------- DynamoDB and DAX

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DynamodbTable {
    /// `ServiceDefault`/`AwsOwned`: the AWS owned key; `AwsManaged`: `alias/aws/dynamodb`.
    pub kms_key: Spanned<KeyRef>,
    pub replicas: Vec<Replica>,
    /// Sort-key attribute names of the table and its indexes.
    pub range_keys: Spanned<Vec<String>>,
    /// Live: when the table's key became inaccessible.
    pub inaccessible_since: Field<String>,
}

/// A replica written as a resource of its own (`aws_dynamodb_table_replica`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DynamodbReplica {
    pub table: Ref,
    pub kms_key: Spanned<KeyRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DaxCluster {
    pub sse_enabled: Field<bool>,
    /// `NONE` (the default) or `TLS`.
    pub endpoint_encryption: Field<String>,
}

// ---------------------------------------------------------------- ACM

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AcmCertificate {
    pub domain_name: Field<String>,
    pub subject_alternative_names: Field<Vec<String>>,
    /// `RSA_2048` (the default), `RSA_1024`, `EC_prime256v1`, …
    pub key_algorithm: Field<String>,
    /// `AMAZON_ISSUED`, `IMPORTED`, `PRIVATE`.
    pub certificate_type: Field<String>,
    /// `ISSUED`, `PENDING_VALIDATION`, `EXPIRED`, …
    pub status: Field<String>,
    /// RFC 3339.
    pub not_after: Field<String>,
    /// `DNS`, `EMAIL`.
    pub validation_method: Field<String>,
    /// `ELIGIBLE`, `INELIGIBLE`.
    pub renewal_eligibility: Field<String>,
    /// `ENABLED`, `DISABLED`.
    pub transparency_logging: Field<String>,
    pub in_use: Field<bool>,
}

/// `aws_acm_certificate_validation`: completes DNS or email validation of a certificate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AcmValidation {
    #[serde(default)]
    pub certificate: Ref,
}

// ---------------------------------------------------------------- Load balancers

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LoadBalancer {
    /// `application` (the default), `network`, `gateway`.
    pub load_balancer_type: Field<String>,
    pub internal: Field<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Listener {
    pub load_balancer: Ref,
    pub protocol: Field<String>,
    pub port: Field<u32>,
    pub ssl_policy: Field<String>,
    /// The protocols the SSL policy allows, when read from `DescribeSSLPolicies`.
    pub ssl_policy_protocols: Field<Vec<String>>,
    pub default_actions: Field<Vec<ListenerAction>>,
    pub certificates: Spanned<Vec<crate::Value<String>>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ListenerAction {
    /// `forward`, `redirect`, `fixed-response`, `authenticate-oidc`, …
    pub action_type: String,
    pub redirect_protocol: Field<String>,
    pub redirect_port: Field<String>,
    pub redirect_status_code: Field<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ListenerRule {
    pub listener: Ref,
    pub actions: Field<Vec<ListenerAction>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListenerCertificate {
    #[serde(default)]
    pub listener: Ref,
    #[serde(default)]
    pub certificate: Field<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct TargetGroup {
    pub protocol: Field<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ClassicLoadBalancer {
    pub listeners: Field<Vec<ClassicListener>>,
    /// SSL negotiation policies defined on (or attached to) the load balancer.
    pub ssl_policies: Vec<SslNegotiationPolicy>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ClassicListener {
    pub lb_port: Field<u32>,
    pub lb_protocol: Field<String>,
    pub instance_protocol: Field<String>,
    pub ssl_certificate_id: Field<String>,
    pub policy_names: Field<Vec<String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SslNegotiationPolicy {
    pub name: String,
    /// `Reference-Security-Policy`, when the policy is a predefined one.
    pub reference_policy: Field<String>,
    /// Attributes set to `true`: `Protocol-TLSv1.2`, `ECDHE-RSA-AES128-GCM-SHA256`, …
    pub enabled_attributes: Field<Vec<String>>,
}

// ---------------------------------------------------------------- CloudFront

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CloudfrontDistribution {
    pub enabled: Field<bool>,
    pub behaviors: Field<Vec<CacheBehavior>>,
    pub origins: Field<Vec<Origin>>,
    pub viewer_certificate: Spanned<ViewerCertificate>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CacheBehavior {
    /// `*` for the default behaviour.
    pub path_pattern: String,
    pub target_origin_id: Field<String>,
    /// `allow-all`, `https-only`, `redirect-to-https`.
    pub viewer_protocol_policy: Field<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Origin {
    pub origin_id: Field<String>,
    pub domain_name: Field<String>,
    /// For custom origins: `http-only`, `match-viewer`, `https-only`. `None` for S3 origins.
    pub origin_protocol_policy: Field<String>,
    pub origin_ssl_protocols: Field<Vec<String>>,
    pub s3_origin: bool,
    pub origin_access_control: Field<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ViewerCertificate {
    pub cloudfront_default_certificate: Field<bool>,
    pub acm_certificate_arn: Field<String>,
    pub iam_certificate_id: Field<String>,
    pub minimum_protocol_version: Field<String>,
    /// `sni-only`, `vip`, `static-ip`.
    pub ssl_support_method: Field<String>,
}
