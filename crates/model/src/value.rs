use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A value a source either knows, or cannot know without deploying — with the reason.
///
/// In JSON a known value is written as itself and an unknown one as
/// `{"unknown": "variable `var.key` has no value"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Value<T> {
    /// A value the source cannot know, with the reason.
    Unknown {
        /// Why the value cannot be known.
        unknown: String,
    },
    /// The value, as the source wrote or returned it.
    Known(T),
}

/// An attribute: `None` when the source did not set it (the service default applies),
/// with the place the source wrote it.
pub type Field<T> = crate::Spanned<Option<Value<T>>>;

impl<T> Value<T> {
    /// An unknown value, with the reason.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Value::Unknown { unknown: reason.into() }
    }

    /// The value, if known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Value::Known(v) => Some(v),
            Value::Unknown { .. } => None,
        }
    }

    /// The value, or the reason it is unknown.
    pub fn get(&self) -> Result<&T, Unknown> {
        match self {
            Value::Known(v) => Ok(v),
            Value::Unknown { unknown } => Err(Unknown::new(unknown.as_str())),
        }
    }

    /// The known value changed by `f`; an unknown one keeps its reason.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Value<U> {
        match self {
            Value::Known(v) => Value::Known(f(v)),
            Value::Unknown { unknown } => Value::Unknown { unknown },
        }
    }
}

/// Why something cannot be known from what was scanned: a value only deployment decides,
/// a resource the scan does not describe, a call that failed. A rule's judgement ends
/// *unknown* with this reason — and only with it: no other error becomes an unknown verdict.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Unknown {
    /// What could not be known, and why.
    pub reason: String,
}

impl Unknown {
    /// An unknown with its reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Unknown { reason: reason.into() }
    }
}

/// The reason, where a value is written as unknown (`Value::unknown(why)`).
impl From<Unknown> for String {
    fn from(u: Unknown) -> String {
        u.reason
    }
}

impl<T> From<T> for Value<T> {
    fn from(v: T) -> Self {
        Value::Known(v)
    }
}

/// Which key encrypts something. A type, not a string: the difference between the
/// service's default, an AWS managed key and a customer managed key is what the policy
/// is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyRef {
    /// Nothing chosen: the service's own default applies (for S3 with `aws:kms`, Secrets
    /// Manager, RDS and EBS that is the AWS managed key; for DynamoDB the AWS owned key).
    #[default]
    ServiceDefault,
    /// A key AWS owns and shares across accounts (DynamoDB's default). Not visible in KMS.
    AwsOwned,
    /// An AWS managed key, `alias/aws/<service>`, in the account.
    AwsManaged {
        /// The alias: `alias/aws/s3`, `alias/aws/ebs`, `alias/aws/rds`, …
        alias: String,
    },
    /// A customer managed key, named by key ARN, key id, alias name, alias ARN, or a
    /// source address (`aws_kms_key.main`, `DataKey`). Resolution finds the key itself.
    Customer {
        /// The key as the source names it.
        reference: String,
    },
    /// A key was chosen but the source cannot say which.
    Unresolved {
        /// Why the source cannot say which key.
        reason: String,
    },
}

impl KeyRef {
    /// Classifies a literal key identifier: `alias/aws/…` (or its ARN) is AWS managed,
    /// anything else a customer managed key to resolve.
    pub fn literal(id: &str) -> KeyRef {
        let alias = id.rsplit_once(':').map_or(id, |(_, tail)| tail);
        match alias.strip_prefix("alias/aws/") {
            Some(_) => KeyRef::AwsManaged { alias: alias.to_string() },
            None => KeyRef::Customer { reference: id.to_string() },
        }
    }

    /// A key that was chosen but cannot be named, with the reason.
    pub fn unresolved(reason: impl Into<String>) -> KeyRef {
        KeyRef::Unresolved { reason: reason.into() }
    }

    /// Whether no key was chosen (the service default applies).
    pub fn is_default(&self) -> bool {
        *self == KeyRef::ServiceDefault
    }

    /// This key, with the service default named as what it is for the service.
    pub fn default_is(self, default: KeyRef) -> KeyRef {
        match self {
            KeyRef::ServiceDefault => default,
            other => other,
        }
    }
}

impl From<Value<String>> for KeyRef {
    fn from(v: Value<String>) -> Self {
        match v {
            Value::Known(id) => KeyRef::literal(&id),
            Value::Unknown { unknown } => KeyRef::Unresolved { reason: unknown },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_keys_are_classified_by_alias() {
        assert_eq!(KeyRef::literal("alias/aws/s3"), KeyRef::AwsManaged { alias: "alias/aws/s3".into() });
        assert_eq!(
            KeyRef::literal("arn:aws:kms:eu-west-1:111122223333:alias/aws/rds"),
            KeyRef::AwsManaged { alias: "alias/aws/rds".into() }
        );
        assert_eq!(KeyRef::literal("alias/app"), KeyRef::Customer { reference: "alias/app".into() });
    }

    #[test]
    fn values_round_trip_through_json() {
        let known: Value<bool> = serde_json::from_str("true").unwrap();
        assert_eq!(known, Value::Known(true));
        let unknown: Value<bool> = serde_json::from_str(r#"{"unknown":"var.x has no value"}"#).unwrap();
        assert_eq!(unknown.get(), Err(Unknown::new("var.x has no value")));
        assert_eq!(serde_json::to_string(&unknown).unwrap(), r#"{"unknown":"var.x has no value"}"#);
    }
}
