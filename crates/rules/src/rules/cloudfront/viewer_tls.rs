use crate::context::Context;
use crate::policy::TlsVersion;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::tls::cloudfront_minimum;
use crate::{AttributeFix, FixValue};
use encguard_model::{CloudfrontDistribution, Unknown};

declare_rule! {
    /// ## What it checks
    /// Viewers connect with TLS 1.2 or later (`tls.minimum_version`): the viewer
    /// certificate's `minimum_protocol_version` is parsed (`TLSv1.2_2018`, `_2019`, `_2021`,
    /// `_2025`, `TLSv1.3_2025` pass; `SSLv3`, `TLSv1`, `TLSv1_2016`, `TLSv1.1_2016` fail), so
    /// new versions need no update. The default CloudFront certificate forces TLSv1 and
    /// fails unless `cloudfront.allow_default_certificate` is on.
    ///
    /// ## Why
    /// Policy §7: TLS 1.0 and 1.1 are broken and refused by current compliance regimes.
    ///
    /// ## Example
    /// ```hcl
    /// viewer_certificate { acm_certificate_arn = aws_acm_certificate.cdn.arn  minimum_protocol_version = "TLSv1_2016" }
    /// ```
    ///
    /// ## Fix
    /// `minimum_protocol_version = "TLSv1.2_2021"` with a custom certificate
    /// (CloudFormation `MinimumProtocolVersion`).
    CF_002 {
        id: "CF-002",
        title: "Viewers use TLS 1.2 or later",
        severity: Severity::High,
        section: Section::Cloudfront,
        fix: "Use a custom certificate with minimum protocol version TLSv1.2_2021 or later.",
        equivalents: &[("Checkov", "CKV_AWS_174"), ("KICS", "CloudFront Without Minimum Protocol TLS 1.2"), ("Trivy", "AVD-AWS-0013"),
            ("AWS Config", "cloudfront-security-policy-check"), ("Control Tower", "CT.CLOUDFRONT.PR.9"), ("cfn-nag", "W70")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, d) in ctx.all::<CloudfrontDistribution>() {
        out.judge(r, judge(ctx, d));
    }
}

fn judge(ctx: &Context, d: &CloudfrontDistribution) -> Eval {
    let cert = &d.viewer_certificate;
    let custom = cert.acm_certificate_arn.value()?.is_some() || cert.iam_certificate_id.value()?.is_some();
    if !custom {
        return Ok(if ctx.policy.cloudfront.allow_default_certificate {
            Verdict::pass("the default certificate is accepted by the policy for *.cloudfront.net distributions")
        } else {
            Verdict::fail("the default CloudFront certificate allows TLS 1.0").at(&d.viewer_certificate)
        });
    }
    let version = cert.minimum_protocol_version.or_default_to("TLSv1".into())?;
    let minimum = ctx.policy.tls.minimum_version;
    let fix = AttributeFix::set(
        Some("viewer_certificate.minimum_protocol_version"),
        Some("DistributionConfig.ViewerCertificate.MinimumProtocolVersion"),
        FixValue::Text(if minimum > TlsVersion::V1_2 { "TLSv1.3_2025" } else { "TLSv1.2_2021" }),
    );
    match cloudfront_minimum(&version) {
        Some(Ok(v)) if v >= minimum => Ok(Verdict::pass(format!("{version} allows {v} and later"))),
        Some(Ok(v)) => Ok(Verdict::fail(format!("{version} allows {v}; the minimum is {minimum}"))
            .at(&d.viewer_certificate)
            .at(&cert.minimum_protocol_version)
            .evidence(&version)
            .fix(fix)),
        Some(Err(())) => Ok(Verdict::fail(format!("{version} allows SSLv3"))
            .at(&d.viewer_certificate)
            .at(&cert.minimum_protocol_version)
            .evidence(&version)
            .fix(fix)),
        None => Err(Unknown::new(format!("minimum protocol version `{version}` is not one CloudFront defines"))),
    }
}

#[cfg(test)]
mod tests {
    use super::CF_002;
    use crate::testing::{expect, expect_with};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn viewer_tls_versions() {
        let cert = |v: serde_json::Value| json!({"acm_certificate_arn": "arn:aws:acm:us-east-1:1:certificate/c", "minimum_protocol_version": v});
        let resources = json!([
            {"kind": "cloudfront_distribution", "name": "v2021", "viewer_certificate": cert(json!("TLSv1.2_2021"))},
            {"kind": "cloudfront_distribution", "name": "v2025", "viewer_certificate": cert(json!("TLSv1.2_2025"))},
            {"kind": "cloudfront_distribution", "name": "v13", "viewer_certificate": cert(json!("TLSv1.3_2025"))},
            {"kind": "cloudfront_distribution", "name": "old", "viewer_certificate": cert(json!("TLSv1_2016"))},
            {"kind": "cloudfront_distribution", "name": "default_cert", "viewer_certificate": {"cloudfront_default_certificate": true}},
            {"kind": "cloudfront_distribution", "name": "var", "viewer_certificate": cert(json!({"unknown": "var.tls has no value"}))},
        ]);
        expect(
            &CF_002,
            resources.clone(),
            &[("v2021", Pass), ("v2025", Pass), ("v13", Pass), ("old", Fail), ("default_cert", Fail), ("var", Unknown)],
        );
        expect_with(&CF_002, "[cloudfront]\nallow_default_certificate = true\n", resources, &[("default_cert", Pass)]);
    }
}
