//! The catalog: every rule, in policy order.
pub(crate) mod acm;
mod cloudfront;
mod dynamodb;
mod ebs;
pub(crate) mod kms;
mod lb;
mod rds;
mod s3;
mod secrets;

use crate::rule::Rule;

/// Every rule, in the order of the policy.
pub static CATALOG: &[&Rule] = &[
    &kms::rotation::KMS_001,
    &kms::explicit_policy::KMS_002,
    &kms::public_policy::KMS_003,
    &kms::least_privilege::KMS_004,
    &kms::enabled::KMS_005,
    &kms::deletion::KMS_006,
    &kms::key_usable::KMS_007,
    &kms::material_expiry::KMS_008,
    &secrets::customer_key::SM_001,
    &secrets::key_usable::SM_002,
    &secrets::replica_keys::SM_003,
    &secrets::rotation::SM_004,
    &s3::default_encryption::S3_001,
    &s3::kms_encryption::S3_002,
    &s3::key_usable::S3_003,
    &s3::tls_only::S3_004,
    &s3::minimum_tls::S3_005,
    &s3::deny_unencrypted_put::S3_006,
    &s3::sse_c::S3_007,
    &s3::client_side::S3_008,
    &s3::inventory::S3_009,
    &ebs::default_encryption::EBS_001,
    &ebs::default_key::EBS_002,
    &ebs::volumes::EBS_003,
    &ebs::key_usable::EBS_004,
    &ebs::snapshots::EBS_005,
    &ebs::images::EBS_006,
    &rds::instance_encryption::RDS_001,
    &rds::cluster_encryption::RDS_002,
    &rds::customer_key::RDS_003,
    &rds::key_usable::RDS_004,
    &rds::snapshots::RDS_005,
    &rds::backups::RDS_006,
    &rds::performance_insights::RDS_007,
    &rds::log_exports::RDS_008,
    &rds::tls::RDS_009,
    &rds::ca_certificate::RDS_010,
    &dynamodb::key_tier::DDB_001,
    &dynamodb::key_usable::DDB_002,
    &dynamodb::replica_keys::DDB_003,
    &dynamodb::dax_encryption::DDB_004,
    &dynamodb::dax_tls::DDB_005,
    &dynamodb::sort_keys::DDB_006,
    &acm::expiry::ACM_001,
    &acm::key_algorithm::ACM_002,
    &acm::renewal::ACM_003,
    &acm::transparency::ACM_004,
    &acm::wildcards::ACM_005,
    &acm::attached::ACM_006,
    &lb::http_redirect::LB_001,
    &lb::nlb_tls::LB_002,
    &lb::tls_policy::LB_003,
    &lb::classic_listeners::LB_004,
    &lb::classic_tls_policy::LB_005,
    &lb::acm_certificates::LB_006,
    &lb::backend_tls::LB_007,
    &cloudfront::viewer_https::CF_001,
    &cloudfront::viewer_tls::CF_002,
    &cloudfront::custom_certificate::CF_003,
    &cloudfront::origin_protocols::CF_004,
    &cloudfront::origin_tls::CF_005,
];

#[cfg(test)]
mod tests {
    use super::CATALOG;
    use std::collections::BTreeSet;

    #[test]
    fn the_catalog_holds_the_61_rules_of_the_policy_once_each() {
        assert_eq!(CATALOG.len(), 61);
        let ids: BTreeSet<_> = CATALOG.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), 61, "duplicate rule ids");
        for (area, count) in
            [("KMS", 8), ("SM", 4), ("S3", 9), ("EBS", 6), ("RDS", 10), ("DDB", 6), ("ACM", 6), ("LB", 7), ("CF", 5)]
        {
            for n in 1..=count {
                let id = format!("{area}-{n:03}");
                assert!(ids.contains(id.as_str()), "{id} is missing");
            }
        }
    }

    #[test]
    fn every_rule_documents_what_why_example_and_fix() {
        for rule in CATALOG {
            let doc = rule.documentation();
            for heading in ["## What it checks", "## Why", "## Example", "## Fix"] {
                assert!(doc.contains(heading), "{} lacks `{heading}`", rule.id);
            }
            assert!(!rule.title.is_empty() && !rule.fix.is_empty(), "{} lacks a title or fix", rule.id);
        }
    }

    #[test]
    fn the_catalog_is_in_policy_order() {
        let sections: Vec<_> = CATALOG.iter().map(|r| r.section).collect();
        let mut sorted = sections.clone();
        sorted.sort();
        assert_eq!(sections, sorted);
    }
}
