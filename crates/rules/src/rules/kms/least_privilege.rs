use super::{allow_statements, is_account_root, is_aws_managed, proposed_policy};
use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, Out, Section, Severity, Verdict};
use encguard_model::{IamPolicy, KmsKey, PolicyDocument};
use std::collections::BTreeSet;

/// Actions that administer a key; holding them and the use actions breaks separation of duties.
const ADMIN_ACTIONS: &[&str] =
    &["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:CreateAlias", "kms:UpdateKeyDescription"];
/// Actions that use a key to reach data. (`kms:CreateGrant` is not among them: AWS's own
/// administrator statement grants it through `kms:Create*`.)
const DATA_ACTIONS: &[&str] = &["kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey"];
/// Actions that let a principal pass key use on to others.
const GRANT_ACTIONS: &[&str] = &["kms:CreateGrant"];

declare_rule! {
    /// ## What it checks
    /// Key policies and IAM policies grant KMS permissions by least privilege:
    /// - no key policy gives `kms:*` to a principal other than the account root and the
    ///   configured `kms.key_administrators`;
    /// - when administrators or users are configured, decrypt and grant permissions go only
    ///   to `kms.key_users` (or administrators), and no principal other than the root both
    ///   administers and uses a key;
    /// - no IAM policy allows `kms:Decrypt` or `kms:ReEncryptFrom` on `Resource: "*"`.
    ///
    /// ## Why
    /// Policy §1: the people who manage keys are not the ones who read data with them, and a
    /// role that can decrypt with every key in the account turns one leak into all data.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
    ///  "Action": "kms:*", "Resource": "*"}
    /// ```
    ///
    /// ## Fix
    /// - Terraform / CloudFormation: split the statement into an administrators' statement
    ///   (`kms:Create*`, `kms:Put*`, …) and a users' statement (`kms:Decrypt`, …); in IAM
    ///   policies name the key ARNs in `Resource`.
    /// - Live: `aws kms put-key-policy`; `aws iam create-policy-version`.
    /// - `encguard fix --review` proposes, when the policy file names `kms.key_administrators`
    ///   or `kms.key_users`, a key policy in place of the one written — the account keeps the
    ///   key, administrators administer it, users use it — as a diff to review; never written.
    KMS_004 {
        id: "KMS-004",
        title: "KMS permissions follow least privilege",
        severity: Severity::High,
        section: Section::Kms,
        fix: "Grant kms:* only to key administrators, decrypt only to key users, and name key ARNs in IAM policies.",
        equivalents: &[("KICS", "kms_key_with_full_permissions"),
            ("AWS Config", "iam-customer-policy-blocked-kms-actions, iam-inline-policy-blocked-kms-actions"),
            ("Security Hub", "KMS.1, KMS.2")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, key) in ctx.all::<KmsKey>() {
        out.judge(r, judge_key(ctx, r, key));
    }
    for (r, policy) in ctx.all::<IamPolicy>() {
        out.judge(r, policy.document.get().map(|doc| judge_identity_policy(doc).at(&policy.document)));
    }
}

fn matches_any(patterns: &[String], principal: &str) -> bool {
    patterns.iter().any(|p| globset::Glob::new(p).is_ok_and(|g| g.compile_matcher().is_match(principal)))
}

fn judge_key(ctx: &Context, r: Res, key: &KmsKey) -> Eval {
    if is_aws_managed(ctx, r)? {
        return Ok(Verdict::not_applicable("AWS managed keys have policies AWS maintains"));
    }
    let settings = &ctx.policy.kms;
    // Separation of duties is judged against the roles the policy file names; with none
    // named, only `kms:*` beyond the root is a finding.
    let configured = !settings.key_administrators.is_empty() || !settings.key_users.is_empty();
    let mut problems = BTreeSet::new();
    for policy in ctx.key_policies(r) {
        let doc = policy.get()?;
        let mut admins = BTreeSet::new();
        let mut users = BTreeSet::new();
        for s in allow_statements(doc) {
            for p in s.principal.iter().flatten().filter(|p| p.kind == "AWS" && p.id != "*" && !is_account_root(&p.id))
            {
                let full =
                    s.allows_action("kms:*") && s.action.iter().chain(&s.not_action).all(|a| a == "*" || a == "kms:*");
                let administers = ADMIN_ACTIONS.iter().any(|a| s.allows_action(a));
                let uses = DATA_ACTIONS.iter().any(|a| s.allows_action(a));
                let grants = GRANT_ACTIONS.iter().any(|a| s.allows_action(a));
                if full && !matches_any(&settings.key_administrators, &p.id) {
                    problems.insert(format!("{} holds kms:*", p.id));
                }
                if configured
                    && (uses || grants && !administers)
                    && !matches_any(&settings.key_users, &p.id)
                    && !matches_any(&settings.key_administrators, &p.id)
                {
                    problems.insert(format!("{} may decrypt but is not a configured key user", p.id));
                }
                if administers {
                    admins.insert(p.id.clone());
                }
                if uses {
                    users.insert(p.id.clone());
                }
            }
        }
        for both in admins.intersection(&users).filter(|_| configured) {
            if !problems.iter().any(|p| p.starts_with(both.as_str())) {
                problems.insert(format!("{both} both administers and uses the key"));
            }
        }
    }
    if problems.is_empty() {
        Ok(Verdict::pass("key permissions are separated and limited"))
    } else {
        let verdict = Verdict::fail(problems.into_iter().collect::<Vec<_>>().join("; ")).at(&key.policy);
        Ok(match proposed_policy(ctx) {
            Some(fix) => verdict.fix(fix),
            None => verdict,
        })
    }
}

fn judge_identity_policy(doc: &PolicyDocument) -> Verdict {
    let broad = doc.statements.iter().filter(|s| s.effect == encguard_model::Effect::Allow).find(|s| {
        ["kms:Decrypt", "kms:ReEncryptFrom"].iter().any(|a| s.allows_action(a)) && s.resource.iter().any(|r| r == "*")
    });
    match broad {
        Some(s) => Verdict::fail("allows decrypting with every key in the account (Resource \"*\")")
            .evidence(format!("Allow {} on *", s.action.join(", "))),
        None => Verdict::pass("KMS decrypt permissions name their keys"),
    }
}

#[cfg(test)]
mod tests {
    use super::KMS_004;
    use crate::testing::{expect, expect_with};
    use crate::Status::*;
    use serde_json::json;

    fn allow(principal: &str, actions: &[&str]) -> serde_json::Value {
        json!({"effect": "Allow", "principal": [{"kind": "AWS", "id": principal}], "action": actions, "resource": ["*"]})
    }

    #[test]
    fn full_permissions_and_mixed_duties_fail() {
        let resources = json!([
                {"kind": "kms_key", "name": "root_only", "policy": {"statements": [allow("arn:aws:iam::111122223333:root", &["kms:*"])]}},
                {"kind": "kms_key", "name": "app_star", "policy": {"statements": [allow("arn:aws:iam::111122223333:role/app", &["kms:*"])]}},
                {"kind": "kms_key", "name": "mixed", "policy": {"statements": [
                    allow("arn:aws:iam::111122223333:role/ops", &["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]),
                    allow("arn:aws:iam::111122223333:role/ops", &["kms:Decrypt"])]}},
                {"kind": "kms_key", "name": "separated", "policy": {"statements": [
                    allow("arn:aws:iam::111122223333:role/admin", &["kms:PutKeyPolicy"]),
                    allow("arn:aws:iam::111122223333:role/app", &["kms:Decrypt", "kms:GenerateDataKey"])]}},
                {"kind": "kms_key", "name": "computed", "policy": {"unknown": "data.aws_iam_policy_document.k over var.roles"}},
                {"kind": "iam_policy", "name": "decrypt_all", "document": {"statements": [{"effect": "Allow", "action": ["kms:Decrypt"], "resource": ["*"]}]}},
                {"kind": "iam_policy", "name": "decrypt_one", "document": {"statements": [{"effect": "Allow", "action": ["kms:Decrypt"], "resource": ["arn:aws:kms:eu-west-1:111122223333:key/1"]}]}},
                {"kind": "iam_policy", "name": "unknown_doc", "document": {"unknown": "file() of a missing path"}},
        ]);
        // With no administrators or users named, duties are not judged: only kms:* is.
        expect(&KMS_004, resources.clone(), &[("mixed", Pass)]);
        let roles = "[kms]\nkey_administrators = [\"arn:aws:iam::111122223333:role/admin\"]\nkey_users = [\"arn:aws:iam::111122223333:role/app\"]\n";
        expect_with(
            &KMS_004,
            roles,
            resources,
            &[
                ("root_only", Pass),
                ("app_star", Fail),
                ("mixed", Fail),
                ("separated", Pass),
                ("computed", Unknown),
                ("decrypt_all", Fail),
                ("decrypt_one", Pass),
                ("unknown_doc", Unknown),
            ],
        );
    }

    #[test]
    fn configured_users_bound_who_may_decrypt() {
        expect_with(
            &KMS_004,
            "[kms]\nkey_users = [\"arn:aws:iam::*:role/app-*\"]\n",
            json!([
                {"kind": "kms_key", "name": "listed", "policy": {"statements": [allow("arn:aws:iam::111122223333:role/app-orders", &["kms:Decrypt"])]}},
                {"kind": "kms_key", "name": "stranger", "policy": {"statements": [allow("arn:aws:iam::111122223333:role/batch", &["kms:Decrypt"])]}},
            ]),
            &[("listed", Pass), ("stranger", Fail)],
        );
    }
}
