//! CloudFormation resource types into the model, with CloudFormation's defaults.

use encguard_model::*;
use encguard_values::{
    block_device_mappings, cloudfront_distribution, known, listener_actions, or_image_root, s3_rule, unknown,
    ActionNames, Attrs, CloudfrontNames, DeviceNames, S3RuleNames, Tags, Val,
};
use std::collections::BTreeMap;

/// `Parent.Child.Grandchild` of nested property objects.
fn path<'a>(a: &Attrs<'a>, steps: &[&str]) -> Result<Option<Attrs<'a>>, Unknown> {
    let mut current = *a;
    for step in steps {
        match current.block(step)? {
            Some(next) => current = next,
            None => return Ok(None),
        }
    }
    Ok(Some(current))
}

/// Names a resource can be referred to by, besides its logical id.
pub fn identity(kind: &str, a: &Attrs) -> Vec<String> {
    let keys: &[&str] = match kind {
        "AWS::S3::Bucket" => &["BucketName"],
        "AWS::KMS::Alias" => &["AliasName"],
        "AWS::Logs::LogGroup" => &["LogGroupName"],
        "AWS::RDS::DBParameterGroup" => &["DBParameterGroupName"],
        "AWS::RDS::DBClusterParameterGroup" => &["DBClusterParameterGroupName"],
        "AWS::SecretsManager::Secret" => &["Name"],
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" => &["TableName"],
        "AWS::DAX::Cluster" => &["ClusterName"],
        _ => &[],
    };
    let mut names: Vec<String> =
        keys.iter().filter_map(|k| a.get(k).and_then(Val::as_str).map(str::to_string)).collect();
    // A distribution goes by the names it serves.
    if kind == "AWS::CloudFront::Distribution" {
        if let Ok(Some(config)) = a.block("DistributionConfig") {
            if let Some(Val::List(aliases)) = config.get("Aliases") {
                names.extend(aliases.iter().filter_map(Val::as_str).map(str::to_string));
            }
        }
    }
    names
}

/// A resource's tags: a list of `Key`/`Value` pairs, or a map. A value CloudFormation only
/// knows at deploy time is an unknown tag; an unknown key makes the whole map unreadable.
/// A global table is tagged per replica: it holds every replica's tags (one data set).
pub fn tags(kind: &str, a: &Attrs) -> Tags {
    let mut tags =
        Tags { known: Spanned::new(BTreeMap::new(), a.span("Tags")), unknown: BTreeMap::new(), unreadable: None };
    if kind == "AWS::DynamoDB::GlobalTable" {
        for replica in a.blocks("Replicas").unwrap_or_default() {
            if let Some(Val::List(items)) = replica.get("Tags") {
                read_tag_list(items, &mut tags);
            }
        }
        return tags;
    }
    let Some(Val::List(items)) = a.get("Tags") else {
        // A few types take a map of tags, as Terraform writes them.
        return a.tags_over("Tags", None);
    };
    read_tag_list(items, &mut tags);
    tags
}

/// Adds the tags of a `Key`/`Value` list.
fn read_tag_list(items: &[Val], tags: &mut Tags) {
    for item in items {
        let (key, value) = match item {
            Val::Map(m) => (m.get("Key"), m.get("Value")),
            other => (Some(other), None),
        };
        match (key, value) {
            (Some(Val::Unknown(u)), _) => {
                tags.unreadable.get_or_insert_with(|| u.reason.clone());
            }
            (Some(Val::Str(k)), Some(Val::Unknown(u))) => {
                tags.unknown.insert(k.clone(), u.reason.clone());
            }
            (Some(Val::Str(k)), Some(v)) => {
                tags.known.value.insert(k.clone(), v.to_text().unwrap_or_default());
            }
            _ => {}
        }
    }
}

/// The model of one resource, or `None` for types the policy does not concern. Each
/// family of the policy maps its own types.
pub fn to_spec(kind: &str, a: &Attrs) -> Option<Spec> {
    type Family = fn(&str, &Attrs) -> Option<Spec>;
    const FAMILIES: [Family; 9] = [kms, secrets, s3, ebs, rds, dynamodb, acm, lb, cloudfront];
    FAMILIES.iter().find_map(|family| family(kind, a))
}

/// §1 KMS keys, aliases, key policies and IAM policies.
fn kms(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "AWS::KMS::Key" => Spec::KmsKey(Box::new(KmsKey {
            key_spec: a.choice("KeySpec"),
            key_usage: a.choice("KeyUsage"),
            origin: a.choice("Origin"),
            key_manager: known(KeyManager::Customer),
            rotation_enabled: a.boolean("EnableKeyRotation"),
            rotation_period_days: a.number("RotationPeriodInDays"),
            enabled: a.boolean("Enabled"),
            deletion_window_days: a.number("PendingWindowInDays"),
            policy: a.policy("KeyPolicy"),
            multi_region: a.boolean("MultiRegion"),
            ..KmsKey::default()
        })),
        "AWS::KMS::ReplicaKey" => Spec::KmsKey(Box::new(KmsKey {
            key_manager: known(KeyManager::Customer),
            enabled: a.boolean("Enabled"),
            deletion_window_days: a.number("PendingWindowInDays"),
            policy: a.policy("KeyPolicy"),
            replica_of: a.reference("PrimaryKeyArn"),
            ..KmsKey::default()
        })),
        "AWS::KMS::Alias" => Spec::KmsAlias(Box::new(KmsAlias {
            alias_name: a.string("AliasName"),
            target_key: a.reference("TargetKeyId"),
        })),
        "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" => Spec::IamPolicy(Box::new(IamPolicy {
            document: a.policy("PolicyDocument").map(|p| p.unwrap_or_else(|| Value::unknown("the policy is empty"))),
        })),
        _ => return None,
    })
}

/// §2 Secrets Manager.
fn secrets(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "AWS::SecretsManager::Secret" => Spec::Secret(Box::new(Secret {
            kms_key: a.key("KmsKeyId"),
            replicas: a
                .replicas("ReplicaRegions", |r| Replica { region: r.string("Region"), kms_key: r.key("KmsKeyId") }),
            rotation_enabled: None.into(),
        })),
        "AWS::SecretsManager::RotationSchedule" => {
            Spec::SecretRotation(Box::new(SecretRotation { secret: a.reference("SecretId") }))
        }
        _ => return None,
    })
}

/// §3 S3.
fn s3(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "AWS::S3::Bucket" => Spec::S3Bucket(Box::new(S3Bucket {
            bucket_name: a.string("BucketName"),
            encryption: match path(a, &["BucketEncryption"]) {
                Ok(None) => None.into(),
                Ok(Some(e)) => Spanned::new(
                    Some(match e.block("ServerSideEncryptionConfiguration") {
                        Ok(Some(rule)) => s3_rule(
                            &rule,
                            &S3_RULE,
                            rule.nested("BlockedEncryptionTypes", |b| b.strings("EncryptionType")),
                        ),
                        Ok(None) => Value::Known(S3Encryption::default()),
                        Err(why) => Value::unknown(why),
                    }),
                    a.span("BucketEncryption"),
                ),
                Err(why) => unknown(why),
            },
            logging_target: a.nested("LoggingConfiguration", |l| l.reference("DestinationBucketName")),
            inventory_encryption_status: match a.blocks("InventoryConfigurations") {
                Ok(configs) if configs.is_empty() => None.into(),
                Ok(configs) => known(configs.iter().any(|c| {
                    c.strings("OptionalFields")
                        .value
                        .and_then(|f| f.known().cloned())
                        .is_some_and(|f| f.iter().any(|f| f == "EncryptionStatus"))
                })),
                Err(why) => unknown(why),
            },
            ..S3Bucket::default()
        })),
        "AWS::S3::BucketPolicy" => Spec::S3BucketPolicy(Box::new(S3BucketPolicy {
            bucket: a.reference("Bucket"),
            policy: a
                .policy("PolicyDocument")
                .map(|p| p.unwrap_or_else(|| Value::unknown("the bucket policy is empty"))),
        })),
        _ => return None,
    })
}

/// §4 EBS volumes, snapshots, images and the hosts that attach volumes.
fn ebs(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "AWS::EC2::Volume" => Spec::EbsVolume(Box::new(EbsVolume {
            encrypted: a.boolean("Encrypted"),
            kms_key: a.key("KmsKeyId"),
            snapshot: a.reference("SnapshotId"),
        })),
        "AWS::EC2::Instance" | "AWS::AutoScaling::LaunchConfiguration" => {
            Spec::BlockDeviceHost(Box::new(BlockDeviceHost { devices: devices(a.blocks("BlockDeviceMappings")) }))
        }
        "AWS::EC2::LaunchTemplate" => Spec::BlockDeviceHost(Box::new(BlockDeviceHost {
            devices: devices(
                path(a, &["LaunchTemplateData"])
                    .and_then(|d| d.map_or(Ok(Vec::new()), |d| d.blocks("BlockDeviceMappings"))),
            ),
        })),
        _ => return None,
    })
}

/// §5 RDS databases, snapshots, backups, parameter groups and log groups.
fn rds(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "AWS::RDS::DBInstance" => Spec::RdsInstance(Box::new(RdsDatabase {
            identifier: a.string("DBInstanceIdentifier"),
            engine: a.string("Engine"),
            engine_version: a.string("EngineVersion"),
            storage_encrypted: a.boolean("StorageEncrypted"),
            kms_key: a.key("KmsKeyId"),
            replication_source: a.reference("SourceDBInstanceIdentifier"),
            snapshot_source: a.reference("DBSnapshotIdentifier"),
            cluster: a.reference("DBClusterIdentifier"),
            performance_insights_enabled: a.boolean("EnablePerformanceInsights"),
            performance_insights_kms_key: a.key("PerformanceInsightsKMSKeyId"),
            cloudwatch_logs_exports: a.strings("EnableCloudwatchLogsExports"),
            parameter_group: a.reference("DBParameterGroupName"),
            ca_cert_identifier: a.string("CACertificateIdentifier"),
            ..RdsDatabase::default()
        })),
        "AWS::RDS::DBCluster" => Spec::RdsCluster(Box::new(RdsDatabase {
            identifier: a.string("DBClusterIdentifier"),
            engine: a.string("Engine"),
            engine_version: a.string("EngineVersion"),
            engine_mode: a.string("EngineMode"),
            storage_encrypted: a.boolean("StorageEncrypted"),
            kms_key: a.key("KmsKeyId"),
            replication_source: a.reference("ReplicationSourceIdentifier"),
            snapshot_source: a.reference("SnapshotIdentifier"),
            performance_insights_enabled: a.boolean("PerformanceInsightsEnabled"),
            performance_insights_kms_key: a.key("PerformanceInsightsKmsKeyId"),
            cloudwatch_logs_exports: a.strings("EnableCloudwatchLogsExports"),
            parameter_group: a.reference("DBClusterParameterGroupName"),
            ..RdsDatabase::default()
        })),
        "AWS::RDS::GlobalCluster" => Spec::RdsGlobalCluster(Box::new(RdsGlobalCluster {
            storage_encrypted: a.boolean("StorageEncrypted"),
            source_cluster: a.reference("SourceDBClusterIdentifier"),
        })),
        "AWS::RDS::DBParameterGroup" | "AWS::RDS::DBClusterParameterGroup" => {
            Spec::DbParameterGroup(Box::new(DbParameterGroup {
                name: a.string("DBParameterGroupName").or(a.string("DBClusterParameterGroupName")),
                family: a.string("Family"),
                parameters: match a.get("Parameters") {
                    None => None.into(),
                    Some(Val::Map(m)) => {
                        known(m.iter().filter_map(|(k, v)| v.to_text().ok().map(|v| (k.clone(), v))).collect())
                    }
                    Some(other) => {
                        unknown(other.first_unknown().map_or("Parameters is not a map".into(), |u| u.reason.clone()))
                    }
                },
            }))
        }
        "AWS::Logs::LogGroup" => {
            Spec::LogGroup(Box::new(LogGroup { name: a.string("LogGroupName"), kms_key: a.key("KmsKeyId") }))
        }
        _ => return None,
    })
}

/// §6 DynamoDB and DAX.
fn dynamodb(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => Spec::DynamodbTable(Box::new(DynamodbTable {
            kms_key: table_key(a),
            range_keys: Spanned::new(Some(range_keys(a)), a.span("KeySchema")),
            ..DynamodbTable::default()
        })),
        "AWS::DynamoDB::GlobalTable" => {
            let replicas = a.replicas("Replicas", |r| Replica {
                region: r.string("Region"),
                kms_key: match r.block("SSESpecification") {
                    Ok(Some(s)) => s
                        .key("KMSMasterKeyId")
                        .map(|k| k.default_is(KeyRef::AwsManaged { alias: "alias/aws/dynamodb".into() })),
                    Ok(None) => table_key(a).map(|k| match k {
                        KeyRef::Customer { .. } => KeyRef::unresolved("the replica names no key of its own region"),
                        other => other,
                    }),
                    Err(why) => KeyRef::unresolved(why).into(),
                },
            });
            Spec::DynamodbTable(Box::new(DynamodbTable {
                kms_key: global_table_key(a, &replicas),
                replicas,
                range_keys: Spanned::new(Some(range_keys(a)), a.span("KeySchema")),
                ..DynamodbTable::default()
            }))
        }
        "AWS::DAX::Cluster" => Spec::DaxCluster(Box::new(DaxCluster {
            sse_enabled: a.nested("SSESpecification", |s| s.boolean("SSEEnabled")),
            endpoint_encryption: a.choice("ClusterEndpointEncryptionType"),
        })),
        _ => return None,
    })
}

/// §7a ACM certificates.
fn acm(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "AWS::CertificateManager::Certificate" => Spec::AcmCertificate(Box::new(AcmCertificate {
            domain_name: a.string("DomainName"),
            subject_alternative_names: a.strings("SubjectAlternativeNames"),
            key_algorithm: a.choice("KeyAlgorithm"),
            certificate_type: known(if a.get("CertificateAuthorityArn").is_some() {
                CertificateType::Private
            } else {
                CertificateType::AmazonIssued
            }),
            // The API's default validation method is EMAIL.
            validation_method: a.choice("ValidationMethod").or(known(ValidationMethod::Email)),
            transparency_logging: a.choice("CertificateTransparencyLoggingPreference"),
            ..AcmCertificate::default()
        })),
        _ => return None,
    })
}

/// §7b load balancers.
fn lb(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => Spec::LoadBalancer(Box::new(LoadBalancer {
            load_balancer_type: a.choice("Type").or(known(LoadBalancerType::Application)),
            internal: a.string("Scheme").map(|s| s.map(|s| s.map(|s| s == "internal"))),
        })),
        "AWS::ElasticLoadBalancingV2::Listener" => Spec::Listener(Box::new(Listener {
            load_balancer: a.reference("LoadBalancerArn"),
            protocol: a.choice("Protocol"),
            port: a.number("Port"),
            ssl_policy: a.string("SslPolicy"),
            ssl_policy_protocols: None.into(),
            default_actions: listener_actions(a, "DefaultActions", &ACTIONS),
            certificates: Spanned::new(
                a.blocks("Certificates")
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| c.reference("CertificateArn").value)
                    .collect(),
                a.span("Certificates"),
            ),
        })),
        "AWS::ElasticLoadBalancingV2::ListenerRule" => Spec::ListenerRule(Box::new(ListenerRule {
            listener: a.reference("ListenerArn"),
            actions: listener_actions(a, "Actions", &ACTIONS),
        })),
        "AWS::ElasticLoadBalancingV2::ListenerCertificate" => {
            Spec::ListenerCertificate(Box::new(ListenerCertificate {
                listener: a.reference("ListenerArn"),
                certificate: a
                    .blocks("Certificates")
                    .ok()
                    .and_then(|c| c.first().map(|c| c.reference("CertificateArn")))
                    .unwrap_or_default(),
            }))
        }
        "AWS::ElasticLoadBalancingV2::TargetGroup" => Spec::TargetGroup(Box::new(TargetGroup {
            protocol: match a.get("TargetType").and_then(Val::as_str) {
                Some("lambda") => None.into(),
                _ => a.choice("Protocol").or(known(LbProtocol::Http)),
            },
        })),
        "AWS::ElasticLoadBalancing::LoadBalancer" => Spec::ClassicLoadBalancer(Box::new(classic(a))),
        _ => return None,
    })
}

/// §7c CloudFront.
fn cloudfront(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "AWS::CloudFront::Distribution" => {
            Spec::CloudfrontDistribution(Box::new(match path(a, &["DistributionConfig"]) {
                Ok(Some(c)) => cloudfront_distribution(&c, &CLOUDFRONT),
                _ => CloudfrontDistribution {
                    behaviors: unknown("the distribution's configuration cannot be read"),
                    ..Default::default()
                },
            }))
        }

        _ => return None,
    })
}

/// Devices from block device mappings; without any, the root volume, whose encryption
/// follows the AMI.
fn devices(mappings: Result<Vec<Attrs>, Unknown>) -> Vec<Value<Vec<BlockDevice>>> {
    vec![or_image_root(block_device_mappings(mappings, &DEVICES))]
}

fn table_key(a: &Attrs) -> Spanned<KeyRef> {
    let key = encguard_values::dynamodb_table_key(path(a, &["SSESpecification"]), "SSEEnabled", "KMSMasterKeyId");
    Spanned::new(key, a.span("SSESpecification"))
}

/// A global table's key in the stack's own region. The table-level `SSESpecification` only
/// turns KMS encryption on; each replica names its key, and the table of this stack is the
/// replica in the stack's region: the one whose region is `AWS::Region`, or any when all
/// name the same key.
fn global_table_key(a: &Attrs, replicas: &[Replica]) -> Spanned<KeyRef> {
    let table = table_key(a);
    if !matches!(table.value, KeyRef::AwsManaged { .. }) {
        return table;
    }
    let own_region = replicas.iter().find(|r| match &*r.region {
        Some(Value::Unknown { unknown }) => unknown.contains("AWS::Region"),
        _ => false,
    });
    if let Some(own) = own_region {
        return own.kms_key.clone();
    }
    match replicas {
        [first, rest @ ..] if rest.iter().all(|r| r.kms_key.value == first.kms_key.value) => first.kms_key.clone(),
        _ => Spanned::new(
            KeyRef::unresolved(
                "each replica names its own key, and which replica is this stack's region is known at deploy time",
            ),
            table.span,
        ),
    }
}

/// The sort keys of a table and its indexes; unknown when one of them is.
fn range_keys(a: &Attrs) -> Value<Vec<String>> {
    let from_schema = |s: &Attrs, keys: &mut Vec<String>| -> Result<(), Unknown> {
        for k in s.blocks("KeySchema")? {
            if k.get("KeyType").and_then(Val::as_str) == Some("RANGE") {
                match k.get("AttributeName") {
                    Some(Val::Str(name)) => keys.push(name.clone()),
                    Some(Val::Unknown(u)) => return Err(Unknown::new(u.reason.clone())),
                    _ => {}
                }
            }
        }
        Ok(())
    };
    let mut keys = Vec::new();
    let all = (|| -> Result<(), Unknown> {
        from_schema(a, &mut keys)?;
        for index in ["LocalSecondaryIndexes", "GlobalSecondaryIndexes"] {
            for i in a.blocks(index)? {
                from_schema(&i, &mut keys)?;
            }
        }
        Ok(())
    })();
    match all {
        Ok(()) => Value::Known(keys),
        Err(why) => Value::unknown(why.reason),
    }
}

fn classic(a: &Attrs) -> ClassicLoadBalancer {
    let ssl_policies = a
        .blocks("Policies")
        .unwrap_or_default()
        .iter()
        .filter(|p| p.get("PolicyType").and_then(Val::as_str) == Some("SSLNegotiationPolicyType"))
        .map(|p| {
            let attributes: Vec<(String, Val)> = p
                .blocks("Attributes")
                .unwrap_or_default()
                .iter()
                .filter_map(|at| Some((at.get("Name")?.as_str()?.to_string(), at.get("Value")?.clone())))
                .collect();
            SslNegotiationPolicy {
                name: p.get("PolicyName").and_then(Val::as_str).unwrap_or_default().to_string(),
                reference_policy: attributes
                    .iter()
                    .find(|(n, _)| n == "Reference-Security-Policy")
                    .map(|(_, v)| match v {
                        Val::Str(s) => Value::Known(s.clone()),
                        other => {
                            Value::unknown(other.first_unknown().map_or("not a string".into(), |u| u.reason.clone()))
                        }
                    })
                    .into(),
                enabled_attributes: known(
                    attributes.iter().filter(|(_, v)| v.truthy().unwrap_or(false)).map(|(n, _)| n.clone()).collect(),
                ),
            }
        })
        .collect();
    // A policy can also attach itself to the listeners on its `LoadBalancerPorts`.
    let by_port: Vec<(String, Vec<u32>)> = a
        .blocks("Policies")
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            let name = p.get("PolicyName")?.as_str()?.to_string();
            let ports = match p.get("LoadBalancerPorts")? {
                Val::List(ports) => ports.iter().filter_map(|v| v.to_text().ok()?.parse().ok()).collect(),
                _ => return None,
            };
            Some((name, ports))
        })
        .collect();
    ClassicLoadBalancer {
        listeners: a.list("Listeners", |l| {
            let port = l.number("LoadBalancerPort");
            let attached: Vec<String> = by_port
                .iter()
                .filter(|(_, ports)| port.value.as_ref().and_then(|v| v.known()).is_some_and(|p| ports.contains(p)))
                .map(|(name, _)| name.clone())
                .collect();
            ClassicListener {
                lb_protocol: l.choice("Protocol"),
                instance_protocol: l.choice("InstanceProtocol"),
                ssl_certificate_id: l.reference("SSLCertificateId"),
                policy_names: l
                    .strings("PolicyNames")
                    .or(known(Vec::new()))
                    .map(|names| names.map(|names| names.map(|names| [names, attached].concat()))),
                lb_port: port,
            }
        }),
        ssl_policies,
    }
}

const S3_RULE: S3RuleNames = S3RuleNames {
    by_default: "ServerSideEncryptionByDefault",
    sse_algorithm: "SSEAlgorithm",
    kms_key: "KMSMasterKeyID",
    bucket_key_enabled: "BucketKeyEnabled",
};

const DEVICES: DeviceNames = DeviceNames {
    device_name: "DeviceName",
    ebs: "Ebs",
    encrypted: "Encrypted",
    kms_key: "KmsKeyId",
    snapshot: "SnapshotId",
};

const ACTIONS: ActionNames = ActionNames {
    action_type: "Type",
    redirect: "RedirectConfig",
    protocol: "Protocol",
    port: "Port",
    status_code: "StatusCode",
};

const CLOUDFRONT: CloudfrontNames = CloudfrontNames {
    enabled: "Enabled",
    default_behavior: "DefaultCacheBehavior",
    behaviors: "CacheBehaviors",
    path_pattern: "PathPattern",
    target_origin_id: "TargetOriginId",
    viewer_protocol_policy: "ViewerProtocolPolicy",
    origins: "Origins",
    origin_id: "Id",
    domain_name: "DomainName",
    custom_origin: "CustomOriginConfig",
    origin_protocol_policy: "OriginProtocolPolicy",
    // CloudFormation's default for custom origins.
    origin_protocol_default: Some("match-viewer"),
    origin_ssl_protocols: "OriginSSLProtocols",
    origin_access_control: "OriginAccessControlId",
    viewer_certificate: "ViewerCertificate",
    cloudfront_default_certificate: "CloudFrontDefaultCertificate",
    acm_certificate_arn: "AcmCertificateArn",
    iam_certificate_id: "IamCertificateId",
    minimum_protocol_version: "MinimumProtocolVersion",
    ssl_support_method: "SslSupportMethod",
};
