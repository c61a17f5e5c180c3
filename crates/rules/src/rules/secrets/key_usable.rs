use crate::context::Context;
use crate::keys::require_usable;
use crate::rule::{declare_rule, Out, Section, Severity};
use encguard_model::Secret;

declare_rule! {
    /// ## What it checks
    /// The key of each secret passes KMS-007: symmetric `ENCRYPT_DECRYPT`, enabled, not
    /// pending deletion, not destroyed by the plan, in the secret's region.
    ///
    /// ## Why
    /// Policy §2: Secrets Manager supports symmetric keys only; a secret whose key is
    /// disabled or deleted cannot be read by anything.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_kms_key" "k" { customer_master_key_spec = "ECC_NIST_P256"  key_usage = "SIGN_VERIFY" }
    /// resource "aws_secretsmanager_secret" "db" { kms_key_id = aws_kms_key.k.arn }
    /// ```
    ///
    /// ## Fix
    /// Point `kms_key_id` / `KmsKeyId` at an enabled symmetric key in the same region.
    SM_002 {
        id: "SM-002",
        title: "Secret keys are symmetric and usable",
        severity: Severity::High,
        section: Section::SecretsManager,
        fix: "Use an enabled symmetric ENCRYPT_DECRYPT key in the secret's region.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, secret) in ctx.all::<Secret>() {
        out.judge(r, require_usable(ctx, r, &secret.kms_key));
    }
}

#[cfg(test)]
mod tests {
    use super::SM_002;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn secret_keys_must_be_usable() {
        expect(
            &SM_002,
            json!([
                {"kind": "kms_key", "name": "good"},
                {"kind": "kms_key", "name": "ecc", "key_spec": "ECC_NIST_P256", "key_usage": "SIGN_VERIFY"},
                {"kind": "kms_key", "name": "deleting", "key_state": "PendingDeletion"},
                {"kind": "secret", "name": "s_good", "kms_key": {"type": "customer", "reference": "good"}},
                {"kind": "secret", "name": "s_ecc", "kms_key": {"type": "customer", "reference": "ecc"}},
                {"kind": "secret", "name": "s_deleting", "kms_key": {"type": "customer", "reference": "deleting"}},
                {"kind": "secret", "name": "s_default"},
                {"kind": "secret", "name": "s_unknown", "kms_key": {"type": "unresolved", "reason": "module.kms.key_arn is a module output"}},
            ]),
            &[("s_good", Pass), ("s_ecc", Fail), ("s_deleting", Fail), ("s_default", Pass), ("s_unknown", Unknown)],
        );
    }
}
