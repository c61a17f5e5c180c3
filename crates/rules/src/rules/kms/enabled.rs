use super::is_aws_managed;
use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{AttributeFix, FixValue};
use encguard_model::{KeyState, KmsKey};

declare_rule! {
    /// ## What it checks
    /// Customer managed keys are enabled: `is_enabled` / `Enabled` is not false, and a live
    /// key's state is `Enabled`. A key pending deletion is KMS-006's concern and is N/A here.
    /// High when resources of this scan encrypt with the key, medium otherwise.
    ///
    /// ## Why
    /// Policy §1: data encrypted under a disabled key cannot be read; a disabled key that
    /// something still uses is an outage, and one that nothing uses is clutter to retire.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_kms_key" "data" { is_enabled = false }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: remove `is_enabled = false`. CloudFormation: `Enabled: true`.
    /// - Live: `aws kms enable-key --key-id KEY`, or schedule deletion of an unused key.
    KMS_005 {
        id: "KMS-005",
        title: "Customer managed keys are enabled",
        severity: Severity::High,
        section: Section::Kms,
        fix: "Enable the key, or retire it if nothing uses it.",
        equivalents: &[("Checkov", "CKV_AWS_227"), ("KICS", "cmk_is_unusable"), ("Prowler", "kms_cmk_are_used")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, key) in ctx.all::<KmsKey>() {
        out.judge(r, judge(ctx, r, key));
    }
}

/// The key enabled: `is_enabled` in code, `EnableKey` live.
const ENABLE: AttributeFix = AttributeFix::set(Some("is_enabled"), Some("Enabled"), FixValue::Bool(true));

fn judge(ctx: &Context, r: Res, key: &KmsKey) -> Eval {
    if is_aws_managed(ctx, r)? {
        return Ok(Verdict::not_applicable("AWS managed keys are managed by AWS"));
    }
    let dependents = ctx.dependents(r);
    let severity = if dependents.is_empty() { Severity::Medium } else { Severity::High };
    let used_by = || dependents.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ");
    match key.key_state.value()? {
        Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion) => {
            return Ok(Verdict::not_applicable("the key is pending deletion (KMS-006)"))
        }
        Some(KeyState::Enabled) | None => {}
        Some(state) => {
            let verdict = Verdict::fail(format!("key state is {state}"))
                .at(&key.key_state)
                .evidence(used_by())
                .severity(severity);
            // A disabled key is enabled again; the other states are AWS's to leave.
            return Ok(match state {
                KeyState::Disabled => verdict.fix(ENABLE),
                _ => verdict,
            });
        }
    }
    if !key.enabled.or_default_to(true)? {
        let message = if dependents.is_empty() {
            "the key is disabled".to_string()
        } else {
            format!("the key is disabled but encrypts {}", used_by())
        };
        return Ok(Verdict::fail(message).at(&key.enabled).severity(severity).fix(ENABLE));
    }
    Ok(Verdict::pass("the key is enabled"))
}

#[cfg(test)]
mod tests {
    use super::KMS_005;
    use crate::testing::expect;
    use crate::{Severity, Status::*};
    use serde_json::json;

    #[test]
    fn disabled_keys_fail_and_used_ones_more_severely() {
        let resources = json!([
            {"kind": "kms_key", "name": "on"},
            {"kind": "kms_key", "name": "off", "enabled": false},
            {"kind": "kms_key", "name": "off_used", "enabled": false},
            {"kind": "secret", "name": "s", "kms_key": {"type": "customer", "reference": "off_used"}},
            {"kind": "kms_key", "name": "live_disabled", "key_state": "Disabled"},
            {"kind": "kms_key", "name": "deleting", "key_state": "PendingDeletion"},
            {"kind": "kms_key", "name": "var", "enabled": {"unknown": "var.enabled has no value"}},
        ]);
        expect(
            &KMS_005,
            resources.clone(),
            &[
                ("on", Pass),
                ("off", Fail),
                ("off_used", Fail),
                ("live_disabled", Fail),
                ("deleting", NotApplicable),
                ("var", Unknown),
            ],
        );
        let inv = crate::testing::inventory(resources);
        let policy = crate::Policy::default();
        let ctx = crate::Context::new(&inv, &policy, crate::testing::today());
        let eval = crate::evaluate(&ctx, |r| r.id == "KMS-005");
        let severity = |name: &str| eval.findings.iter().find(|f| f.resource == name).unwrap().severity;
        assert_eq!(severity("off"), Severity::Medium);
        assert_eq!(severity("off_used"), Severity::High);
    }
}
