//! §7b Load balancers (ALB, NLB, Classic ELB).
pub mod acm_certificates;
pub mod backend_tls;
pub mod classic_listeners;
pub mod classic_tls_policy;
pub mod http_redirect;
pub mod nlb_tls;
pub mod tls_policy;

use crate::rule::FieldExt;
use encguard_model::{LbProtocol, Listener, Unknown};

/// The listener's protocol; HTTP when unset (the provider default for ALBs).
pub(crate) fn protocol(l: &Listener) -> Result<LbProtocol, Unknown> {
    l.protocol.or_default_to(LbProtocol::Http)
}
