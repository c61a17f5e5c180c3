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
/// it is created from (which it inherits). `Ok(None)` when neither says so.
pub(crate) fn encrypted_by_itself_or_source(
    ctx: &Context,
    r: Res,
    encrypted: &encguard_model::Field<bool>,
    source: &Ref,
) -> Result<Option<String>, Unknown> {
    if encrypted.or_default_to(false)? {
        return Ok(Some("encrypted".into()));
    }
    match ctx.target(r, source) {
        Target::Found(s) => match &s.spec {
            Spec::EbsSnapshot(snap) if snap.encrypted.or_default_to(false)? => {
                Ok(Some(format!("inherits encryption from `{}`", s.name)))
            }
            Spec::EbsVolume(v) if v.encrypted.or_default_to(false)? => {
                Ok(Some(format!("inherits encryption from `{}`", s.name)))
            }
            _ => Ok(None),
        },
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
