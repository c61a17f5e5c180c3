//! §7a ACM certificates.
pub mod attached;
pub mod expiry;
pub mod key_algorithm;
pub mod renewal;
pub mod transparency;
pub mod wildcards;

use crate::context::Context;
use crate::date::Date;
use crate::rule::{FieldExt, Verdict};
use encguard_model::{AcmCertificate, CertificateKeyAlgorithm, Unknown};

/// ACM-002's judgement of a certificate's key.
pub(crate) fn judge_algorithm(cert: &AcmCertificate) -> Result<Verdict, Unknown> {
    let algorithm = cert.key_algorithm.or_default_to(CertificateKeyAlgorithm::Rsa2048)?;
    match algorithm.is_strong() {
        Some(true) => Ok(Verdict::pass(format!("key algorithm {algorithm}"))),
        Some(false) => Ok(Verdict::fail(format!("key algorithm {algorithm} is weaker than RSA 2048 or EC P-256"))
            .at(&cert.key_algorithm)
            .evidence(algorithm)),
        None => Err(Unknown::new(format!("key algorithm `{algorithm}` is not one encguard knows the strength of"))),
    }
}

/// Days until the certificate expires, when its expiry is known.
pub(crate) fn days_left(ctx: &Context, cert: &AcmCertificate) -> Result<Option<(Date, i64)>, Unknown> {
    let Some(not_after) = cert.not_after.value()? else {
        return Ok(None);
    };
    let date = Date::parse(not_after).ok_or_else(|| Unknown::new(format!("expiry `{not_after}` is not a date")))?;
    Ok(Some((date, ctx.today.days_until(date))))
}
