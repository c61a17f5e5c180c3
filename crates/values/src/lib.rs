//! What the infrastructure-as-code sources share: a dynamic value that may be unknown
//! (with why, what it refers to, and its known parts), and the reading of such values as
//! model fields. Terraform and CloudFormation evaluate into [`Val`]; their mappings read
//! it through [`Attrs`].

#![deny(missing_docs)]

mod attrs;
mod common;
mod read;
mod threads;
mod value;

pub use attrs::{Attrs, SpanTree, Tags};
pub use common::{
    block_device, block_device_mappings, cloudfront_distribution, dynamodb_table_key, image_root, listener_actions,
    or_image_root, s3_rule, ActionNames, CloudfrontNames, DeviceNames, S3RuleNames,
};
pub use read::{read_bounded, read_source, ReadError, MAX_DOCUMENT_BYTES, MAX_SOURCE_BYTES};
pub use threads::{on_scan_threads, SCAN_STACK_BYTES};
pub use value::{format_number, Unknown, Val, ADDRESS_KEY, HANDLE_KEY, HOLE};

use encguard_model::{Field, Value};

/// An attribute the source sets to a known value.
pub fn known<T>(v: T) -> Field<T> {
    Some(Value::Known(v)).into()
}

/// An attribute the source sets to something it cannot know, and why.
pub fn unknown<T>(why: impl Into<String>) -> Field<T> {
    Some(Value::unknown(why)).into()
}
