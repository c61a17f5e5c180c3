use crate::context::{Attachment, Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{Secret, Unknown};

declare_rule! {
    /// ## What it checks
    /// Each secret has rotation configured: a rotation resource that names it
    /// (`aws_secretsmanager_secret_rotation`, `AWS::SecretsManager::RotationSchedule`), or
    /// rotation enabled on the live secret. Optional and low: rotation limits the life of a
    /// leaked credential but is not an encryption control.
    ///
    /// ## Why
    /// Policy §2: secrets that never change outlive the people and systems that knew them.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_secretsmanager_secret" "db" { kms_key_id = aws_kms_key.s.arn }   # never rotated
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `aws_secretsmanager_secret_rotation { secret_id = aws_secretsmanager_secret.db.id … }`.
    /// - CloudFormation: `AWS::SecretsManager::RotationSchedule` with `SecretId: !Ref Secret`.
    /// - Live: `aws secretsmanager rotate-secret --secret-id ID --rotation-rules AutomaticallyAfterDays=30`.
    SM_004 {
        id: "SM-004",
        title: "Secrets rotate",
        severity: Severity::Low,
        section: Section::SecretsManager,
        fix: "Configure automatic rotation for the secret.",
        equivalents: &[("Checkov", "SecretsAreRotated (graph)"), ("Prowler", "secretsmanager_automatic_rotation_enabled"),
            ("AWS Config", "secretsmanager-rotation-enabled-check"), ("Security Hub", "SecretsManager.1")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, secret) in ctx.all::<Secret>() {
        out.judge(r, judge(ctx, r, secret));
    }
}

fn judge(ctx: &Context, r: Res, secret: &Secret) -> Eval {
    if let Some(rotation) = ctx.rotation_of(r) {
        return Ok(Verdict::pass(format!("rotated by `{}`", rotation.name)));
    }
    if secret.rotation_enabled.or_default_to(false)? {
        return Ok(Verdict::pass("rotation is enabled"));
    }
    if let Some(why) = ctx.unresolved(r, Attachment::Rotation) {
        return Err(Unknown::new(why.to_string()));
    }
    Ok(Verdict::fail("no rotation is configured").at(&secret.rotation_enabled))
}

#[cfg(test)]
mod tests {
    use super::SM_004;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn rotation_by_resource_or_live_flag() {
        expect(
            &SM_004,
            json!([
                {"kind": "secret", "name": "rotated", "handles": ["arn:aws:secretsmanager:eu-west-1:1:secret:rotated"]},
                {"kind": "secret_rotation", "name": "rot", "secret": "arn:aws:secretsmanager:eu-west-1:1:secret:rotated"},
                {"kind": "secret", "name": "live", "rotation_enabled": true},
                {"kind": "secret", "name": "never"},
            ]),
            &[("rotated", Pass), ("live", Pass), ("never", Fail)],
        );
        expect(
            &SM_004,
            json!([
                {"kind": "secret", "name": "maybe"},
                {"kind": "secret_rotation", "name": "rot", "secret": {"unknown": "var.secret_id has no value"}},
            ]),
            &[("maybe", Unknown)],
        );
    }
}
