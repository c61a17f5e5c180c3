use crate::context::{Attachment, Context, KeyTarget, Res, Target};
use crate::keys::{require_tier, required_tier};
use crate::policy::KeyTier;
use crate::rule::{combine, declare_rule, unless_unresolved, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::Status;
use encguard_model::{DynamodbReplica, DynamodbTable, Field, KeyRef, Spanned, Spec};

declare_rule! {
    /// ## What it checks
    /// Every replica of a global table — `replica` blocks, `aws_dynamodb_table_replica`,
    /// CloudFormation `Replicas` — uses a key of the tier `key_tiers.dynamodb` requires,
    /// in the replica's region.
    ///
    /// ## Why
    /// Policy §6: a replica is the whole table in another region; without a key of its own
    /// there it uses the AWS owned or AWS managed key.
    ///
    /// ## Example
    /// ```hcl
    /// replica { region_name = "eu-central-1" }   # no kms_key_arn
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `replica { region_name = "…"  kms_key_arn = <key in that region> }`.
    /// - CloudFormation: `Replicas[].SSESpecification.KMSMasterKeyId`.
    DDB_003 {
        id: "DDB-003",
        title: "Table replicas use the required key tier in their region",
        severity: Severity::Medium,
        section: Section::Dynamodb,
        fix: "Give every replica a customer managed key in its region.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, table) in ctx.all::<DynamodbTable>() {
        let split = ctx.replicas_of(r);
        let unplaced = ctx.unresolved(r, Attachment::Replica);
        if table.replicas.is_empty() && split.is_empty() && unplaced.is_none() {
            continue;
        }
        let inline = table.replicas.iter().map(|rep| judge(ctx, r, &rep.region, &rep.kms_key));
        // A replica written as a resource of its own is judged here, on its table: the
        // finding points at the table, not into the other resource's text.
        let separate = split.iter().filter_map(|s| match &s.spec {
            Spec::DynamodbReplica(rep) => {
                let region = Some(s.region.clone().unwrap_or_default().into()).into();
                Some(judge(ctx, *s, &region, &rep.kms_key).map(|v| Verdict { span: None, ..v }))
            }
            _ => None,
        });
        let all = combine(
            inline.chain(separate).collect::<Vec<_>>(),
            "every replica has a key of the required tier in its region",
        );
        out.judge(r, unless_unresolved(all, unplaced));
    }
    // A replica whose table is not in the scan is judged on its own.
    for (r, rep) in ctx.all::<DynamodbReplica>() {
        if !matches!(ctx.target(r, &rep.table), Target::Found(t) if matches!(t.spec, Spec::DynamodbTable(_))) {
            let region = Some(r.region.clone().unwrap_or_default().into()).into();
            out.judge(r, judge(ctx, r, &region, &rep.kms_key));
        }
    }
}

fn judge(ctx: &Context, r: Res, region_field: &Field<String>, key: &Spanned<KeyRef>) -> Eval {
    let region = region_field.or_default_to(String::new())?;
    let v = require_tier(ctx, r, key, KeyTier::AwsOwned, required_tier(ctx, ctx.policy.key_tiers.dynamodb, r)?)?;
    if v.status == Status::Fail {
        let place = if region.is_empty() { "replica".to_string() } else { format!("replica in {region}") };
        let v = Verdict { message: format!("{place}: {}", v.message), ..v };
        return Ok(v.at(region_field).at(key));
    }
    if let KeyTarget::Key(k, _) = ctx.key(r, key) {
        if let Some(kr) = k.region.as_deref().filter(|kr| !region.is_empty() && *kr != region) {
            return Ok(Verdict::fail(format!("replica in {region} names key `{}` from {kr}", k.name))
                .at(region_field)
                .at(key));
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::DDB_003;
    use crate::testing::{expect_silent, expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn replicas_inline_and_split() {
        let key = |k: &str| json!({"type": "customer", "reference": k});
        let resources = json!([
            {"kind": "kms_key", "name": "k_eu", "region": "eu-central-1"},
            {"kind": "dynamodb_table", "name": "good", "replicas": [{"region": "eu-central-1", "kms_key": key("k_eu")}]},
            {"kind": "dynamodb_table", "name": "owned_replica", "replicas": [{"region": "eu-central-1"}]},
            {"kind": "dynamodb_table", "name": "wrong_region", "replicas": [{"region": "us-west-2", "kms_key": key("k_eu")}]},
            {"kind": "dynamodb_table", "name": "split_table", "handles": ["orders"]},
            {"kind": "dynamodb_replica", "name": "split_replica", "table": "orders", "region": "eu-central-1"},
            {"kind": "dynamodb_table", "name": "single"},
            {"kind": "dynamodb_replica", "name": "orphan", "table": "arn:aws:dynamodb:us-east-1:1:table/elsewhere", "region": "eu-central-1"},
        ]);
        expect_with(
            &DDB_003,
            STRICT,
            resources.clone(),
            &[("good", Pass), ("owned_replica", Fail), ("wrong_region", Fail), ("split_table", Fail), ("orphan", Fail)],
        );
        expect_silent(&DDB_003, resources.clone(), &["single", "split_replica"]);
    }
}
