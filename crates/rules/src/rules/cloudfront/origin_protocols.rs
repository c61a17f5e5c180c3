use crate::context::Context;
use crate::finding::{AttributeFix, FixValue};
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{CacheBehavior, CloudfrontDistribution, Origin, OriginProtocolPolicy, ViewerProtocolPolicy};

declare_rule! {
    /// ## What it checks
    /// CloudFront reaches its origins over HTTPS: custom origins use
    /// `origin_protocol_policy = "https-only"`, or `match-viewer` when every behaviour
    /// routed to that origin keeps viewers on HTTPS; S3 website endpoints (`s3-website`,
    /// HTTP only) fail; S3 REST origins pass behind origin access control (which signs
    /// requests over HTTPS), and otherwise as `match-viewer` does — CloudFront reaches the
    /// bucket with the viewer's protocol.
    ///
    /// ## Why
    /// Policy §7: HTTPS at the edge means little if the hop from CloudFront to the origin
    /// crosses the internet in clear.
    ///
    /// ## Example
    /// ```hcl
    /// origin { domain_name = "app.example.com"  custom_origin_config { origin_protocol_policy = "http-only" … } }
    /// ```
    ///
    /// ## Fix
    /// `origin_protocol_policy = "https-only"` (CloudFormation `OriginProtocolPolicy`); serve S3
    /// content through the REST endpoint with origin access control instead of the website endpoint.
    CF_004 {
        id: "CF-004",
        title: "Origins are reached over HTTPS",
        severity: Severity::High,
        section: Section::Cloudfront,
        fix: "Set custom origins to https-only and use S3 REST endpoints with origin access control.",
        equivalents: &[("Checkov", "CKV2_AWS_72"), ("Prowler", "cloudfront_distributions_origin_traffic_encrypted"),
            ("AWS Config", "cloudfront-traffic-to-origin-encrypted"), ("Security Hub", "CloudFront.9")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, d) in ctx.all::<CloudfrontDistribution>() {
        out.judge(r, judge(d));
    }
}

fn judge(d: &CloudfrontDistribution) -> Eval {
    let origins = d.origins.or_default_to(Vec::new())?;
    let behaviors = d.behaviors.or_default_to(Vec::new())?;
    combine(origins.iter().map(|o| judge_origin(o, &behaviors)), "every origin is reached over HTTPS")
}

fn judge_origin(origin: &Origin, behaviors: &[CacheBehavior]) -> Eval {
    let id = origin.origin_id.or_default_to(String::new())?;
    // A domain known only after apply (a load balancer's DNS name) is not a website endpoint.
    if let Ok(Some(domain)) = origin.domain_name.value() {
        if domain.contains(".s3-website") {
            return Ok(Verdict::fail(format!("origin {id} is an S3 website endpoint, which serves only HTTP"))
                .at(&origin.domain_name)
                .evidence(domain));
        }
    }
    if origin.s3_origin {
        // CloudFront signs requests to an S3 origin with origin access control over HTTPS;
        // without it, it reaches the bucket with the protocol the viewer used.
        if origin.origin_access_control.value()?.is_some_and(|oac| !oac.is_empty()) {
            return Ok(Verdict::pass(format!("origin {id} is an S3 REST endpoint behind origin access control")));
        }
        return viewers_use_https(&id, behaviors, "is an S3 REST endpoint without origin access control")
            .map(|v| v.at(&origin.origin_access_control));
    }
    match origin.origin_protocol_policy.value()? {
        Some(OriginProtocolPolicy::HttpsOnly) => Ok(Verdict::pass(format!("origin {id} is https-only"))),
        Some(OriginProtocolPolicy::MatchViewer) => {
            viewers_use_https(&id, behaviors, "matches the viewer").map(|v| v.at(&origin.origin_protocol_policy))
        }
        Some(other) => Ok(Verdict::fail(format!("origin {id} is reached with {other}"))
            .at(&origin.origin_protocol_policy)
            .evidence(other)
            .fix(AttributeFix::set(
                Some("origin_protocol_policy"),
                Some("OriginProtocolPolicy"),
                FixValue::Text("https-only"),
            ))),
        None => Ok(Verdict::fail(format!("origin {id} names no protocol policy")).at(&origin.origin_protocol_policy)),
    }
}

/// Passes when every behaviour routed to origin `id` keeps viewers on HTTPS: CloudFront then
/// reaches the origin over HTTPS too (`how` says why the viewers decide).
fn viewers_use_https(id: &str, behaviors: &[CacheBehavior], how: &str) -> Eval {
    for b in behaviors.iter().filter(|b| b.target_origin_id.as_ref().and_then(|t| t.known()).is_none_or(|t| t == id)) {
        if !b.viewer_protocol_policy.or_default_to(ViewerProtocolPolicy::AllowAll)?.is_https() {
            return Ok(Verdict::fail(format!(
                "origin {id} {how}, and behaviour {} allows HTTP viewers",
                b.path_pattern
            )));
        }
    }
    Ok(Verdict::pass(format!("origin {id} {how}, and its viewers all use HTTPS")))
}

#[cfg(test)]
mod tests {
    use super::CF_004;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn origin_protocols() {
        let https_behavior =
            json!([{"path_pattern": "*", "target_origin_id": "app", "viewer_protocol_policy": "https-only"}]);
        let http_behavior =
            json!([{"path_pattern": "*", "target_origin_id": "app", "viewer_protocol_policy": "allow-all"}]);
        let custom =
            |p: &str| json!([{"origin_id": "app", "domain_name": "app.example.com", "origin_protocol_policy": p}]);
        expect(
            &CF_004,
            json!([
                {"kind": "cloudfront_distribution", "name": "https_only", "origins": custom("https-only"), "behaviors": http_behavior},
                {"kind": "cloudfront_distribution", "name": "match_https", "origins": custom("match-viewer"), "behaviors": https_behavior},
                {"kind": "cloudfront_distribution", "name": "match_http", "origins": custom("match-viewer"), "behaviors": http_behavior},
                {"kind": "cloudfront_distribution", "name": "http_only", "origins": custom("http-only"), "behaviors": https_behavior},
                {"kind": "cloudfront_distribution", "name": "s3_rest", "origins": [{"origin_id": "s3", "domain_name": "b.s3.amazonaws.com", "s3_origin": true}]},
                {"kind": "cloudfront_distribution", "name": "s3_website", "origins": [{"origin_id": "w", "domain_name": "b.s3-website-eu-west-1.amazonaws.com", "origin_protocol_policy": "http-only"}]},
                {"kind": "cloudfront_distribution", "name": "var", "origins": {"unknown": "dynamic origin over var.origins"}},
                {"kind": "cloudfront_distribution", "name": "s3_open_http", "behaviors": http_behavior,
                    "origins": [{"origin_id": "app", "domain_name": "b.s3.amazonaws.com", "s3_origin": true}]},
                {"kind": "cloudfront_distribution", "name": "s3_oac_http", "behaviors": http_behavior,
                    "origins": [{"origin_id": "app", "domain_name": "b.s3.amazonaws.com", "s3_origin": true, "origin_access_control": "E2OAC"}]},
            ]),
            &[
                ("https_only", Pass),
                ("match_https", Pass),
                ("match_http", Fail),
                ("http_only", Fail),
                ("s3_rest", Pass),
                ("s3_website", Fail),
                ("var", Unknown),
                ("s3_open_http", Fail),
                ("s3_oac_http", Pass),
            ],
        );
    }
}
