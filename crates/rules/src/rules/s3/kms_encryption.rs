use super::encryption;
use crate::context::{Attachment, Context, Res};
use crate::keys::required_tier;
use crate::policy::KeyTier;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::Fix;
use encguard_model::{KeyRef, S3Bucket, SseAlgorithm, Unknown};

declare_rule! {
    /// ## What it checks
    /// Buckets are encrypted under a key of the tier `key_tiers.s3` requires: by default
    /// SSE-S3 is enough; for buckets tagged as classified, and under the strict profile, a
    /// customer managed key — `aws:kms` or `aws:kms:dsse` with a key that is not
    /// `alias/aws/s3` (`aws:kms` without a key means `aws/s3`).
    /// Buckets that receive server access logs are N/A — log delivery cannot write to a
    /// bucket whose default encryption is SSE-KMS. High for buckets tagged as classified.
    /// Passing buckets without S3 Bucket Keys get a note: Bucket Keys cut KMS cost and calls.
    ///
    /// ## Why
    /// Policy §3: with a customer managed key the company controls, audits and can revoke
    /// access to the data; SSE-S3 and `aws/s3` let anyone with S3 read access decrypt.
    ///
    /// ## Example
    /// ```hcl
    /// rule { apply_server_side_encryption_by_default { sse_algorithm = "AES256" } }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `sse_algorithm = "aws:kms"`, `kms_master_key_id = aws_kms_key.data.arn`, `bucket_key_enabled = true`.
    /// - CloudFormation: `SSEAlgorithm: aws:kms`, `KMSMasterKeyID: !GetAtt DataKey.Arn`, `BucketKeyEnabled: true`.
    /// - Live: `aws s3api put-bucket-encryption --bucket B --server-side-encryption-configuration …`.
    ///
    /// With `[fix] kms_keys.s3`, `encguard fix` writes that key (SSE-KMS, Bucket Key on) in
    /// the bucket's encryption configuration, or a new one, and `remediate` puts it in the
    /// bucket's default encryption.
    S3_002 {
        id: "S3-002",
        title: "Buckets use the required key tier",
        severity: Severity::Medium,
        section: Section::S3,
        fix: "Set default encryption to aws:kms with a customer managed key and enable the Bucket Key.",
        equivalents: &[("Checkov", "CKV_AWS_145"), ("KICS", "s3_bucket_without_server-side_encryption"), ("Trivy", "AVD-AWS-0132"),
            ("Prowler", "s3_bucket_kms_encryption"), ("AWS Config", "s3-default-encryption-kms"), ("Security Hub", "S3.17")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, bucket) in ctx.all::<S3Bucket>() {
        out.judge(r, judge(ctx, r).map(|v| super::at_encryption(ctx, r, bucket, v)));
    }
}

fn judge(ctx: &Context, r: Res) -> Eval {
    let facts = ctx.bucket(r);
    if let Some(source) = facts.log_sources.first() {
        return Ok(Verdict::not_applicable(format!(
            "receives server access logs from `{}`; log delivery does not support SSE-KMS",
            source.name
        )));
    }
    let classified = ctx.policy.classification.classified(&r.tags).is_some();
    let required = required_tier(ctx, ctx.policy.key_tiers.s3, r)?;
    let enc = encryption(facts)?;
    let algorithm = match enc {
        Some(e) => e.sse_algorithm.or_default_to(SseAlgorithm::Aes256)?,
        None => SseAlgorithm::Aes256,
    };
    let (tier, seen) = match (algorithm.uses_kms(), enc) {
        (true, Some(e)) => (ctx.key_tier(r, &e.kms_key, KeyTier::AwsManaged)?, key_name(&e.kms_key)),
        _ => (KeyTier::AwsOwned, "SSE-S3 (keys S3 owns)".to_string()),
    };
    if tier >= required {
        let bucket_key = enc.map(|e| e.bucket_key_enabled.or_default_to(false)).transpose()?.unwrap_or(false);
        let note = if bucket_key { "" } else { "; enabling the S3 Bucket Key is recommended" };
        return Ok(Verdict::pass(format!("{algorithm} with {tier}{note}")).evidence(seen));
    }
    if let Some(why) = facts.unresolved(Attachment::LogTarget) {
        return Err(Unknown::new(format!("may receive server access logs, which exempts it: {why}")));
    }
    let verdict =
        Verdict::fail(format!("encrypted with {algorithm} and {tier}; the policy requires {required}")).evidence(seen);
    let verdict = if classified { verdict.severity(Severity::High) } else { verdict };
    // The key the policy file chooses for buckets, if it does — not where others deliver
    // objects, which SSE-KMS may stop (load balancer logs take SSE-S3 only).
    Ok(match ctx.policy.fix.kms_keys.get("s3") {
        Some(_) if super::others_deliver(facts) => verdict,
        Some(key) => verdict.fix(Fix::BucketKey { key: key.clone(), configured: facts.encryption_from.is_some() }),
        None => verdict,
    })
}

fn key_name(key: &KeyRef) -> String {
    match key {
        KeyRef::ServiceDefault => "alias/aws/s3 (no key named)".into(),
        other => crate::context::describe_key(other),
    }
}

#[cfg(test)]
mod tests {
    use super::S3_002;
    use crate::testing::{expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn a_configuration_that_may_be_the_buckets_own_makes_it_unknown_whatever_the_bucket_says() {
        let kms = json!({"sse_algorithm": "aws:kms", "kms_key": {"type": "customer", "reference": "aws_kms_key.data"}});
        expect_with(
            &S3_002,
            STRICT,
            json!([
                {"kind": "kms_key", "name": "aws_kms_key.data"},
                {"kind": "s3_bucket", "name": "a", "scope": "root//a", "handles": ["shared"], "encryption": kms},
                {"kind": "s3_bucket", "name": "b", "scope": "root//b", "handles": ["shared"], "encryption": kms},
                {"kind": "s3_encryption_config", "name": "c", "scope": "root", "bucket": "shared", "encryption": {"sse_algorithm": "AES256"}},
            ]),
            &[("a", Unknown), ("b", Unknown)],
        );
    }

    #[test]
    fn tiers_log_buckets_and_unknowns() {
        expect_with(
            &S3_002,
            STRICT,
            json!([
                {"kind": "kms_key", "name": "aws_kms_key.data"},
                {"kind": "s3_bucket", "name": "cmk", "encryption": {"sse_algorithm": "aws:kms", "kms_key": {"type": "customer", "reference": "aws_kms_key.data"}, "bucket_key_enabled": true}},
                {"kind": "s3_bucket", "name": "dsse", "encryption": {"sse_algorithm": "aws:kms:dsse", "kms_key": {"type": "customer", "reference": "alias/data"}}},
                {"kind": "s3_bucket", "name": "aws_s3_key", "encryption": {"sse_algorithm": "aws:kms"}},
                {"kind": "s3_bucket", "name": "sse_s3", "encryption": {"sse_algorithm": "AES256"}},
                {"kind": "s3_bucket", "name": "baseline"},
                {"kind": "s3_bucket", "name": "logs", "handles": ["logs-bucket"]},
                {"kind": "s3_logging", "name": "app_logging", "bucket": "cmk", "target_bucket": "logs-bucket"},
                {"kind": "s3_bucket", "name": "var_key", "encryption": {"sse_algorithm": "aws:kms", "kms_key": {"type": "unresolved", "reason": "var.kms_key_arn has no value"}}},
            ]),
            &[
                ("cmk", Pass),
                ("dsse", Pass),
                ("aws_s3_key", Fail),
                ("sse_s3", Fail),
                ("baseline", Fail),
                ("logs", NotApplicable),
                ("var_key", Unknown),
            ],
        );
    }

    #[test]
    fn classified_buckets_fail_with_high_severity() {
        let inv = crate::testing::inventory(json!([
            {"kind": "s3_bucket", "name": "hr", "tags": {"data-classification": "Confidential"}, "encryption": {"sse_algorithm": "AES256"}},
            {"kind": "s3_bucket", "name": "web", "encryption": {"sse_algorithm": "AES256"}},
        ]));
        let policy = crate::Policy::default();
        let ctx = crate::Context::new(&inv, &policy, crate::testing::today());
        let eval = crate::evaluate(&ctx, |r| r.id == "S3-002");
        let hr = eval.findings.iter().find(|f| f.resource == "hr").unwrap();
        assert_eq!(hr.severity, crate::Severity::High);
        // SSE-S3 meets the default tier of unclassified data: a settled pass.
        assert!(eval.findings.iter().all(|f| f.resource != "web"));
        assert!(eval.settled.iter().any(|s| s.resource.index() == 1 && s.status == crate::Status::Pass));
    }
}
