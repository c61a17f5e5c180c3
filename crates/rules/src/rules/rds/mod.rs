//! §5 Amazon RDS (including Aurora).
pub mod backups;
pub mod ca_certificate;
pub mod cluster_encryption;
pub mod customer_key;
pub mod instance_encryption;
pub mod key_usable;
pub mod log_exports;
pub mod performance_insights;
pub mod snapshots;
pub mod tls;

use crate::context::{arn_region, Context, Res, Target};
use crate::rule::FieldExt;
use encguard_model::{KeyRef, RdsDatabase, RdsSnapshot, Spanned, Spec, Unknown};

/// How a database (or snapshot) is encrypted: by its own setting, or inherited from the
/// source it replicates or is restored from. `Ok(None)` when it is not.
pub(crate) fn database_encryption(
    ctx: &Context,
    r: Res,
    db: &RdsDatabase,
    depth: u8,
) -> Result<Option<String>, Unknown> {
    if db.storage_encrypted.or_default_to(false)? {
        return Ok(Some("storage is encrypted".into()));
    }
    if db.engine_mode.value()?.is_some_and(|m| m == "serverless") {
        return Ok(Some("Aurora Serverless v1 is always encrypted".into()));
    }
    for (source, how) in [(&db.replication_source, "replicates"), (&db.snapshot_source, "is restored from")] {
        match ctx.target_where(r, source, is_source) {
            Target::Absent => {}
            Target::Unknown(why) => return Err(Unknown::new(why.to_string())),
            Target::Outside(name) => {
                // A cross-region replica or a restore from a foreign snapshot: encrypted
                // only if the source is, and the key must be named explicitly.
                if !db.kms_key.is_default() {
                    return Ok(Some(format!("{how} `{name}` with an explicit key")));
                }
                return Err(Unknown::new(format!(
                    "{how} `{name}`, which this scan does not describe; its encryption is inherited"
                )));
            }
            Target::Found(s) => {
                if let Some(inherited) = source_encryption(ctx, s, depth)? {
                    return Ok(Some(format!("{how} `{}` ({inherited})", s.name)));
                }
            }
        }
    }
    Ok(None)
}

fn source_encryption(ctx: &Context, s: Res, depth: u8) -> Result<Option<String>, Unknown> {
    match &s.spec {
        Spec::RdsInstance(db) | Spec::RdsCluster(db) if depth < 8 => database_encryption(ctx, s, db, depth + 1),
        Spec::RdsSnapshot(snap) if depth < 8 => snapshot_encryption(ctx, s, snap, depth + 1),
        _ => Ok(None),
    }
}

/// How a snapshot is encrypted: as reported, by the key a copy names, or as what it was
/// taken or copied from (Terraform's `aws_db_snapshot` states neither encryption nor key:
/// they are its database's). `Ok(None)` when it is not.
pub(crate) fn snapshot_encryption(
    ctx: &Context,
    r: Res,
    snapshot: &RdsSnapshot,
    depth: u8,
) -> Result<Option<String>, Unknown> {
    if let Some(encrypted) = snapshot.encrypted.value()? {
        return Ok(encrypted.then(|| "encrypted snapshot".to_string()));
    }
    if snapshot.copy && !snapshot.kms_key.is_default() {
        return Ok(Some("copied with a key".into()));
    }
    match ctx.target_where(r, &snapshot.source, is_source) {
        Target::Found(s) => Ok(source_encryption(ctx, s, depth)?.map(|how| format!("taken from `{}` ({how})", s.name))),
        Target::Outside(name) => Err(Unknown::new(format!("taken from `{name}`, which this scan does not describe"))),
        Target::Unknown(why) => Err(Unknown::new(why.to_string())),
        Target::Absent => Err(Unknown::new("neither the snapshot's encryption nor its source is known")),
    }
}

/// The key that encrypts a database: its own, or — when it names none — the key of the
/// database or snapshot it replicates or is restored from in the same region (a replica in
/// another region uses a key of its own region), with the resource that names it.
pub(crate) fn inherited_key<'a>(
    ctx: &Context<'a>,
    r: Res<'a>,
    db: &'a RdsDatabase,
    depth: u8,
) -> Result<(Res<'a>, &'a Spanned<KeyRef>), Unknown> {
    if !db.kms_key.is_default() || depth >= 8 {
        return Ok((r, &db.kms_key));
    }
    for source in [&db.replication_source, &db.snapshot_source] {
        if let Some(inherited) = key_of_source(ctx, r, source, depth) {
            return inherited;
        }
    }
    Ok((r, &db.kms_key))
}

/// The key of a snapshot: a copy's own, or — when it names none — the key of what it was
/// taken or copied from in the same region.
pub(crate) fn snapshot_key<'a>(
    ctx: &Context<'a>,
    r: Res<'a>,
    snapshot: &'a RdsSnapshot,
    depth: u8,
) -> Result<(Res<'a>, &'a Spanned<KeyRef>), Unknown> {
    if !snapshot.kms_key.is_default() || depth >= 8 {
        return Ok((r, &snapshot.kms_key));
    }
    key_of_source(ctx, r, &snapshot.source, depth).unwrap_or(Ok((r, &snapshot.kms_key)))
}

/// The key `r` inherits from `source` — a database or snapshot — with the resource that
/// names it; `None` when there is no source in the same region to inherit from.
fn key_of_source<'a>(
    ctx: &Context<'a>,
    r: Res<'a>,
    source: &'a encguard_model::Ref,
    depth: u8,
) -> Option<Result<(Res<'a>, &'a Spanned<KeyRef>), Unknown>> {
    match ctx.target_where(r, source, is_source) {
        Target::Found(s) if s.region == r.region => match &s.resource.spec {
            Spec::RdsInstance(src) | Spec::RdsCluster(src) => Some(inherited_key(ctx, s, src, depth + 1)),
            Spec::RdsSnapshot(snapshot) => Some(snapshot_key(ctx, s, snapshot, depth + 1)),
            _ => None,
        },
        // Unless the source is known to be in another region, its key is inherited.
        Target::Outside(name)
            if arn_region(name).is_none_or(|region| r.region.as_deref().is_none_or(|own| own == region)) =>
        {
            Some(Err(Unknown::new(format!("inherits the key of `{name}`, which this scan does not describe"))))
        }
        Target::Unknown(why) => Some(Err(Unknown::new(why))),
        _ => None,
    }
}

/// What a database's source can be: a database or a snapshot.
fn is_source(spec: &Spec) -> bool {
    matches!(spec, Spec::RdsInstance(_) | Spec::RdsCluster(_) | Spec::RdsSnapshot(_))
}

/// The failure of a database whose storage is not encrypted, with the fix that recreates
/// it encrypted — unless it is a replica or a restore, which takes its source's encryption
/// (the source is what to fix).
pub(crate) fn unencrypted(db: &RdsDatabase, message: &str, recreated: &'static str) -> crate::rule::Verdict {
    let verdict = crate::rule::Verdict::fail(message).at(&db.storage_encrypted).evidence("storage_encrypted = false");
    if db.replication_source.is_some() || db.snapshot_source.is_some() {
        return verdict;
    }
    verdict.fix(
        crate::AttributeFix::set(Some("storage_encrypted"), Some("StorageEncrypted"), crate::FixValue::Bool(true))
            .replacing(recreated),
    )
}

/// Whether the database's data is encrypted at all (the key rules judge only those).
pub(crate) fn is_encrypted(ctx: &Context, r: Res, db: &RdsDatabase) -> Result<bool, Unknown> {
    Ok(!db.kms_key.is_default() || database_encryption(ctx, r, db, 0)?.is_some())
}

/// Aurora member instances take storage encryption and TLS settings from their cluster.
pub(crate) fn is_cluster_member(r: Res, db: &RdsDatabase) -> bool {
    matches!(r.spec, Spec::RdsInstance(_)) && db.cluster.is_some()
}
