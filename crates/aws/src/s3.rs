//! S3: every bucket of the account, with its default encryption, policy, logging, tags and
//! inventory configurations, read in the bucket's own region.

use crate::common::{error_code, error_text, Collector};
use aws_config::{Region, SdkConfig};
use encguard_model::*;
use std::collections::HashMap;

fn s3_client(conf: &SdkConfig, region: &str, path_style: bool) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(conf)
        .region(Region::new(region.to_string()))
        .force_path_style(path_style)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

pub async fn collect(conf: &SdkConfig, c: &Collector) {
    let home = s3_client(conf, &c.region, c.custom_endpoint);
    let listed = {
        let _p = c.call("s3:ListAllMyBuckets").await;
        home.list_buckets().send().await
    };
    let buckets = match listed {
        Ok(out) => out.buckets().to_vec(),
        Err(e) => {
            c.gap::<()>("s3:ListAllMyBuckets", "", error_text(&e));
            return;
        }
    };
    let mut clients: HashMap<String, aws_sdk_s3::Client> = HashMap::new();
    for b in buckets {
        let Some(name) = b.name().map(str::to_string) else { continue };
        let region = {
            let _p = c.call("s3:GetBucketLocation").await;
            match home.get_bucket_location().bucket(&name).send().await {
                Ok(l) => match l.location_constraint().map(|r| r.as_str().to_string()).unwrap_or_default().as_str() {
                    // No location constraint: the partition's first region.
                    "" => crate::home_region(&c.region).to_string(),
                    "EU" => "eu-west-1".to_string(),
                    other => other.to_string(),
                },
                Err(e) => {
                    c.gap::<()>("s3:GetBucketLocation", &name, error_text(&e));
                    c.region.clone()
                }
            }
        };
        let client =
            clients.entry(region.clone()).or_insert_with(|| s3_client(conf, &region, c.custom_endpoint)).clone();
        let arn = format!("arn:{}:s3:::{name}", c.partition());
        let encryption = {
            let _p = c.call("s3:GetEncryptionConfiguration").await;
            match client.get_bucket_encryption().bucket(&name).send().await {
                Ok(out) => Some(Value::Known(
                    out.server_side_encryption_configuration()
                        .and_then(|conf| conf.rules().first())
                        .map(|rule| {
                            let by_default = rule.apply_server_side_encryption_by_default();
                            S3Encryption {
                                sse_algorithm: by_default
                                    .map(|d| Value::Known(SseAlgorithm::from(d.sse_algorithm().as_str())))
                                    .into(),
                                kms_key: by_default
                                    .and_then(|d| d.kms_master_key_id())
                                    .map_or(KeyRef::ServiceDefault, KeyRef::literal)
                                    .into(),
                                bucket_key_enabled: rule.bucket_key_enabled().map(Value::Known).into(),
                                blocked_encryption_types: Some(Value::Known(
                                    rule.blocked_encryption_types()
                                        .map(|b| b.encryption_type().iter().map(|t| t.as_str().to_string()).collect())
                                        .unwrap_or_default(),
                                ))
                                .into(),
                            }
                        })
                        .unwrap_or_default(),
                )),
                // Real S3 always answers with at least the SSE-S3 baseline; emulators and
                // buckets from before 2023 may not.
                Err(e) if error_code(&e) == Some("ServerSideEncryptionConfigurationNotFoundError") => None,
                Err(e) => Some(c.gap("s3:GetEncryptionConfiguration", &name, error_text(&e))),
            }
        };
        let policy = {
            let _p = c.call("s3:GetBucketPolicy").await;
            match client.get_bucket_policy().bucket(&name).send().await {
                Ok(out) => out.policy().map(|text| match PolicyDocument::parse(text) {
                    Ok(doc) => Value::Known(doc),
                    Err(e) => Value::unknown(format!("the bucket policy cannot be read: {e}")),
                }),
                Err(e) if error_code(&e) == Some("NoSuchBucketPolicy") => None,
                Err(e) => Some(c.gap("s3:GetBucketPolicy", &name, error_text(&e))),
            }
        };
        let logging_target = {
            let _p = c.call("s3:GetBucketLogging").await;
            match client.get_bucket_logging().bucket(&name).send().await {
                Ok(out) => out.logging_enabled().map(|l| Value::Known(l.target_bucket().to_string())),
                Err(e) => Some(c.gap("s3:GetBucketLogging", &name, error_text(&e))),
            }
        };
        let (tags, tags_unreadable) = {
            let _p = c.call("s3:GetBucketTagging").await;
            match client.get_bucket_tagging().bucket(&name).send().await {
                Ok(out) => (out.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(), None),
                Err(e) if error_code(&e) == Some("NoSuchTagSet") => (Default::default(), None),
                Err(e) => {
                    let why = c.record_gap("s3:GetBucketTagging", &name, error_text(&e));
                    (Default::default(), Some(why.reason))
                }
            }
        };
        let inventory = {
            let _p = c.call("s3:GetInventoryConfiguration").await;
            match client.list_bucket_inventory_configurations().bucket(&name).send().await {
                Ok(out) => Some(Value::Known(
                    out.inventory_configuration_list()
                        .iter()
                        .any(|i| i.optional_fields().iter().any(|f| f.as_str() == "EncryptionStatus")),
                )),
                Err(e) => Some(c.gap("s3:GetInventoryConfiguration", &name, error_text(&e))),
            }
        };
        let bucket = S3Bucket {
            bucket_name: Some(Value::Known(name.clone())).into(),
            encryption: encryption.into(),
            policy: policy.into(),
            logging_target: logging_target.into(),
            inventory_encryption_status: inventory.into(),
            created: b
                .creation_date()
                .map(|d| Value::Known(d.fmt(aws_smithy_types::date_time::Format::DateTime).unwrap_or_default()))
                .into(),
        };
        let index = c.add_in(&arn, "AWS::S3::Bucket", &region, vec![name.clone()], Spec::S3Bucket(Box::new(bucket)));
        c.update(index, |r| {
            r.tags = tags;
            r.tags_unreadable = tags_unreadable;
        });
    }
}
