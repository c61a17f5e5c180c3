use crate::context::Context;
use crate::finding::{AttributeFix, FixValue};
use crate::policy::TlsVersion;
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{CloudfrontDistribution, Origin, OriginProtocolPolicy};

declare_rule! {
    /// ## What it checks
    /// Custom origins allow only current TLS versions towards the origin:
    /// `origin_ssl_protocols` contains no `SSLv3`, `TLSv1` or `TLSv1.1` (nor `TLSv1.2` when
    /// `tls.minimum_version` is 1.3). A custom origin that does not list its protocols gets
    /// CloudFront's default, which includes TLSv1, and fails. S3 origins are not judged.
    ///
    /// ## Why
    /// Policy §7: CloudFront negotiates the oldest protocol the origin accepts from this list.
    ///
    /// ## Example
    /// ```hcl
    /// custom_origin_config { origin_ssl_protocols = ["TLSv1", "TLSv1.1", "TLSv1.2"] … }
    /// ```
    ///
    /// ## Fix
    /// `origin_ssl_protocols = ["TLSv1.2"]` (CloudFormation `OriginSSLProtocols`), which
    /// `encguard fix` writes for every failing origin (while the policy's minimum is 1.2:
    /// origins offer nothing newer).
    CF_005 {
        id: "CF-005",
        title: "Origins negotiate only current TLS versions",
        severity: Severity::Medium,
        section: Section::Cloudfront,
        fix: "Allow only TLSv1.2 in the origin's SSL protocols.",
        equivalents: &[("Checkov", "CKV2_AWS_54"), ("Prowler", "cloudfront_distributions_using_deprecated_ssl_protocols"),
            ("AWS Config", "cloudfront-no-deprecated-ssl-protocols"), ("Security Hub", "CloudFront.10")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, d) in ctx.all::<CloudfrontDistribution>() {
        let origins = match d.origins.or_default_to(Vec::new()) {
            Ok(o) => o,
            Err(why) => {
                out.judge(r, Err(why));
                continue;
            }
        };
        let custom: Vec<&Origin> = origins.iter().filter(|o| !o.s3_origin).collect();
        if !custom.is_empty() {
            out.judge(
                r,
                combine(custom.into_iter().map(|o| judge(ctx, o)), "every custom origin allows only current TLS"),
            );
        }
    }
}

fn judge(ctx: &Context, origin: &Origin) -> Eval {
    let id = origin.origin_id.or_default_to(String::new())?;
    if origin.origin_protocol_policy.value()? == Some(&OriginProtocolPolicy::HttpOnly) {
        return Ok(Verdict::not_applicable(format!("origin {id} is reached over HTTP, without TLS (CF-004)")));
    }
    let minimum = ctx.policy.tls.minimum_version;
    // TLSv1.2 is the newest protocol CloudFront offers towards an origin.
    let fixed = |v: Verdict| match minimum > TlsVersion::V1_2 {
        true => v,
        false => v.fix(AttributeFix::set(
            Some("origin_ssl_protocols"),
            Some("OriginSSLProtocols"),
            FixValue::List(&["TLSv1.2"]),
        )),
    };
    let Some(protocols) = origin.origin_ssl_protocols.value()? else {
        return Ok(fixed(
            Verdict::fail(format!("origin {id} does not list its SSL protocols; the default includes TLSv1"))
                .at(&origin.origin_ssl_protocols),
        ));
    };
    let old: Vec<&str> = protocols
        .iter()
        .map(String::as_str)
        .filter(|p| match *p {
            "SSLv3" | "TLSv1" | "TLSv1.1" => true,
            "TLSv1.2" => minimum > TlsVersion::V1_2,
            _ => false,
        })
        .collect();
    if old.is_empty() {
        Ok(Verdict::pass(format!("origin {id} allows {}", protocols.join(", "))))
    } else {
        Ok(fixed(
            Verdict::fail(format!("origin {id} allows {}", old.join(", ")))
                .at(&origin.origin_ssl_protocols)
                .evidence(protocols.join(", ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::CF_005;
    use crate::testing::{expect, expect_silent};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn origin_ssl_protocols() {
        let origin = |p: serde_json::Value| json!([{"origin_id": "app", "origin_protocol_policy": "https-only", "origin_ssl_protocols": p}]);
        let resources = json!([
            {"kind": "cloudfront_distribution", "name": "tls12", "origins": origin(json!(["TLSv1.2"]))},
            {"kind": "cloudfront_distribution", "name": "old", "origins": origin(json!(["TLSv1", "TLSv1.1", "TLSv1.2"]))},
            {"kind": "cloudfront_distribution", "name": "unset", "origins": [{"origin_id": "app", "origin_protocol_policy": "https-only"}]},
            {"kind": "cloudfront_distribution", "name": "var", "origins": origin(json!({"unknown": "var.protocols has no value"}))},
            {"kind": "cloudfront_distribution", "name": "s3_only", "origins": [{"origin_id": "s3", "s3_origin": true}]},
            {"kind": "cloudfront_distribution", "name": "plain_http", "origins": [{"origin_id": "app", "origin_protocol_policy": "http-only", "origin_ssl_protocols": ["TLSv1"]}]},
        ]);
        expect(
            &CF_005,
            resources.clone(),
            &[("tls12", Pass), ("old", Fail), ("unset", Fail), ("var", Unknown), ("plain_http", NotApplicable)],
        );
        expect_silent(&CF_005, resources, &["s3_only"]);
    }
}
