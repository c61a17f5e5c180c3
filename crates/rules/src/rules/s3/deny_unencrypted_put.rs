use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{Fix, PolicyStatement};
use encguard_model::{Effect, S3Bucket, S3Object, Statement};

declare_rule! {
    /// ## What it checks
    /// Uploads must ask for encryption:
    /// - buckets: a bucket policy denies `s3:PutObject` when `s3:x-amz-server-side-encryption`
    ///   is missing (`Null: true`) or not an approved value (`StringNotEquals`), or when
    ///   `s3:x-amz-server-side-encryption-aws-kms-key-id` is not the approved key;
    /// - objects managed as code (`aws_s3_object`) set `server_side_encryption`.
    ///
    /// ## Why
    /// Policy §3: default encryption applies only when a request names none; a deny on
    /// unencrypted uploads makes the encryption of each object explicit and checkable.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_object" "report" { bucket = aws_s3_bucket.b.id  key = "r.csv"  source = "r.csv" }
    /// ```
    ///
    /// ## Fix
    /// Add to the bucket policy:
    /// ```json
    /// {"Sid": "DenyUnencryptedPut", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
    ///  "Resource": "arn:aws:s3:::B/*",
    ///  "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}
    /// ```
    /// and set `server_side_encryption = "aws:kms"` on managed objects.
    S3_006 {
        id: "S3-006",
        title: "Uploads must request encryption",
        severity: Severity::Medium,
        section: Section::S3,
        fix: "Deny s3:PutObject without the x-amz-server-side-encryption header, and set server_side_encryption on objects.",
        equivalents: &[("AWS Config", "s3-bucket-server-side-encryption-enabled (alternative pass path)")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, bucket) in ctx.all::<S3Bucket>() {
        out.judge(r, judge_bucket(ctx, r).map(|v| v.at(&bucket.policy)));
    }
    for (r, object) in ctx.all::<S3Object>() {
        out.judge(r, judge_object(object));
    }
}

fn denies_unencrypted_put(s: &Statement) -> bool {
    const HEADER: &str = "s3:x-amz-server-side-encryption";
    const KEY_HEADER: &str = "s3:x-amz-server-side-encryption-aws-kms-key-id";
    s.effect == Effect::Deny
        && s.allows_action("s3:PutObject")
        && (s.condition_values(&["Null"], HEADER).any(|v| v == "true")
            || s.condition_values(&["StringNotEquals", "StringNotLike"], HEADER).next().is_some()
            || s.condition_values(&["StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"], KEY_HEADER)
                .next()
                .is_some())
}

fn judge_bucket(ctx: &Context, r: Res) -> Eval {
    let (docs, unknown) = ctx.bucket(r).readable_policies();
    if docs.iter().flat_map(|d| &d.statements).any(denies_unencrypted_put) {
        return Ok(Verdict::pass("the bucket policy denies uploads that do not request encryption"));
    }
    if let Some(why) = unknown {
        return Err(why);
    }
    let verdict = Verdict::fail("no bucket policy statement denies s3:PutObject without server-side encryption");
    // Server access logs, and other deliveries the policy lets write (a service, a
    // region's load balancer account), come without the encryption header: a deny for
    // everyone would stop them, so such a bucket is left to a person.
    if !ctx.bucket(r).log_sources.is_empty() {
        return Ok(verdict.evidence("receives server access logs; exempt their delivery from the deny"));
    }
    if super::others_deliver(ctx.bucket(r)) {
        return Ok(verdict.evidence("the policy lets others deliver objects; exempt their deliveries from the deny"));
    }
    let statement = PolicyStatement::DenyUnencryptedUploads;
    Ok(verdict.fix(if docs.is_empty() { Fix::BucketPolicy(statement) } else { Fix::AddToBucketPolicy(statement) }))
}

fn judge_object(object: &S3Object) -> Eval {
    match object.server_side_encryption.value()? {
        Some(sse) => Ok(Verdict::pass(format!("uploaded with {sse}"))),
        None => Ok(Verdict::fail("the object does not set server_side_encryption").at(&object.server_side_encryption)),
    }
}

#[cfg(test)]
mod tests {
    use super::S3_006;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn deny_unencrypted_uploads_and_objects() {
        let put_deny = |op: &str, key: &str, value: &str| {
            json!({"statements": [{"effect": "Deny", "principal": [{"kind": "*", "id": "*"}],
            "action": ["s3:PutObject"], "resource": ["arn:aws:s3:::b/*"], "condition": [{"operator": op, "key": key, "values": [value]}]}]})
        };
        expect(
            &S3_006,
            json!([
                {"kind": "s3_bucket", "name": "null_check", "policy": put_deny("Null", "s3:x-amz-server-side-encryption", "true")},
                {"kind": "s3_bucket", "name": "value_check", "policy": put_deny("StringNotEquals", "s3:x-amz-server-side-encryption", "aws:kms")},
                {"kind": "s3_bucket", "name": "key_check", "policy": put_deny("StringNotEquals", "s3:x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:eu-west-1:1:key/k")},
                {"kind": "s3_bucket", "name": "none"},
                {"kind": "s3_bucket", "name": "computed", "policy": {"unknown": "templatefile() with unknown vars"}},
                {"kind": "s3_object", "name": "obj_enc", "server_side_encryption": "aws:kms"},
                {"kind": "s3_object", "name": "obj_plain"},
                {"kind": "s3_object", "name": "obj_var", "server_side_encryption": {"unknown": "var.sse has no value"}},
            ]),
            &[
                ("null_check", Pass),
                ("value_check", Pass),
                ("key_check", Pass),
                ("none", Fail),
                ("computed", Unknown),
                ("obj_enc", Pass),
                ("obj_plain", Fail),
                ("obj_var", Unknown),
            ],
        );
    }
}
