use crate::context::Context;
use crate::finding::{AttributeFix, FixValue, Status};
use crate::keys::{require_tier, required_tier};
use crate::policy::KeyTier;
use crate::rule::{declare_rule, Out, Section, Severity};
use encguard_model::Secret;

declare_rule! {
    /// ## What it checks
    /// Secrets are encrypted with a key of at least the tier `key_tiers.secretsmanager`
    /// requires (by default an AWS managed key; a customer managed key for secrets tagged as
    /// classified, and under the strict profile). A secret without a key uses the AWS
    /// managed `alias/aws/secretsmanager`; every secret is encrypted, so the question is
    /// only whose key.
    ///
    /// ## Why
    /// Policy §2: a customer managed key lets the company decide who can decrypt secrets, and
    /// is the only way to share a secret across accounts.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_secretsmanager_secret" "db" { name = "db-password" }   # aws/secretsmanager
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `kms_key_id = aws_kms_key.secrets.arn`. CloudFormation: `KmsKeyId: !Ref SecretsKey`.
    /// - Live: `aws secretsmanager update-secret --secret-id ID --kms-key-id KEY`.
    /// - `encguard fix` sets it to the key `[fix] kms_keys.secretsmanager` names, when the
    ///   policy file names one.
    SM_001 {
        id: "SM-001",
        title: "Secrets use the required key tier",
        severity: Severity::Medium,
        section: Section::SecretsManager,
        fix: "Encrypt the secret with a customer managed KMS key.",
        equivalents: &[("Checkov", "CKV_AWS_149"), ("KICS", "secretsmanager_secret_without_kms"), ("Trivy", "AVD-AWS-0098"),
            ("AWS Config", "secretsmanager-using-cmk"), ("cfn-nag", "W77")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    // The key the policy file chooses for secrets, if it does: a secret below its tier gets it.
    let key = ctx.policy.fix.kms_keys.get("secretsmanager");
    for (r, secret) in ctx.all::<Secret>() {
        let verdict = required_tier(ctx, ctx.policy.key_tiers.secretsmanager, r)
            .and_then(|required| require_tier(ctx, r, &secret.kms_key, KeyTier::AwsManaged, required))
            .map(|v| match key {
                Some(key) if v.status == Status::Fail => {
                    v.fix(AttributeFix::set(Some("kms_key_id"), Some("KmsKeyId"), FixValue::Chosen(key.clone())))
                }
                _ => v,
            });
        out.judge(r, verdict);
    }
}

#[cfg(test)]
mod tests {
    use super::SM_001;
    use crate::testing::{expect, expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn key_tiers_of_secrets() {
        let resources = json!([
            {"kind": "kms_key", "name": "aws_kms_key.s"},
            {"kind": "secret", "name": "cmk", "kms_key": {"type": "customer", "reference": "aws_kms_key.s"}},
            {"kind": "secret", "name": "alias", "kms_key": {"type": "customer", "reference": "alias/secrets"}},
            {"kind": "secret", "name": "default"},
            {"kind": "secret", "name": "managed", "kms_key": {"type": "aws_managed", "alias": "alias/aws/secretsmanager"}},
            {"kind": "secret", "name": "var", "kms_key": {"type": "unresolved", "reason": "var.kms_key_id has no value"}},
        ]);
        expect_with(
            &SM_001,
            STRICT,
            resources.clone(),
            &[("cmk", Pass), ("alias", Pass), ("default", Fail), ("managed", Fail), ("var", Unknown)],
        );
        expect_with(&SM_001, "[key_tiers]\nsecretsmanager = \"aws-managed\"\n", resources, &[("default", Pass)]);
    }

    #[test]
    fn the_default_policy_accepts_aws_managed_keys_except_for_classified_data() {
        let classified = json!({"data-classification": "Confidential"});
        let resources = json!([
            {"kind": "secret", "name": "default"},
            {"kind": "secret", "name": "classified", "tags": classified},
            {"kind": "secret", "name": "public", "tags": {"data-classification": "public"}},
            {"kind": "secret", "name": "tags_denied", "tags_unreadable": "secretsmanager:DescribeSecret failed: AccessDenied"},
        ]);
        expect(
            &SM_001,
            resources.clone(),
            &[("default", Pass), ("classified", Fail), ("public", Pass), ("tags_denied", Unknown)],
        );
        expect_with(&SM_001, &crate::strict_policy(), resources, &[("default", Fail), ("public", Fail)]);
    }
}
