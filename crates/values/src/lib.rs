//! What the infrastructure-as-code sources share: a dynamic value that may be unknown
//! (with why, what it refers to, and its known parts), and the reading of such values as
//! model fields. Terraform and CloudFormation evaluate into [`Val`]; their mappings read
//! it through [`Attrs`].

mod attrs;
mod read;
mod threads;
mod value;

pub use attrs::Attrs;
pub use read::{read_bounded, read_source, ReadError, MAX_SOURCE_BYTES};
pub use threads::{on_scan_threads, SCAN_STACK_BYTES};
pub use value::{format_number, Unknown, Val, ADDRESS_KEY, HANDLE_KEY, HOLE};

use encguard_model::{Field, Value};

/// An attribute the source sets to a known value.
pub fn known<T>(v: T) -> Field<T> {
    Some(Value::Known(v))
}

/// An attribute the source sets to something it cannot know, and why.
pub fn unknown<T>(why: String) -> Field<T> {
    Some(Value::unknown(why))
}

/// The model attributes rules point findings at: a source records where each is written,
/// so that a finding can name the line of the attribute rather than of the resource.
pub const LOCATED_FIELDS: &[&str] = &[
    "rotation_enabled",
    "rotation_period_days",
    "enabled",
    "deletion_window_days",
    "policy",
    "document",
    "valid_to",
    "kms_key",
    "replicas",
    "encryption",
    "devices",
    "encrypted",
    "storage_encrypted",
    "parameter_group",
    "performance_insights_kms_key",
    "cloudwatch_logs_exports",
    "ca_cert_identifier",
    "sse_enabled",
    "endpoint_encryption",
    "range_keys",
    "tags",
    "key_algorithm",
    "validation_method",
    "transparency_logging",
    "domain_name",
    "default_actions",
    "ssl_policy",
    "protocol",
    "certificates",
    "listeners",
    "behaviors",
    "origins",
    "viewer_certificate",
    "server_side_encryption",
];
