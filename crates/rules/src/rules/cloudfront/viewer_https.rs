use crate::context::Context;
use crate::finding::{AttributeFix, FixValue};
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{CloudfrontDistribution, Unknown};

declare_rule! {
    /// ## What it checks
    /// The default cache behaviour and every ordered cache behaviour of a distribution
    /// keep viewers on HTTPS: `viewer_protocol_policy` is `https-only` or
    /// `redirect-to-https`, never `allow-all`.
    ///
    /// ## Why
    /// Policy §7 (HTTPS on CloudFront): `allow-all` serves content, cookies and tokens over
    /// plain HTTP.
    ///
    /// ## Example
    /// ```hcl
    /// default_cache_behavior { viewer_protocol_policy = "allow-all" … }
    /// ```
    ///
    /// ## Fix
    /// `viewer_protocol_policy = "redirect-to-https"` (CloudFormation `ViewerProtocolPolicy`)
    /// on every behaviour; live `aws cloudfront update-distribution`.
    CF_001 {
        id: "CF-001",
        title: "Viewers are kept on HTTPS",
        severity: Severity::High,
        section: Section::Cloudfront,
        fix: "Set every cache behaviour's viewer protocol policy to redirect-to-https or https-only.",
        equivalents: &[("Checkov", "CKV_AWS_34"), ("KICS", "CloudFront Viewer Protocol Policy Allows HTTP"), ("Trivy", "AVD-AWS-0012"),
            ("Prowler", "cloudfront_distributions_https_enabled"), ("AWS Config", "cloudfront-viewer-policy-https"), ("Security Hub", "CloudFront.3")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, d) in ctx.all::<CloudfrontDistribution>() {
        out.judge(r, judge(d));
    }
}

fn judge(d: &CloudfrontDistribution) -> Eval {
    let behaviors = d.behaviors.or_default_to(Vec::new())?;
    let parts = behaviors.iter().map(|b| {
        let Some(policy) = b.viewer_protocol_policy.value()? else {
            return Err(Unknown::new(format!(
                "behaviour `{}` names no viewer protocol policy, which CloudFront requires: it cannot deploy as written",
                b.path_pattern
            )));
        };
        Ok(if policy.is_https() {
            Verdict::pass(format!("{}: {policy}", b.path_pattern))
        } else {
            Verdict::fail(format!("behaviour {} allows HTTP ({policy})", b.path_pattern))
                .at(&b.viewer_protocol_policy)
                .evidence(policy)
                .fix(AttributeFix::set(
                    Some("viewer_protocol_policy"),
                    Some("ViewerProtocolPolicy"),
                    FixValue::Text("redirect-to-https"),
                ))
        })
    });
    combine(parts, "every behaviour keeps viewers on HTTPS")
}

#[cfg(test)]
mod tests {
    use super::CF_001;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn viewer_protocol_policies() {
        expect(
            &CF_001,
            json!([
                {"kind": "cloudfront_distribution", "name": "ok", "behaviors": [{"path_pattern": "*", "viewer_protocol_policy": "redirect-to-https"},
                    {"path_pattern": "/api/*", "viewer_protocol_policy": "https-only"}]},
                {"kind": "cloudfront_distribution", "name": "ordered_http", "behaviors": [{"path_pattern": "*", "viewer_protocol_policy": "https-only"},
                    {"path_pattern": "/img/*", "viewer_protocol_policy": "allow-all"}]},
                {"kind": "cloudfront_distribution", "name": "var", "behaviors": [{"path_pattern": "*", "viewer_protocol_policy": {"unknown": "var.vpp has no value"}}]},
                {"kind": "cloudfront_distribution", "name": "missing", "behaviors": [{"path_pattern": "*"}]},
                {"kind": "cloudfront_distribution", "name": "missing_and_http", "behaviors": [{"path_pattern": "*"},
                    {"path_pattern": "/img/*", "viewer_protocol_policy": "allow-all"}]},
            ]),
            &[("ok", Pass), ("ordered_http", Fail), ("var", Unknown), ("missing", Unknown), ("missing_and_http", Fail)],
        );
    }
}
