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
use crate::rule::Verdict;
use encguard_model::{Effect, S3Bucket, S3Encryption, Unknown};

/// Whether others deliver objects to the bucket: it receives server access logs, or its
/// policy lets a named principal (a service, a region's load balancer account) put
/// objects. Such deliveries send no encryption header and cannot use SSE-KMS where the
/// service does not support it: a fix that would stop them is left to a person.
pub(crate) fn others_deliver(facts: &BucketFacts) -> bool {
    let (docs, _) = facts.readable_policies();
    !facts.log_sources.is_empty()
        || docs.iter().flat_map(|d| &d.statements).any(|s| {
            s.effect == Effect::Allow
                && s.allows_action("s3:PutObject")
                && s.principal.iter().flatten().next().is_some()
        })
}

/// The bucket's default-encryption rule: `None` when nothing configures one (the SSE-S3
/// baseline applies), unknown when a configuration exists but cannot be read or placed.
pub(crate) fn encryption<'a>(facts: &BucketFacts<'a>) -> Result<Option<&'a S3Encryption>, Unknown> {
    // A configuration that may be this bucket's overrides whatever the bucket says itself.
    if let Some(why) = facts.unresolved(Attachment::Encryption) {
        return Err(Unknown::new(why.to_string()));
    }
    facts.encryption.map(|v| v.get()).transpose()
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
