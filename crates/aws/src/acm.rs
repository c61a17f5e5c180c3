//! ACM certificates, every key type included (`ListCertificates` returns only RSA 1024 and
//! 2048 unless asked for all).

use crate::common::{each_page, error_text, Collector};
use aws_config::SdkConfig;
use aws_sdk_acm::types::{Filters, KeyAlgorithm};
use encguard_model::*;
use futures_util::StreamExt;

pub async fn collect(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_acm::Client::new(conf);
    let includes = Filters::builder()
        .set_key_types(Some(KeyAlgorithm::values().iter().map(|v| KeyAlgorithm::from(*v)).collect()))
        .build();
    let mut arns = Vec::new();
    let _ = each_page!(
        c,
        "acm:ListCertificates",
        "",
        client.list_certificates().includes(includes).into_paginator().send(),
        |page| {
            arns.extend(page.certificate_summary_list().iter().filter_map(|s| s.certificate_arn().map(str::to_string)));
        }
    );
    // Describe calls run concurrently, bounded by the collector's limit.
    let client = &client;
    futures_util::stream::iter(arns)
        .for_each_concurrent(None, |arn| async move {
            let described = {
                let _p = c.call("acm:DescribeCertificate").await;
                client.describe_certificate().certificate_arn(&arn).send().await
            };
            let cert = match described {
                Ok(out) => match out.certificate {
                    Some(cert) => cert,
                    None => return,
                },
                Err(e) => {
                    c.gap::<()>("acm:DescribeCertificate", &arn, error_text(&e));
                    return;
                }
            };
            let known = |s: Option<&str>| s.map(|s| Value::Known(s.to_string()));
            let spec = AcmCertificate {
                domain_name: known(cert.domain_name()).into(),
                subject_alternative_names: Some(Value::Known(cert.subject_alternative_names().to_vec())).into(),
                key_algorithm: cert.key_algorithm().map(|k| Value::Known(k.as_str().into())).into(),
                certificate_type: cert.r#type().map(|t| Value::Known(t.as_str().into())).into(),
                status: cert.status().map(|s| Value::Known(s.as_str().into())).into(),
                not_after: cert
                    .not_after()
                    .map(|d| Value::Known(d.fmt(aws_smithy_types::date_time::Format::DateTime).unwrap_or_default()))
                    .into(),
                validation_method: cert
                    .domain_validation_options()
                    .first()
                    .and_then(|d| d.validation_method())
                    .map(|m| Value::Known(m.as_str().into()))
                    .into(),
                renewal_eligibility: cert.renewal_eligibility().map(|r| Value::Known(r.as_str().to_string())).into(),
                // ACM no longer lets certificates opt out; older ones may still have.
                #[allow(deprecated)]
                transparency_logging: cert
                    .options()
                    .and_then(|o| o.certificate_transparency_logging_preference())
                    .map(|p| Value::Known(p.as_str().into()))
                    .into(),
                in_use: Some(Value::Known(!cert.in_use_by().is_empty())).into(),
            };
            c.add(&arn, "AWS::CertificateManager::Certificate", vec![], Spec::AcmCertificate(Box::new(spec)));
        })
        .await;
}
