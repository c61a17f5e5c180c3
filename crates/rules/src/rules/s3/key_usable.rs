use super::encryption;
use crate::context::{Context, KeyTarget, Res};
use crate::keys::{require_usable, rotation_problem};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::Status;
use encguard_model::{S3Bucket, SseAlgorithm};

declare_rule! {
    /// ## What it checks
    /// The KMS key a bucket encrypts with passes KMS-007 (symmetric, enabled, not being
    /// deleted, in the bucket's region) and KMS-001 (rotation on). Buckets without SSE-KMS
    /// are N/A.
    ///
    /// ## Why
    /// Policy §3 and §8 (R2, R3): S3 writes fail with an unusable key, and objects become
    /// unreadable when it is disabled or deleted.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_kms_key" "data" { is_enabled = false }
    /// # … kms_master_key_id = aws_kms_key.data.arn
    /// ```
    ///
    /// ## Fix
    /// Use an enabled, rotating, symmetric key in the bucket's region.
    S3_003 {
        id: "S3-003",
        title: "Bucket keys are usable and rotate",
        severity: Severity::High,
        section: Section::S3,
        fix: "Use an enabled, rotating, symmetric KMS key in the bucket's region.",
        equivalents: &[("Checkov", "CKV2_AWS_67")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, bucket) in ctx.all::<S3Bucket>() {
        out.judge(r, judge(ctx, r).map(|v| super::at_encryption(ctx, r, bucket, v)));
    }
}

fn judge(ctx: &Context, r: Res) -> Eval {
    let facts = ctx.bucket(r);
    let Some(enc) = encryption(facts)? else {
        return Ok(Verdict::not_applicable("the bucket does not use SSE-KMS"));
    };
    if !enc.sse_algorithm.value()?.is_some_and(SseAlgorithm::uses_kms) {
        return Ok(Verdict::not_applicable("the bucket does not use SSE-KMS"));
    }
    let usable = require_usable(ctx, r, &enc.kms_key)?;
    if usable.status == Status::Fail {
        return Ok(usable);
    }
    if let KeyTarget::Key(key, _) = ctx.key(r, &enc.kms_key) {
        let rotation = ctx.rotation(key).clone()?.rotation;
        if let Some(problem) = rotation_problem(rotation, ctx.policy.kms.max_rotation_days) {
            return Ok(Verdict::fail(format!("key `{}`: {problem}", key.name)));
        }
    }
    Ok(usable)
}

#[cfg(test)]
mod tests {
    use super::S3_003;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    fn bucket(name: &str, key: &str) -> serde_json::Value {
        json!({"kind": "s3_bucket", "name": name, "encryption": {"sse_algorithm": "aws:kms", "kms_key": {"type": "customer", "reference": key}}})
    }

    #[test]
    fn bucket_keys_must_be_usable_and_rotating() {
        expect(
            &S3_003,
            json!([
                {"kind": "kms_key", "name": "good", "rotation_enabled": true},
                {"kind": "kms_key", "name": "static"},
                {"kind": "kms_key", "name": "off", "enabled": false, "rotation_enabled": true},
                bucket("b_good", "good"), bucket("b_static", "static"), bucket("b_off", "off"), bucket("b_outside", "arn:aws:kms:eu-west-1:1:key/x"),
                {"kind": "s3_bucket", "name": "b_sse_s3", "encryption": {"sse_algorithm": "AES256"}},
            ]),
            &[
                ("b_good", Pass),
                ("b_static", Fail),
                ("b_off", Fail),
                ("b_outside", Unknown),
                ("b_sse_s3", NotApplicable),
            ],
        );
    }
}
