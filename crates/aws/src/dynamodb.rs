//! DynamoDB tables (key tier, replicas, sort keys, key accessibility) and DAX clusters.

use crate::common::{each_page, error_text, Collector};
use aws_config::SdkConfig;
use encguard_model::*;
use futures_util::StreamExt;

pub async fn collect(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_dynamodb::Client::new(conf);
    let mut names = Vec::new();
    let _ = each_page!(c, "dynamodb:ListTables", "", client.list_tables().into_paginator().send(), |page| {
        names.extend(page.table_names().iter().cloned());
    });
    // Describe calls run concurrently, bounded by the collector's limit.
    let client = &client;
    futures_util::stream::iter(names)
        .for_each_concurrent(None, |name| async move {
            let described = {
                let _p = c.call("dynamodb:DescribeTable").await;
                client.describe_table().table_name(&name).send().await
            };
            let table = match described {
                Ok(out) => match out.table {
                    Some(t) => t,
                    None => return,
                },
                Err(e) => {
                    // The table exists (ListTables named it): it stays, with what could not be read unknown.
                    let unknown = c.gap::<String>("dynamodb:DescribeTable", &name, error_text(&e));
                    let Value::Unknown { unknown: reason } = unknown else { return };
                    let arn = format!("arn:{}:dynamodb:{}:{}:table/{name}", c.partition(), c.region, c.account);
                    let spec = DynamodbTable {
                        kms_key: KeyRef::Unresolved { reason: reason.clone() }.into(),
                        replicas: vec![Replica::unreadable(reason.clone())],
                        range_keys: Some(Value::unknown(reason.clone())).into(),
                        inaccessible_since: Some(Value::unknown(reason)).into(),
                    };
                    c.add(&arn, "AWS::DynamoDB::Table", vec![name.clone()], Spec::DynamodbTable(Box::new(spec)));
                    return;
                }
            };
            let arn = table.table_arn().map_or_else(
                || format!("arn:{}:dynamodb:{}:{}:table/{name}", c.partition(), c.region, c.account),
                str::to_string,
            );
            // DynamoDB omits SSEDescription for the AWS owned key.
            let kms_key = match table.sse_description() {
                Some(sse) if sse.sse_type().is_some_and(|t| t.as_str() == "KMS") => sse
                    .kms_master_key_arn()
                    .map_or(KeyRef::AwsManaged { alias: "alias/aws/dynamodb".into() }, KeyRef::literal),
                _ => KeyRef::AwsOwned,
            };
            let range = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<String> {
                schema
                    .iter()
                    .filter(|k| k.key_type().as_str() == "RANGE")
                    .map(|k| k.attribute_name().to_string())
                    .collect()
            };
            let mut range_keys = range(table.key_schema());
            for i in table.local_secondary_indexes() {
                range_keys.extend(range(i.key_schema()));
            }
            for i in table.global_secondary_indexes() {
                range_keys.extend(range(i.key_schema()));
            }
            let replicas = table
                .replicas()
                .iter()
                .filter(|r| r.region_name() != Some(c.region.as_str()))
                .map(|r| Replica {
                    region: r.region_name().map(|x| Value::Known(x.to_string())).into(),
                    kms_key: r.kms_master_key_id().map_or(KeyRef::AwsOwned, KeyRef::literal).into(),
                })
                .collect();
            let spec = DynamodbTable {
                kms_key: kms_key.into(),
                replicas,
                range_keys: Some(Value::Known(range_keys)).into(),
                inaccessible_since: table
                    .sse_description()
                    .and_then(|s| s.inaccessible_encryption_date_time())
                    .map(|d| Value::Known(d.fmt(aws_smithy_types::date_time::Format::DateTime).unwrap_or_default()))
                    .into(),
            };
            let index = c.add(&arn, "AWS::DynamoDB::Table", vec![name.clone()], Spec::DynamodbTable(Box::new(spec)));
            // Tags decide whether the data is classified; they come a page at a time.
            let mut tags = std::collections::BTreeMap::new();
            let mut next: Option<String> = None;
            loop {
                let page = {
                    let _p = c.call("dynamodb:ListTagsOfResource").await;
                    client.list_tags_of_resource().resource_arn(&arn).set_next_token(next.take()).send().await
                };
                match page {
                    Ok(out) => {
                        tags.extend(out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())));
                        match out.next_token() {
                            Some(token) => next = Some(token.to_string()),
                            None => break,
                        }
                    }
                    Err(e) => {
                        let why = c.record_gap("dynamodb:ListTagsOfResource", &name, error_text(&e));
                        c.update(index, |r| r.tags_unreadable = Some(why.reason));
                        break;
                    }
                }
            }
            c.update(index, |r| r.tags.value = tags);
        })
        .await;
    collect_dax(conf, c).await;
}

async fn collect_dax(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_dax::Client::new(conf);
    let mut token: Option<String> = None;
    loop {
        let out = {
            let _p = c.call("dax:DescribeClusters").await;
            client.describe_clusters().set_next_token(token.clone()).send().await
        };
        match out {
            Ok(out) => {
                for cl in out.clusters() {
                    let Some(arn) = cl.cluster_arn() else { continue };
                    let spec = DaxCluster {
                        sse_enabled: Some(Value::Known(
                            cl.sse_description().and_then(|s| s.status()).is_some_and(|s| s.as_str() == "ENABLED"),
                        ))
                        .into(),
                        endpoint_encryption: Some(Value::Known(
                            cl.cluster_endpoint_encryption_type()
                                .map_or(EndpointEncryption::None, |t| t.as_str().into()),
                        ))
                        .into(),
                    };
                    c.add(
                        arn,
                        "AWS::DAX::Cluster",
                        vec![cl.cluster_name().unwrap_or_default().to_string()],
                        Spec::DaxCluster(Box::new(spec)),
                    );
                }
                token = out.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            Err(e) => {
                // DAX is not offered in every region.
                c.gap::<()>("dax:DescribeClusters", "", error_text(&e));
                break;
            }
        }
    }
}
