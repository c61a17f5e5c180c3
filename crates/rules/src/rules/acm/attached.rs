use super::{days_left, judge_algorithm};
use crate::context::arn_region;
use crate::context::{Attachment, Context, Res};
use crate::rule::{combine, declare_rule, unless_unresolved, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::Status;
use encguard_model::{CertificateStatus, ClassicLoadBalancer, CloudfrontDistribution, Listener, Spec, Unknown, Value};

declare_rule! {
    /// ## What it checks
    /// Every certificate attached to a consumer — load balancer listeners (including
    /// certificates added by separate listener-certificate resources), classic load
    /// balancer listeners, CloudFront distributions — is `ISSUED`, not expired nor within
    /// the expiry window, has a strong key (ACM-002), and is in the right region:
    /// `us-east-1` for CloudFront, the load balancer's own region for ELB. IAM server
    /// certificates are LB-006's concern.
    ///
    /// ## Why
    /// Policy §7 and §8 (R6): a certificate is only as good as the endpoint that serves it;
    /// a broken attachment fails at deploy or turns into an outage at expiry.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_cloudfront_distribution" "site" {
    ///   viewer_certificate { acm_certificate_arn = aws_acm_certificate.eu.arn }   # in eu-west-1
    /// }
    /// ```
    ///
    /// ## Fix
    /// Attach an issued, unexpired RSA 2048+/EC certificate from the consumer's region
    /// (CloudFront: a certificate requested in us-east-1).
    ACM_006 {
        id: "ACM-006",
        title: "Attached certificates are valid, strong and in region",
        severity: Severity::High,
        section: Section::Acm,
        fix: "Attach an issued, unexpired, strong ACM certificate from the consumer's region (us-east-1 for CloudFront).",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for r in ctx.resources() {
        let (references, region): (Vec<&Value<String>>, Option<&str>) = match &r.spec {
            Spec::Listener(l) => (listener_certificates(ctx, r, l), r.region.as_deref()),
            Spec::ClassicLoadBalancer(elb) => (classic_certificates(elb), r.region.as_deref()),
            Spec::CloudfrontDistribution(d) => (cloudfront_certificate(d), Some("us-east-1")),
            _ => continue,
        };
        let unplaced = ctx.unresolved(r, Attachment::ListenerCertificate);
        if !references.is_empty() || unplaced.is_some() {
            let parts: Vec<Eval> = references.into_iter().map(|c| judge(ctx, r, c, region)).collect();
            let all = combine(parts, "every attached certificate is issued, valid, strong and in region");
            out.judge(r, unless_unresolved(all, unplaced));
        }
    }
}

fn listener_certificates<'a>(ctx: &Context<'a>, r: Res, l: &'a Listener) -> Vec<&'a Value<String>> {
    l.certificates.iter().chain(ctx.extra_certificates(r).iter().filter_map(|c| c.as_ref())).collect()
}

fn classic_certificates(elb: &ClassicLoadBalancer) -> Vec<&Value<String>> {
    match &*elb.listeners {
        Some(Value::Known(listeners)) => listeners.iter().filter_map(|l| l.ssl_certificate_id.as_ref()).collect(),
        _ => Vec::new(),
    }
}

fn cloudfront_certificate(d: &CloudfrontDistribution) -> Vec<&Value<String>> {
    d.viewer_certificate.acm_certificate_arn.iter().collect()
}

fn judge(ctx: &Context, consumer: Res, reference: &Value<String>, region: Option<&str>) -> Eval {
    let reference = reference.get()?;
    if reference.contains(":iam:") {
        return Ok(Verdict::not_applicable("an IAM server certificate (LB-006)"));
    }
    let found = ctx.lookup_where(consumer, reference, |s| matches!(s, Spec::AcmCertificate(_)))?;
    let cert_region = found.and_then(|c| c.resource.region.as_deref()).or_else(|| arn_region(reference));
    if let (Some(want), Some(have)) = (region, cert_region) {
        if want != have {
            return Ok(Verdict::fail(format!(
                "certificate `{reference}` is in {have}, but this consumer needs one in {want}"
            ))
            .evidence(reference));
        }
    }
    let Some((cert_resource, cert)) = found.and_then(|c| match &c.resource.spec {
        Spec::AcmCertificate(cert) => Some((c, cert)),
        _ => None,
    }) else {
        let why = match ctx.unread(consumer, cert_region, "acm:ListCertificates") {
            Some(failed) => format!("certificate `{reference}` could not be read: {failed}"),
            None => format!("certificate `{reference}` is not described in this scan"),
        };
        return Err(Unknown::new(why));
    };
    let name = &cert_resource.name;
    // Each check alone; one that fails decides, whatever another could not know.
    let status = || -> Result<Option<Verdict>, Unknown> {
        Ok(cert
            .status
            .value()?
            .filter(|s| **s != CertificateStatus::Issued)
            .map(|status| Verdict::fail(format!("certificate `{name}` is {status}")).evidence(status)))
    };
    let expiry = || -> Result<Option<Verdict>, Unknown> {
        Ok(match days_left(ctx, cert)? {
            Some((date, days)) if days < 0 => Some(Verdict::fail(format!("certificate `{name}` expired on {date}"))),
            Some((date, days)) if days <= ctx.policy.certificates.expiry_window_days => {
                Some(Verdict::fail(format!("certificate `{name}` expires on {date}")).severity(Severity::Medium))
            }
            _ => None,
        })
    };
    let strength = || -> Result<Option<Verdict>, Unknown> {
        let algorithm = judge_algorithm(cert)?;
        Ok((algorithm.status == Status::Fail).then(|| Verdict {
            message: format!("certificate `{name}`: {}", algorithm.message),
            span: None,
            ..algorithm
        }))
    };
    let mut unknown = None;
    for check in [&status as &dyn Fn() -> Result<Option<Verdict>, Unknown>, &expiry, &strength] {
        match check() {
            Ok(Some(fail)) => return Ok(fail),
            Ok(None) => {}
            Err(why) => {
                unknown.get_or_insert(why);
            }
        }
    }
    if let Some(why) = unknown {
        return Err(why);
    }
    Ok(Verdict::pass(format!("certificate `{name}` is issued, valid and strong")))
}

#[cfg(test)]
mod tests {
    use super::ACM_006;
    use crate::testing::{expect, expect_silent};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn certificates_where_they_are_used() {
        let resources = json!([
            {"kind": "acm_certificate", "name": "eu_cert", "region": "eu-west-1", "handles": ["arn:aws:acm:eu-west-1:1:certificate/eu"], "status": "ISSUED", "not_after": "2027-08-01"},
            {"kind": "acm_certificate", "name": "us_cert", "region": "us-east-1", "not_after": "2027-08-01"},
            {"kind": "acm_certificate", "name": "old_cert", "region": "eu-west-1", "not_after": "2026-10-01"},
            {"kind": "acm_certificate", "name": "weak_cert", "region": "eu-west-1", "key_algorithm": "RSA_1024"},
            {"kind": "acm_certificate", "name": "weak_pending", "region": "eu-west-1", "key_algorithm": "RSA_1024",
                "status": {"unknown": "`aws_acm_certificate.c.status` is known only after apply"}},
            {"kind": "listener", "name": "https_weak_pending", "region": "eu-west-1", "certificates": ["weak_pending"]},
            {"kind": "listener", "name": "https_ok", "region": "eu-west-1", "certificates": ["arn:aws:acm:eu-west-1:1:certificate/eu"]},
            {"kind": "listener", "name": "https_old", "region": "eu-west-1", "certificates": ["old_cert"]},
            {"kind": "listener", "name": "https_extra", "region": "eu-west-1", "certificates": ["eu_cert"]},
            {"kind": "listener_certificate", "name": "extra", "listener": "https_extra", "certificate": "weak_cert"},
            {"kind": "cloudfront_distribution", "name": "cdn_ok", "viewer_certificate": {"acm_certificate_arn": "us_cert"}},
            {"kind": "cloudfront_distribution", "name": "cdn_eu", "viewer_certificate": {"acm_certificate_arn": "arn:aws:acm:eu-west-1:1:certificate/eu"}},
            {"kind": "listener", "name": "https_foreign", "region": "eu-west-1", "certificates": ["arn:aws:acm:eu-west-1:1:certificate/zzz"]},
            {"kind": "listener", "name": "https_var", "region": "eu-west-1", "certificates": [{"unknown": "var.cert_arn has no value"}]},
            {"kind": "listener", "name": "http"},
        ]);
        expect(
            &ACM_006,
            resources.clone(),
            &[
                ("https_ok", Pass),
                ("https_old", Fail),
                ("https_extra", Fail),
                ("cdn_ok", Pass),
                ("cdn_eu", Fail),
                ("https_foreign", Unknown),
                ("https_var", Unknown),
                ("https_weak_pending", Fail),
            ],
        );
        expect_silent(&ACM_006, resources, &["http"]);
    }
}
