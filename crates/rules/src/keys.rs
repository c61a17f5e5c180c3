//! The key requirements several rules share: the tier a key must reach (`key_tiers` of
//! the policy) and the consumer compatibility KMS-007 defines, which SM-002, S3-003,
//! EBS-004, RDS-004 and DDB-002 apply to their own keys.

use crate::context::{describe_key, Context, Res, Target};
use crate::facts::{KeyFitness, Rotation};
use crate::policy::KeyTier;
use crate::rule::{Eval, Verdict};
use crate::Severity;
use encguard_model::{KeyRef, Ref, Spanned, Spec, Unknown};

/// The key tier `r`'s data needs: the policy's tier for the service, raised for classified
/// data — by `r`'s own tags or by those of any resource in this scan its data derives from
/// (a replica, restore, snapshot, copy or backup of classified data is classified data).
pub(crate) fn required_tier<'a>(ctx: &Context<'a>, service: KeyTier, r: Res<'a>) -> Result<KeyTier, Unknown> {
    const MAX_LINEAGE: usize = 16;
    let mut tier = ctx.policy.required_tier(service, &r)?;
    let mut seen = vec![r.id];
    let mut frontier = vec![r];
    while let Some(derived) = frontier.pop() {
        for source in derived_from(&derived.resource.spec) {
            if let Target::Found(s) = ctx.target_where(derived, source, holds_source_data) {
                if seen.len() < MAX_LINEAGE && !seen.contains(&s.id) {
                    seen.push(s.id);
                    tier = tier.max(ctx.policy.required_tier(service, &s)?);
                    frontier.push(s);
                }
            }
        }
    }
    Ok(tier)
}

/// What a resource's data is a replica, restore, snapshot, copy or backup of.
fn derived_from(spec: &Spec) -> Vec<&Ref> {
    match spec {
        Spec::RdsInstance(db) | Spec::RdsCluster(db) => vec![&db.replication_source, &db.snapshot_source],
        Spec::RdsSnapshot(s) => vec![&s.source],
        Spec::RdsBackupReplication(b) => vec![&b.source],
        Spec::EbsSnapshot(s) => vec![&s.volume],
        Spec::EbsVolume(v) => vec![&v.snapshot],
        Spec::DynamodbReplica(r) => vec![&r.table],
        _ => Vec::new(),
    }
}

/// The kinds of resource other data can derive from.
fn holds_source_data(spec: &Spec) -> bool {
    matches!(
        spec,
        Spec::RdsInstance(_)
            | Spec::RdsCluster(_)
            | Spec::RdsSnapshot(_)
            | Spec::EbsSnapshot(_)
            | Spec::EbsVolume(_)
            | Spec::DynamodbTable(_)
    )
}

/// Passes when `key` is at least the `required` tier (`default`: the tier of the
/// service's own default key).
pub(crate) fn require_tier(
    ctx: &Context,
    from: Res,
    key: &Spanned<KeyRef>,
    default: KeyTier,
    required: KeyTier,
) -> Eval {
    let tier = ctx.key_tier(from, key, default)?;
    let seen = describe_key(key);
    if tier >= required {
        Ok(Verdict::pass(format!("encrypted with {tier}")).evidence(seen))
    } else {
        Ok(Verdict::fail(format!("encrypted with {tier}; the policy requires {required}")).at(key).evidence(seen))
    }
}

/// Passes when the key `consumer` uses for data at rest is symmetric, for encryption,
/// enabled, not being deleted, and in the consumer's region; a key being deleted is critical.
pub(crate) fn require_usable(ctx: &Context, consumer: Res, key: &Spanned<KeyRef>) -> Eval {
    require_usable_in(ctx, consumer, key, None)
}

/// [`require_usable`] for data that lives in `region` rather than in the consumer's own
/// (a replica written inside its primary).
pub(crate) fn require_usable_in(ctx: &Context, consumer: Res, key: &Spanned<KeyRef>, region: Option<&str>) -> Eval {
    match ctx.key_fitness(consumer, key, region)? {
        KeyFitness::AwsManaged => {
            Ok(Verdict::pass("uses a key AWS manages, which is symmetric and always usable")
                .evidence(describe_key(key)))
        }
        KeyFitness::Customer { key: key_resource, problems } => {
            let evidence = format!("{} ({})", key_resource.name, describe_key(key));
            if problems.is_empty() {
                return Ok(Verdict::pass("key is symmetric, enabled and in the same region").evidence(evidence));
            }
            let message = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            let verdict = Verdict::fail(message).at(key).evidence(evidence);
            Ok(if problems.iter().any(|p| p.is_critical()) { verdict.severity(Severity::Critical) } else { verdict })
        }
    }
}

/// What is wrong with a rotation by the policy's `kms.max_rotation_days`, if anything.
pub(crate) fn rotation_problem(rotation: Rotation, max_days: u32) -> Option<String> {
    match rotation {
        Rotation::Off => Some(rotation.to_string()),
        Rotation::Every(days) if days > max_days => Some(format!("{rotation}; the policy allows at most {max_days}")),
        Rotation::Every(_) | Rotation::Yearly | Rotation::ByAws | Rotation::Impossible => None,
    }
}
