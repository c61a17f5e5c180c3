//! §2 AWS Secrets Manager.
pub mod customer_key;
pub mod key_usable;
pub mod replica_keys;
pub mod rotation;
