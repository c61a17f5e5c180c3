//! RDS and Aurora: instances, clusters, global clusters, snapshots, automated backups,
//! the TLS parameters of parameter groups (default ones too), and the log groups of exported logs.

use crate::common::{each_page, Collector};
use aws_config::SdkConfig;
use encguard_model::*;
use std::collections::{BTreeMap, BTreeSet};

fn key(id: Option<&str>) -> KeyRef {
    id.map_or(KeyRef::ServiceDefault, KeyRef::literal)
}

fn text(s: Option<&str>) -> Field<String> {
    s.map(|s| Value::Known(s.to_string())).into()
}

/// Parameters that force TLS, the only ones the rules read.
const TLS_PARAMETERS: &[&str] = &["rds.force_ssl", "require_secure_transport"];

pub async fn collect(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_rds::Client::new(conf);
    let mut groups: BTreeSet<String> = BTreeSet::new();
    let mut cluster_groups: BTreeSet<String> = BTreeSet::new();
    let _ =
        each_page!(c, "rds:DescribeDBInstances", "", client.describe_db_instances().into_paginator().send(), |page| {
            for db in page.db_instances() {
                let Some(arn) = db.db_instance_arn() else { continue };
                let group =
                    db.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name()).map(str::to_string);
                groups.extend(group.clone());
                let spec = RdsDatabase {
                    identifier: text(db.db_instance_identifier()),
                    engine: text(db.engine()),
                    engine_version: text(db.engine_version()),
                    engine_mode: None.into(),
                    storage_encrypted: Some(Value::Known(db.storage_encrypted().unwrap_or(false))).into(),
                    kms_key: key(db.kms_key_id()).into(),
                    replication_source: text(db.read_replica_source_db_instance_identifier()),
                    snapshot_source: None.into(),
                    cluster: text(db.db_cluster_identifier()),
                    performance_insights_enabled: db.performance_insights_enabled().map(Value::Known).into(),
                    performance_insights_kms_key: key(db.performance_insights_kms_key_id()).into(),
                    cloudwatch_logs_exports: Some(Value::Known(db.enabled_cloudwatch_logs_exports().to_vec())).into(),
                    parameter_group: group.map(Value::Known).into(),
                    ca_cert_identifier: text(db.ca_certificate_identifier()),
                    ca_cert_valid_till: db
                        .certificate_details()
                        .and_then(|d| d.valid_till())
                        .map(|d| Value::Known(d.fmt(aws_smithy_types::date_time::Format::DateTime).unwrap_or_default()))
                        .into(),
                };
                let index = c.add(
                    arn,
                    "AWS::RDS::DBInstance",
                    vec![db.db_instance_identifier().unwrap_or_default().to_string()],
                    Spec::RdsInstance(Box::new(spec)),
                );
                c.tag(index, db.tag_list().iter().map(|t| (t.key(), t.value())));
            }
        });
    let _ =
        each_page!(c, "rds:DescribeDBClusters", "", client.describe_db_clusters().into_paginator().send(), |page| {
            for cl in page.db_clusters() {
                let Some(arn) = cl.db_cluster_arn() else { continue };
                let group = cl.db_cluster_parameter_group().map(str::to_string);
                cluster_groups.extend(group.clone());
                let spec = RdsDatabase {
                    identifier: text(cl.db_cluster_identifier()),
                    engine: text(cl.engine()),
                    engine_version: text(cl.engine_version()),
                    engine_mode: text(cl.engine_mode()),
                    storage_encrypted: Some(Value::Known(cl.storage_encrypted().unwrap_or(false))).into(),
                    kms_key: key(cl.kms_key_id()).into(),
                    replication_source: text(cl.replication_source_identifier()),
                    performance_insights_enabled: cl.performance_insights_enabled().map(Value::Known).into(),
                    performance_insights_kms_key: key(cl.performance_insights_kms_key_id()).into(),
                    cloudwatch_logs_exports: Some(Value::Known(cl.enabled_cloudwatch_logs_exports().to_vec())).into(),
                    parameter_group: group.map(Value::Known).into(),
                    ..RdsDatabase::default()
                };
                let index = c.add(
                    arn,
                    "AWS::RDS::DBCluster",
                    vec![cl.db_cluster_identifier().unwrap_or_default().to_string()],
                    Spec::RdsCluster(Box::new(spec)),
                );
                c.tag(index, cl.tag_list().iter().map(|t| (t.key(), t.value())));
            }
        });
    if c.region == crate::home_region(&c.region) {
        let _ = each_page!(
            c,
            "rds:DescribeGlobalClusters",
            "",
            client.describe_global_clusters().into_paginator().send(),
            |page| {
                for g in page.global_clusters() {
                    let Some(arn) = g.global_cluster_arn() else { continue };
                    let spec = RdsGlobalCluster {
                        storage_encrypted: Some(Value::Known(g.storage_encrypted().unwrap_or(false))).into(),
                        source_cluster: None.into(),
                    };
                    c.add(
                        arn,
                        "AWS::RDS::GlobalCluster",
                        vec![g.global_cluster_identifier().unwrap_or_default().to_string()],
                        Spec::RdsGlobalCluster(Box::new(spec)),
                    );
                }
            }
        );
    }
    let _ =
        each_page!(c, "rds:DescribeDBSnapshots", "", client.describe_db_snapshots().into_paginator().send(), |page| {
            for s in page.db_snapshots() {
                let Some(arn) = s.db_snapshot_arn() else { continue };
                let spec = RdsSnapshot {
                    encrypted: Some(Value::Known(s.encrypted().unwrap_or(false))).into(),
                    kms_key: key(s.kms_key_id()).into(),
                    source: text(s.db_instance_identifier()),
                    copy: false,
                };
                c.add(
                    arn,
                    "AWS::RDS::DBSnapshot",
                    vec![s.db_snapshot_identifier().unwrap_or_default().to_string()],
                    Spec::RdsSnapshot(Box::new(spec)),
                );
            }
        });
    let _ = each_page!(
        c,
        "rds:DescribeDBClusterSnapshots",
        "",
        client.describe_db_cluster_snapshots().into_paginator().send(),
        |page| {
            for s in page.db_cluster_snapshots() {
                let Some(arn) = s.db_cluster_snapshot_arn() else { continue };
                let spec = RdsSnapshot {
                    encrypted: Some(Value::Known(s.storage_encrypted().unwrap_or(false))).into(),
                    kms_key: key(s.kms_key_id()).into(),
                    source: text(s.db_cluster_identifier()),
                    copy: false,
                };
                c.add(
                    arn,
                    "AWS::RDS::DBClusterSnapshot",
                    vec![s.db_cluster_snapshot_identifier().unwrap_or_default().to_string()],
                    Spec::RdsSnapshot(Box::new(spec)),
                );
            }
        }
    );
    let _ = each_page!(
        c,
        "rds:DescribeDBInstanceAutomatedBackups",
        "",
        client.describe_db_instance_automated_backups().into_paginator().send(),
        |page| {
            for b in page.db_instance_automated_backups() {
                let Some(arn) = b.db_instance_automated_backups_arn() else { continue };
                let spec = RdsBackupReplication {
                    source: text(b.db_instance_arn()),
                    encrypted: b.encrypted().map(Value::Known).into(),
                    kms_key: key(b.kms_key_id()).into(),
                };
                c.add(arn, "AWS::RDS::DBInstanceAutomatedBackup", vec![], Spec::RdsBackupReplication(Box::new(spec)));
            }
        }
    );
    for (name, cluster) in groups.iter().map(|g| (g, false)).chain(cluster_groups.iter().map(|g| (g, true))) {
        let action = if cluster { "rds:DescribeDBClusterParameters" } else { "rds:DescribeDBParameters" };
        let mut parameters: BTreeMap<String, String> = BTreeMap::new();
        let mut read = |page_parameters: &[aws_sdk_rds::types::Parameter]| {
            for p in page_parameters {
                if let (Some(n), Some(v)) = (p.parameter_name(), p.parameter_value()) {
                    if TLS_PARAMETERS.contains(&n) {
                        parameters.insert(n.to_string(), v.to_string());
                    }
                }
            }
        };
        let outcome = if cluster {
            let pages =
                client.describe_db_cluster_parameters().db_cluster_parameter_group_name(name).into_paginator().send();
            each_page!(c, action, name, pages, |page| { read(page.parameters()) })
        } else {
            let pages = client.describe_db_parameters().db_parameter_group_name(name).into_paginator().send();
            each_page!(c, action, name, pages, |page| { read(page.parameters()) })
        };
        // A default group cannot be changed: where it cannot be read, its engine's defaults
        // (which the rules know) stand for it.
        if outcome.is_err() && name.starts_with("default.") {
            continue;
        }
        let failed = outcome.err().map(|u| Value::unknown(u.reason));
        let kind = if cluster { "cluster-pg" } else { "pg" };
        let group = DbParameterGroup {
            name: Some(Value::Known(name.clone())).into(),
            family: None.into(),
            parameters: Some(failed.unwrap_or(Value::Known(parameters))).into(),
        };
        c.add(
            &format!("arn:{}:rds:{}:{}:{kind}:{name}", c.partition(), c.region, c.account),
            "AWS::RDS::DBParameterGroup",
            vec![name.clone()],
            Spec::DbParameterGroup(Box::new(group)),
        );
    }
    let logs = aws_sdk_cloudwatchlogs::Client::new(conf);
    let _ = each_page!(
        c,
        "logs:DescribeLogGroups",
        "",
        logs.describe_log_groups().log_group_name_prefix("/aws/rds/").into_paginator().send(),
        |page| {
            for g in page.log_groups() {
                let Some(name) = g.log_group_name() else { continue };
                let arn = g.arn().map_or_else(
                    || format!("arn:{}:logs:{}:{}:log-group:{name}", c.partition(), c.region, c.account),
                    |a| a.trim_end_matches(":*").to_string(),
                );
                c.add(
                    &arn,
                    "AWS::Logs::LogGroup",
                    vec![name.to_string()],
                    Spec::LogGroup(Box::new(LogGroup {
                        name: Some(Value::Known(name.to_string())).into(),
                        kms_key: key(g.kms_key_id()).into(),
                    })),
                );
            }
        }
    );
}
