//! §7c CloudFront.
pub mod custom_certificate;
pub mod origin_protocols;
pub mod origin_tls;
pub mod viewer_https;
pub mod viewer_tls;

/// Viewer protocol policies that keep viewers on HTTPS.
pub(crate) fn viewer_policy_is_https(policy: &str) -> bool {
    policy == "https-only" || policy == "redirect-to-https"
}
