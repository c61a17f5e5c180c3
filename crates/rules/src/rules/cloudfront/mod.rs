//! §7c CloudFront.
pub mod custom_certificate;
pub mod origin_protocols;
pub mod origin_tls;
pub mod viewer_https;
pub mod viewer_tls;
