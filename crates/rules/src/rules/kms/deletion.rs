use super::is_aws_managed;
use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{AttributeFix, Fix, FixValue};
use encguard_model::{KeyState, KmsKey};

declare_rule! {
    /// ## What it checks
    /// A customer managed key is not being deleted while data depends on it:
    /// - a live key is not `PendingDeletion`;
    /// - a plan does not destroy or replace a key that surviving resources still reference;
    /// - the deletion waiting period is at least `kms.min_deletion_window_days` (AWS: 7–30,
    ///   default 30), so that a mistaken deletion can be cancelled.
    ///
    /// Critical when resources of this scan encrypt with the key, high otherwise.
    ///
    /// ## Why
    /// Policy §1 (key lifecycle): a deleted key makes everything encrypted under it
    /// unreadable, forever.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_kms_key" "data" { deletion_window_in_days = 7 }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `deletion_window_in_days = 30`; keep `prevent_destroy` on keys in use.
    /// - CloudFormation: `PendingWindowInDays: 30`; `DeletionPolicy: Retain`.
    /// - Live: `aws kms cancel-key-deletion --key-id KEY`, then `aws kms enable-key`.
    KMS_006 {
        id: "KMS-006",
        title: "Keys in use are not scheduled for deletion",
        severity: Severity::High,
        section: Section::Kms,
        fix: "Cancel the key deletion (or keep the key in the plan), and use a 30-day deletion window.",
        equivalents: &[("KICS", "KMS Key No Deletion Window"), ("Prowler", "kms_cmk_not_deleted_unintentionally"),
            ("AWS Config", "kms-cmk-not-scheduled-for-deletion"), ("Security Hub", "KMS.3")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, key) in ctx.all::<KmsKey>() {
        out.judge(r, judge(ctx, r, key));
    }
}

fn judge(ctx: &Context, r: Res, key: &KmsKey) -> Eval {
    if is_aws_managed(ctx, r)? {
        return Ok(Verdict::not_applicable("AWS managed keys are never deleted"));
    }
    let dependents = ctx.dependents(r);
    let used_by = dependents.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ");
    let severity = if dependents.is_empty() { Severity::High } else { Severity::Critical };
    if key.key_state.value()?.is_some_and(|s| matches!(s, KeyState::PendingDeletion | KeyState::PendingReplicaDeletion))
    {
        let message = if dependents.is_empty() {
            "the key is pending deletion".into()
        } else {
            format!("the key is pending deletion but encrypts {used_by}")
        };
        return Ok(Verdict::fail(message).at(&key.key_state).severity(severity).fix(Fix::CancelKeyDeletion));
    }
    if let Some(action) = &key.planned_action {
        if !dependents.is_empty() {
            return Ok(Verdict::fail(format!("the plan will {action} the key while {used_by} still use it"))
                .evidence(format!("actions: {action}"))
                .severity(Severity::Critical));
        }
    }
    let min = ctx.policy.kms.min_deletion_window_days;
    let window = key.deletion_window_days.or_default_to(30)?;
    if window < min {
        return Ok(Verdict::fail(format!("deletion window is {window} days; the policy requires at least {min}"))
            .at(&key.deletion_window_days)
            .evidence(window)
            .severity(severity)
            .fix(AttributeFix::set(
                Some("deletion_window_in_days"),
                Some("PendingWindowInDays"),
                FixValue::Number(min.max(window)),
            )));
    }
    Ok(Verdict::pass(format!("not scheduled for deletion; {window}-day deletion window")))
}

#[cfg(test)]
mod tests {
    use super::KMS_006;
    use crate::testing::{expect, expect_with};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn deletion_state_plan_and_window() {
        expect(
            &KMS_006,
            json!([
                {"kind": "kms_key", "name": "fine"},
                {"kind": "kms_key", "name": "short", "deletion_window_days": 7},
                {"kind": "kms_key", "name": "deleting", "key_state": "PendingDeletion"},
                {"kind": "kms_key", "name": "primary_deleting", "key_state": "PendingReplicaDeletion"},
                {"kind": "kms_key", "name": "destroyed_in_use", "planned_action": "delete"},
                {"kind": "ebs_volume", "name": "vol", "encrypted": true, "kms_key": {"type": "customer", "reference": "destroyed_in_use"}},
                {"kind": "kms_key", "name": "destroyed_unused", "planned_action": "delete"},
                {"kind": "kms_key", "name": "var", "deletion_window_days": {"unknown": "var.window has no value"}},
            ]),
            &[
                ("fine", Pass),
                ("short", Fail),
                ("deleting", Fail),
                ("primary_deleting", Fail),
                ("destroyed_in_use", Fail),
                ("destroyed_unused", Pass),
                ("var", Unknown),
            ],
        );
    }

    #[test]
    fn minimum_window_comes_from_the_policy() {
        expect_with(
            &KMS_006,
            "[kms]\nmin_deletion_window_days = 7\n",
            json!([
                {"kind": "kms_key", "name": "short", "deletion_window_days": 7},
            ]),
            &[("short", Pass)],
        );
    }
}
