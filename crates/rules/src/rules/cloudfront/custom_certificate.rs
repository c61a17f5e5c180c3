use crate::context::arn_region;
use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{CloudfrontDistribution, Spec, Unknown};

declare_rule! {
    /// ## What it checks
    /// Distributions with a custom certificate use one from ACM (not IAM), requested in
    /// `us-east-1` (the only region CloudFront reads), served with `sni-only` (dedicated-IP
    /// `vip` serves legacy clients that cannot do SNI). Distributions on the default
    /// certificate are N/A (CF-002); ACM-006 judges the certificate's validity.
    ///
    /// ## Why
    /// Policy §7: ACM certificates renew themselves; IAM certificates and keys are uploaded
    /// by hand and expire unseen.
    ///
    /// ## Example
    /// ```hcl
    /// viewer_certificate { iam_certificate_id = "ASCA…"  ssl_support_method = "vip" }
    /// ```
    ///
    /// ## Fix
    /// `viewer_certificate { acm_certificate_arn = <certificate in us-east-1>  ssl_support_method = "sni-only" }`.
    CF_003 {
        id: "CF-003",
        title: "Distributions use an ACM certificate from us-east-1 with SNI",
        severity: Severity::Medium,
        section: Section::Cloudfront,
        fix: "Attach an ACM certificate requested in us-east-1 with ssl_support_method sni-only.",
        equivalents: &[("Checkov", "CKV2_AWS_42"), ("Prowler", "cloudfront_distributions_custom_ssl_certificate, cloudfront_distributions_https_sni_enabled"),
            ("AWS Config", "cloudfront-custom-ssl-certificate, cloudfront-sni-enabled"), ("Security Hub", "CloudFront.7, CloudFront.8")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, d) in ctx.all::<CloudfrontDistribution>() {
        out.judge(r, judge(ctx, r, d));
    }
}

fn judge(ctx: &Context, r: Res, d: &CloudfrontDistribution) -> Eval {
    let cert = &d.viewer_certificate;
    if cert.iam_certificate_id.value()?.is_some() {
        return Ok(Verdict::fail("serves an IAM server certificate").at(&cert.iam_certificate_id));
    }
    let Some(arn) = cert.acm_certificate_arn.value()? else {
        return Ok(Verdict::not_applicable("uses the default CloudFront certificate (CF-002)"));
    };
    let in_scan = ctx.lookup_where(r, arn, |s| matches!(s, Spec::AcmCertificate(_)))?;
    if in_scan.is_none() && arn.starts_with("arn:") && arn.split(':').nth(2) != Some("acm") {
        return Ok(Verdict::fail("the certificate is not an ACM certificate")
            .at(&cert.acm_certificate_arn)
            .evidence(arn));
    }
    let region = in_scan.and_then(|c| c.resource.region.as_deref()).or_else(|| arn_region(arn));
    match region {
        Some("us-east-1") => {}
        Some(other) => {
            return Ok(Verdict::fail(format!("the certificate is in {other}; CloudFront reads only us-east-1"))
                .at(&cert.acm_certificate_arn)
                .evidence(arn))
        }
        None => return Err(Unknown::new(format!("the region of certificate `{arn}` is not known"))),
    }
    match cert.ssl_support_method.or_default_to("sni-only".into())?.as_str() {
        "sni-only" => Ok(Verdict::pass("an ACM certificate from us-east-1, served with SNI")),
        other => Ok(Verdict::fail(format!("served with {other} instead of sni-only"))
            .at(&cert.ssl_support_method)
            .evidence(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::CF_003;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn custom_certificates() {
        expect(
            &CF_003,
            json!([
                {"kind": "acm_certificate", "name": "aws_acm_certificate.cdn", "region": "us-east-1"},
                {"kind": "cloudfront_distribution", "name": "ok", "viewer_certificate": {"acm_certificate_arn": "aws_acm_certificate.cdn", "ssl_support_method": "sni-only"}},
                {"kind": "cloudfront_distribution", "name": "eu", "viewer_certificate": {"acm_certificate_arn": "arn:aws:acm:eu-west-1:1:certificate/x"}},
                {"kind": "cloudfront_distribution", "name": "china", "viewer_certificate": {"acm_certificate_arn": "arn:aws-cn:acm:us-east-1:1:certificate/x"}},
                {"kind": "cloudfront_distribution", "name": "vip", "viewer_certificate": {"acm_certificate_arn": "arn:aws:acm:us-east-1:1:certificate/x", "ssl_support_method": "vip"}},
                {"kind": "cloudfront_distribution", "name": "iam", "viewer_certificate": {"iam_certificate_id": "ASCAEXAMPLE"}},
                {"kind": "cloudfront_distribution", "name": "default", "viewer_certificate": {"cloudfront_default_certificate": true}},
                {"kind": "cloudfront_distribution", "name": "var", "viewer_certificate": {"acm_certificate_arn": {"unknown": "var.cert has no value"}}},
                {"kind": "cloudfront_distribution", "name": "iam_arn", "viewer_certificate": {"acm_certificate_arn": "arn:aws:iam::1:server-certificate/cdn"}},
            ]),
            &[
                ("ok", Pass),
                ("eu", Fail),
                ("china", Pass),
                ("vip", Fail),
                ("iam", Fail),
                ("default", NotApplicable),
                ("var", Unknown),
                ("iam_arn", Fail),
            ],
        );
    }
}
