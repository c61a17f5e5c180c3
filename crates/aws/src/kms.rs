//! KMS keys and aliases: spec, usage, origin, state, rotation and key policy.

use crate::common::{each_page, error_text, Collector};
use aws_config::SdkConfig;
use encguard_model::*;
use futures_util::StreamExt;

fn date(d: &aws_smithy_types::DateTime) -> String {
    d.fmt(aws_smithy_types::date_time::Format::DateTime).unwrap_or_default()
}

pub async fn collect(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_kms::Client::new(conf);
    let mut keys = Vec::new();
    let listed = each_page!(c, "kms:ListKeys", "", client.list_keys().into_paginator().send(), |page| {
        keys.extend(page.keys().iter().filter_map(|k| k.key_id().map(str::to_string)));
    });
    if listed.is_err() {
        return;
    }
    // Describe calls run concurrently, bounded by the collector's limit.
    let client = &client;
    futures_util::stream::iter(keys)
        .for_each_concurrent(None, |key_id| async move {
            let described = {
                let _p = c.call("kms:DescribeKey").await;
                client.describe_key().key_id(&key_id).send().await
            };
            let meta = match described {
                Ok(out) => match out.key_metadata {
                    Some(m) => m,
                    None => return,
                },
                Err(e) => {
                    c.gap::<()>("kms:DescribeKey", &key_id, error_text(&e));
                    return;
                }
            };
            let arn = meta.arn().unwrap_or(&key_id).to_string();
            let manager = meta.key_manager().map(|m| KeyManager::from(m.as_str()));
            let spec = meta.key_spec().map(|s| KeySpec::from(s.as_str()));
            let usage = meta.key_usage().map(|u| KeyUsage::from(u.as_str()));
            let origin = meta.origin().map(|o| KeyOrigin::from(o.as_str()));
            let state = meta.key_state().map(|s| KeyState::from(s.as_str()));
            let symmetric = spec.as_ref().is_none_or(|s| *s == KeySpec::SymmetricDefault);
            // Rotation status exists only for symmetric keys; AWS refuses (or answers false) for others.
            let (rotation_enabled, rotation_period_days) = if symmetric && state != Some(KeyState::PendingDeletion) {
                let _p = c.call("kms:GetKeyRotationStatus").await;
                match client.get_key_rotation_status().key_id(&key_id).send().await {
                    Ok(r) => (
                        Some(Value::Known(r.key_rotation_enabled())),
                        r.rotation_period_in_days().map(|d| Value::Known(d as u32)),
                    ),
                    Err(e) => (Some(c.gap("kms:GetKeyRotationStatus", &arn, error_text(&e))), None),
                }
            } else {
                (None, None)
            };
            let policy = {
                let _p = c.call("kms:GetKeyPolicy").await;
                match client.get_key_policy().key_id(&key_id).policy_name("default").send().await {
                    Ok(p) => p.policy().map(|text| match PolicyDocument::parse(text) {
                        Ok(doc) => Value::Known(doc),
                        Err(e) => Value::unknown(format!("the key policy cannot be read: {e}")),
                    }),
                    Err(e) => Some(c.gap("kms:GetKeyPolicy", &arn, error_text(&e))),
                }
            };
            let replica_of = meta
                .multi_region_configuration()
                .filter(|m| m.multi_region_key_type().is_some_and(|t| t.as_str() == "REPLICA"))
                .and_then(|m| m.primary_key())
                .and_then(|p| p.arn())
                .map(|a| Value::Known(a.to_string()));
            let key = KmsKey {
                key_spec: spec.map(Value::Known).into(),
                key_usage: usage.map(Value::Known).into(),
                origin: origin.map(Value::Known).into(),
                custom_key_store_id: meta.custom_key_store_id().map(|s| Value::Known(s.to_string())).into(),
                key_manager: manager.map(Value::Known).into(),
                rotation_enabled: rotation_enabled.into(),
                rotation_period_days: rotation_period_days.into(),
                enabled: Some(Value::Known(meta.enabled())).into(),
                key_state: state.map(Value::Known).into(),
                deletion_window_days: meta.pending_deletion_window_in_days().map(|d| Value::Known(d as u32)).into(),
                planned_action: None,
                policy: policy.into(),
                multi_region: meta.multi_region().map(Value::Known).into(),
                replica_of: replica_of.into(),
                expiration_model: meta.expiration_model().map(|m| Value::Known(m.as_str().to_string())).into(),
                valid_to: meta.valid_to().map(|d| Value::Known(date(d))).into(),
            };
            c.add(&arn, "AWS::KMS::Key", vec![key_id.clone()], Spec::KmsKey(Box::new(key)));
        })
        .await;
    let _ = each_page!(c, "kms:ListAliases", "", client.list_aliases().into_paginator().send(), |page| {
        for a in page.aliases() {
            let (Some(name), Some(arn)) = (a.alias_name(), a.alias_arn()) else { continue };
            let alias = KmsAlias {
                alias_name: Some(Value::Known(name.to_string())).into(),
                target_key: a.target_key_id().map(|t| Value::Known(t.to_string())).into(),
            };
            c.add(arn, "AWS::KMS::Alias", vec![name.to_string()], Spec::KmsAlias(Box::new(alias)));
        }
    });
}
