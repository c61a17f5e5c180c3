//! §1 AWS KMS.
pub mod rotation;
