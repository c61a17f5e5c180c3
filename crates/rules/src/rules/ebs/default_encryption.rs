use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{AttributeFix, FixValue};
use encguard_model::{BlockDeviceHost, EbsEncryptionByDefault, EbsVolume, Location, Resource, Spec, Unknown};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it checks
    /// EBS encryption by default is on in every account and region in scope. A live scan
    /// reads it per region (`GetEbsEncryptionByDefault`). In code it is judged where
    /// `aws_ebs_encryption_by_default` is written; where code creates volumes or instances
    /// but does not manage the setting, the result is unknown — an account setting cannot
    /// be read from a template (CloudFormation has no resource for it).
    ///
    /// ## Why
    /// Policy §4: with the setting on, every new volume and snapshot copy is encrypted,
    /// whatever a template or a console user forgets.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ebs_encryption_by_default" "this" { enabled = false }
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `resource "aws_ebs_encryption_by_default" "this" { enabled = true }` per region.
    /// - Live: `aws ec2 enable-ebs-encryption-by-default --region R` in every region.
    EBS_001 {
        id: "EBS-001",
        title: "EBS encryption by default is on in every region",
        severity: Severity::High,
        section: Section::Ebs,
        fix: "Enable EBS encryption by default in every account and region.",
        equivalents: &[("Checkov", "CKV_AWS_106"), ("KICS", "ebs_default_encryption_disabled"), ("Prowler", "ec2_ebs_default_encryption"),
            ("AWS Config", "ec2-ebs-encryption-by-default"), ("Security Hub", "EC2.7")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, setting) in ctx.all::<EbsEncryptionByDefault>() {
        out.judge(r, judge(setting));
    }
    // Code that creates EBS storage in a region whose setting it does not manage.
    let mut unmanaged: BTreeMap<Option<&str>, Res> = BTreeMap::new();
    let consumers = ctx.all::<EbsVolume>().map(|(r, _)| r).chain(ctx.all::<BlockDeviceHost>().map(|(r, _)| r));
    for r in consumers.filter(|r| matches!(r.location, Location::File { .. }) && ctx.ebs_default(*r).is_none()) {
        unmanaged.entry(r.resource.region.as_deref()).or_insert(r);
    }
    for (region, first) in unmanaged {
        let region_name = region.unwrap_or("the provider's region");
        let mut setting = Resource::new(
            format!("ebs-encryption-by-default ({region_name})"),
            "aws_ebs_encryption_by_default",
            first.location.clone(),
            Spec::EbsEncryptionByDefault(Box::new(EbsEncryptionByDefault { enabled: None.into() })),
        );
        setting.region = region.map(str::to_string);
        out.judge(&setting, Err(Unknown::new(format!(
            "`{}` creates EBS storage in {region_name}, but the account's encryption-by-default setting is not managed here; scan the account to know it",
            first.name
        ))));
    }
}

fn judge(setting: &EbsEncryptionByDefault) -> Eval {
    if setting.enabled.or_default_to(true)? {
        Ok(Verdict::pass("EBS encryption by default is on"))
    } else {
        Ok(Verdict::fail("EBS encryption by default is off").at(&setting.enabled).fix(AttributeFix::set(
            Some("enabled"),
            None,
            FixValue::Bool(true),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::EBS_001;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn settings_and_unmanaged_regions() {
        expect(
            &EBS_001,
            json!([
                {"kind": "ebs_encryption_by_default", "name": "on", "enabled": true, "region": "eu-west-1"},
                {"kind": "ebs_encryption_by_default", "name": "off", "enabled": false, "region": "us-east-1"},
                {"kind": "ebs_encryption_by_default", "name": "var", "enabled": {"unknown": "var.ebs_default has no value"}, "region": "us-west-2"},
                {"kind": "ebs_volume", "name": "covered", "region": "eu-west-1"},
                {"kind": "ebs_volume", "name": "uncovered", "region": "ap-south-1"},
            ]),
            &[("on", Pass), ("off", Fail), ("var", Unknown), ("ebs-encryption-by-default (ap-south-1)", Unknown)],
        );
    }
}
