//! CloudFront distributions (global; read through us-east-1). The list's summaries carry
//! the behaviours, origins and viewer certificate the rules need.

use crate::common::{each_page, Collector};
use aws_config::SdkConfig;
use encguard_model::*;

pub async fn collect(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_cloudfront::Client::new(conf);
    let _ = each_page!(
        c,
        "cloudfront:ListDistributions",
        "",
        client.list_distributions().into_paginator().send(),
        |page| {
            for d in page.distribution_list().map(|l| l.items()).unwrap_or_default() {
                let known = |s: &str| Some(Value::Known(s.to_string()));
                let mut behaviors = Vec::new();
                if let Some(b) = d.default_cache_behavior() {
                    behaviors.push(CacheBehavior {
                        path_pattern: "*".into(),
                        target_origin_id: known(b.target_origin_id()).into(),
                        viewer_protocol_policy: Some(Value::Known(b.viewer_protocol_policy().as_str().into())).into(),
                    });
                }
                for b in d.cache_behaviors().map(|c| c.items()).unwrap_or_default() {
                    behaviors.push(CacheBehavior {
                        path_pattern: b.path_pattern().to_string(),
                        target_origin_id: known(b.target_origin_id()).into(),
                        viewer_protocol_policy: Some(Value::Known(b.viewer_protocol_policy().as_str().into())).into(),
                    });
                }
                let origins = d
                    .origins()
                    .map(|o| o.items())
                    .unwrap_or_default()
                    .iter()
                    .map(|o| {
                        let custom = o.custom_origin_config();
                        Origin {
                            origin_id: known(o.id()).into(),
                            domain_name: known(o.domain_name()).into(),
                            origin_protocol_policy: custom
                                .map(|c| Value::Known(c.origin_protocol_policy().as_str().into()))
                                .into(),
                            origin_ssl_protocols: custom
                                .and_then(|c| c.origin_ssl_protocols())
                                .map(|p| Value::Known(p.items().iter().map(|i| i.as_str().to_string()).collect()))
                                .into(),
                            s3_origin: custom.is_none(),
                            origin_access_control: o
                                .origin_access_control_id()
                                .filter(|s| !s.is_empty())
                                .map(|s| Value::Known(s.to_string()))
                                .into(),
                        }
                    })
                    .collect();
                let cert = d.viewer_certificate();
                let spec = CloudfrontDistribution {
                    enabled: Some(Value::Known(d.enabled())).into(),
                    behaviors: Some(Value::Known(behaviors)).into(),
                    origins: Some(Value::Known(origins)).into(),
                    viewer_certificate: ViewerCertificate {
                        cloudfront_default_certificate: cert
                            .and_then(|v| v.cloud_front_default_certificate())
                            .map(Value::Known)
                            .into(),
                        acm_certificate_arn: cert
                            .and_then(|v| v.acm_certificate_arn())
                            .filter(|s| !s.is_empty())
                            .map(|s| Value::Known(s.to_string()))
                            .into(),
                        iam_certificate_id: cert
                            .and_then(|v| v.iam_certificate_id())
                            .filter(|s| !s.is_empty())
                            .map(|s| Value::Known(s.to_string()))
                            .into(),
                        minimum_protocol_version: cert
                            .and_then(|v| v.minimum_protocol_version())
                            .map(|m| Value::Known(m.as_str().to_string()))
                            .into(),
                        ssl_support_method: cert
                            .and_then(|v| v.ssl_support_method())
                            .map(|m| Value::Known(m.as_str().to_string()))
                            .into(),
                    }
                    .into(),
                };
                // A distribution goes by its id and the names it serves.
                let mut names = vec![d.id().to_string()];
                names.extend(d.aliases().map(|a| a.items()).unwrap_or_default().iter().cloned());
                c.add(d.arn(), "AWS::CloudFront::Distribution", names, Spec::CloudfrontDistribution(Box::new(spec)));
            }
        }
    );
}
