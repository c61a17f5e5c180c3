//! §1 AWS KMS.
pub mod deletion;
pub mod enabled;
pub mod explicit_policy;
pub mod key_usable;
pub mod least_privilege;
pub mod material_expiry;
pub mod public_policy;
pub mod rotation;

use crate::context::{Context, Res};
use encguard_model::{Effect, KeyManager, PolicyDocument, Statement, Unknown};

/// Whether a key is AWS managed (those are out of the customer's hands).
/// The key policy `encguard fix --review` proposes, when the policy file says who
/// administers and uses keys: a change to review, never written.
pub(crate) fn proposed_policy(ctx: &Context) -> Option<crate::Fix> {
    let kms = &ctx.policy.kms;
    (!kms.key_administrators.is_empty() || !kms.key_users.is_empty()).then(|| crate::Fix::ProposeKeyPolicy {
        administrators: kms.key_administrators.clone(),
        users: kms.key_users.clone(),
    })
}

pub(crate) fn is_aws_managed(ctx: &Context, key: Res) -> Result<bool, Unknown> {
    Ok(ctx.key_manager(key)? == KeyManager::Aws)
}

/// The implicit policy KMS gives a key created without one: a single statement letting
/// the account root (that is, IAM) do everything.
pub(crate) fn is_default_key_policy(doc: &PolicyDocument) -> bool {
    match doc.statements.as_slice() {
        [s] => {
            s.effect == Effect::Allow
                && s.condition.is_empty()
                && s.action.iter().all(|a| a == "kms:*")
                && s.principal.iter().flatten().all(|p| p.kind == "AWS" && is_account_root(&p.id))
        }
        _ => false,
    }
}

/// `arn:aws:iam::111122223333:root` or the bare account id.
pub(crate) fn is_account_root(principal: &str) -> bool {
    principal.ends_with(":root") || (principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()))
}

/// Allow statements, with every principal they name (the public `*` included).
pub(crate) fn allow_statements(doc: &PolicyDocument) -> impl Iterator<Item = &Statement> {
    doc.statements.iter().filter(|s| s.effect == Effect::Allow)
}
