use crate::context::Context;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::AcmCertificate;

declare_rule! {
    /// ## What it checks
    /// Advisory, while `certificates.allow_wildcards` is false: certificates do not cover
    /// wildcard names (`*.example.com`) in their domain or alternative names.
    ///
    /// ## Why
    /// Policy §7: one wildcard key serves every host under the domain; its compromise
    /// lets an attacker impersonate all of them.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_acm_certificate" "all" { domain_name = "*.example.com" }
    /// ```
    ///
    /// ## Fix
    /// Request certificates for the specific names each service answers to.
    ACM_005 {
        id: "ACM-005",
        title: "Certificates name specific hosts",
        severity: Severity::Info,
        section: Section::Acm,
        fix: "Issue certificates for specific host names instead of wildcards.",
        equivalents: &[("Checkov", "CKV2_AWS_71")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    if ctx.policy.certificates.allow_wildcards {
        return;
    }
    for (r, cert) in ctx.all::<AcmCertificate>() {
        out.judge(r, judge(cert));
    }
}

fn judge(cert: &AcmCertificate) -> Eval {
    let mut names: Vec<String> = cert.domain_name.value()?.into_iter().cloned().collect();
    names.extend(cert.subject_alternative_names.or_default_to(Vec::new())?);
    match names.iter().find(|n| n.starts_with('*')) {
        Some(wildcard) => {
            Ok(Verdict::fail(format!("covers the wildcard name {wildcard}")).at(&cert.domain_name).evidence(wildcard))
        }
        None => Ok(Verdict::pass("names specific hosts")),
    }
}

#[cfg(test)]
mod tests {
    use super::ACM_005;
    use crate::testing::{expect, run_with};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn wildcard_names() {
        let resources = json!([
            {"kind": "acm_certificate", "name": "specific", "domain_name": "api.example.com"},
            {"kind": "acm_certificate", "name": "wild", "domain_name": "example.com", "subject_alternative_names": ["*.example.com"]},
            {"kind": "acm_certificate", "name": "var", "domain_name": {"unknown": "var.domain has no value"}},
        ]);
        expect(&ACM_005, resources.clone(), &[("specific", Pass), ("wild", Fail), ("var", Unknown)]);
        assert!(run_with(&ACM_005, "[certificates]\nallow_wildcards = true\n", resources).is_empty());
    }
}
