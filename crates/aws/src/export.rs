//! `encguard export securityhub`: findings in the AWS Security Finding Format (what `scan
//! --format asff` writes) sent to Security Hub with `BatchImportFindings`, in the region of
//! each finding — a write, never made by a scan (with `remediate`'s, the only ones), and the
//! one permission `iam-policy --export` grants.

use crate::{assume, base_config, CallFailed, Options};
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance, ComplianceStatus, Partition, Recommendation, RecordState, Remediation, Resource,
    Severity, SeverityLabel, Workflow, WorkflowStatus,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The permission an export needs.
pub const EXPORT_ACTIONS: &[&str] = &["securityhub:BatchImportFindings"];

/// Security Hub takes at most this many findings a call.
const BATCH: usize = 100;

/// What Security Hub did with the findings sent.
#[derive(Debug, Default)]
pub struct Imported {
    /// Findings it took.
    pub imported: usize,
    /// Findings it refused: (finding id, why).
    pub failed: Vec<(String, String)>,
}

/// What keeps an export from being made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A finding is not one Security Hub can take.
    #[error("finding {index}: {why}")]
    Finding {
        /// Its position in the file, from 0.
        index: usize,
        /// What is missing or wrong.
        why: String,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// The IAM policy an export needs, as JSON.
pub fn export_policy() -> String {
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "EncguardExportFindings", "Effect": "Allow", "Action": EXPORT_ACTIONS, "Resource": "*"}],
    });
    serde_json::to_string_pretty(&policy).expect("JSON") + "\n"
}

/// Sends `findings` (ASFF objects) to Security Hub, each to its own region, `BATCH` a call.
pub fn to_security_hub(options: &Options, findings: &[Value]) -> Result<Imported, ExportError> {
    let mut by_region: BTreeMap<String, Vec<AwsSecurityFinding>> = BTreeMap::new();
    for (index, value) in findings.iter().enumerate() {
        let (region, finding) = asff(value).map_err(|why| ExportError::Finding { index, why })?;
        by_region.entry(region).or_default().push(finding);
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut imported = Imported::default();
        for (region, findings) in by_region {
            let mut conf = base_config(options, &region).await;
            if let Some(role) = &options.role_arn {
                conf = assume(&conf, role, options.external_id.as_deref(), &region, "encguard-export").await;
            }
            let client = aws_sdk_securityhub::Client::new(&conf);
            for batch in findings.chunks(BATCH) {
                let sent = client.batch_import_findings().set_findings(Some(batch.to_vec())).send().await;
                // A call that fails (Security Hub off in a region, a denied call) fails its
                // findings; the other batches and regions are still sent.
                let out = match sent {
                    Ok(out) => out,
                    Err(e) => {
                        let why = CallFailed::new("securityhub:BatchImportFindings", &e).to_string();
                        imported
                            .failed
                            .extend(batch.iter().map(|f| (f.id().unwrap_or_default().to_string(), why.clone())));
                        continue;
                    }
                };
                imported.imported += out.success_count().unwrap_or_default() as usize;
                imported.failed.extend(out.failed_findings().iter().map(|f| {
                    (
                        f.id().unwrap_or_default().to_string(),
                        format!("{}: {}", f.error_code().unwrap_or_default(), f.error_message().unwrap_or_default()),
                    )
                }));
            }
        }
        Ok(imported)
    })
}

/// One ASFF finding as the SDK's type, with the region Security Hub takes it in (its
/// product's). The fields are those `--format asff` writes; a required one missing is an
/// error naming it.
fn asff(v: &Value) -> Result<(String, AwsSecurityFinding), String> {
    let text = |path: &[&str]| -> Result<String, String> {
        path.iter()
            .try_fold(v, |v, k| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("no {}", path.join(".")))
    };
    let optional = |path: &[&str]| text(path).ok();
    let product_arn = text(&["ProductArn"])?;
    let region = product_arn.split(':').nth(3).filter(|r| !r.is_empty()).ok_or("ProductArn names no region")?;
    let resources: Vec<Resource> = v
        .get("Resources")
        .and_then(Value::as_array)
        .ok_or("no Resources")?
        .iter()
        .map(|r| {
            let field = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
            Resource::builder()
                .set_type(field("Type"))
                .set_id(field("Id"))
                .set_region(field("Region"))
                .set_partition(field("Partition").map(|p| Partition::from(p.as_str())))
                .build()
        })
        .collect();
    let product_fields: Option<HashMap<String, String>> = v
        .get("ProductFields")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect());
    let types: Vec<String> = v
        .get("Types")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    let finding = AwsSecurityFinding::builder()
        .schema_version(text(&["SchemaVersion"])?)
        .id(text(&["Id"])?)
        .product_arn(&product_arn)
        .generator_id(text(&["GeneratorId"])?)
        .aws_account_id(text(&["AwsAccountId"])?)
        .set_types(Some(types))
        .created_at(text(&["CreatedAt"])?)
        .updated_at(text(&["UpdatedAt"])?)
        .severity(Severity::builder().label(SeverityLabel::from(text(&["Severity", "Label"])?.as_str())).build())
        .title(text(&["Title"])?)
        .description(text(&["Description"])?)
        .set_remediation(
            optional(&["Remediation", "Recommendation", "Text"])
                .map(|t| Remediation::builder().recommendation(Recommendation::builder().text(t).build()).build()),
        )
        .set_product_fields(product_fields)
        .set_resources(Some(resources))
        .set_compliance(
            optional(&["Compliance", "Status"])
                .map(|s| Compliance::builder().status(ComplianceStatus::from(s.as_str())).build()),
        )
        .set_workflow(
            optional(&["Workflow", "Status"])
                .map(|s| Workflow::builder().status(WorkflowStatus::from(s.as_str())).build()),
        )
        .set_record_state(optional(&["RecordState"]).map(|s| RecordState::from(s.as_str())))
        .build();
    Ok((region.to_string(), finding))
}
