use crate::context::{Context, KeyTarget, Res};
use crate::keys::{require_tier, required_tier};
use crate::policy::KeyTier;
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{Replica, Secret};

declare_rule! {
    /// ## What it checks
    /// Each replica of a secret is encrypted with a key of the required tier
    /// (`key_tiers.secretsmanager`) that lives in the replica's region.
    ///
    /// ## Why
    /// Policy §2: a replica is the same secret in another region; without its own customer
    /// managed key there it falls back to that region's `aws/secretsmanager`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_secretsmanager_secret" "db" {
    ///   kms_key_id = aws_kms_key.primary.arn
    ///   replica { region = "eu-central-1" }        # no kms_key_id
    /// }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `replica { region = "…"  kms_key_id = <key in that region> }`.
    /// - CloudFormation: `ReplicaRegions: [{Region: …, KmsKeyId: …}]`.
    /// - Live: `aws secretsmanager replicate-secret-to-regions --add-replica-regions Region=…,KmsKeyId=…`.
    SM_003 {
        id: "SM-003",
        title: "Secret replicas use the required key tier in their region",
        severity: Severity::Medium,
        section: Section::SecretsManager,
        fix: "Give every replica region a customer managed key in that region.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, secret) in ctx.all::<Secret>().filter(|(_, s)| !s.replicas.is_empty()) {
        out.judge(
            r,
            combine(
                secret.replicas.iter().map(|rep| judge(ctx, r, rep)),
                "every replica has a key of the required tier in its region",
            ),
        );
    }
}

fn judge(ctx: &Context, r: Res, replica: &Replica) -> Eval {
    let region = replica.region.or_default_to(String::new())?;
    let tier = required_tier(ctx, ctx.policy.key_tiers.secretsmanager, r)?;
    let v = require_tier(ctx, r, &replica.kms_key, KeyTier::AwsManaged, tier)?;
    if v.status == crate::Status::Fail {
        return Ok(Verdict { message: format!("replica in {region}: {}", v.message), ..v }
            .at(&replica.region)
            .at(&replica.kms_key));
    }
    if let KeyTarget::Key(key, _) = ctx.key(r, &replica.kms_key) {
        if let Some(key_region) = key.region.as_deref().filter(|kr| !region.is_empty() && *kr != region) {
            return Ok(Verdict::fail(format!("replica in {region} names key `{}` from {key_region}", key.name))
                .at(&replica.region)
                .at(&replica.kms_key));
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::SM_003;
    use crate::testing::{expect_silent, expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn replicas_need_their_own_regional_key() {
        let resources = json!([
            {"kind": "kms_key", "name": "k_eu", "region": "eu-central-1"},
            {"kind": "kms_key", "name": "k_us", "region": "us-east-1"},
            {"kind": "secret", "name": "good", "replicas": [{"region": "eu-central-1", "kms_key": {"type": "customer", "reference": "k_eu"}}]},
            {"kind": "secret", "name": "default_key", "replicas": [{"region": "eu-central-1"}]},
            {"kind": "secret", "name": "wrong_region", "replicas": [{"region": "eu-central-1", "kms_key": {"type": "customer", "reference": "k_us"}}]},
            {"kind": "secret", "name": "var", "replicas": [{"region": {"unknown": "var.dr_region has no value"}, "kms_key": {"type": "customer", "reference": "k_eu"}}]},
            {"kind": "secret", "name": "single"},
        ]);
        expect_with(
            &SM_003,
            STRICT,
            resources.clone(),
            &[("good", Pass), ("default_key", Fail), ("wrong_region", Fail), ("var", Unknown)],
        );
        expect_silent(&SM_003, resources, &["single"]);
    }
}
