use super::protocol;
use crate::context::{Context, Res};
use crate::policy::TlsVersion;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::tls::{elb_policy_minimum, oldest_protocol, Protocol};
use crate::{AttributeFix, FixValue};
use encguard_model::{LbProtocol, Listener, Unknown};

declare_rule! {
    /// ## What it checks
    /// HTTPS and TLS listeners name an SSL policy whose oldest protocol is at least
    /// `tls.minimum_version` (TLS 1.2). The policy is judged by the protocols it allows —
    /// read live from `DescribeSSLPolicies`, or parsed from AWS's naming scheme
    /// (`ELBSecurityPolicy-TLS13-1-2-2021-06` allows TLS 1.2+) — not by a list of names,
    /// so new policies (TLS 1.3, FIPS, post-quantum) neither break nor slip through. A
    /// listener without `ssl_policy` fails: the default, `ELBSecurityPolicy-2016-08`, allows
    /// TLS 1.0. High when TLS 1.0 or 1.1 is allowed. HTTP, TCP and UDP listeners are N/A.
    ///
    /// ## Why
    /// Policy §7: TLS 1.0 and 1.1 have known attacks and no longer meet PCI DSS.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lb_listener" "https" { protocol = "HTTPS"  ssl_policy = "ELBSecurityPolicy-2016-08" }
    /// ```
    ///
    /// ## Fix
    /// `ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"` (CloudFormation `SslPolicy`;
    /// live `aws elbv2 modify-listener --ssl-policy …`).
    LB_003 {
        id: "LB-003",
        title: "TLS listeners allow only TLS 1.2 and later",
        severity: Severity::Medium,
        section: Section::LoadBalancers,
        fix: "Set the listener's SSL policy to ELBSecurityPolicy-TLS13-1-2-2021-06 or stricter.",
        equivalents: &[("Checkov", "CKV_AWS_103, CKV2_AWS_74"), ("Trivy", "AVD-AWS-0047"), ("Prowler", "elbv2_insecure_ssl_ciphers"),
            ("AWS Config", "elbv2-predefined-security-policy-ssl-check"), ("Security Hub", "ELB.17"), ("cfn-nag", "W55")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, listener) in ctx.all::<Listener>() {
        out.judge(r, judge(ctx, r, listener));
    }
}

fn judge(ctx: &Context, _r: Res, listener: &Listener) -> Eval {
    let protocol = protocol(listener)?;
    if !matches!(protocol, LbProtocol::Https | LbProtocol::Tls) {
        return Ok(Verdict::not_applicable(format!("a {protocol} listener has no TLS policy")));
    }
    let minimum = ctx.policy.tls.minimum_version;
    // The predefined policy that meets the minimum: TLS 1.3 with 1.2, or 1.3 alone.
    let fix = AttributeFix::set(
        Some("ssl_policy"),
        Some("SslPolicy"),
        FixValue::Text(if minimum > TlsVersion::V1_2 {
            "ELBSecurityPolicy-TLS13-1-3-2021-06"
        } else {
            "ELBSecurityPolicy-TLS13-1-2-2021-06"
        }),
    );
    let Some(policy) = listener.ssl_policy.value()? else {
        return Ok(Verdict::fail("no SSL policy is named; the default ELBSecurityPolicy-2016-08 allows TLS 1.0")
            .at(&listener.ssl_policy)
            .severity(Severity::High)
            .fix(fix));
    };
    let oldest = match listener.ssl_policy_protocols.value()? {
        Some(protocols) => match oldest_protocol(protocols) {
            Some(Protocol::Tls(v)) => v,
            Some(Protocol::Older(p)) => {
                return Ok(Verdict::fail(format!("{policy} allows {p}"))
                    .at(&listener.ssl_policy)
                    .evidence(policy)
                    .severity(Severity::High)
                    .fix(fix))
            }
            None => return Err(Unknown::new(format!("{policy} lists no protocols"))),
        },
        None => elb_policy_minimum(policy).ok_or_else(|| {
            Unknown::new(format!("SSL policy `{policy}` is not a predefined policy; scan live to read its protocols"))
        })?,
    };
    if oldest >= minimum {
        return Ok(Verdict::pass(format!("{policy} allows {oldest} and later")));
    }
    let severity = if oldest < TlsVersion::V1_2 { Severity::High } else { Severity::Medium };
    Ok(Verdict::fail(format!("{policy} allows {oldest}; the minimum is {minimum}"))
        .at(&listener.ssl_policy)
        .evidence(policy)
        .severity(severity)
        .fix(fix))
}

#[cfg(test)]
mod tests {
    use super::LB_003;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn tls_policies_by_their_protocols() {
        expect(
            &LB_003,
            json!([
                {"kind": "listener", "name": "tls13", "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
                {"kind": "listener", "name": "pq", "protocol": "TLS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09"},
                {"kind": "listener", "name": "legacy", "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-2016-08"},
                {"kind": "listener", "name": "unset", "protocol": "HTTPS"},
                {"kind": "listener", "name": "live", "protocol": "HTTPS", "ssl_policy": "custom", "ssl_policy_protocols": ["TLSv1.2", "TLSv1.3"]},
                {"kind": "listener", "name": "custom_unread", "protocol": "HTTPS", "ssl_policy": "custom"},
                {"kind": "listener", "name": "http", "protocol": "HTTP"},
            ]),
            &[
                ("tls13", Pass),
                ("pq", Pass),
                ("legacy", Fail),
                ("unset", Fail),
                ("live", Pass),
                ("custom_unread", Unknown),
                ("http", NotApplicable),
            ],
        );
    }
}
