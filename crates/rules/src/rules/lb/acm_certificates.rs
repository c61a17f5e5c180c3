use crate::context::{Attachment, Context, Res};
use crate::rule::{combine, declare_rule, unless_unresolved, Eval, Out, Section, Severity, Verdict};
use encguard_model::{Spanned, Spec, Unknown, Value};

declare_rule! {
    /// ## What it checks
    /// Load balancer listeners serve certificates from ACM, not IAM server certificates
    /// (`arn:aws:iam::…:server-certificate/…`). ACM-006 judges the ACM certificates
    /// themselves.
    ///
    /// ## Why
    /// Policy §7: ACM renews certificates, tracks their use and never exposes private keys;
    /// IAM server certificates are uploaded by hand, with their keys, and silently expire.
    ///
    /// ## Example
    /// ```hcl
    /// certificate_arn = "arn:aws:iam::111122223333:server-certificate/www"
    /// ```
    ///
    /// ## Fix
    /// Request or import the certificate in ACM and attach its ARN.
    LB_006 {
        id: "LB-006",
        title: "Listeners use ACM certificates",
        severity: Severity::Medium,
        section: Section::LoadBalancers,
        fix: "Replace IAM server certificates with ACM certificates.",
        equivalents: &[("Checkov", "CKV_AWS_127"), ("Prowler", "elb_ssl_listeners_use_acm_certificate"),
            ("AWS Config", "elb-acm-certificate-required, elbv2-acm-certificate-required"), ("Security Hub", "ELB.2"),
            ("cfn-guard", "ELB_ACM_CERTIFICATE_REQUIRED")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for r in ctx.resources() {
        // Each certificate with where this resource names it (a listener certificate
        // written as a resource of its own is judged here without a place).
        let certificates: Vec<Spanned<&Value<String>>> = match &r.spec {
            Spec::Listener(listener) => listener
                .certificates
                .iter()
                .map(|c| Spanned::new(c, listener.certificates.span))
                .chain(ctx.extra_certificates(r).iter().filter_map(|c| c.as_ref()).map(Spanned::from))
                .collect(),
            Spec::ClassicLoadBalancer(elb) => match &elb.listeners.value {
                Some(Value::Known(listeners)) => listeners
                    .iter()
                    .filter_map(|l| l.ssl_certificate_id.as_ref().map(|c| Spanned::new(c, l.ssl_certificate_id.span)))
                    .collect(),
                _ => continue,
            },
            _ => continue,
        };
        let unplaced = ctx.unresolved(r, Attachment::ListenerCertificate);
        if !certificates.is_empty() || unplaced.is_some() {
            out.judge(
                r,
                unless_unresolved(
                    combine(
                        certificates.iter().map(|c| judge(ctx, r, c).map(|v| v.at(c))),
                        "every certificate comes from ACM",
                    ),
                    unplaced,
                ),
            );
        }
    }
}

fn judge(ctx: &Context, r: Res, certificate: &Value<String>) -> Eval {
    let reference = certificate.get()?;
    if reference.contains(":iam:") {
        return Ok(Verdict::fail(format!("serves IAM server certificate {reference}")).evidence(reference));
    }
    if reference.contains(":acm:")
        || ctx.lookup_where(r, reference, |s| matches!(s, Spec::AcmCertificate(_)))?.is_some()
    {
        return Ok(Verdict::pass("the certificate comes from ACM"));
    }
    Err(Unknown::new(format!("certificate `{reference}` is neither an ACM ARN nor a certificate of this scan")))
}

#[cfg(test)]
mod tests {
    use super::LB_006;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn acm_not_iam() {
        expect(
            &LB_006,
            json!([
                {"kind": "acm_certificate", "name": "aws_acm_certificate.www"},
                {"kind": "listener", "name": "acm_arn", "certificates": ["arn:aws:acm:eu-west-1:1:certificate/abc"]},
                {"kind": "listener", "name": "acm_ref", "certificates": ["aws_acm_certificate.www"]},
                {"kind": "listener", "name": "iam", "certificates": ["arn:aws:iam::1:server-certificate/www"]},
                {"kind": "classic_load_balancer", "name": "elb_iam", "listeners": [{"lb_protocol": "https", "ssl_certificate_id": "arn:aws:iam::1:server-certificate/old"}]},
                {"kind": "listener", "name": "var", "certificates": [{"unknown": "var.cert has no value"}]},
            ]),
            &[("acm_arn", Pass), ("acm_ref", Pass), ("iam", Fail), ("elb_iam", Fail), ("var", Unknown)],
        );
    }
}
