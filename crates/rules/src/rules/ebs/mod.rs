//! §4 Amazon EBS.
pub mod default_encryption;
pub mod default_key;
pub mod images;
pub mod key_usable;
pub mod snapshots;
pub mod volumes;

use crate::context::{Context, Res, Target};
use crate::rule::FieldExt;
use encguard_model::{Ref, Spec, Unknown};

/// Whether a volume, device or snapshot is encrypted by its own setting or by the snapshot
/// or volume it is created from (which it inherits, however far back). `Ok(None)` when
/// neither says so.
pub(crate) fn encrypted_by_itself_or_source(
    ctx: &Context,
    r: Res,
    encrypted: &encguard_model::Field<bool>,
    source: &Ref,
) -> Result<Option<String>, Unknown> {
    inherited(ctx, r, encrypted, source, 0)
}

fn inherited(
    ctx: &Context,
    r: Res,
    encrypted: &encguard_model::Field<bool>,
    source: &Ref,
    depth: u8,
) -> Result<Option<String>, Unknown> {
    if encrypted.or_default_to(false)? {
        return Ok(Some("encrypted".into()));
    }
    match ctx.target(r, source) {
        Target::Found(s) if depth < 8 => {
            let from = match &s.resource.spec {
                Spec::EbsSnapshot(snap) => inherited(ctx, s, &snap.encrypted, &snap.volume, depth + 1)?,
                Spec::EbsVolume(v) => inherited(ctx, s, &v.encrypted, &v.snapshot, depth + 1)?,
                _ => None,
            };
            Ok(from.map(|_| format!("inherits encryption from `{}`", s.name)))
        }
        Target::Outside(name) if !encrypted_set_false(encrypted) => Err(Unknown::new(format!(
            "created from `{name}`, which this scan does not describe: its encryption is inherited"
        ))),
        Target::Unknown(why) => Err(Unknown::new(why.to_string())),
        _ => Ok(None),
    }
}

fn encrypted_set_false(encrypted: &encguard_model::Field<bool>) -> bool {
    matches!(&**encrypted, Some(encguard_model::Value::Known(false)))
}
