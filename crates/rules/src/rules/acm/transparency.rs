use crate::context::Context;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{AttributeFix, FixValue};
use encguard_model::{AcmCertificate, TransparencyLogging};

declare_rule! {
    /// ## What it checks
    /// Certificate Transparency logging is not disabled
    /// (`certificate_transparency_logging_preference`, default `ENABLED`).
    ///
    /// ## Why
    /// Policy §7: CT logs let the company and browsers detect certificates issued for its
    /// domains without its knowledge; browsers reject public certificates missing from them.
    ///
    /// ## Example
    /// ```hcl
    /// options { certificate_transparency_logging_preference = "DISABLED" }
    /// ```
    ///
    /// ## Fix
    /// Remove the option or set it to `ENABLED`; live `aws acm update-certificate-options`.
    ACM_004 {
        id: "ACM-004",
        title: "Certificate Transparency logging is on",
        severity: Severity::Low,
        section: Section::Acm,
        fix: "Enable Certificate Transparency logging for the certificate.",
        equivalents: &[("Checkov", "CKV_AWS_234"), ("Prowler", "acm_certificates_transparency_logs_enabled")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, cert) in ctx.all::<AcmCertificate>() {
        out.judge(r, judge(cert));
    }
}

fn judge(cert: &AcmCertificate) -> Eval {
    match cert.transparency_logging.or_default_to(TransparencyLogging::Enabled)? {
        TransparencyLogging::Disabled => Ok(Verdict::fail("Certificate Transparency logging is disabled")
            .at(&cert.transparency_logging)
            .fix(AttributeFix::set(
                Some("options.certificate_transparency_logging_preference"),
                Some("CertificateTransparencyLoggingPreference"),
                FixValue::Text("ENABLED"),
            ))),
        _ => Ok(Verdict::pass("Certificate Transparency logging is enabled")),
    }
}

#[cfg(test)]
mod tests {
    use super::ACM_004;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn transparency_logging() {
        expect(
            &ACM_004,
            json!([
                {"kind": "acm_certificate", "name": "default"},
                {"kind": "acm_certificate", "name": "off", "transparency_logging": "DISABLED"},
                {"kind": "acm_certificate", "name": "var", "transparency_logging": {"unknown": "var.ct has no value"}},
            ]),
            &[("default", Pass), ("off", Fail), ("var", Unknown)],
        );
    }
}
