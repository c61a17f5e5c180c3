//! Readings that both infrastructure-as-code sources make alike, each under its own names.

use crate::Attrs;
use encguard_model::{KeyRef, Unknown, Value};

/// The key of a DynamoDB table from its server-side encryption block: none, or one turned
/// off, is the AWS owned key; one turned on without a key is the AWS managed key.
pub fn dynamodb_table_key(sse: Result<Option<Attrs>, Unknown>, enabled: &str, key: &str) -> KeyRef {
    match sse {
        Ok(None) => KeyRef::AwsOwned,
        Ok(Some(sse)) => match sse.boolean(enabled).value {
            Some(Value::Known(true)) => {
                sse.key(key).value.default_is(KeyRef::AwsManaged { alias: "alias/aws/dynamodb".into() })
            }
            Some(Value::Unknown { unknown }) => KeyRef::unresolved(unknown),
            _ => KeyRef::AwsOwned,
        },
        Err(why) => KeyRef::unresolved(why.reason),
    }
}
