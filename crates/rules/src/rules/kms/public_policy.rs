use super::{allow_statements, is_aws_managed, proposed_policy};
use crate::context::{Attachment, Context, Res};
use crate::rule::{declare_rule, Eval, Out, Section, Severity, Verdict};
use encguard_model::{KmsKey, Statement, Unknown};

/// Condition keys that confine a wildcard principal to known accounts or sources.
const CONSTRAINING_KEYS: &[&str] = &[
    "kms:CallerAccount",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:PrincipalOrgID",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
];

declare_rule! {
    /// ## What it checks
    /// No key policy statement allows everyone: an `Allow` with `Principal: "*"` or
    /// `{"AWS": "*"}`, or an `Allow` with `NotPrincipal`, unless a condition confines it to
    /// known accounts or sources (`kms:CallerAccount`, `aws:SourceAccount`, `aws:SourceArn`,
    /// `aws:PrincipalOrgID`, `aws:PrincipalAccount`, …). `Deny` statements are ignored.
    ///
    /// ## Why
    /// Policy §1: a key anyone can use protects nothing; this is the one KMS mistake that
    /// exposes data outright.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
    /// ```
    ///
    /// ## Fix
    /// - Terraform / CloudFormation: name the principals, or add
    ///   `"Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}}`.
    /// - Live: `aws kms put-key-policy` with the corrected document.
    /// - `encguard fix --review` proposes, when the policy file names `kms.key_administrators`
    ///   or `kms.key_users`, a key policy in place of the one written — the account keeps the
    ///   key, administrators administer it, users use it — as a diff to review; never written.
    KMS_003 {
        id: "KMS-003",
        title: "Key policies do not allow everyone",
        severity: Severity::Critical,
        section: Section::Kms,
        fix: "Name the principals in the key policy, or confine the wildcard with an account or organisation condition.",
        equivalents: &[("Checkov", "CKV_AWS_33"), ("KICS", "kms_key_with_vulnerable_policy"),
            ("Prowler", "kms_key_not_publicly_accessible"), ("AWS Config", "kms-key-policy-no-public-access"),
            ("Security Hub", "KMS.5"), ("cfn-guard", "kms_no_wildcard_principal")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, key) in ctx.all::<KmsKey>() {
        out.judge(r, judge(ctx, r, key));
    }
}

fn is_public(s: &Statement) -> bool {
    let open = s.has_public_principal() || s.not_principal.is_some();
    open && !CONSTRAINING_KEYS.iter().any(|key| s.condition.iter().any(|c| c.key.eq_ignore_ascii_case(key)))
}

fn judge(ctx: &Context, r: Res, key: &KmsKey) -> Eval {
    if is_aws_managed(ctx, r)? {
        return Ok(Verdict::not_applicable("AWS managed keys have policies AWS maintains"));
    }
    let policies = ctx.key_policies(r);
    let mut unknown = None;
    for policy in policies {
        let doc = match policy.get() {
            Ok(doc) => doc,
            Err(why) => {
                unknown.get_or_insert(why);
                continue;
            }
        };
        if let Some(s) = allow_statements(doc).find(|s| is_public(s)) {
            let verdict =
                Verdict::fail("the key policy allows any principal without an account or organisation condition")
                    .at(&key.policy)
                    .evidence(format!(
                        "Allow {} to *{}",
                        s.action.join(", "),
                        s.sid.as_ref().map(|id| format!(" (Sid {id})")).unwrap_or_default()
                    ));
            return Ok(match proposed_policy(ctx) {
                Some(fix) => verdict.fix(fix),
                None => verdict,
            });
        }
    }
    if let Some(why) = unknown {
        return Err(why);
    }
    if policies.is_empty() {
        if let Some(why) = ctx.unresolved(r, Attachment::KeyPolicy) {
            return Err(Unknown::new(why.to_string()));
        }
    }
    Ok(Verdict::pass("no statement allows everyone"))
}

#[cfg(test)]
mod tests {
    use super::KMS_003;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    fn policy(statement: serde_json::Value) -> serde_json::Value {
        json!({"statements": [statement]})
    }

    #[test]
    fn wildcard_principals_fail_unless_conditioned() {
        expect(
            &KMS_003,
            json!([
                {"kind": "kms_key", "name": "public", "policy": policy(json!({"effect": "Allow", "principal": [{"kind": "*", "id": "*"}], "action": ["kms:Decrypt"]}))},
                {"kind": "kms_key", "name": "aws_star", "policy": policy(json!({"effect": "Allow", "principal": [{"kind": "AWS", "id": "*"}], "action": ["kms:*"]}))},
                {"kind": "kms_key", "name": "not_principal", "policy": policy(json!({"effect": "Allow", "not_principal": [{"kind": "AWS", "id": "arn:aws:iam::1:role/x"}], "action": ["kms:*"]}))},
                {"kind": "kms_key", "name": "conditioned", "policy": policy(json!({"effect": "Allow", "principal": [{"kind": "*", "id": "*"}], "action": ["kms:Decrypt"],
                    "condition": [{"operator": "StringEquals", "key": "kms:CallerAccount", "values": ["111122223333"]}]}))},
                {"kind": "kms_key", "name": "deny", "policy": policy(json!({"effect": "Deny", "principal": [{"kind": "*", "id": "*"}], "action": ["kms:*"]}))},
                {"kind": "kms_key", "name": "no_policy"},
                {"kind": "kms_key", "name": "computed", "policy": {"unknown": "policy depends on var.admins"}},
            ]),
            &[
                ("public", Fail),
                ("aws_star", Fail),
                ("not_principal", Fail),
                ("conditioned", Pass),
                ("deny", Pass),
                ("no_policy", Pass),
                ("computed", Unknown),
            ],
        );
    }
}
