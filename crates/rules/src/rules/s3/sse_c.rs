use super::encryption;
use crate::context::{Context, Res};
use crate::facts::Transport;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::Fix;
use encguard_model::S3Bucket;

declare_rule! {
    /// ## What it checks
    /// The bucket's SSE-C posture matches the policy. While `s3.allow_sse_c` is false (the
    /// default), the default-encryption rule blocks SSE-C (`blocked_encryption_types`
    /// includes `SSE-C`). Since April 2026 S3 blocks SSE-C by default on new general purpose
    /// buckets: a bucket the code creates passes unless its rule unblocks SSE-C (a
    /// `blocked_encryption_types` without `SSE-C`, such as `["NONE"]`); a live bucket is
    /// judged by the `BlockedEncryptionTypes` S3 reports for it. When SSE-C is allowed, the
    /// bucket must refuse plain HTTP (S3-004), since S3 rejects SSE-C keys sent in clear.
    ///
    /// ## Why
    /// Policy §3: with SSE-C the company does not hold the keys in KMS, cannot audit their
    /// use, and loses the data if a client loses its key.
    ///
    /// ## Example
    /// ```hcl
    /// rule { apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" } }   # SSE-C not blocked
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `rule { blocked_encryption_types = ["SSE-C"] … }`.
    /// - CloudFormation: `BlockedEncryptionTypes: {EncryptionType: [SSE-C]}` in the rule.
    /// - Live: `aws s3api put-bucket-encryption` with `"BlockedEncryptionTypes": {"EncryptionType": ["SSE-C"]}`.
    ///   `remediate` puts the bucket's configuration as it reads it, with SSE-C blocked in
    ///   each rule.
    S3_007 {
        id: "S3-007",
        title: "SSE-C is blocked unless the policy allows it",
        severity: Severity::Medium,
        section: Section::S3,
        fix: "Block SSE-C in the bucket's default encryption rule.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, bucket) in ctx.all::<S3Bucket>() {
        out.judge(r, judge(ctx, r, bucket));
    }
}

fn judge(ctx: &Context, r: Res, bucket: &S3Bucket) -> Eval {
    if ctx.policy.s3.allow_sse_c {
        return Ok(match ctx.transport(r).clone()? {
            Transport::AcceptsInsecure { .. } => {
                Verdict::fail("SSE-C is allowed but the bucket accepts plain HTTP (S3-004)").at(&bucket.policy)
            }
            Transport::DeniesInsecure => Verdict::pass("SSE-C is allowed and the bucket refuses plain HTTP"),
        });
    }
    let written = match encryption(ctx.bucket(r))? {
        Some(enc) => enc.blocked_encryption_types.value()?.cloned(),
        None => None,
    };
    if written.is_none() && r.is_created() {
        return Ok(Verdict::pass("S3 blocks SSE-C on the buckets it creates from April 2026 on"));
    }
    let blocked = written.unwrap_or_default();
    if blocked.iter().any(|t| t.eq_ignore_ascii_case("SSE-C")) {
        Ok(Verdict::pass("SSE-C is blocked"))
    } else {
        Ok(Verdict::fail("SSE-C is not blocked in the default encryption rule")
            .at(&bucket.encryption)
            .evidence(format!("blocked_encryption_types = {blocked:?}"))
            .fix(Fix::BlockSseC))
    }
}

#[cfg(test)]
mod tests {
    use super::S3_007;
    use crate::testing::{expect, expect_with};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn sse_c_posture() {
        let resources = json!([
            {"kind": "s3_bucket", "name": "blocked", "encryption": {"sse_algorithm": "aws:kms", "blocked_encryption_types": ["SSE-C"]}},
            {"kind": "s3_bucket", "name": "open", "encryption": {"sse_algorithm": "aws:kms"}},
            {"kind": "s3_bucket", "name": "bare"},
            {"kind": "s3_bucket", "name": "var", "encryption": {"blocked_encryption_types": {"unknown": "var.blocked has no value"}}},
        ]);
        expect(&S3_007, resources.clone(), &[("blocked", Pass), ("open", Pass), ("bare", Pass), ("var", Unknown)]);
        let live = |name: &str, encryption: serde_json::Value| {
            json!({"kind": "s3_bucket", "name": name, "encryption": encryption,
                "location": {"source": "aws", "account": "1", "region": "eu-west-1", "arn": format!("arn:aws:s3:::{name}")}})
        };
        let unblocked = json!([
            {"kind": "s3_bucket", "name": "none", "encryption": {"sse_algorithm": "AES256", "blocked_encryption_types": ["NONE"]}},
            live("live-open", json!({"sse_algorithm": "AES256"})),
            live("live-blocked", json!({"sse_algorithm": "AES256", "blocked_encryption_types": ["SSE-C"]})),
        ]);
        expect(&S3_007, unblocked, &[("none", Fail), ("live-open", Fail), ("live-blocked", Pass)]);
        expect_with(&S3_007, "[s3]\nallow_sse_c = true\n", resources, &[("open", Fail)]);
    }
}
