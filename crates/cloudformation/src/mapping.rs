//! CloudFormation resource types into the model, with CloudFormation's defaults.

use encguard_model::*;
use encguard_values::{known, unknown, Attrs, Val};
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
        _ => &[],
    };
    keys.iter().filter_map(|k| a.get(k).and_then(Val::as_str).map(str::to_string)).collect()
}

pub fn tags(a: &Attrs) -> Spanned<BTreeMap<String, String>> {
    let tags = match a.get("Tags") {
        Some(Val::List(items)) => items
            .iter()
            .filter_map(|t| {
                let t = Attrs::new(t);
                Some((t.get("Key")?.as_str()?.to_string(), t.get("Value")?.as_str()?.to_string()))
            })
            .collect(),
        Some(Val::Map(m)) => m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect(),
        _ => BTreeMap::new(),
    };
    Spanned::new(tags, a.span("Tags"))
}

/// The model of one resource, or `None` for types the policy does not concern.
pub fn to_spec(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "AWS::KMS::Key" => Spec::KmsKey(KmsKey {
            key_spec: a.string("KeySpec"),
            key_usage: a.string("KeyUsage"),
            origin: a.string("Origin"),
            key_manager: known("CUSTOMER".into()),
            rotation_enabled: a.boolean("EnableKeyRotation"),
            rotation_period_days: a.number("RotationPeriodInDays"),
            enabled: a.boolean("Enabled"),
            deletion_window_days: a.number("PendingWindowInDays"),
            policy: a.policy("KeyPolicy"),
            multi_region: a.boolean("MultiRegion"),
            ..KmsKey::default()
        }),
        "AWS::KMS::ReplicaKey" => Spec::KmsKey(KmsKey {
            key_manager: known("CUSTOMER".into()),
            enabled: a.boolean("Enabled"),
            deletion_window_days: a.number("PendingWindowInDays"),
            policy: a.policy("KeyPolicy"),
            replica_of: a.reference("PrimaryKeyArn"),
            ..KmsKey::default()
        }),
        "AWS::KMS::Alias" => {
            Spec::KmsAlias(KmsAlias { alias_name: a.string("AliasName"), target_key: a.reference("TargetKeyId") })
        }
        "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" => Spec::IamPolicy(IamPolicy {
            document: a.policy("PolicyDocument").map(|p| p.unwrap_or_else(|| Value::unknown("the policy is empty"))),
        }),
        "AWS::SecretsManager::Secret" => Spec::Secret(Secret {
            kms_key: a.key("KmsKeyId"),
            replicas: match a.blocks("ReplicaRegions") {
                Ok(rs) => {
                    rs.iter().map(|r| Replica { region: r.string("Region"), kms_key: r.key("KmsKeyId") }).collect()
                }
                Err(why) => vec![Replica::unreadable(why)],
            },
            rotation_enabled: None.into(),
        }),
        "AWS::SecretsManager::RotationSchedule" => {
            Spec::SecretRotation(SecretRotation { secret: a.reference("SecretId") })
        }
        "AWS::S3::Bucket" => Spec::S3Bucket(S3Bucket {
            bucket_name: a.string("BucketName"),
            encryption: match path(a, &["BucketEncryption"]) {
                Ok(None) => None.into(),
                Ok(Some(e)) => Spanned::new(
                    Some(match e.block("ServerSideEncryptionConfiguration") {
                        Ok(Some(rule)) => s3_rule(&rule),
                        Ok(None) => Value::Known(S3Encryption::default()),
                        Err(why) => Value::unknown(why),
                    }),
                    a.span("BucketEncryption"),
                ),
                Err(why) => unknown(why),
            },
            logging_target: match path(a, &["LoggingConfiguration"]) {
                Ok(Some(l)) => l.reference("DestinationBucketName"),
                Ok(None) => None.into(),
                Err(why) => unknown(why),
            },
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
        }),
        "AWS::S3::BucketPolicy" => Spec::S3BucketPolicy(S3BucketPolicy {
            bucket: a.reference("Bucket"),
            policy: a
                .policy("PolicyDocument")
                .map(|p| p.unwrap_or_else(|| Value::unknown("the bucket policy is empty"))),
        }),
        "AWS::EC2::Volume" => Spec::EbsVolume(EbsVolume {
            encrypted: a.boolean("Encrypted"),
            kms_key: a.key("KmsKeyId"),
            snapshot: a.reference("SnapshotId"),
        }),
        "AWS::EC2::Instance" | "AWS::AutoScaling::LaunchConfiguration" => {
            Spec::BlockDeviceHost(BlockDeviceHost { devices: devices(a.blocks("BlockDeviceMappings"), true) })
        }
        "AWS::EC2::LaunchTemplate" => Spec::BlockDeviceHost(BlockDeviceHost {
            devices: devices(
                path(a, &["LaunchTemplateData"])
                    .and_then(|d| d.map_or(Ok(Vec::new()), |d| d.blocks("BlockDeviceMappings"))),
                false,
            ),
        }),
        "AWS::RDS::DBInstance" => Spec::RdsInstance(RdsDatabase {
            identifier: a.string("DBInstanceIdentifier"),
            engine: a.string("Engine"),
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
        }),
        "AWS::RDS::DBCluster" => Spec::RdsCluster(RdsDatabase {
            identifier: a.string("DBClusterIdentifier"),
            engine: a.string("Engine"),
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
        }),
        "AWS::RDS::GlobalCluster" => Spec::RdsGlobalCluster(RdsGlobalCluster {
            storage_encrypted: a.boolean("StorageEncrypted"),
            source_cluster: a.reference("SourceDBClusterIdentifier"),
        }),
        "AWS::RDS::DBParameterGroup" | "AWS::RDS::DBClusterParameterGroup" => {
            Spec::DbParameterGroup(DbParameterGroup {
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
            })
        }
        "AWS::Logs::LogGroup" => {
            Spec::LogGroup(LogGroup { name: a.string("LogGroupName"), kms_key: a.key("KmsKeyId") })
        }
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => Spec::DynamodbTable(DynamodbTable {
            kms_key: table_key(a),
            range_keys: Spanned::new(range_keys(a), a.span("KeySchema")),
            ..DynamodbTable::default()
        }),
        "AWS::DynamoDB::GlobalTable" => Spec::DynamodbTable(DynamodbTable {
            kms_key: table_key(a),
            replicas: match a.blocks("Replicas") {
                Ok(blocks) => blocks
                    .iter()
                    .map(|r| Replica {
                        region: r.string("Region"),
                        kms_key: match path(r, &["SSESpecification"]) {
                            Ok(Some(s)) => s
                                .key("KMSMasterKeyId")
                                .map(|k| k.default_is(KeyRef::AwsManaged { alias: "alias/aws/dynamodb".into() })),
                            Ok(None) => table_key(a).map(|k| match k {
                                KeyRef::Customer { .. } => {
                                    KeyRef::unresolved("the replica names no key of its own region")
                                }
                                other => other,
                            }),
                            Err(why) => KeyRef::unresolved(why).into(),
                        },
                    })
                    .collect(),
                Err(why) => vec![Replica::unreadable(why)],
            },
            range_keys: Spanned::new(range_keys(a), a.span("KeySchema")),
            ..DynamodbTable::default()
        }),
        "AWS::DAX::Cluster" => Spec::DaxCluster(DaxCluster {
            sse_enabled: match path(a, &["SSESpecification"]) {
                Ok(Some(s)) => s.boolean("SSEEnabled"),
                Ok(None) => None.into(),
                Err(why) => unknown(why),
            },
            endpoint_encryption: a.string("ClusterEndpointEncryptionType"),
        }),
        "AWS::CertificateManager::Certificate" => Spec::AcmCertificate(AcmCertificate {
            domain_name: a.string("DomainName"),
            subject_alternative_names: a.strings("SubjectAlternativeNames"),
            key_algorithm: a.string("KeyAlgorithm"),
            certificate_type: known(
                if a.get("CertificateAuthorityArn").is_some() { "PRIVATE" } else { "AMAZON_ISSUED" }.into(),
            ),
            // The API's default validation method is EMAIL.
            validation_method: a.string("ValidationMethod").or(known("EMAIL".into())),
            transparency_logging: a.string("CertificateTransparencyLoggingPreference"),
            ..AcmCertificate::default()
        }),
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => Spec::LoadBalancer(LoadBalancer {
            load_balancer_type: a.string("Type").or(known("application".into())),
            internal: a.string("Scheme").map(|s| s.map(|s| s.map(|s| s == "internal"))),
        }),
        "AWS::ElasticLoadBalancingV2::Listener" => Spec::Listener(Listener {
            load_balancer: a.reference("LoadBalancerArn"),
            protocol: a.string("Protocol"),
            port: a.number("Port"),
            ssl_policy: a.string("SslPolicy"),
            ssl_policy_protocols: None.into(),
            default_actions: actions(a, "DefaultActions"),
            certificates: Spanned::new(
                a.blocks("Certificates")
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| c.reference("CertificateArn").value)
                    .collect(),
                a.span("Certificates"),
            ),
        }),
        "AWS::ElasticLoadBalancingV2::ListenerRule" => {
            Spec::ListenerRule(ListenerRule { listener: a.reference("ListenerArn"), actions: actions(a, "Actions") })
        }
        "AWS::ElasticLoadBalancingV2::ListenerCertificate" => Spec::ListenerCertificate(ListenerCertificate {
            listener: a.reference("ListenerArn"),
            certificate: a
                .blocks("Certificates")
                .ok()
                .and_then(|c| c.first().map(|c| c.reference("CertificateArn")))
                .unwrap_or_default(),
        }),
        "AWS::ElasticLoadBalancingV2::TargetGroup" => Spec::TargetGroup(TargetGroup {
            protocol: match a.get("TargetType").and_then(Val::as_str) {
                Some("lambda") => None.into(),
                _ => a.string("Protocol").or(known("HTTP".into())),
            },
        }),
        "AWS::ElasticLoadBalancing::LoadBalancer" => Spec::ClassicLoadBalancer(classic(a)),
        "AWS::CloudFront::Distribution" => Spec::CloudfrontDistribution(match path(a, &["DistributionConfig"]) {
            Ok(Some(c)) => cloudfront(&c),
            _ => CloudfrontDistribution {
                behaviors: unknown("the distribution's configuration cannot be read"),
                ..Default::default()
            },
        }),
        _ => return None,
    })
}

fn s3_rule(rule: &Attrs) -> Value<S3Encryption> {
    let by_default = match rule.block("ServerSideEncryptionByDefault") {
        Ok(d) => d.unwrap_or_default(),
        Err(why) => return Value::unknown(why),
    };
    Value::Known(S3Encryption {
        sse_algorithm: by_default.string("SSEAlgorithm"),
        kms_key: by_default.key("KMSMasterKeyID"),
        bucket_key_enabled: rule.boolean("BucketKeyEnabled"),
        blocked_encryption_types: match rule.block("BlockedEncryptionTypes") {
            Ok(Some(b)) => b.strings("EncryptionType"),
            Ok(None) => None.into(),
            Err(why) => unknown(why),
        },
    })
}

fn devices(mappings: Result<Vec<Attrs>, Unknown>, has_root: bool) -> Vec<Value<Vec<BlockDevice>>> {
    let mappings = match mappings {
        Ok(m) => m,
        Err(why) => return vec![Value::unknown(why)],
    };
    let mut out: Vec<BlockDevice> = mappings
        .iter()
        .filter_map(|m| {
            let name = m.get("DeviceName").and_then(Val::as_str).unwrap_or("device").to_string();
            match m.block("Ebs") {
                Ok(Some(ebs)) => Some(BlockDevice {
                    device_name: name,
                    encrypted: ebs.boolean("Encrypted"),
                    kms_key: ebs.key("KmsKeyId"),
                    snapshot: ebs.reference("SnapshotId"),
                }),
                Ok(None) => None,
                Err(why) => Some(BlockDevice { device_name: name, encrypted: unknown(why), ..BlockDevice::default() }),
            }
        })
        .collect();
    if has_root && out.is_empty() {
        out.push(BlockDevice {
            device_name: "root".into(),
            encrypted: unknown("the root volume's encryption follows the AMI, which the template does not show"),
            ..BlockDevice::default()
        });
    }
    vec![Value::Known(out)]
}

fn table_key(a: &Attrs) -> Spanned<KeyRef> {
    let key = encguard_values::dynamodb_table_key(path(a, &["SSESpecification"]), "SSEEnabled", "KMSMasterKeyId");
    Spanned::new(key, a.span("SSESpecification"))
}

fn range_keys(a: &Attrs) -> Vec<String> {
    let from_schema = |s: &Attrs| -> Vec<String> {
        s.blocks("KeySchema")
            .unwrap_or_default()
            .iter()
            .filter(|k| k.get("KeyType").and_then(Val::as_str) == Some("RANGE"))
            .filter_map(|k| k.get("AttributeName").and_then(Val::as_str).map(str::to_string))
            .collect()
    };
    let mut keys = from_schema(a);
    for index in ["LocalSecondaryIndexes", "GlobalSecondaryIndexes"] {
        for i in a.blocks(index).unwrap_or_default() {
            keys.extend(from_schema(&i));
        }
    }
    keys
}

fn actions(a: &Attrs, name: &str) -> Field<Vec<ListenerAction>> {
    match a.blocks(name) {
        Ok(list) => a.known_at(
            name,
            list.iter()
                .map(|b| {
                    let redirect = b.block("RedirectConfig").ok().flatten().unwrap_or_default();
                    ListenerAction {
                        action_type: b.get("Type").and_then(Val::as_str).unwrap_or("").to_string(),
                        redirect_protocol: redirect.string("Protocol"),
                        redirect_port: redirect.string("Port"),
                        redirect_status_code: redirect.string("StatusCode"),
                    }
                })
                .collect(),
        ),
        Err(why) => unknown(why),
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
    ClassicLoadBalancer {
        listeners: match a.blocks("Listeners") {
            Ok(ls) => a.known_at(
                "Listeners",
                ls.iter()
                    .map(|l| ClassicListener {
                        lb_port: l.number("LoadBalancerPort"),
                        lb_protocol: l.string("Protocol"),
                        instance_protocol: l.string("InstanceProtocol"),
                        ssl_certificate_id: l.reference("SSLCertificateId"),
                        policy_names: l.strings("PolicyNames").or(known(Vec::new())),
                    })
                    .collect(),
            ),
            Err(why) => unknown(why),
        },
        ssl_policies,
    }
}

fn cloudfront(c: &Attrs) -> CloudfrontDistribution {
    let behavior = |b: &Attrs, default_path: &str| CacheBehavior {
        path_pattern: b.get("PathPattern").and_then(Val::as_str).unwrap_or(default_path).to_string(),
        target_origin_id: b.string("TargetOriginId"),
        viewer_protocol_policy: b.string("ViewerProtocolPolicy"),
    };
    let behaviors = match (c.blocks("DefaultCacheBehavior"), c.blocks("CacheBehaviors")) {
        (Ok(d), Ok(o)) => c.known_at(
            "DefaultCacheBehavior",
            d.iter().map(|b| behavior(b, "*")).chain(o.iter().map(|b| behavior(b, "?"))).collect(),
        ),
        (Err(why), _) | (_, Err(why)) => unknown(why),
    };
    let origins = match c.blocks("Origins") {
        Ok(os) => c.known_at(
            "Origins",
            os.iter()
                .map(|o| {
                    let custom = o.block("CustomOriginConfig");
                    let s3 = matches!(custom, Ok(None));
                    let custom = custom.ok().flatten();
                    Origin {
                        origin_id: o.string("Id"),
                        domain_name: o.string("DomainName"),
                        // CloudFormation's default for custom origins is match-viewer.
                        origin_protocol_policy: custom.map_or_else(Field::default, |c| {
                            c.string("OriginProtocolPolicy").or(known("match-viewer".into()))
                        }),
                        origin_ssl_protocols: custom.unwrap_or_default().strings("OriginSSLProtocols"),
                        s3_origin: s3,
                        origin_access_control: o.string("OriginAccessControlId"),
                    }
                })
                .collect(),
        ),
        Err(why) => unknown(why),
    };
    let viewer_certificate = match c.block("ViewerCertificate") {
        Ok(Some(v)) => ViewerCertificate {
            cloudfront_default_certificate: v.boolean("CloudFrontDefaultCertificate"),
            acm_certificate_arn: v.reference("AcmCertificateArn"),
            iam_certificate_id: v.string("IamCertificateId"),
            minimum_protocol_version: v.string("MinimumProtocolVersion"),
            ssl_support_method: v.string("SslSupportMethod"),
        },
        Ok(None) => ViewerCertificate { cloudfront_default_certificate: known(true), ..ViewerCertificate::default() },
        Err(why) => ViewerCertificate { acm_certificate_arn: unknown(why), ..ViewerCertificate::default() },
    };
    CloudfrontDistribution {
        enabled: c.boolean("Enabled"),
        behaviors,
        origins,
        viewer_certificate: Spanned::new(viewer_certificate, c.span("ViewerCertificate")),
    }
}
