use super::{is_aws_managed, is_default_key_policy, proposed_policy};
use crate::context::{Attachment, Context, Res};
use crate::rule::{declare_rule, Eval, Out, Section, Severity, Verdict};
use encguard_model::{KmsKey, Unknown, Value};

declare_rule! {
    /// ## What it checks
    /// Every customer managed key has a key policy written for it — inline or as a separate
    /// key-policy resource — rather than the implicit default that delegates everything to
    /// IAM. In a live account, where a written policy and the default look alike, a policy
    /// equal to the default ("Enable IAM User Permissions" alone) fails while
    /// `kms.require_explicit_key_policy` is on.
    ///
    /// ## Why
    /// Policy §1: who may administer and use a key is decided in its key policy, reviewed
    /// with the key, not left to whichever IAM policies grant `kms:*`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_kms_key" "data" { enable_key_rotation = true }   # no policy
    /// ```
    ///
    /// ## Fix
    /// - Terraform: set `policy` on `aws_kms_key`, or add an `aws_kms_key_policy` whose `key_id` is the key.
    /// - CloudFormation: set `KeyPolicy` on `AWS::KMS::Key`.
    /// - Live: `aws kms put-key-policy --key-id KEY --policy-name default --policy file://policy.json`.
    /// - `encguard fix --review` proposes a policy for a key that has none — the account keeps
    ///   the key, `kms.key_administrators` administer it, `kms.key_users` use it — as a diff to
    ///   review; it is never written.
    KMS_002 {
        id: "KMS-002",
        title: "Customer managed keys have an explicit key policy",
        severity: Severity::Medium,
        section: Section::Kms,
        fix: "Write a key policy for the key that names its administrators and users.",
        equivalents: &[("Checkov", "CKV2_AWS_64"), ("cfn-nag", "KeyPolicy required (#628)")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, key) in ctx.all::<KmsKey>() {
        out.judge(r, judge(ctx, r, key));
    }
}

fn judge(ctx: &Context, r: Res, key: &KmsKey) -> Eval {
    if is_aws_managed(ctx, r)? {
        return Ok(Verdict::not_applicable("AWS managed keys have policies AWS maintains"));
    }
    let policies = ctx.key_policies(r);
    if policies.is_empty() {
        if let Some(why) = ctx.unresolved(r, Attachment::KeyPolicy) {
            return Err(Unknown::new(why.to_string()));
        }
        let verdict =
            Verdict::fail("the key has no key policy of its own; KMS applies the default policy").at(&key.policy);
        return Ok(match proposed_policy(ctx) {
            Some(fix) => verdict.fix(fix),
            None => verdict,
        });
    }
    let explicit_required = ctx.policy.kms.require_explicit_key_policy;
    let all_default = policies.iter().all(|p| matches!(p, Value::Known(doc) if is_default_key_policy(doc)));
    // In code, a written key policy is a decision; live, a policy equal to the default is
    // the default that nobody replaced.
    let live = matches!(r.location, encguard_model::Location::Aws { .. });
    if explicit_required && all_default && live {
        return Ok(Verdict::fail("the key policy is the AWS default (\"Enable IAM User Permissions\" only)")
            .at(&key.policy)
            .evidence("Allow kms:* to the account root"));
    }
    Ok(Verdict::pass("the key has an explicit key policy"))
}

#[cfg(test)]
mod tests {
    use super::KMS_002;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    fn default_policy() -> serde_json::Value {
        json!({"statements": [{"effect": "Allow", "principal": [{"kind": "AWS", "id": "arn:aws:iam::111122223333:root"}],
                               "action": ["kms:*"], "resource": ["*"]}]})
    }

    #[test]
    fn inline_split_default_and_unresolved_policies() {
        expect(
            &KMS_002,
            json!([
                {"kind": "kms_key", "name": "inline", "policy": {"statements": [{"effect": "Allow", "action": ["kms:Decrypt"]}]}},
                {"kind": "kms_key", "name": "split"},
                {"kind": "kms_key_policy", "name": "split_policy", "key": "split", "policy": {"statements": []}},
                {"kind": "kms_key", "name": "none"},
                {"kind": "kms_key", "name": "default", "policy": default_policy(),
                 "location": {"source": "aws", "account": "1", "region": "eu-west-1", "arn": "arn:aws:kms:eu-west-1:1:key/1"}},
                {"kind": "kms_key", "name": "default_in_code", "policy": default_policy()},
                {"kind": "kms_key", "name": "computed", "policy": {"unknown": "jsonencode over a module output"}},
                {"kind": "kms_key", "name": "aws", "key_manager": "AWS"},
            ]),
            &[
                ("inline", Pass),
                ("split", Pass),
                ("none", Fail),
                ("default", Fail),
                ("default_in_code", Pass),
                ("computed", Pass),
                ("aws", NotApplicable),
            ],
        );
    }

    #[test]
    fn a_policy_for_an_unresolvable_key_makes_keys_in_its_scope_unknown() {
        expect(
            &KMS_002,
            json!([
                {"kind": "kms_key", "name": "k"},
                {"kind": "kms_key_policy", "name": "p", "key": {"unknown": "var.key_id has no value"}, "policy": {"statements": []}},
            ]),
            &[("k", Unknown)],
        );
    }
}
