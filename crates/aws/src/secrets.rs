//! Secrets Manager: each secret's key, replicas and rotation — never its value.

use crate::common::{each_page, error_text, Collector};
use aws_config::SdkConfig;
use encguard_model::*;
use futures_util::StreamExt;

pub async fn collect(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_secretsmanager::Client::new(conf);
    let mut secrets = Vec::new();
    let _ = each_page!(c, "secretsmanager:ListSecrets", "", client.list_secrets().into_paginator().send(), |page| {
        secrets.extend(page.secret_list().iter().cloned());
    });
    // Describe calls run concurrently, bounded by the collector's limit.
    let client = &client;
    futures_util::stream::iter(secrets)
        .for_each_concurrent(None, |s| async move {
            let Some(arn) = s.arn().map(str::to_string) else { return };
            let described = {
                let _p = c.call("secretsmanager:DescribeSecret").await;
                client.describe_secret().secret_id(&arn).send().await
            };
            let replicas = match &described {
                Ok(d) => d
                    .replication_status()
                    .iter()
                    .map(|r| Replica {
                        region: r.region().map(|x| Value::Known(x.to_string())).into(),
                        kms_key: r.kms_key_id().map_or(KeyRef::ServiceDefault, KeyRef::literal).into(),
                    })
                    .collect(),
                Err(e) => {
                    let why = c.record_gap("secretsmanager:DescribeSecret", &arn, error_text(e));
                    vec![Replica {
                        region: Some(Value::unknown(why.reason.as_str())).into(),
                        kms_key: KeyRef::unresolved(why.reason).into(),
                    }]
                }
            };
            let secret = Secret {
                // Secrets Manager omits the key id for the AWS managed key.
                kms_key: s.kms_key_id().map_or(KeyRef::ServiceDefault, KeyRef::literal).into(),
                replicas,
                rotation_enabled: Some(Value::Known(s.rotation_enabled().unwrap_or(false))).into(),
            };
            let index = c.add(
                &arn,
                "AWS::SecretsManager::Secret",
                vec![s.name().unwrap_or_default().to_string()],
                Spec::Secret(Box::new(secret)),
            );
            // ListSecrets carries the tags.
            c.tag(index, s.tags().iter().map(|t| (t.key(), t.value())));
        })
        .await;
}
