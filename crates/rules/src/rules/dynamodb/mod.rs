//! §6 Amazon DynamoDB and DAX.
pub mod dax_encryption;
pub mod dax_tls;
pub mod key_tier;
pub mod key_usable;
pub mod replica_keys;
pub mod sort_keys;
