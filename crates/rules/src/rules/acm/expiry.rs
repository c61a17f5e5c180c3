use super::days_left;
use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{AcmCertificate, CertificateType, Unknown};

declare_rule! {
    /// ## What it checks
    /// Certificates are valid for more than `certificates.expiry_window_days` (default 30):
    /// high when expired, medium when expiring within the window, low when the certificate
    /// is not in use. The expiry is read live (`DescribeCertificate.NotAfter`), from state, or
    /// from an imported certificate's body; a certificate ACM issues at apply time is N/A
    /// (ACM-003 judges its renewal).
    ///
    /// ## Why
    /// Policy §7: an expired certificate breaks every client, and tempts people to turn
    /// verification off.
    ///
    /// ## Example
    /// An imported certificate whose `NotAfter` is next week.
    ///
    /// ## Fix
    /// Re-import a renewed certificate (`aws acm import-certificate --certificate-arn …`), or
    /// replace it with an ACM-issued, DNS-validated certificate that renews itself.
    ACM_001 {
        id: "ACM-001",
        title: "Certificates are not expired or expiring",
        severity: Severity::Medium,
        section: Section::Acm,
        fix: "Renew or re-import the certificate, or move to an ACM-issued DNS-validated certificate.",
        equivalents: &[("KICS", "certificate_has_expired"), ("Prowler", "acm_certificates_expiration_check"),
            ("AWS Config", "acm-certificate-expiration-check"), ("Security Hub", "ACM.1")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, cert) in ctx.all::<AcmCertificate>() {
        out.judge(r, judge(ctx, r, cert));
    }
}

fn judge(ctx: &Context, _r: Res, cert: &AcmCertificate) -> Eval {
    let Some((date, days)) = days_left(ctx, cert)? else {
        return match cert.certificate_type.or_default_to(CertificateType::AmazonIssued)? {
            CertificateType::Imported => {
                Err(Unknown::new("the imported certificate's expiry cannot be read from this source"))
            }
            _ => Ok(Verdict::not_applicable("ACM issues the certificate at apply time and renews it (ACM-003)")),
        };
    };
    let in_use = cert.in_use.or_default_to(true)?;
    let window = ctx.policy.certificates.expiry_window_days;
    let (message, severity) = match days {
        d if d < 0 => (format!("expired on {date}"), Severity::High),
        d if d <= window => (format!("expires on {date}, in {d} days"), Severity::Medium),
        d => return Ok(Verdict::pass(format!("valid until {date} ({d} days)"))),
    };
    let severity = if in_use { severity } else { Severity::Low };
    Ok(Verdict::fail(message).at(&cert.not_after).evidence(date).severity(severity))
}

#[cfg(test)]
mod tests {
    use super::ACM_001;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn certificate_expiry() {
        expect(
            &ACM_001,
            json!([
                {"kind": "acm_certificate", "name": "fresh", "not_after": "2027-10-01T00:00:00Z"},
                {"kind": "acm_certificate", "name": "expiring", "not_after": "2026-12-10T00:00:00Z"},
                {"kind": "acm_certificate", "name": "expired", "not_after": "2026-01-01T00:00:00Z", "in_use": false},
                {"kind": "acm_certificate", "name": "issued_at_apply", "certificate_type": "AMAZON_ISSUED"},
                {"kind": "acm_certificate", "name": "imported_unread", "certificate_type": "IMPORTED"},
            ]),
            &[
                ("fresh", Pass),
                ("expiring", Fail),
                ("expired", Fail),
                ("issued_at_apply", NotApplicable),
                ("imported_unread", Unknown),
            ],
        );
    }
}
