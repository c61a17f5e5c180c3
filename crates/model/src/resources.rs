//! The resource kinds of the policy. Field names follow the AWS APIs' meaning, not any one
//! source's spelling; every source maps its own attributes onto them.
//!
//! "Split" kinds (an encryption configuration, a bucket policy, a key policy written as a
//! resource of its own) carry a reference to the resource they configure; resolution
//! joins them, so that the rules see one bucket with one effective configuration.

use crate::{
    CertificateKeyAlgorithm, CertificateStatus, CertificateType, EndpointEncryption, Field, KeyManager, KeyOrigin,
    KeyRef, KeySpec, KeyState, KeyUsage, LbProtocol, LoadBalancerType, OriginProtocolPolicy, PlannedAction,
    PolicyDocument, Spanned, SseAlgorithm, TransparencyLogging, ValidationMethod, ViewerProtocolPolicy,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A reference to another resource: one of its handles (address, logical id, ARN, name).
pub type Ref = Field<String>;

/// What a resource is, with the attributes the rules read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Spec {
    /// A KMS key.
    KmsKey(Box<KmsKey>),
    /// A KMS alias.
    KmsAlias(Box<KmsAlias>),
    /// A key policy written as a resource of its own.
    KmsKeyPolicy(Box<KmsKeyPolicy>),
    /// An IAM identity policy.
    IamPolicy(Box<IamPolicy>),
    /// A Secrets Manager secret.
    Secret(Box<Secret>),
    /// Automatic rotation of a secret.
    SecretRotation(Box<SecretRotation>),
    /// An S3 bucket.
    S3Bucket(Box<S3Bucket>),
    /// A bucket's default encryption written as a resource of its own.
    S3EncryptionConfig(Box<S3EncryptionConfig>),
    /// A bucket policy written as a resource of its own.
    S3BucketPolicy(Box<S3BucketPolicy>),
    /// A bucket's server access logging written as a resource of its own.
    S3Logging(Box<S3Logging>),
    /// An S3 Inventory configuration of a bucket.
    S3InventoryConfig(Box<S3InventoryConfig>),
    /// An S3 object managed as code.
    S3Object(Box<S3Object>),
    /// The region's EBS encryption-by-default setting.
    EbsEncryptionByDefault(Box<EbsEncryptionByDefault>),
    /// The region's default EBS encryption key.
    EbsDefaultKey(Box<EbsDefaultKey>),
    /// An EBS volume.
    EbsVolume(Box<EbsVolume>),
    /// An EC2 instance, launch template or launch configuration, for its block devices.
    BlockDeviceHost(Box<BlockDeviceHost>),
    /// An EBS snapshot, or a copy of one.
    EbsSnapshot(Box<EbsSnapshot>),
    /// An AMI, or a copy of one.
    Ami(Box<Ami>),
    /// An RDS DB instance (Aurora cluster members included).
    RdsInstance(Box<RdsDatabase>),
    /// An RDS DB cluster (Aurora, Multi-AZ DB cluster).
    RdsCluster(Box<RdsDatabase>),
    /// An Aurora global database.
    RdsGlobalCluster(Box<RdsGlobalCluster>),
    /// An RDS DB snapshot or DB cluster snapshot, or a copy of one.
    RdsSnapshot(Box<RdsSnapshot>),
    /// An RDS instance's automated backups, or their replication to another region.
    RdsBackupReplication(Box<RdsBackupReplication>),
    /// A DB parameter group or DB cluster parameter group.
    DbParameterGroup(Box<DbParameterGroup>),
    /// A CloudWatch Logs log group.
    LogGroup(Box<LogGroup>),
    /// A DynamoDB table or global table.
    DynamodbTable(Box<DynamodbTable>),
    /// A DynamoDB global-table replica written as a resource of its own.
    DynamodbReplica(Box<DynamodbReplica>),
    /// A DynamoDB Accelerator (DAX) cluster.
    DaxCluster(Box<DaxCluster>),
    /// An ACM certificate.
    AcmCertificate(Box<AcmCertificate>),
    /// The validation of an ACM certificate.
    AcmValidation(Box<AcmValidation>),
    /// An Application, Network or Gateway Load Balancer.
    LoadBalancer(Box<LoadBalancer>),
    /// A listener of an Application or Network Load Balancer.
    Listener(Box<Listener>),
    /// A rule of a load balancer listener.
    ListenerRule(Box<ListenerRule>),
    /// An extra certificate attached to a load balancer listener.
    ListenerCertificate(Box<ListenerCertificate>),
    /// A load balancer target group.
    TargetGroup(Box<TargetGroup>),
    /// A Classic Load Balancer.
    ClassicLoadBalancer(Box<ClassicLoadBalancer>),
    /// A Classic Load Balancer's SSL negotiation policy written as a resource of its own,
    /// whose load balancer this scan does not describe (one it does holds the policy).
    SslNegotiationPolicy(Box<SslNegotiationPolicy>),
    /// A CloudFront distribution.
    CloudfrontDistribution(Box<CloudfrontDistribution>),
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

/// A key a resource uses for data at rest: what it protects, where it is written, and
/// for a replica the region its data lives in.
#[derive(Clone, Copy, Debug)]
pub struct KeyUse<'a> {
    /// What the key protects.
    pub role: KeyRole,
    /// The key, where the source writes it.
    pub key: &'a Spanned<KeyRef>,
    /// The replica's region, for a key of a replica written inside its primary.
    pub region: Option<&'a Field<String>>,
}

impl Spec {
    /// The keys this resource uses to encrypt data at rest.
    pub fn key_refs(&self) -> Vec<KeyUse<'_>> {
        fn data(key: &Spanned<KeyRef>) -> KeyUse<'_> {
            KeyUse { role: KeyRole::Data, key, region: None }
        }
        fn replica(r: &Replica) -> KeyUse<'_> {
            KeyUse { role: KeyRole::Replica, key: &r.kms_key, region: Some(&r.region) }
        }
        match self {
            Spec::Secret(s) => std::iter::once(data(&s.kms_key)).chain(s.replicas.iter().map(replica)).collect(),
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
            Spec::RdsInstance(d) | Spec::RdsCluster(d) => vec![
                data(&d.kms_key),
                KeyUse { role: KeyRole::PerformanceInsights, key: &d.performance_insights_kms_key, region: None },
            ],
            Spec::RdsSnapshot(s) => vec![data(&s.kms_key)],
            Spec::RdsBackupReplication(r) => vec![data(&r.kms_key)],
            Spec::LogGroup(l) => vec![data(&l.kms_key)],
            Spec::DynamodbTable(t) => std::iter::once(data(&t.kms_key)).chain(t.replicas.iter().map(replica)).collect(),
            // A replica written as a resource of its own lives in that resource's region.
            Spec::DynamodbReplica(r) => vec![KeyUse { role: KeyRole::Replica, key: &r.kms_key, region: None }],
            _ => Vec::new(),
        }
    }
}

// ---------------------------------------------------------------- KMS

/// A KMS key: customer managed (written in code, or live) or AWS managed (live).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct KmsKey {
    /// `SYMMETRIC_DEFAULT` (the default), `RSA_2048`, `ECC_NIST_P256`, `HMAC_256`, …
    pub key_spec: Field<KeySpec>,
    /// `ENCRYPT_DECRYPT` (the default), `SIGN_VERIFY`, `GENERATE_VERIFY_MAC`, …
    pub key_usage: Field<KeyUsage>,
    /// `AWS_KMS` (the default), `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    pub origin: Field<KeyOrigin>,
    /// Set when the key lives in a custom key store (CloudHSM or external).
    pub custom_key_store_id: Field<String>,
    /// `CUSTOMER` (every key written in code) or `AWS`.
    pub key_manager: Field<KeyManager>,
    /// Whether KMS rotates the key material automatically; absent means off.
    pub rotation_enabled: Field<bool>,
    /// Days between automatic rotations, 90 to 2560; absent means 365.
    pub rotation_period_days: Field<u32>,
    /// Whether the key is enabled; `None` means the default, enabled.
    pub enabled: Field<bool>,
    /// Live key state: `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, …
    pub key_state: Field<KeyState>,
    /// Days a scheduled deletion waits before the key is deleted, 7 to 30; absent means 30.
    pub deletion_window_days: Field<u32>,
    /// Set when a plan destroys or replaces the key: `delete`, `replace`.
    pub planned_action: Option<PlannedAction>,
    /// The key policy; absent means KMS applies its default key policy.
    pub policy: Field<PolicyDocument>,
    /// Whether the key is a multi-Region primary key; absent means a single-Region key.
    pub multi_region: Field<bool>,
    /// For a multi-Region replica key: its primary.
    pub replica_of: Ref,
    /// Imported key material: `KEY_MATERIAL_EXPIRES` or `KEY_MATERIAL_DOES_NOT_EXPIRE`.
    pub expiration_model: Field<String>,
    /// Imported key material expiry, RFC 3339.
    pub valid_to: Field<String>,
}

/// A KMS alias (`aws_kms_alias`, `AWS::KMS::Alias`), a friendly name for a key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct KmsAlias {
    /// `alias/…`
    pub alias_name: Field<String>,
    /// The key the alias points to.
    pub target_key: Ref,
}

/// A key policy written as a resource of its own (`aws_kms_key_policy`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KmsKeyPolicy {
    /// The key the policy is attached to.
    #[serde(default)]
    pub key: Ref,
    /// The key policy document.
    pub policy: Spanned<crate::Value<PolicyDocument>>,
}

/// An identity policy (IAM managed or inline policy), for the KMS permissions it grants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IamPolicy {
    /// The policy document.
    pub document: Spanned<crate::Value<PolicyDocument>>,
}

// ---------------------------------------------------------------- Secrets Manager

/// A Secrets Manager secret (`aws_secretsmanager_secret`, `AWS::SecretsManager::Secret`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Secret {
    /// `ServiceDefault` is `alias/aws/secretsmanager`.
    pub kms_key: Spanned<KeyRef>,
    /// Copies of the secret in other regions.
    pub replicas: Vec<Replica>,
    /// Whether automatic rotation is on, as read live (`RotationEnabled`); code declares rotation
    /// with a [`SecretRotation`] instead.
    pub rotation_enabled: Field<bool>,
}

/// A copy of a secret or a table in another region, with the key that encrypts it there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Replica {
    /// The region the copy lives in.
    #[serde(default)]
    pub region: Field<String>,
    /// The key that encrypts the copy in that region.
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

/// Automatic rotation of a secret (`aws_secretsmanager_secret_rotation`,
/// `AWS::SecretsManager::RotationSchedule`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecretRotation {
    /// The secret that is rotated.
    #[serde(default)]
    pub secret: Ref,
}

// ---------------------------------------------------------------- S3

/// An S3 bucket (`aws_s3_bucket`, `AWS::S3::Bucket`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct S3Bucket {
    /// The bucket's name; unknown when generated from `bucket_prefix`.
    pub bucket_name: Field<String>,
    /// Default encryption written on the bucket itself (legacy inline block, CloudFormation,
    /// live). A split configuration resource, when present, takes precedence.
    pub encryption: Field<S3Encryption>,
    /// The bucket policy written on the bucket itself (Terraform's legacy `policy` argument, or live).
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
    pub sse_algorithm: Field<SseAlgorithm>,
    /// `ServiceDefault` with `aws:kms` is `alias/aws/s3`.
    pub kms_key: Spanned<KeyRef>,
    /// Whether an S3 Bucket Key is used with SSE-KMS, cutting the requests made to KMS.
    pub bucket_key_enabled: Field<bool>,
    /// `SSE-C`, `NONE`.
    pub blocked_encryption_types: Field<Vec<String>>,
}

/// A bucket's default encryption written as a resource of its own
/// (`aws_s3_bucket_server_side_encryption_configuration`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3EncryptionConfig {
    /// The bucket it configures.
    #[serde(default)]
    pub bucket: Ref,
    /// The default-encryption rule it sets.
    pub encryption: crate::Value<S3Encryption>,
}

/// A bucket policy written as a resource of its own (`aws_s3_bucket_policy`, `AWS::S3::BucketPolicy`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3BucketPolicy {
    /// The bucket the policy is attached to.
    #[serde(default)]
    pub bucket: Ref,
    /// The bucket policy document.
    pub policy: Spanned<crate::Value<PolicyDocument>>,
}

/// A bucket's server access logging written as a resource of its own (`aws_s3_bucket_logging`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3Logging {
    /// The bucket whose requests are logged.
    #[serde(default)]
    pub bucket: Ref,
    /// The bucket the access logs are delivered to.
    #[serde(default)]
    pub target_bucket: Ref,
}

/// An S3 Inventory configuration of a bucket (`aws_s3_bucket_inventory`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3InventoryConfig {
    /// The bucket the inventory lists.
    #[serde(default)]
    pub bucket: Ref,
    /// Optional fields the inventory lists for each object: `Size`, `EncryptionStatus`, `BucketKeyStatus`, …
    #[serde(default)]
    pub optional_fields: Field<Vec<String>>,
}

/// An object managed as code (`aws_s3_object`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct S3Object {
    /// The bucket the object is stored in.
    pub bucket: Ref,
    /// `AES256`, `aws:kms`, `aws:kms:dsse`; absent means the bucket's default encryption applies.
    pub server_side_encryption: Field<SseAlgorithm>,
    /// `ServiceDefault` with `aws:kms` is `alias/aws/s3`.
    pub kms_key: Spanned<KeyRef>,
}

// ---------------------------------------------------------------- EBS

/// The account × region setting "encrypt new EBS volumes by default".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EbsEncryptionByDefault {
    /// Whether new EBS volumes in the region are encrypted.
    #[serde(default)]
    pub enabled: Field<bool>,
}

/// The account × region default key for EBS encryption (`ServiceDefault` = `alias/aws/ebs`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct EbsDefaultKey {
    /// The key new encrypted volumes in the region use when they name none.
    pub kms_key: Spanned<KeyRef>,
}

/// An EBS volume (`aws_ebs_volume`, `AWS::EC2::Volume`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct EbsVolume {
    /// Whether the volume is encrypted; absent means it follows its snapshot or the region's default.
    pub encrypted: Field<bool>,
    /// `ServiceDefault` with encryption is the region's default EBS key.
    pub kms_key: Spanned<KeyRef>,
    /// The snapshot the volume is created from.
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

/// One EBS volume of a host or an image: its root device or an extra block device.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BlockDevice {
    /// `/dev/sdf`, `/dev/xvda`, …; `root` for an instance's root block device.
    pub device_name: String,
    /// Whether the volume is encrypted; absent means it follows its snapshot or the region's default.
    pub encrypted: Field<bool>,
    /// `ServiceDefault` with encryption is the region's default EBS key.
    pub kms_key: Spanned<KeyRef>,
    /// A device created from a snapshot inherits the snapshot's encryption.
    pub snapshot: Ref,
}

/// An EBS snapshot (`aws_ebs_snapshot`) or a copy of one (`aws_ebs_snapshot_copy`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct EbsSnapshot {
    /// Whether the snapshot is encrypted.
    pub encrypted: Field<bool>,
    /// The key that encrypts the snapshot.
    pub kms_key: Spanned<KeyRef>,
    /// The volume it is taken from, or for a copy the snapshot it copies (either's
    /// encryption is inherited).
    pub volume: Ref,
    /// A copy of another snapshot (copies should name a CMK).
    pub copy: bool,
}

/// An AMI (`aws_ami`) or a copy of one (`aws_ami_copy`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Ami {
    /// The image's EBS block devices, each backed by a snapshot.
    pub devices: Vec<BlockDevice>,
    /// A copy of another image (`aws_ami_copy`): its own `encrypted` and key.
    pub copy: bool,
    /// For a copy: whether its snapshots are encrypted.
    pub encrypted: Field<bool>,
    /// For a copy: the key that encrypts its snapshots.
    pub kms_key: Spanned<KeyRef>,
}

// ---------------------------------------------------------------- RDS

/// An RDS DB instance or DB cluster (Aurora, Multi-AZ DB cluster).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RdsDatabase {
    /// The DB instance or DB cluster identifier.
    pub identifier: Field<String>,
    /// `postgres`, `mysql`, `aurora-postgresql`, `sqlserver-se`, …
    pub engine: Field<String>,
    /// `16.4`, `8.0.39`: the engine version, when written or read.
    pub engine_version: Field<String>,
    /// `provisioned`, `serverless`, … (clusters).
    pub engine_mode: Field<String>,
    /// Whether storage is encrypted at rest; absent means not, unless inherited from a source or snapshot.
    pub storage_encrypted: Field<bool>,
    /// `ServiceDefault` with encryption is `alias/aws/rds`.
    pub kms_key: Spanned<KeyRef>,
    /// Source of a read replica (instance) or replication source (cluster).
    pub replication_source: Ref,
    /// Snapshot the database is restored from.
    pub snapshot_source: Ref,
    /// The cluster an instance belongs to (Aurora members take the cluster's encryption).
    pub cluster: Ref,
    /// Whether Performance Insights collects the database's load data.
    pub performance_insights_enabled: Field<bool>,
    /// `ServiceDefault` with Performance Insights on is `alias/aws/rds`.
    pub performance_insights_kms_key: Spanned<KeyRef>,
    /// Logs exported to CloudWatch Logs: `postgresql`, `audit`, `error`, `slowquery`, …
    pub cloudwatch_logs_exports: Field<Vec<String>>,
    /// Name of the (cluster) parameter group; `None` means the engine's default group.
    pub parameter_group: Field<String>,
    /// The CA of the server certificate: `rds-ca-rsa2048-g1`, `rds-ca-2019`, …
    pub ca_cert_identifier: Field<String>,
    /// Server certificate expiry (live), RFC 3339.
    pub ca_cert_valid_till: Field<String>,
}

/// An Aurora global database (`aws_rds_global_cluster`, `AWS::RDS::GlobalCluster`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RdsGlobalCluster {
    /// Whether the global database's storage is encrypted.
    pub storage_encrypted: Field<bool>,
    /// The cluster the global database is created from (its encryption is inherited).
    pub source_cluster: Ref,
}

/// An RDS DB snapshot or DB cluster snapshot, or a copy of one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RdsSnapshot {
    /// Whether the snapshot is encrypted.
    pub encrypted: Field<bool>,
    /// The key that encrypts the snapshot; for a copy, the key named for the copy.
    pub kms_key: Spanned<KeyRef>,
    /// The instance or cluster the snapshot is taken from (its encryption is inherited).
    pub source: Ref,
    /// A copy of another snapshot (`aws_db_snapshot_copy`, `aws_db_cluster_snapshot_copy`).
    pub copy: bool,
}

/// Automated backups, and their replication to another region.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RdsBackupReplication {
    /// The DB instance whose automated backups these are.
    pub source: Ref,
    /// Whether the backups are encrypted.
    pub encrypted: Field<bool>,
    /// The key that encrypts the backups (for a replication, in the destination region).
    pub kms_key: Spanned<KeyRef>,
}

/// A DB parameter group or DB cluster parameter group, for the settings that require TLS.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DbParameterGroup {
    /// The group's name, as databases name it. (`group_name` in JSON, beside the
    /// resource's own `name`.)
    #[serde(rename = "group_name")]
    pub name: Field<String>,
    /// The engine family: `postgres16`, `mysql8.0`, `aurora-postgresql15`, …
    pub family: Field<String>,
    /// Parameters set in the group, name to value: `rds.force_ssl`, `require_secure_transport`, …
    pub parameters: Field<BTreeMap<String, String>>,
}

/// A CloudWatch Logs log group (`aws_cloudwatch_log_group`, `AWS::Logs::LogGroup`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LogGroup {
    /// The log group's name (`/aws/rds/instance/orders/postgresql`). (`log_group_name` in
    /// JSON, beside the resource's own `name`.)
    #[serde(rename = "log_group_name")]
    pub name: Field<String>,
    /// `ServiceDefault`: CloudWatch Logs' own server-side encryption, with no KMS key.
    pub kms_key: Spanned<KeyRef>,
}

// ---------------------------------------------------------------- DynamoDB and DAX

/// A DynamoDB table (`aws_dynamodb_table`, `AWS::DynamoDB::Table`, `AWS::DynamoDB::GlobalTable`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DynamodbTable {
    /// `ServiceDefault`/`AwsOwned`: the AWS owned key; `AwsManaged`: `alias/aws/dynamodb`.
    pub kms_key: Spanned<KeyRef>,
    /// The table's replicas in other regions (global tables).
    pub replicas: Vec<Replica>,
    /// Sort-key attribute names of the table and its indexes.
    pub range_keys: Field<Vec<String>>,
    /// Live: when the table's key became inaccessible.
    pub inaccessible_since: Field<String>,
}

/// A replica written as a resource of its own (`aws_dynamodb_table_replica`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DynamodbReplica {
    /// The global table the replica belongs to.
    pub table: Ref,
    /// The key that encrypts the replica; `ServiceDefault`/`AwsOwned`: the AWS owned key.
    pub kms_key: Spanned<KeyRef>,
}

/// A DynamoDB Accelerator cluster (`aws_dax_cluster`, `AWS::DAX::Cluster`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DaxCluster {
    /// Whether the cluster's data is encrypted at rest; absent means not.
    pub sse_enabled: Field<bool>,
    /// `NONE` (the default) or `TLS`.
    pub endpoint_encryption: Field<EndpointEncryption>,
}

// ---------------------------------------------------------------- ACM

/// An ACM certificate: Amazon issued, imported, or private.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AcmCertificate {
    /// The certificate's primary domain name.
    pub domain_name: Field<String>,
    /// Further names the certificate covers.
    pub subject_alternative_names: Field<Vec<String>>,
    /// `RSA_2048` (the default), `RSA_1024`, `EC_prime256v1`, …
    pub key_algorithm: Field<CertificateKeyAlgorithm>,
    /// `AMAZON_ISSUED`, `IMPORTED`, `PRIVATE`.
    pub certificate_type: Field<CertificateType>,
    /// `ISSUED`, `PENDING_VALIDATION`, `EXPIRED`, …
    pub status: Field<CertificateStatus>,
    /// RFC 3339.
    pub not_after: Field<String>,
    /// `DNS`, `EMAIL`.
    pub validation_method: Field<ValidationMethod>,
    /// `ELIGIBLE`, `INELIGIBLE`.
    pub renewal_eligibility: Field<String>,
    /// `ENABLED`, `DISABLED`.
    pub transparency_logging: Field<TransparencyLogging>,
    /// Whether an AWS service uses the certificate (live `InUseBy`); absent counts as in use.
    pub in_use: Field<bool>,
}

/// `aws_acm_certificate_validation`: completes DNS or email validation of a certificate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AcmValidation {
    /// The certificate being validated.
    #[serde(default)]
    pub certificate: Ref,
}

// ---------------------------------------------------------------- Load balancers

/// An Application, Network or Gateway Load Balancer (`aws_lb`, `AWS::ElasticLoadBalancingV2::LoadBalancer`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LoadBalancer {
    /// `application` (the default), `network`, `gateway`.
    pub load_balancer_type: Field<LoadBalancerType>,
    /// Whether the load balancer is internal; absent means internet-facing.
    pub internal: Field<bool>,
}

/// A listener of an Application or Network Load Balancer (`aws_lb_listener`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Listener {
    /// The load balancer the listener belongs to.
    pub load_balancer: Ref,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`, `GENEVE`.
    pub protocol: Field<LbProtocol>,
    /// The port the listener accepts connections on.
    pub port: Field<u32>,
    /// The security policy of an `HTTPS` or `TLS` listener: `ELBSecurityPolicy-TLS13-1-2-2021-06`, …;
    /// absent means `ELBSecurityPolicy-2016-08`.
    pub ssl_policy: Field<String>,
    /// The protocols the SSL policy allows, when read from `DescribeSSLPolicies`.
    pub ssl_policy_protocols: Field<Vec<String>>,
    /// The actions for requests that no rule matches.
    pub default_actions: Field<Vec<ListenerAction>>,
    /// The listener's certificate ARNs: its default certificate, and (live) the extra ones.
    pub certificates: Spanned<Vec<crate::Value<String>>>,
}

/// One action of a listener or listener rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ListenerAction {
    /// `forward`, `redirect`, `fixed-response`, `authenticate-oidc`, …
    pub action_type: String,
    /// For `redirect`: `HTTP`, `HTTPS`, or `#{protocol}` (the default, the request's own).
    pub redirect_protocol: Field<String>,
    /// For `redirect`: the port, or `#{port}` (the default, the request's own).
    pub redirect_port: Field<String>,
    /// For `redirect`: `HTTP_301` (permanent) or `HTTP_302` (temporary).
    pub redirect_status_code: Field<String>,
}

/// A rule of a listener (`aws_lb_listener_rule`, `AWS::ElasticLoadBalancingV2::ListenerRule`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ListenerRule {
    /// The listener the rule belongs to.
    pub listener: Ref,
    /// The actions for requests the rule matches.
    pub actions: Field<Vec<ListenerAction>>,
}

/// An extra certificate attached to a listener (`aws_lb_listener_certificate`), served by SNI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListenerCertificate {
    /// The listener that serves the certificate.
    #[serde(default)]
    pub listener: Ref,
    /// The certificate attached (an ACM or IAM certificate ARN).
    #[serde(default)]
    pub certificate: Field<String>,
}

/// A load balancer target group (`aws_lb_target_group`, `AWS::ElasticLoadBalancingV2::TargetGroup`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct TargetGroup {
    /// How the load balancer reaches the targets: `HTTP` (the default), `HTTPS`, `TCP`, `TLS`, `GENEVE`, …;
    /// `None` for Lambda targets.
    pub protocol: Field<LbProtocol>,
}

/// A Classic Load Balancer (`aws_elb`, `AWS::ElasticLoadBalancing::LoadBalancer`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ClassicLoadBalancer {
    /// The load balancer's listeners.
    pub listeners: Field<Vec<ClassicListener>>,
    /// SSL negotiation policies defined on (or attached to) the load balancer.
    pub ssl_policies: Vec<SslNegotiationPolicy>,
}

/// A listener of a Classic Load Balancer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ClassicListener {
    /// The port clients connect to.
    pub lb_port: Field<u32>,
    /// The protocol clients use: `HTTP`, `HTTPS`, `TCP`, `SSL`.
    pub lb_protocol: Field<LbProtocol>,
    /// The protocol to the instances: `HTTP`, `HTTPS`, `TCP`, `SSL`.
    pub instance_protocol: Field<LbProtocol>,
    /// The ARN of the certificate (ACM or IAM) an `HTTPS` or `SSL` listener serves.
    pub ssl_certificate_id: Field<String>,
    /// Names of the policies attached to the listener, its SSL negotiation policy among them.
    pub policy_names: Field<Vec<String>>,
}

/// An SSL negotiation policy of a Classic Load Balancer: the protocols and ciphers it allows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SslNegotiationPolicy {
    /// The policy's name, as listeners' `policy_names` list it. (`policy_name` in JSON,
    /// beside the resource's own `name`.)
    #[serde(rename = "policy_name")]
    pub name: String,
    /// `Reference-Security-Policy`, when the policy is a predefined one.
    pub reference_policy: Field<String>,
    /// Attributes set to `true`: `Protocol-TLSv1.2`, `ECDHE-RSA-AES128-GCM-SHA256`, …
    pub enabled_attributes: Field<Vec<String>>,
}

// ---------------------------------------------------------------- CloudFront

/// A CloudFront distribution (`aws_cloudfront_distribution`, `AWS::CloudFront::Distribution`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CloudfrontDistribution {
    /// Whether the distribution accepts viewer requests.
    pub enabled: Field<bool>,
    /// The cache behaviours, the default one included.
    pub behaviors: Field<Vec<CacheBehavior>>,
    /// Where the distribution fetches content from.
    pub origins: Field<Vec<Origin>>,
    /// The certificate served to viewers, and the TLS versions they may use.
    pub viewer_certificate: Spanned<ViewerCertificate>,
}

/// A cache behaviour: how requests matching a path pattern are served.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CacheBehavior {
    /// `*` for the default behaviour.
    pub path_pattern: String,
    /// The origin the requests are routed to.
    pub target_origin_id: Field<String>,
    /// `allow-all`, `https-only`, `redirect-to-https`.
    pub viewer_protocol_policy: Field<ViewerProtocolPolicy>,
}

/// An origin of a distribution: an S3 bucket or a custom HTTP server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Origin {
    /// The origin's id, as behaviours' `target_origin_id` names it.
    pub origin_id: Field<String>,
    /// The origin's domain name (`bucket.s3.amazonaws.com`, `app.example.com`).
    pub domain_name: Field<String>,
    /// For custom origins: `http-only`, `match-viewer`, `https-only`. `None` for S3 origins.
    pub origin_protocol_policy: Field<OriginProtocolPolicy>,
    /// For custom origins: the protocols CloudFront may use to it: `TLSv1.2`, `TLSv1.1`, `TLSv1`, `SSLv3`.
    pub origin_ssl_protocols: Field<Vec<String>>,
    /// Whether the origin is an S3 REST endpoint (no custom origin configuration), reached over HTTPS.
    pub s3_origin: bool,
    /// The origin access control (OAC) that signs CloudFront's requests to an S3 origin.
    pub origin_access_control: Field<String>,
}

/// The certificate a distribution serves to viewers, and the oldest TLS version they may use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ViewerCertificate {
    /// Whether the distribution serves CloudFront's default `*.cloudfront.net` certificate.
    pub cloudfront_default_certificate: Field<bool>,
    /// An ACM certificate (in us-east-1) served for the distribution's alternate domain names.
    pub acm_certificate_arn: Field<String>,
    /// An IAM server certificate served instead of an ACM one.
    pub iam_certificate_id: Field<String>,
    /// The security policy for viewers: `TLSv1.2_2021`, `TLSv1.2_2019`, `TLSv1`, `SSLv3`, …; absent means `TLSv1`.
    pub minimum_protocol_version: Field<String>,
    /// `sni-only`, `vip`, `static-ip`.
    pub ssl_support_method: Field<String>,
}
