//! §3 Amazon S3.
pub mod client_side;
pub mod default_encryption;
pub mod deny_unencrypted_put;
pub mod inventory;
pub mod key_usable;
pub mod kms_encryption;
pub mod minimum_tls;
pub mod sse_c;
pub mod tls_only;

use crate::context::{Attachment, BucketFacts, Context, Res};
use crate::rule::{FieldExt, Verdict};
use encguard_model::{Effect, PolicyDocument, S3Bucket, S3Encryption, Statement, Unknown};

/// The bucket's default-encryption rule: `None` when nothing configures one (the SSE-S3
/// baseline applies), unknown when a configuration exists but cannot be read or placed.
pub(crate) fn encryption<'a>(facts: &BucketFacts<'a>) -> Result<Option<&'a S3Encryption>, Unknown> {
    match facts.encryption {
        Some(v) => v.get().map(Some),
        None => match facts.unresolved(Attachment::Encryption) {
            Some(why) => Err(Unknown::new(why.to_string())),
            None => Ok(None),
        },
    }
}

/// Places a verdict about a bucket's default encryption: at the attribute it names when
/// the bucket configures its encryption itself, else at the bucket's own `encryption`
/// (the resource, when a configuration of its own configures it).
pub(crate) fn at_encryption(ctx: &Context, r: Res, bucket: &S3Bucket, verdict: Verdict) -> Verdict {
    let own = ctx.bucket(r).encryption_from == Some(r.id);
    let verdict = if own { verdict } else { Verdict { span: None, ..verdict } };
    match verdict.span {
        Some(_) => verdict,
        None => verdict.at(&bucket.encryption),
    }
}

/// The known policy documents of a bucket, and the reason any other is unknown.
pub(crate) fn policies<'a>(facts: &BucketFacts<'a>) -> (Vec<&'a PolicyDocument>, Option<Unknown>) {
    let mut known = Vec::new();
    let mut unknown = facts.unresolved(Attachment::Policy).map(Unknown::new);
    for p in &facts.policies {
        match p.get() {
            Ok(doc) => known.push(doc),
            Err(why) => unknown = Some(why),
        }
    }
    (known, unknown)
}

/// `arn:aws:s3:::NAME` when the bucket's name is known.
pub(crate) fn bucket_arn(bucket: &S3Bucket) -> Option<String> {
    bucket.bucket_name.value().ok().flatten().map(|n| format!("arn:aws:s3:::{n}"))
}

/// A Deny for everyone, on every S3 action, covering the bucket and all its objects.
pub(crate) fn denies_everyone_everything(s: &Statement, arn: Option<&str>) -> bool {
    if s.effect != Effect::Deny || !s.has_public_principal() {
        return false;
    }
    let all_actions = s.action.iter().any(|a| a == "*" || a.eq_ignore_ascii_case("s3:*"));
    all_actions && covers_bucket_and_objects(s, arn)
}

/// Whether the statement's resources cover the bucket itself and every object in it.
pub(crate) fn covers_bucket_and_objects(s: &Statement, arn: Option<&str>) -> bool {
    use encguard_model::policy_wildcard_match as matches;
    match arn {
        Some(arn) => {
            let objects = format!("{arn}/*");
            s.resource.iter().any(|p| matches(p, arn)) && s.resource.iter().any(|p| matches(p, &objects))
        }
        None => {
            s.resource.iter().any(|p| p == "*")
                || (s.resource.iter().any(|p| !p.contains('/')) && s.resource.iter().any(|p| p.ends_with("/*")))
        }
    }
}
