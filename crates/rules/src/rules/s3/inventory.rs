use crate::context::{Context, Res};
use crate::date::Date;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{S3Bucket, Unknown};

/// The day S3 began encrypting every new object (SSE-S3 baseline).
const BASELINE: &str = "2023-01-05";

declare_rule! {
    /// ## What it checks
    /// Buckets created before 5 January 2023 — which may hold objects written unencrypted
    /// before S3's SSE-S3 baseline — have an S3 Inventory configuration that reports
    /// `EncryptionStatus`, so unencrypted objects can be found and re-encrypted. Buckets
    /// the code creates are N/A. A live bucket S3 reports as created later is unknown — the
    /// reported date moves when the bucket's configuration changes — unless an inventory
    /// reports the encryption status; code that configures such an inventory passes.
    ///
    /// ## Why
    /// Policy §3: default encryption never re-encrypts existing objects.
    ///
    /// ## Example
    /// A bucket created in 2019 with no inventory configuration.
    ///
    /// ## Fix
    /// - Terraform: `aws_s3_bucket_inventory { optional_fields = ["EncryptionStatus"] … }`.
    /// - CloudFormation: `InventoryConfigurations: [{OptionalFields: [EncryptionStatus], …}]`.
    /// - Live: `aws s3api put-bucket-inventory-configuration`, then re-encrypt with S3 Batch Operations.
    S3_009 {
        id: "S3-009",
        title: "Pre-2023 buckets report object encryption status",
        severity: Severity::Low,
        section: Section::S3,
        fix: "Add an S3 Inventory configuration with the EncryptionStatus field and re-encrypt what it finds.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, bucket) in ctx.all::<S3Bucket>() {
        let configured = !ctx.bucket(r).inventory_reports_encryption.is_empty();
        if bucket.created.is_some() || configured {
            out.judge(r, judge(ctx, r, bucket));
        }
    }
}

fn judge(ctx: &Context, r: Res, bucket: &S3Bucket) -> Eval {
    let facts = ctx.bucket(r);
    let mut unknown = None;
    for reports in &facts.inventory_reports_encryption {
        match reports {
            Ok(true) => return Ok(Verdict::pass("an S3 Inventory reports EncryptionStatus")),
            Ok(false) => {}
            Err(why) => unknown = Some(why.clone()),
        }
    }
    if let Some(why) = unknown {
        return Err(why);
    }
    if let Some(created) = bucket.created.value()? {
        let baseline = Date::parse(BASELINE).expect("constant date");
        // ListBuckets' CreationDate moves forward when the bucket's configuration changes: a
        // date past the baseline does not prove that no object predates it.
        if Date::parse(created).is_some_and(|d| d >= baseline) {
            return Err(Unknown::new(format!(
                "S3 reports {created} as the creation date, but that date moves when the bucket's configuration \
                 changes: only an S3 Inventory that reports EncryptionStatus shows no object predates the SSE-S3 baseline"
            )));
        }
    }
    if bucket.created.is_none() && r.is_created() {
        return Ok(Verdict::not_applicable("a bucket the code creates holds only objects S3 encrypts"));
    }
    Ok(Verdict::fail(
        "may hold objects written before the SSE-S3 baseline, and no S3 Inventory reports EncryptionStatus",
    )
    .at(&bucket.inventory_encryption_status))
}

#[cfg(test)]
mod tests {
    use super::S3_009;
    use crate::testing::{expect, expect_silent};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn old_buckets_need_an_encryption_inventory() {
        let resources = json!([
            {"kind": "s3_bucket", "name": "old", "created": "2019-03-01T00:00:00Z"},
            {"kind": "s3_bucket", "name": "old_inventoried", "created": "2019-03-01T00:00:00Z", "inventory_encryption_status": true},
            {"kind": "s3_bucket", "name": "new", "created": "2024-03-01T00:00:00Z"},
            {"kind": "s3_bucket", "name": "code", "handles": ["code-bucket"]},
            {"kind": "s3_inventory_config", "name": "inv", "bucket": "code-bucket", "optional_fields": ["Size", "EncryptionStatus"]},
            {"kind": "s3_bucket", "name": "code_var", "handles": ["var-bucket"]},
            {"kind": "s3_inventory_config", "name": "inv_var", "bucket": "var-bucket", "optional_fields": {"unknown": "var.fields has no value"}},
            {"kind": "s3_bucket", "name": "code_plain"},
            {"kind": "s3_bucket", "name": "code_other", "handles": ["other-bucket"]},
            {"kind": "s3_inventory_config", "name": "inv_other", "bucket": "other-bucket", "optional_fields": ["Size"]},
        ]);
        expect(
            &S3_009,
            resources.clone(),
            &[
                ("old", Fail),
                ("old_inventoried", Pass),
                ("new", Unknown),
                ("code", Pass),
                ("code_var", Unknown),
                ("code_other", NotApplicable),
            ],
        );
        expect_silent(&S3_009, resources, &["code_plain"]);
    }
}
