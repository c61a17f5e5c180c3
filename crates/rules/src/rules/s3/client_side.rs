use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{S3Bucket, Unknown};

declare_rule! {
    /// ## What it checks
    /// Buckets the policy designates for client-side encryption
    /// (`s3.client_side_encryption_buckets`, patterns over bucket names and resource names)
    /// carry the attestation tag `s3.client_side_encryption_tag` (default
    /// `encryption:client-side`) set to `true`. Client-side encryption cannot be seen in
    /// configuration, so the owners attest it. Buckets that are neither designated nor
    /// tagged are not judged.
    ///
    /// ## Why
    /// Policy §3 (client-side encryption): data classified above what server-side
    /// encryption protects is encrypted before it reaches S3; the tag records who vouches
    /// for it.
    ///
    /// ## Example
    /// A bucket matching `client_side_encryption_buckets = ["*-pii"]` without the tag.
    ///
    /// ## Fix
    /// Tag the bucket `encryption:client-side = "true"` once its writers encrypt with the
    /// AWS Encryption SDK or the S3 Encryption Client.
    S3_008 {
        id: "S3-008",
        title: "Client-side encryption is attested where required",
        severity: Severity::Info,
        section: Section::S3,
        fix: "Tag the bucket with the client-side encryption attestation once its writers encrypt client-side.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    let settings = &ctx.policy.s3;
    let matchers: Vec<_> = settings
        .client_side_encryption_buckets
        .iter()
        .filter_map(|p| globset::Glob::new(p).ok().map(|g| g.compile_matcher()))
        .collect();
    for (r, bucket) in ctx.all::<S3Bucket>() {
        let tagged = r.tags.contains_key(&settings.client_side_encryption_tag);
        let name = bucket.bucket_name.value();
        let designated =
            |name: Option<&String>| matchers.iter().any(|m| m.is_match(&r.name) || name.is_some_and(|n| m.is_match(n)));
        match name {
            _ if tagged => out.judge(r, judge(ctx, r)),
            Ok(n) if designated(n) => out.judge(r, judge(ctx, r)),
            Ok(_) => {}
            // Whether a bucket of unknown name is designated is unknown — unless nothing is.
            Err(_) if matchers.is_empty() => {}
            Err(_) if designated(None) => out.judge(r, judge(ctx, r)),
            Err(why) => out.judge(r, Err(why)),
        }
    }
}

fn judge(ctx: &Context, r: Res) -> Eval {
    let tag = &ctx.policy.s3.client_side_encryption_tag;
    if let Some(why) = r.tag_unknown(tag) {
        return Err(Unknown::new(format!(
            "whether the bucket carries {tag} is unknown: its tags could not be read ({why})"
        )));
    }
    match r.tags.get(tag).map(String::as_str) {
        Some("true") => Ok(Verdict::pass(format!("attested by tag {tag}=true"))),
        Some(other) => Ok(Verdict::fail(format!("tag {tag} is `{other}`, not `true`")).at(&r.tags)),
        None => {
            Ok(Verdict::fail(format!("designated for client-side encryption but has no {tag}=true attestation tag"))
                .at(&r.tags))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::S3_008;
    use crate::testing::{expect_silent, expect_with};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn designated_buckets_need_the_attestation() {
        let policy = "[s3]\nclient_side_encryption_buckets = [\"*-pii\"]\n";
        let resources = json!([
            {"kind": "s3_bucket", "name": "attested", "bucket_name": "acme-pii", "tags": {"encryption:client-side": "true"}},
            {"kind": "s3_bucket", "name": "missing", "bucket_name": "hr-pii"},
            {"kind": "s3_bucket", "name": "unnamed", "bucket_name": {"unknown": "var.name has no value"}},
            {"kind": "s3_bucket", "name": "plain", "bucket_name": "acme-assets"},
        ]);
        expect_with(&S3_008, policy, resources.clone(), &[("attested", Pass), ("missing", Fail), ("unnamed", Unknown)]);
        expect_silent(&S3_008, resources, &["plain", "missing", "unnamed"]);
        let denied = json!([{"kind": "s3_bucket", "name": "denied", "bucket_name": "ops-pii", "tags_unreadable": "AccessDenied"}]);
        expect_with(&S3_008, policy, denied, &[("denied", Unknown)]);
    }
}
