use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{AcmCertificate, CertificateStatus, CertificateType, Unknown, ValidationMethod};

declare_rule! {
    /// ## What it checks
    /// Certificates renew themselves: ACM-issued certificates are DNS-validated (email
    /// validation needs a person at every renewal), eligible for renewal, and `ISSUED`;
    /// imported certificates never renew automatically and fail so that they are tracked;
    /// private certificates renew through ACM Private CA.
    ///
    /// ## Why
    /// Policy §7: certificates expire; the only reliable renewal is the one nobody has to do.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_acm_certificate" "www" { domain_name = "www.example.com"  validation_method = "EMAIL" }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `validation_method = "DNS"` plus the validation records and
    ///   `aws_acm_certificate_validation`.
    /// - CloudFormation: `ValidationMethod: DNS` with `DomainValidationOptions[].HostedZoneId`.
    /// - Imported: replace with an ACM-issued certificate, or track the expiry (ACM-001).
    ACM_003 {
        id: "ACM-003",
        title: "Certificates renew automatically",
        severity: Severity::Medium,
        section: Section::Acm,
        fix: "Use ACM-issued certificates with DNS validation.",
        equivalents: &[("Checkov", "CKV_AWS_233 (adjacent)")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, cert) in ctx.all::<AcmCertificate>() {
        out.judge(r, judge(ctx, r, cert));
    }
}

fn judge(ctx: &Context, r: Res, cert: &AcmCertificate) -> Eval {
    match cert.certificate_type.or_default_to(CertificateType::AmazonIssued)? {
        CertificateType::Imported => {
            return Ok(Verdict::fail("imported certificates never renew automatically").at(&cert.certificate_type))
        }
        CertificateType::Private => return Ok(Verdict::pass("renewed by ACM Private CA")),
        _ => {}
    }
    if let Some(status) = cert.status.value()?.filter(|s| **s != CertificateStatus::Issued) {
        return Ok(Verdict::fail(format!("certificate status is {status}")).at(&cert.status).evidence(status));
    }
    let Some(method) = cert.validation_method.value()? else {
        return Err(Unknown::new("the validation method is not stated"));
    };
    if *method != ValidationMethod::Dns {
        return Ok(Verdict::fail(format!("{method} validation needs a person to approve every renewal"))
            .at(&cert.validation_method)
            .evidence(method));
    }
    if cert.renewal_eligibility.value()?.is_some_and(|e| e == "INELIGIBLE") {
        return Ok(Verdict::fail("ACM reports the certificate ineligible for renewal").at(&cert.renewal_eligibility));
    }
    let validated = ctx.validation_of(r).map(|v| format!(", validated by `{}`", v.name)).unwrap_or_default();
    Ok(Verdict::pass(format!("DNS-validated{validated}; ACM renews it")))
}

#[cfg(test)]
mod tests {
    use super::ACM_003;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn renewability() {
        expect(
            &ACM_003,
            json!([
                {"kind": "acm_certificate", "name": "dns", "validation_method": "DNS"},
                {"kind": "acm_validation", "name": "dns_validation", "certificate": "dns"},
                {"kind": "acm_certificate", "name": "email", "validation_method": "EMAIL"},
                {"kind": "acm_certificate", "name": "imported", "certificate_type": "IMPORTED"},
                {"kind": "acm_certificate", "name": "pending", "validation_method": "DNS", "status": "PENDING_VALIDATION"},
                {"kind": "acm_certificate", "name": "private", "certificate_type": "PRIVATE"},
                {"kind": "acm_certificate", "name": "var", "validation_method": {"unknown": "var.method has no value"}},
            ]),
            &[
                ("dns", Pass),
                ("email", Fail),
                ("imported", Fail),
                ("pending", Fail),
                ("private", Pass),
                ("var", Unknown),
            ],
        );
    }
}
