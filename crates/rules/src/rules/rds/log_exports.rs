use crate::context::{Context, Res};
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{LogGroup, RdsDatabase, Spec, Unknown};

declare_rule! {
    /// ## What it checks
    /// For every log type a database exports to CloudWatch Logs, the log group RDS writes to
    /// — `/aws/rds/instance/<id>/<type>` or `/aws/rds/cluster/<id>/<type>` — is in this scan
    /// and encrypted with a KMS key. A log group RDS creates by itself is not encrypted.
    ///
    /// ## Why
    /// Policy §5: audit, error and slow-query logs contain statements and data.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "orders" { identifier = "orders"  enabled_cloudwatch_logs_exports = ["postgresql"] }
    /// # no aws_cloudwatch_log_group "/aws/rds/instance/orders/postgresql" with kms_key_id
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `aws_cloudwatch_log_group { name = "/aws/rds/instance/orders/postgresql"  kms_key_id = … }`.
    /// - CloudFormation: `AWS::Logs::LogGroup` with that `LogGroupName` and `KmsKeyId`.
    /// - Live: `aws logs associate-kms-key --log-group-name … --kms-key-id KEY`.
    RDS_008 {
        id: "RDS-008",
        title: "Exported database logs are encrypted",
        severity: Severity::Medium,
        section: Section::Rds,
        fix: "Create each export's log group yourself with a KMS key, before the database.",
        equivalents: &[("Checkov", "CKV_AWS_158 (unlinked)"), ("AWS Config", "cloudwatch-log-group-encrypted (unlinked)")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, db) in ctx.all::<RdsDatabase>() {
        if db.cloudwatch_logs_exports.as_ref().is_some_and(|e| e.known().is_none_or(|v| !v.is_empty())) {
            out.judge(r, judge(ctx, r, db));
        }
    }
}

fn judge(ctx: &Context, r: Res, db: &RdsDatabase) -> Eval {
    let exports = db.cloudwatch_logs_exports.or_default_to(Vec::new())?;
    let Some(id) = db.identifier.value()? else {
        return Err(Unknown::new("the database has no fixed identifier, so its log group names cannot be known"));
    };
    let scope = if matches!(r.spec, Spec::RdsCluster(_)) { "cluster" } else { "instance" };
    let parts = exports.iter().map(|kind| {
        let name = format!("/aws/rds/{scope}/{id}/{kind}");
        let group =
            ctx.lookup_where(r, &name, |s| matches!(s, Spec::LogGroup(_)))?.and_then(|g| match &g.resource.spec {
                Spec::LogGroup(l) => Some(&**l),
                _ => None,
            });
        match group {
            Some(LogGroup { kms_key, .. }) if !kms_key.is_default() => {
                Ok(Verdict::pass(format!("{name} is encrypted")))
            }
            Some(_) => Ok(Verdict::fail(format!("log group {name} has no KMS key")).at(&db.cloudwatch_logs_exports)),
            None => match ctx.unread(r, None, "logs:DescribeLogGroups") {
                Some(gap) => Err(Unknown::new(format!("whether log group {name} exists is unknown: {gap}"))),
                None => Ok(Verdict::fail(format!("log group {name} is not defined, so RDS creates it unencrypted"))
                    .at(&db.cloudwatch_logs_exports)),
            },
        }
    });
    combine(parts, "every exported log group is encrypted")
}

#[cfg(test)]
mod tests {
    use super::RDS_008;
    use crate::testing::{expect, expect_silent, inventory, run_on};
    use crate::Status::*;
    use encguard_model::Gap;
    use serde_json::json;

    #[test]
    fn exported_log_groups() {
        let resources = json!([
            {"kind": "log_group", "name": "lg", "handles": ["/aws/rds/instance/orders/postgresql"],
             "kms_key": {"type": "customer", "reference": "alias/logs"}},
            {"kind": "log_group", "name": "lg_plain", "handles": ["/aws/rds/cluster/pay/audit"]},
            {"kind": "rds_instance", "name": "orders", "identifier": "orders", "cloudwatch_logs_exports": ["postgresql"]},
            {"kind": "rds_cluster", "name": "pay", "identifier": "pay", "cloudwatch_logs_exports": ["audit"]},
            {"kind": "rds_instance", "name": "missing", "identifier": "billing", "cloudwatch_logs_exports": ["error"]},
            {"kind": "rds_instance", "name": "generated_id", "cloudwatch_logs_exports": ["error"]},
            {"kind": "rds_instance", "name": "no_exports"},
        ]);
        expect(
            &RDS_008,
            resources.clone(),
            &[("orders", Pass), ("pay", Fail), ("missing", Fail), ("generated_id", Unknown)],
        );
        expect_silent(&RDS_008, resources, &["no_exports"]);
    }

    #[test]
    fn a_log_group_listing_that_failed_leaves_the_database_unknown() {
        let mut inv = inventory(json!([
            {"kind": "rds_instance", "name": "live", "identifier": "billing", "cloudwatch_logs_exports": ["error"],
             "location": {"source": "aws", "account": "1", "region": "eu-west-1", "arn": "arn:aws:rds:eu-west-1:1:db:billing"}},
        ]));
        inv.gaps.push(Gap {
            scope: "1/eu-west-1".into(),
            what: "logs:DescribeLogGroups".into(),
            error: "AccessDenied".into(),
        });
        let verdicts = run_on(&RDS_008, "", &inv);
        assert_eq!(verdicts[0].1, Unknown, "{verdicts:?}");
        inv.gaps.clear();
        assert_eq!(run_on(&RDS_008, "", &inv)[0].1, Fail);
    }
}
