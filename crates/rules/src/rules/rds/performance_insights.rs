use crate::context::{Context, Res};
use crate::keys::{require_tier, required_tier};
use crate::policy::KeyTier;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::RdsDatabase;

declare_rule! {
    /// ## What it checks
    /// Where Performance Insights is enabled, its data is encrypted with a key of the tier
    /// `key_tiers.rds` requires (`performance_insights_kms_key_id`; without it RDS uses
    /// `aws/rds`). Databases without Performance Insights are not judged.
    ///
    /// ## Why
    /// Policy §5: Performance Insights stores query text, which often contains data.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "orders" { performance_insights_enabled = true }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `performance_insights_kms_key_id = aws_kms_key.rds.arn`.
    /// - CloudFormation: `PerformanceInsightsKMSKeyId`.
    RDS_007 {
        id: "RDS-007",
        title: "Performance Insights uses the required key tier",
        severity: Severity::Medium,
        section: Section::Rds,
        fix: "Set the Performance Insights KMS key to a customer managed key.",
        equivalents: &[("Checkov", "CKV_AWS_354"), ("Trivy", "AVD-AWS-0078")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, db) in ctx.all::<RdsDatabase>() {
        if db.performance_insights_enabled.is_some() {
            out.judge(r, judge(ctx, r, db));
        }
    }
}

fn judge(ctx: &Context, r: Res, db: &RdsDatabase) -> Eval {
    if !db.performance_insights_enabled.or_default_to(false)? {
        return Ok(Verdict::not_applicable("Performance Insights is off"));
    }
    require_tier(
        ctx,
        r,
        &db.performance_insights_kms_key,
        KeyTier::AwsManaged,
        required_tier(ctx, ctx.policy.key_tiers.rds, r)?,
    )
}

#[cfg(test)]
mod tests {
    use super::RDS_007;
    use crate::testing::{expect_silent, expect_with, STRICT};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn performance_insights_keys() {
        let resources = json!([
            {"kind": "rds_instance", "name": "cmk", "performance_insights_enabled": true, "performance_insights_kms_key": {"type": "customer", "reference": "alias/rds-pi"}},
            {"kind": "rds_instance", "name": "default", "performance_insights_enabled": true},
            {"kind": "rds_instance", "name": "var", "performance_insights_enabled": {"unknown": "var.pi has no value"}},
            {"kind": "rds_instance", "name": "off", "performance_insights_enabled": false},
            {"kind": "rds_instance", "name": "unset"},
        ]);
        expect_with(
            &RDS_007,
            STRICT,
            resources.clone(),
            &[("cmk", Pass), ("default", Fail), ("var", Unknown), ("off", NotApplicable)],
        );
        expect_silent(&RDS_007, resources, &["unset"]);
    }
}
