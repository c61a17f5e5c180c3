//! The catalog: every rule, in policy order.
mod kms;

use crate::rule::Rule;

pub static CATALOG: &[&Rule] = &[
    &kms::rotation::KMS_001,
    &kms::explicit_policy::KMS_002,
    &kms::public_policy::KMS_003,
    &kms::least_privilege::KMS_004,
    &kms::enabled::KMS_005,
    &kms::deletion::KMS_006,
    &kms::key_usable::KMS_007,
    &kms::material_expiry::KMS_008,
];
