use crate::context::{Context, Res};
use crate::facts::Transport;
use crate::finding::{Fix, PolicyStatement};
use crate::rule::{declare_rule, Eval, Out, Section, Severity, Verdict};
use encguard_model::S3Bucket;

declare_rule! {
    /// ## What it checks
    /// A policy attached to the bucket denies every request that does not use TLS: a
    /// statement with `Effect: Deny`, `Principal: "*"` (or `{"AWS": "*"}`), `Action: "s3:*"`
    /// (or `"*"`), a `Resource` covering both the bucket ARN and `ARN/*`, and
    /// `Condition: {"Bool": {"aws:SecureTransport": "false"}}` (string or boolean). A
    /// bucket without a policy fails. Bucket policies written as separate resources count.
    ///
    /// ## Why
    /// Policy §7 (in transit): S3 answers plain HTTP unless the bucket policy refuses it.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket" "data" { bucket = "acme-data" }   # no bucket policy
    /// ```
    ///
    /// ## Fix
    /// Attach a bucket policy with:
    /// ```json
    /// {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    ///  "Resource": ["arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"],
    ///  "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    /// ```
    /// (Terraform `aws_s3_bucket_policy`, CloudFormation `AWS::S3::BucketPolicy`, live
    /// `aws s3api put-bucket-policy`).
    S3_004 {
        id: "S3-004",
        title: "Buckets refuse requests without TLS",
        severity: Severity::High,
        section: Section::S3,
        fix: "Attach a bucket policy that denies s3:* when aws:SecureTransport is false.",
        equivalents: &[("KICS", "S3 Bucket Policy Accepts HTTP Requests"), ("Prowler", "s3_bucket_secure_transport_policy"),
            ("AWS Config", "s3-bucket-ssl-requests-only"), ("Security Hub", "S3.5"), ("cfn-guard", "S3_BUCKET_SSL_REQUESTS_ONLY"),
            ("Control Tower", "CT.S3.PR.8")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, bucket) in ctx.all::<S3Bucket>() {
        out.judge(r, judge(ctx, r, bucket));
    }
}

fn judge(ctx: &Context, r: Res, bucket: &S3Bucket) -> Eval {
    Ok(match ctx.transport(r).clone()? {
        Transport::DeniesInsecure => Verdict::pass("the bucket policy denies requests without TLS"),
        Transport::AcceptsInsecure { has_policy: false } => {
            Verdict::fail("the bucket has no bucket policy, so plain-HTTP requests are accepted")
                .at(&bucket.policy)
                .fix(Fix::BucketPolicy(PolicyStatement::DenyInsecureTransport))
        }
        Transport::AcceptsInsecure { has_policy: true } => {
            Verdict::fail("no bucket policy statement denies s3:* to everyone when aws:SecureTransport is false")
                .at(&bucket.policy)
                .fix(Fix::AddToBucketPolicy(PolicyStatement::DenyInsecureTransport))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::S3_004;
    use crate::testing::{expect, run_with};
    use crate::Status::*;
    use serde_json::json;

    fn deny(resources: &[&str], action: &str, principal: serde_json::Value) -> serde_json::Value {
        json!({"statements": [{"effect": "Deny", "principal": [principal], "action": [action], "resource": resources,
            "condition": [{"operator": "Bool", "key": "aws:SecureTransport", "values": ["false"]}]}]})
    }

    #[test]
    fn a_policy_is_placed_on_its_bucket_only_when_its_bucket_name_is_unambiguous() {
        let both = ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"];
        let star = json!({"kind": "*", "id": "*"});
        expect(
            &S3_004,
            json!([
                // Two module instances create a bucket of the same name; the root's policy
                // names it: either may be the one it protects.
                {"kind": "s3_bucket", "name": "module.a.aws_s3_bucket.b", "scope": "root//a", "handles": ["shared"]},
                {"kind": "s3_bucket", "name": "module.b.aws_s3_bucket.b", "scope": "root//b", "handles": ["shared"]},
                {"kind": "s3_bucket_policy", "name": "p", "scope": "root", "bucket": "shared", "policy": deny(&both, "s3:*", star.clone())},
                // Another kind sharing the bucket's name does not take its policy.
                {"kind": "log_group", "name": "aws_cloudwatch_log_group.logs", "scope": "other", "handles": ["logs"]},
                {"kind": "s3_bucket", "name": "aws_s3_bucket.logs", "scope": "other", "handles": ["logs"]},
                {"kind": "s3_bucket_policy", "name": "q", "scope": "other", "bucket": "logs",
                 "policy": deny(&["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"], "s3:*", star)},
            ]),
            &[
                ("module.a.aws_s3_bucket.b", Unknown),
                ("module.b.aws_s3_bucket.b", Unknown),
                ("aws_s3_bucket.logs", Pass),
            ],
        );
        let found = run_with(
            &S3_004,
            "",
            json!([
                {"kind": "s3_bucket", "name": "x", "scope": "root//a", "handles": ["shared"]},
                {"kind": "s3_bucket", "name": "y", "scope": "root//b", "handles": ["shared"]},
                {"kind": "s3_bucket_policy", "name": "p", "scope": "root", "bucket": "shared", "policy": {"statements": []}},
            ]),
        );
        assert!(found[0].2.contains("`shared` names 2 resources of this scan (x, y)"), "{found:?}");
    }

    #[test]
    fn secure_transport_policies() {
        let star = json!({"kind": "*", "id": "*"});
        let aws_star = json!({"kind": "AWS", "id": "*"});
        let both = ["arn:aws:s3:::b", "arn:aws:s3:::b/*"];
        expect(
            &S3_004,
            json!([
                {"kind": "s3_bucket", "name": "inline", "bucket_name": "b", "policy": deny(&both, "s3:*", star.clone())},
                {"kind": "s3_bucket", "name": "split", "bucket_name": "b", "handles": ["b"]},
                {"kind": "s3_bucket_policy", "name": "split_policy", "bucket": "b", "policy": deny(&both, "*", aws_star)},
                {"kind": "s3_bucket", "name": "objects_only", "bucket_name": "b", "policy": deny(&["arn:aws:s3:::b/*"], "s3:*", star.clone())},
                {"kind": "s3_bucket", "name": "get_only", "bucket_name": "b", "policy": deny(&both, "s3:GetObject", star.clone())},
                {"kind": "s3_bucket", "name": "none", "bucket_name": "b"},
                {"kind": "s3_bucket", "name": "computed", "bucket_name": "b", "policy": {"unknown": "jsonencode with data.x.arn unknown"}},
            ]),
            &[
                ("inline", Pass),
                ("split", Pass),
                ("objects_only", Fail),
                ("get_only", Fail),
                ("none", Fail),
                ("computed", Unknown),
            ],
        );
    }
}
