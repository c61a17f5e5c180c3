use super::judge_algorithm;
use crate::context::Context;
use crate::rule::{declare_rule, Out, Section, Severity};
use encguard_model::AcmCertificate;

declare_rule! {
    /// ## What it checks
    /// Certificate keys are RSA of at least 2048 bits or EC on P-256, P-384 or P-521
    /// (`key_algorithm`, default `RSA_2048` for certificates ACM issues). An imported
    /// certificate's key is read from its body, as ACM reads it — unknown when the body is
    /// known only at apply. `RSA_1024` fails; an algorithm encguard does not know is unknown.
    ///
    /// ## Why
    /// Policy §7: 1024-bit RSA can be factored with resources within reach of a state or a
    /// well-funded criminal group.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_acm_certificate" "api" { domain_name = "api.example.com"  key_algorithm = "RSA_1024" }
    /// ```
    ///
    /// ## Fix
    /// Request a new certificate with `key_algorithm = "EC_prime256v1"` or `"RSA_2048"`.
    ACM_002 {
        id: "ACM-002",
        title: "Certificate keys are strong",
        severity: Severity::High,
        section: Section::Acm,
        fix: "Reissue the certificate with an RSA 2048+ or EC P-256+ key.",
        equivalents: &[("Prowler", "acm_certificates_with_secure_key_algorithms"), ("AWS Config", "acm-certificate-rsa-check"), ("Security Hub", "ACM.2")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, cert) in ctx.all::<AcmCertificate>() {
        out.judge(r, judge_algorithm(cert));
    }
}

#[cfg(test)]
mod tests {
    use super::ACM_002;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn key_algorithms() {
        expect(
            &ACM_002,
            json!([
                {"kind": "acm_certificate", "name": "default"},
                {"kind": "acm_certificate", "name": "ec", "key_algorithm": "EC_prime256v1"},
                {"kind": "acm_certificate", "name": "weak", "key_algorithm": "RSA_1024"},
                {"kind": "acm_certificate", "name": "var", "key_algorithm": {"unknown": "var.alg has no value"}},
                {"kind": "acm_certificate", "name": "new", "key_algorithm": "ML_DSA_65"},
            ]),
            &[("default", Pass), ("ec", Pass), ("weak", Fail), ("var", Unknown), ("new", Unknown)],
        );
    }
}
