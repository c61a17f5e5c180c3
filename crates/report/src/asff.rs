use crate::Report;
use encguard_model::Location;
use encguard_rules::{Finding, Severity, Status, CATALOG};
use serde_json::{json, Value};

/// The AWS Security Finding Format: one finding per failure and unknown on a live resource,
/// as Security Hub's `BatchImportFindings` takes them (findings on code describe no AWS
/// resource yet, and go to code scanning as SARIF instead). Each is the account's own
/// product (`product/ACCOUNT/default`); the fingerprint makes the id, so a later scan updates
/// the same finding.
pub fn render(report: &Report) -> String {
    let time = rfc3339(report.time_ms);
    let findings: Vec<Value> = report
        .evaluation
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
        .filter_map(|f| finding(f, &time))
        .collect();
    serde_json::to_string_pretty(&findings).expect("ASFF is JSON") + "\n"
}

fn finding(f: &Finding, time: &str) -> Option<Value> {
    let Location::Aws { account, region, arn } = &f.location else { return None };
    let title = CATALOG.iter().find(|r| r.id == f.rule).map_or(f.rule, |r| r.title);
    let label = match f.severity {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    };
    // Security Hub's own names for the kinds it knows; any other is "Other".
    let resource_type = match f.resource_type.as_str() {
        "AWS::KMS::Key" => "AwsKmsKey",
        "AWS::S3::Bucket" => "AwsS3Bucket",
        "AWS::EC2::Volume" => "AwsEc2Volume",
        "AWS::EC2::Snapshot" => "AwsEc2Snapshot",
        "AWS::RDS::DBInstance" => "AwsRdsDbInstance",
        "AWS::RDS::DBCluster" => "AwsRdsDbCluster",
        "AWS::DynamoDB::Table" => "AwsDynamoDbTable",
        "AWS::SecretsManager::Secret" => "AwsSecretsManagerSecret",
        "AWS::CertificateManager::Certificate" => "AwsCertificateManagerCertificate",
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => "AwsElbv2LoadBalancer",
        "AWS::ElasticLoadBalancing::LoadBalancer" => "AwsElbLoadBalancer",
        "AWS::CloudFront::Distribution" => "AwsCloudFrontDistribution",
        "AWS::IAM::ManagedPolicy" => "AwsIamPolicy",
        _ => "Other",
    };
    let partition = arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws");
    // Security Hub has no global region: findings on global resources (IAM policies,
    // CloudFront) go to the partition's first region, where AWS itself records them.
    let region = match (region.as_str(), partition) {
        ("global", "aws-cn") => "cn-north-1",
        ("global", "aws-us-gov") => "us-gov-west-1",
        ("global", _) => "us-east-1",
        (region, _) => region,
    };
    let mut product_fields = json!({"encguard/Rule": f.rule, "encguard/Section": f.section.title()});
    if let Some(evidence) = &f.evidence {
        product_fields["encguard/Evidence"] = json!(evidence);
    }
    Some(json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("encguard/{}/{}", f.rule, f.fingerprint),
        "ProductArn": format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
        "GeneratorId": format!("encguard/{}", f.rule),
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": time,
        "UpdatedAt": time,
        "Severity": {"Label": label},
        "Title": format!("{} {title}", f.rule),
        "Description": truncate(&f.message, 1024),
        "Remediation": {"Recommendation": {"Text": truncate(f.remediation, 512)}},
        "ProductFields": product_fields,
        "Resources": [{"Type": resource_type, "Id": arn, "Partition": partition, "Region": region}],
        "Compliance": {"Status": if f.status == Status::Fail { "FAILED" } else { "NOT_AVAILABLE" }},
        "Workflow": {"Status": if f.suppression.is_some() { "SUPPRESSED" } else { "NEW" }},
        "RecordState": "ACTIVE",
    }))
}

/// Security Hub's length limits, in characters.
fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Milliseconds since 1970 as RFC 3339 (UTC).
fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let date = encguard_rules::Date(secs.div_euclid(86_400));
    let day = secs.rem_euclid(86_400);
    format!("{date}T{:02}:{:02}:{:02}Z", day / 3600, day % 3600 / 60, day % 60)
}
