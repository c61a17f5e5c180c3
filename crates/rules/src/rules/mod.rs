//! The catalog: every rule, in policy order.
mod kms;

use crate::rule::Rule;

pub static CATALOG: &[&Rule] = &[
    &kms::rotation::KMS_001,
];
