use super::encryption;
use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{S3Bucket, SseAlgorithm};

declare_rule! {
    /// ## What it checks
    /// A bucket's default encryption, when configured, names a real algorithm: `AES256`
    /// (SSE-S3), `aws:kms` (SSE-KMS) or `aws:kms:dsse` (DSSE-KMS). A bucket with no
    /// configuration passes: since 5 January 2023 S3 encrypts every new object with SSE-S3
    /// and that baseline cannot be turned off.
    ///
    /// ## Why
    /// Policy §3: every object is encrypted at rest. Reporting "bucket not encrypted" on
    /// buckets S3 encrypts anyway is the noise other tools have deprecated; an empty or
    /// misspelt algorithm, though, is a broken configuration.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
    ///   bucket = aws_s3_bucket.b.id
    ///   rule { apply_server_side_encryption_by_default { sse_algorithm = "" } }
    /// }
    /// ```
    ///
    /// ## Fix
    /// Set `sse_algorithm` / `SSEAlgorithm` to `aws:kms` (see S3-002) or `AES256`.
    S3_001 {
        id: "S3-001",
        title: "Bucket default encryption uses a valid algorithm",
        severity: Severity::Low,
        section: Section::S3,
        fix: "Set the default encryption algorithm to aws:kms, aws:kms:dsse or AES256.",
        equivalents: &[("Checkov", "CKV_AWS_19"), ("KICS", "s3_bucket_sse_disabled"), ("Trivy", "AVD-AWS-0088 (deprecated)"),
            ("Prowler", "s3_bucket_default_encryption (deprecated)"), ("AWS Config", "s3-bucket-server-side-encryption-enabled"),
            ("Security Hub", "S3.4"), ("cfn-nag", "W41")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, bucket) in ctx.all::<S3Bucket>() {
        out.judge(r, judge(ctx, r).map(|v| super::at_encryption(ctx, r, bucket, v)));
    }
}

fn judge(ctx: &Context, r: Res) -> Eval {
    let Some(enc) = encryption(ctx.bucket(r))? else {
        return Ok(Verdict::pass(
            "no default encryption configured: S3 applies its SSE-S3 baseline to every new object",
        ));
    };
    match enc.sse_algorithm.value()? {
        Some(alg @ (SseAlgorithm::Aes256 | SseAlgorithm::AwsKms | SseAlgorithm::AwsKmsDsse)) => {
            Ok(Verdict::pass(format!("default encryption is {alg}")))
        }
        Some(other) => Ok(Verdict::fail(format!("default encryption algorithm `{other}` is not one S3 accepts"))
            .evidence(format!("sse_algorithm = {:?}", other.as_str()))),
        None => Ok(Verdict::fail("the default encryption rule names no algorithm")),
    }
}

#[cfg(test)]
mod tests {
    use super::S3_001;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn algorithms_inline_and_split() {
        expect(
            &S3_001,
            json!([
                {"kind": "s3_bucket", "name": "none"},
                {"kind": "s3_bucket", "name": "inline", "encryption": {"sse_algorithm": "AES256"}},
                {"kind": "s3_bucket", "name": "split", "handles": ["split-bucket"]},
                {"kind": "s3_encryption_config", "name": "split_sse", "bucket": "split-bucket", "encryption": {"sse_algorithm": "aws:kms:dsse"}},
                {"kind": "s3_bucket", "name": "bad", "encryption": {"sse_algorithm": ""}},
                {"kind": "s3_bucket", "name": "cond", "encryption": {"sse_algorithm": {"unknown": "var.use_kms ? … : … with var.use_kms unset"}}},
            ]),
            &[("none", Pass), ("inline", Pass), ("split", Pass), ("bad", Fail), ("cond", Unknown)],
        );
    }

    #[test]
    fn an_unplaceable_configuration_makes_unconfigured_buckets_unknown() {
        expect(
            &S3_001,
            json!([
                {"kind": "s3_bucket", "name": "b"},
                {"kind": "s3_encryption_config", "name": "sse", "bucket": {"unknown": "for_each over var.buckets"}, "encryption": {"sse_algorithm": ""}},
            ]),
            &[("b", Unknown)],
        );
    }
}
