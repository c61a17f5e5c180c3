use crate::context::{Context, Res};
use crate::facts::{bucket_arn, denies_everyone_everything};
use crate::finding::{Fix, PolicyStatement};
use crate::policy::TlsVersion;
use crate::rule::{declare_rule, Eval, Out, Section, Severity, Verdict};
use encguard_model::S3Bucket;

declare_rule! {
    /// ## What it checks
    /// A bucket policy denies requests negotiated below the minimum TLS version
    /// (`tls.minimum_version`, default 1.2): a Deny for everyone on `s3:*` over the bucket
    /// and its objects with `Condition: {"NumericLessThan": {"s3:TlsVersion": "1.2"}}` (or a
    /// higher version).
    ///
    /// ## Why
    /// Policy §7: TLS 1.0 and 1.1 are broken; S3 still accepts them unless told not to.
    ///
    /// ## Example
    /// A bucket policy with only the `aws:SecureTransport` statement of S3-004.
    ///
    /// ## Fix
    /// Add to the bucket policy:
    /// ```json
    /// {"Sid": "DenyOldTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    ///  "Resource": ["arn:aws:s3:::B", "arn:aws:s3:::B/*"],
    ///  "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}}
    /// ```
    S3_005 {
        id: "S3-005",
        title: "Buckets refuse old TLS versions",
        severity: Severity::Medium,
        section: Section::S3,
        fix: "Add a bucket policy statement denying s3:* when s3:TlsVersion is below the minimum.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, bucket) in ctx.all::<S3Bucket>() {
        out.judge(r, judge(ctx, r, bucket));
    }
}

fn required_number(v: TlsVersion) -> f64 {
    match v {
        TlsVersion::V1_0 => 1.0,
        TlsVersion::V1_1 => 1.1,
        TlsVersion::V1_2 => 1.2,
        TlsVersion::V1_3 => 1.3,
    }
}

fn judge(ctx: &Context, r: Res, bucket: &S3Bucket) -> Eval {
    let minimum = ctx.policy.tls.minimum_version;
    let (docs, unknown) = ctx.bucket(r).readable_policies();
    let arn = bucket_arn(bucket);
    let enforced =
        docs.iter().flat_map(|d| &d.statements).filter(|s| denies_everyone_everything(s, arn.as_deref())).flat_map(
            |s| {
                s.condition_values(&["NumericLessThan"], "s3:TlsVersion")
                    .filter_map(|v| v.parse::<f64>().ok())
                    .collect::<Vec<_>>()
            },
        );
    let best = enforced.fold(None, |acc: Option<f64>, v| Some(acc.map_or(v, |a| a.max(v))));
    match (best, unknown) {
        (Some(v), _) if v + 1e-9 >= required_number(minimum) => {
            Ok(Verdict::pass(format!("requests below TLS {v} are denied")))
        }
        (_, Some(why)) => Err(why),
        (Some(v), None) => Ok(Verdict::fail(format!("the policy denies only TLS below {v}; the minimum is {minimum}"))
            .at(&bucket.policy)
            .fix(Fix::AddToBucketPolicy(deny_below(minimum)))),
        (None, None) => {
            let verdict =
                Verdict::fail(format!("no bucket policy statement denies requests below {minimum}")).at(&bucket.policy);
            // A bucket with no policy at all gets one; a policy of its own gets the statement added.
            Ok(if docs.is_empty() {
                verdict.fix(Fix::BucketPolicy(deny_below(minimum)))
            } else {
                verdict.fix(Fix::AddToBucketPolicy(deny_below(minimum)))
            })
        }
    }
}

/// The statement that denies requests below `minimum`.
fn deny_below(minimum: TlsVersion) -> PolicyStatement {
    PolicyStatement::DenyTlsBelow(if minimum == TlsVersion::V1_3 { "1.3" } else { "1.2" })
}

#[cfg(test)]
mod tests {
    use super::S3_005;
    use crate::testing::{expect, expect_with};
    use crate::Status::*;
    use serde_json::json;

    fn tls_policy(version: &str) -> serde_json::Value {
        json!({"statements": [{"effect": "Deny", "principal": [{"kind": "*", "id": "*"}], "action": ["s3:*"],
            "resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "condition": [{"operator": "NumericLessThan", "key": "s3:TlsVersion", "values": [version]}]}]})
    }

    #[test]
    fn tls_version_floor() {
        let resources = json!([
            {"kind": "s3_bucket", "name": "v12", "bucket_name": "b", "policy": tls_policy("1.2")},
            {"kind": "s3_bucket", "name": "v11", "bucket_name": "b", "policy": tls_policy("1.1")},
            {"kind": "s3_bucket", "name": "none", "bucket_name": "b"},
            {"kind": "s3_bucket", "name": "computed", "bucket_name": "b", "policy": {"unknown": "policy from module output"}},
        ]);
        expect(&S3_005, resources.clone(), &[("v12", Pass), ("v11", Fail), ("none", Fail), ("computed", Unknown)]);
        expect_with(&S3_005, "[tls]\nminimum_version = \"1.3\"\n", resources, &[("v12", Fail)]);
    }
}
