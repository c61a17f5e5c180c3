//! Terraform resource types into the model: which attribute means what, with the AWS
//! provider's defaults. Used for HCL and plan JSON alike.

use encguard_model::*;
use encguard_values::{
    block_device, block_device_mappings, cloudfront_distribution, image_root, known, listener_actions, or_image_root,
    s3_rule, unknown, ActionNames, Attrs, CloudfrontNames, DeviceNames, S3RuleNames, Unknown, Val, HOLE,
};
use std::collections::BTreeMap;

/// Attributes a resource has once created that references commonly use, where they
/// follow from its configuration (a bucket's ARN from its name); the rest stay unknown
/// until apply. Data sources that only look things up by name answer with that name.
pub fn computed(kind: &str, m: &mut BTreeMap<String, Val>, address: &str, handle: &str) {
    let data = address.starts_with("data.");
    let get = |m: &BTreeMap<String, Val>, k: &str| m.get(k).cloned().filter(|v| !matches!(v, Val::Null));
    let partial = |text: String| {
        Val::Unknown(Box::new(Unknown {
            reason: format!("`{address}.arn` is known only after apply"),
            refers_to: Some(handle.to_string()),
            partial: Some(text),
            generated: None,
        }))
    };
    match (data, kind) {
        (_, "aws_s3_bucket") => {
            if let Some(Val::Str(name)) = get(m, "bucket") {
                m.insert("id".into(), Val::Str(name.clone()));
                m.insert("arn".into(), Val::Str(format!("arn:aws:s3:::{name}")));
            } else if !data {
                m.insert("arn".into(), partial(format!("arn:aws:s3:::{HOLE}")));
            }
        }
        (false, "aws_iam_role" | "aws_iam_user") => {
            if let Some(Val::Str(name)) = get(m, "name") {
                let what = if kind == "aws_iam_role" { "role" } else { "user" };
                m.insert("arn".into(), partial(format!("arn:aws:iam::{HOLE}:{what}/{name}")));
            }
        }
        (
            false,
            "aws_kms_alias" | "aws_db_parameter_group" | "aws_rds_cluster_parameter_group" | "aws_cloudwatch_log_group",
        ) => {
            if let Some(name) = get(m, "name") {
                m.insert("id".into(), name);
            }
            if let Some(target) = get(m, "target_key_id") {
                m.insert("target_key_arn".into(), target);
            }
        }
        (true, "aws_kms_key") => {
            if let Some(id) = get(m, "key_id") {
                for k in ["id", "arn", "key_id"] {
                    m.insert(k.into(), id.clone());
                }
            }
        }
        (true, "aws_kms_alias") => {
            if let Some(name) = get(m, "name") {
                for k in ["id", "arn", "target_key_arn", "target_key_id"] {
                    m.insert(k.into(), name.clone());
                }
            }
        }
        (true, "aws_iam_policy_document") => {
            m.insert("json".into(), policy_document_json(m));
        }
        (true, "aws_caller_identity") => {
            m.insert("account_id".into(), Val::unknown("the account id is known at plan time"));
        }
        (true, "aws_partition") => {
            m.insert(
                "partition".into(),
                Val::Unknown(Box::new(Unknown {
                    reason: "the partition is known at plan time".into(),
                    refers_to: None,
                    partial: Some("aws".into()),
                    generated: None,
                })),
            );
        }
        _ => {}
    }
}

/// The sort keys of a table and its indexes; unknown when one of them is.
fn range_keys(a: &Attrs) -> Value<Vec<String>> {
    let mut keys = Vec::new();
    let indexes = ["local_secondary_index", "global_secondary_index"].iter().map(|b| a.blocks(b));
    for index in std::iter::once(Ok(vec![*a])).chain(indexes) {
        let Ok(index) = index else { return Value::unknown("the table's indexes cannot be known") };
        for i in index {
            match i.get("range_key") {
                Some(Val::Str(key)) => keys.push(key.clone()),
                Some(Val::Unknown(u)) => return Value::unknown(u.reason.clone()),
                _ => {}
            }
        }
    }
    Value::Known(keys)
}

/// `data "aws_iam_policy_document"` as the JSON Terraform would render.
fn policy_document_json(m: &BTreeMap<String, Val>) -> Val {
    let a = Attrs::new_map(m);
    let Ok(statements) = a.blocks("statement") else {
        return Val::unknown("the policy document's statements are generated dynamically");
    };
    let principals = |s: &Attrs, block: &str| -> Option<Val> {
        let blocks = s.blocks(block).ok()?;
        if blocks.is_empty() {
            return None;
        }
        let mut map: BTreeMap<String, Val> = BTreeMap::new();
        for p in blocks {
            let kind = p.get("type").and_then(Val::as_str).unwrap_or("AWS").to_string();
            let ids = p.get("identifiers").cloned().unwrap_or(Val::List(Vec::new()));
            if kind == "*" {
                return Some(Val::Str("*".into()));
            }
            if let Val::List(l) = map.entry(kind).or_insert_with(|| Val::List(Vec::new())) {
                match ids {
                    Val::List(ids) => l.extend(ids),
                    other => l.push(other),
                }
            }
        }
        Some(Val::Map(map))
    };
    let mut out = Vec::new();
    for s in &statements {
        let mut st = BTreeMap::new();
        st.insert("Effect".to_string(), s.get("effect").cloned().unwrap_or(Val::Str("Allow".into())));
        for (hcl, json) in [
            ("sid", "Sid"),
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(v) = s.get(hcl) {
                st.insert(json.to_string(), v.clone());
            }
        }
        if let Some(p) = principals(s, "principals") {
            st.insert("Principal".into(), p);
        }
        if let Some(p) = principals(s, "not_principals") {
            st.insert("NotPrincipal".into(), p);
        }
        if let Ok(conditions) = s.blocks("condition") {
            let mut cond: BTreeMap<String, Val> = BTreeMap::new();
            for c in conditions {
                let (Some(Val::Str(test)), Some(Val::Str(variable))) = (c.get("test"), c.get("variable")) else {
                    continue;
                };
                if let Val::Map(m) = cond.entry(test.clone()).or_insert_with(|| Val::Map(BTreeMap::new())) {
                    m.insert(variable.clone(), c.get("values").cloned().unwrap_or(Val::List(Vec::new())));
                }
            }
            if !cond.is_empty() {
                st.insert("Condition".into(), Val::Map(cond));
            }
        }
        out.push(Val::Map(st));
    }
    Val::Map(BTreeMap::from([
        ("Version".to_string(), Val::Str("2012-10-17".into())),
        ("Statement".to_string(), Val::List(out)),
    ]))
    .to_json()
}

/// Names a resource can be referred to by, besides its address.
pub fn identity(kind: &str, a: &Attrs) -> Vec<String> {
    let keys: &[&str] = match kind {
        "aws_s3_bucket" => &["bucket", "arn"],
        "aws_kms_alias" => &["name"],
        "aws_secretsmanager_secret" => &["name"],
        "aws_db_parameter_group" | "aws_rds_cluster_parameter_group" | "aws_cloudwatch_log_group" => &["name"],
        "aws_db_instance" | "aws_rds_cluster" => &["identifier", "cluster_identifier"],
        "aws_db_snapshot" => &["db_snapshot_identifier"],
        "aws_db_cluster_snapshot" => &["db_cluster_snapshot_identifier"],
        "aws_db_snapshot_copy" | "aws_db_cluster_snapshot_copy" => {
            &["target_db_snapshot_identifier", "target_db_cluster_snapshot_identifier"]
        }
        "aws_dynamodb_table" => &["name"],
        "aws_dax_cluster" => &["cluster_name"],
        "aws_elb" | "aws_lb" | "aws_alb" => &["name"],
        _ => &[],
    };
    let mut out: Vec<String> = keys.iter().filter_map(|k| a.get(k).and_then(Val::as_str).map(str::to_string)).collect();
    // A distribution goes by the names it serves.
    if let ("aws_cloudfront_distribution", Some(Val::List(aliases))) = (kind, a.get("aliases")) {
        out.extend(aliases.iter().filter_map(Val::as_str).map(str::to_string));
    }
    // Plan values carry ids and ARNs once known.
    for k in ["id", "arn"] {
        if let Some(Val::Str(s)) = a.get(k) {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    out
}

/// The model of one resource instance, or `None` for types the policy does not concern. Each
/// family of the policy maps its own types.
pub fn to_spec(kind: &str, a: &Attrs) -> Option<Spec> {
    type Family = fn(&str, &Attrs) -> Option<Spec>;
    const FAMILIES: [Family; 9] = [kms, secrets, s3, ebs, rds, dynamodb, acm, lb, cloudfront];
    FAMILIES.iter().find_map(|family| family(kind, a))
}

/// §1 KMS keys, aliases, key policies and IAM policies.
fn kms(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "aws_kms_key" => Spec::KmsKey(Box::new(KmsKey {
            key_spec: a.choice("customer_master_key_spec").or(a.choice("key_spec")),
            key_usage: a.choice("key_usage"),
            custom_key_store_id: a.string("custom_key_store_id").or(a.string("xks_key_id")),
            key_manager: known(KeyManager::Customer),
            rotation_enabled: a.boolean("enable_key_rotation"),
            rotation_period_days: a.number("rotation_period_in_days"),
            enabled: a.boolean("is_enabled"),
            deletion_window_days: a.number("deletion_window_in_days"),
            policy: a.policy("policy"),
            multi_region: a.boolean("multi_region"),
            ..KmsKey::default()
        })),
        "aws_kms_external_key" | "aws_kms_replica_external_key" => Spec::KmsKey(Box::new(KmsKey {
            origin: known(KeyOrigin::External),
            key_manager: known(KeyManager::Customer),
            enabled: a.boolean("enabled"),
            deletion_window_days: a.number("deletion_window_in_days"),
            policy: a.policy("policy"),
            expiration_model: a.field("valid_to", |_| Value::Known("KEY_MATERIAL_EXPIRES".into())),
            valid_to: a.string("valid_to"),
            replica_of: a.reference("primary_key_arn"),
            ..KmsKey::default()
        })),
        "aws_kms_replica_key" => Spec::KmsKey(Box::new(KmsKey {
            key_manager: known(KeyManager::Customer),
            enabled: a.boolean("enabled"),
            deletion_window_days: a.number("deletion_window_in_days"),
            policy: a.policy("policy"),
            replica_of: a.reference("primary_key_arn"),
            ..KmsKey::default()
        })),
        "aws_kms_alias" => Spec::KmsAlias(Box::new(KmsAlias {
            alias_name: a.string("name"),
            target_key: a.reference("target_key_id"),
        })),
        "aws_kms_key_policy" => Spec::KmsKeyPolicy(Box::new(KmsKeyPolicy {
            key: a.reference("key_id"),
            policy: a.policy("policy").map(|p| p.unwrap_or_else(|| Value::unknown("the key policy is empty"))),
        })),
        "aws_iam_policy" | "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
            Spec::IamPolicy(Box::new(IamPolicy {
                document: a.policy("policy").map(|p| p.unwrap_or_else(|| Value::unknown("the policy is empty"))),
            }))
        }
        _ => return None,
    })
}

/// §2 Secrets Manager.
fn secrets(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "aws_secretsmanager_secret" => Spec::Secret(Box::new(Secret {
            kms_key: a.key("kms_key_id"),
            replicas: a.replicas("replica", |r| Replica { region: r.string("region"), kms_key: r.key("kms_key_id") }),
            rotation_enabled: None.into(),
        })),
        "aws_secretsmanager_secret_rotation" => {
            Spec::SecretRotation(Box::new(SecretRotation { secret: a.reference("secret_id") }))
        }
        _ => return None,
    })
}

/// §3 S3.
fn s3(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "aws_s3_bucket" => Spec::S3Bucket(Box::new(S3Bucket {
            bucket_name: a.string("bucket").or_else(|| {
                a.field("bucket_prefix", |_| Value::unknown("the bucket name is generated from `bucket_prefix`"))
            }),
            encryption: a.field("server_side_encryption_configuration", |_| {
                match a.block("server_side_encryption_configuration") {
                    Ok(Some(c)) => s3_encryption(&c),
                    Ok(None) => Value::unknown("empty server_side_encryption_configuration"),
                    Err(why) => Value::unknown(why),
                }
            }),
            policy: a.policy("policy"),
            logging_target: a.nested("logging", |l| l.reference("target_bucket")),
            ..S3Bucket::default()
        })),
        "aws_s3_bucket_server_side_encryption_configuration" => {
            Spec::S3EncryptionConfig(Box::new(S3EncryptionConfig {
                bucket: a.reference("bucket"),
                encryption: s3_encryption(a),
            }))
        }
        "aws_s3_bucket_policy" => Spec::S3BucketPolicy(Box::new(S3BucketPolicy {
            bucket: a.reference("bucket"),
            policy: a.policy("policy").map(|p| p.unwrap_or_else(|| Value::unknown("the bucket policy is empty"))),
        })),
        "aws_s3_bucket_logging" => Spec::S3Logging(Box::new(S3Logging {
            bucket: a.reference("bucket"),
            target_bucket: a.reference("target_bucket"),
        })),
        "aws_s3_bucket_inventory" => Spec::S3InventoryConfig(Box::new(S3InventoryConfig {
            bucket: a.reference("bucket"),
            optional_fields: a.strings("optional_fields"),
        })),
        "aws_s3_object" | "aws_s3_bucket_object" => Spec::S3Object(Box::new(S3Object {
            bucket: a.reference("bucket"),
            server_side_encryption: a.choice("server_side_encryption"),
            kms_key: a.key("kms_key_id"),
        })),
        _ => return None,
    })
}

/// §4 EBS volumes, snapshots, images and the hosts that attach volumes.
fn ebs(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "aws_ebs_encryption_by_default" => Spec::EbsEncryptionByDefault(Box::new(EbsEncryptionByDefault {
            enabled: a.boolean("enabled").or(known(true)),
        })),
        "aws_ebs_default_kms_key" => Spec::EbsDefaultKey(Box::new(EbsDefaultKey { kms_key: a.key("key_arn") })),
        "aws_ebs_volume" => Spec::EbsVolume(Box::new(EbsVolume {
            encrypted: a.boolean("encrypted"),
            kms_key: a.key("kms_key_id"),
            snapshot: a.reference("snapshot_id"),
        })),
        "aws_instance" | "aws_launch_configuration" => {
            Spec::BlockDeviceHost(Box::new(BlockDeviceHost { devices: instance_devices(a) }))
        }
        "aws_launch_template" => Spec::BlockDeviceHost(Box::new(BlockDeviceHost {
            devices: vec![or_image_root(block_device_mappings(a.blocks("block_device_mappings"), &DEVICES))],
        })),
        "aws_ebs_snapshot" => {
            Spec::EbsSnapshot(Box::new(EbsSnapshot { volume: a.reference("volume_id"), ..EbsSnapshot::default() }))
        }
        "aws_ebs_snapshot_copy" => Spec::EbsSnapshot(Box::new(EbsSnapshot {
            encrypted: a.boolean("encrypted"),
            kms_key: a.key("kms_key_id"),
            volume: a.reference("source_snapshot_id"),
            copy: true,
        })),
        "aws_ami" => Spec::Ami(Box::new(Ami {
            devices: a
                .blocks("ebs_block_device")
                .unwrap_or_default()
                .iter()
                .map(|d| {
                    block_device(d.get("device_name").and_then(Val::as_str).unwrap_or("device").into(), d, &DEVICES)
                })
                .collect(),
            ..Ami::default()
        })),
        "aws_ami_copy" => Spec::Ami(Box::new(Ami {
            copy: true,
            encrypted: a.boolean("encrypted"),
            kms_key: a.key("kms_key_id"),
            ..Ami::default()
        })),
        _ => return None,
    })
}

/// §5 RDS databases, snapshots, backups, parameter groups and log groups.
fn rds(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "aws_db_instance" | "aws_rds_cluster_instance" => Spec::RdsInstance(Box::new(RdsDatabase {
            identifier: a.string("identifier"),
            engine: a.string("engine"),
            engine_version: a.string("engine_version"),
            storage_encrypted: a.boolean("storage_encrypted"),
            kms_key: a.key("kms_key_id"),
            replication_source: a.reference("replicate_source_db"),
            snapshot_source: a.reference("snapshot_identifier"),
            cluster: a.reference("cluster_identifier"),
            performance_insights_enabled: a.boolean("performance_insights_enabled"),
            performance_insights_kms_key: a.key("performance_insights_kms_key_id"),
            cloudwatch_logs_exports: a.strings("enabled_cloudwatch_logs_exports"),
            parameter_group: a.reference("parameter_group_name").or(a.reference("db_parameter_group_name")),
            ca_cert_identifier: a.string("ca_cert_identifier"),
            ..RdsDatabase::default()
        })),
        "aws_rds_cluster" => Spec::RdsCluster(Box::new(RdsDatabase {
            identifier: a.string("cluster_identifier"),
            engine: a.string("engine"),
            engine_version: a.string("engine_version"),
            engine_mode: a.string("engine_mode"),
            storage_encrypted: a.boolean("storage_encrypted"),
            kms_key: a.key("kms_key_id"),
            replication_source: a.reference("replication_source_identifier"),
            snapshot_source: a.reference("snapshot_identifier"),
            performance_insights_enabled: a.boolean("performance_insights_enabled"),
            performance_insights_kms_key: a.key("performance_insights_kms_key_id"),
            cloudwatch_logs_exports: a.strings("enabled_cloudwatch_logs_exports"),
            parameter_group: a.reference("db_cluster_parameter_group_name"),
            ..RdsDatabase::default()
        })),
        "aws_rds_global_cluster" => Spec::RdsGlobalCluster(Box::new(RdsGlobalCluster {
            storage_encrypted: a.boolean("storage_encrypted"),
            source_cluster: a.reference("source_db_cluster_identifier"),
        })),
        "aws_db_snapshot" => Spec::RdsSnapshot(Box::new(RdsSnapshot {
            source: a.reference("db_instance_identifier"),
            ..RdsSnapshot::default()
        })),
        "aws_db_cluster_snapshot" => Spec::RdsSnapshot(Box::new(RdsSnapshot {
            source: a.reference("db_cluster_identifier"),
            ..RdsSnapshot::default()
        })),
        "aws_db_snapshot_copy" => Spec::RdsSnapshot(Box::new(RdsSnapshot {
            kms_key: a.key("kms_key_id"),
            source: a.reference("source_db_snapshot_identifier"),
            copy: true,
            ..RdsSnapshot::default()
        })),
        "aws_db_cluster_snapshot_copy" => Spec::RdsSnapshot(Box::new(RdsSnapshot {
            kms_key: a.key("kms_key_id"),
            source: a.reference("source_db_cluster_snapshot_identifier"),
            copy: true,
            ..RdsSnapshot::default()
        })),
        "aws_db_instance_automated_backups_replication" => Spec::RdsBackupReplication(Box::new(RdsBackupReplication {
            source: a.reference("source_db_instance_arn"),
            encrypted: None.into(),
            kms_key: a.key("kms_key_id"),
        })),
        "aws_db_parameter_group" | "aws_rds_cluster_parameter_group" => {
            Spec::DbParameterGroup(Box::new(DbParameterGroup {
                name: a.string("name"),
                family: a.string("family"),
                parameters: match a.blocks("parameter") {
                    Ok(ps) => {
                        let mut map = BTreeMap::new();
                        let mut unreadable = None;
                        for p in ps {
                            match (p.string("name").value, p.string("value").value) {
                                (Some(Value::Known(n)), Some(Value::Known(v))) => {
                                    map.insert(n, v);
                                }
                                (Some(Value::Known(n)), Some(Value::Unknown { unknown: why })) => {
                                    unreadable.get_or_insert(format!("parameter {n}: {why}"));
                                }
                                _ => {}
                            }
                        }
                        match unreadable {
                            Some(why) if map.is_empty() => unknown(why),
                            _ => known(map),
                        }
                    }
                    Err(why) => unknown(why),
                },
            }))
        }
        "aws_cloudwatch_log_group" => {
            Spec::LogGroup(Box::new(LogGroup { name: a.string("name"), kms_key: a.key("kms_key_id") }))
        }
        _ => return None,
    })
}

/// §6 DynamoDB and DAX.
fn dynamodb(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "aws_dynamodb_table" => Spec::DynamodbTable(Box::new(DynamodbTable {
            kms_key: Spanned::new(
                encguard_values::dynamodb_table_key(a.block("server_side_encryption"), "enabled", "kms_key_arn"),
                a.span("server_side_encryption"),
            ),
            replicas: a.replicas("replica", |r| Replica {
                region: r.string("region_name"),
                kms_key: r.key("kms_key_arn").map(|k| k.default_is(KeyRef::AwsOwned)),
            }),
            range_keys: Spanned::new(Some(range_keys(a)), a.span("range_key")),
            inaccessible_since: None.into(),
        })),
        "aws_dynamodb_table_replica" => Spec::DynamodbReplica(Box::new(DynamodbReplica {
            table: a.reference("global_table_arn"),
            kms_key: a.key("kms_key_arn").map(|k| k.default_is(KeyRef::AwsOwned)),
        })),
        "aws_dax_cluster" => Spec::DaxCluster(Box::new(DaxCluster {
            sse_enabled: a.nested("server_side_encryption", |sse| sse.boolean("enabled")),
            endpoint_encryption: a.choice("cluster_endpoint_encryption_type"),
        })),
        _ => return None,
    })
}

/// §7a ACM certificates.
fn acm(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "aws_acm_certificate" => {
            let imported = a.get("certificate_body").is_some() || a.get("private_key").is_some();
            let private = a.get("certificate_authority_arn").is_some();
            // ACM reads an imported certificate's key and expiry from its body; so does this.
            let body = imported.then(|| match a.get("certificate_body") {
                Some(Val::Str(pem)) => crate::certificate::read_pem(pem).ok_or_else(|| {
                    "the imported certificate body is not a PEM certificate encguard can read".to_string()
                }),
                Some(other) => {
                    Err(other.first_unknown().map_or("the certificate body is not text".into(), |u| u.reason.clone()))
                }
                None => Err("the imported certificate's body is not written".into()),
            });
            let (key_algorithm, not_after) = match body {
                None => (a.choice("key_algorithm"), a.string("not_after")),
                Some(Ok(facts)) => (
                    Spanned::new(Some(Value::Known(facts.key_algorithm)), a.span("certificate_body")),
                    Spanned::new(Some(Value::Known(facts.not_after)), a.span("certificate_body")),
                ),
                Some(Err(why)) => (unknown(why.clone()), unknown(why)),
            };
            Spec::AcmCertificate(Box::new(AcmCertificate {
                domain_name: a.string("domain_name"),
                subject_alternative_names: a.strings("subject_alternative_names"),
                key_algorithm,
                certificate_type: known(if imported {
                    CertificateType::Imported
                } else if private {
                    CertificateType::Private
                } else {
                    CertificateType::AmazonIssued
                }),
                validation_method: a.choice("validation_method"),
                transparency_logging: match a.block("options") {
                    Ok(Some(o)) => o.choice("certificate_transparency_logging_preference"),
                    _ => None.into(),
                },
                not_after,
                status: a.choice("status"),
                ..AcmCertificate::default()
            }))
        }
        "aws_acm_certificate_validation" => {
            Spec::AcmValidation(Box::new(AcmValidation { certificate: a.reference("certificate_arn") }))
        }
        _ => return None,
    })
}

/// §7b load balancers.
fn lb(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "aws_lb" | "aws_alb" => Spec::LoadBalancer(Box::new(LoadBalancer {
            load_balancer_type: a.choice("load_balancer_type").or(known(LoadBalancerType::Application)),
            internal: a.boolean("internal"),
        })),
        "aws_lb_listener" | "aws_alb_listener" => Spec::Listener(Box::new(Listener {
            load_balancer: a.reference("load_balancer_arn"),
            protocol: a.choice("protocol"),
            port: a.number("port"),
            ssl_policy: a.string("ssl_policy"),
            ssl_policy_protocols: None.into(),
            default_actions: listener_actions(a, "default_action", &ACTIONS),
            certificates: a.reference("certificate_arn").map(|arn| arn.into_iter().collect()),
        })),
        "aws_lb_listener_rule" | "aws_alb_listener_rule" => Spec::ListenerRule(Box::new(ListenerRule {
            listener: a.reference("listener_arn"),
            actions: listener_actions(a, "action", &ACTIONS),
        })),
        "aws_lb_listener_certificate" => Spec::ListenerCertificate(Box::new(ListenerCertificate {
            listener: a.reference("listener_arn"),
            certificate: a.reference("certificate_arn"),
        })),
        "aws_lb_target_group" | "aws_alb_target_group" => Spec::TargetGroup(Box::new(TargetGroup {
            protocol: match a.get("target_type").and_then(Val::as_str) {
                Some("lambda") => None.into(),
                _ => a.choice("protocol").or(known(LbProtocol::Http)),
            },
        })),
        // Joined to their load balancers after evaluation; those whose load balancer the
        // scan does not describe are judged alone.
        "aws_load_balancer_policy" | "aws_lb_ssl_negotiation_policy" => {
            Spec::SslNegotiationPolicy(Box::new(crate::classic_policies::negotiation_policy(kind, a)?))
        }
        "aws_elb" => Spec::ClassicLoadBalancer(Box::new(ClassicLoadBalancer {
            listeners: a.list("listener", |l| ClassicListener {
                lb_port: l.number("lb_port"),
                lb_protocol: l.choice("lb_protocol"),
                instance_protocol: l.choice("instance_protocol"),
                ssl_certificate_id: l.reference("ssl_certificate_id"),
                policy_names: known(Vec::new()),
            }),
            ssl_policies: Vec::new(),
        })),
        _ => return None,
    })
}

/// §7c CloudFront.
fn cloudfront(kind: &str, a: &Attrs) -> Option<Spec> {
    Some(match kind {
        "aws_cloudfront_distribution" => {
            Spec::CloudfrontDistribution(Box::new(cloudfront_distribution(a, &CLOUDFRONT)))
        }

        _ => return None,
    })
}

fn s3_encryption(config: &Attrs) -> Value<S3Encryption> {
    match config.block("rule") {
        Ok(Some(rule)) => s3_rule(&rule, &S3_RULE, rule.strings("blocked_encryption_types")),
        Ok(None) => Value::Known(S3Encryption::default()),
        Err(why) => Value::unknown(why),
    }
}

fn instance_devices(a: &Attrs) -> Vec<Value<Vec<BlockDevice>>> {
    let mut groups = Vec::new();
    match a.blocks("root_block_device") {
        Ok(roots) if roots.is_empty() => groups.push(Value::Known(vec![image_root()])),
        Ok(roots) => {
            groups.push(Value::Known(roots.iter().map(|d| block_device("root".into(), d, &DEVICES)).collect()))
        }
        Err(why) => groups.push(Value::unknown(why)),
    }
    match a.blocks("ebs_block_device") {
        Ok(devices) => groups.push(Value::Known(
            devices
                .iter()
                .map(|d| {
                    let name = d.get("device_name").and_then(Val::as_str).unwrap_or("ebs_block_device");
                    block_device(name.to_string(), d, &DEVICES)
                })
                .collect(),
        )),
        Err(why) => groups.push(Value::unknown(why)),
    }
    groups
}

const S3_RULE: S3RuleNames = S3RuleNames {
    by_default: "apply_server_side_encryption_by_default",
    sse_algorithm: "sse_algorithm",
    kms_key: "kms_master_key_id",
    bucket_key_enabled: "bucket_key_enabled",
};

/// Devices are written flat (`ebs_block_device`, `root_block_device`) or, in launch
/// templates, with their volume in an `ebs` block.
const DEVICES: DeviceNames = DeviceNames {
    device_name: "device_name",
    ebs: "ebs",
    encrypted: "encrypted",
    kms_key: "kms_key_id",
    snapshot: "snapshot_id",
};

const ACTIONS: ActionNames = ActionNames {
    action_type: "type",
    redirect: "redirect",
    protocol: "protocol",
    port: "port",
    status_code: "status_code",
};

const CLOUDFRONT: CloudfrontNames = CloudfrontNames {
    enabled: "enabled",
    default_behavior: "default_cache_behavior",
    behaviors: "ordered_cache_behavior",
    path_pattern: "path_pattern",
    target_origin_id: "target_origin_id",
    viewer_protocol_policy: "viewer_protocol_policy",
    origins: "origin",
    origin_id: "origin_id",
    domain_name: "domain_name",
    custom_origin: "custom_origin_config",
    origin_protocol_policy: "origin_protocol_policy",
    origin_protocol_default: None,
    origin_ssl_protocols: "origin_ssl_protocols",
    origin_access_control: "origin_access_control_id",
    viewer_certificate: "viewer_certificate",
    cloudfront_default_certificate: "cloudfront_default_certificate",
    acm_certificate_arn: "acm_certificate_arn",
    iam_certificate_id: "iam_certificate_id",
    minimum_protocol_version: "minimum_protocol_version",
    ssl_support_method: "ssl_support_method",
};
