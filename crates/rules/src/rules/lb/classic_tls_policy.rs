use crate::context::Context;
use crate::policy::TlsVersion;
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::tls::elb_policy_minimum;
use encguard_model::{ClassicListener, ClassicLoadBalancer, LbProtocol, SslNegotiationPolicy, Unknown};

/// Ciphers that must not be enabled in a custom negotiation policy.
const WEAK_CIPHER_MARKS: &[&str] = &["RC4", "DES-CBC3", "3DES", "NULL", "EXP-", "EXPORT", "MD5"];

declare_rule! {
    /// ## What it checks
    /// HTTPS and SSL listeners of classic load balancers negotiate with a policy that
    /// allows nothing older than `tls.minimum_version` and no weak ciphers: the reference
    /// policy `ELBSecurityPolicy-TLS-1-2-2017-01`, or a custom `SSLNegotiationPolicyType`
    /// policy without `Protocol-SSLv3`, `Protocol-TLSv1`, `Protocol-TLSv1.1` and without
    /// RC4/3DES/NULL/export ciphers. A listener with no policy uses
    /// `ELBSecurityPolicy-2016-08`, which allows TLS 1.0, and fails. A policy written as a
    /// resource of its own whose load balancer the scan does not describe is judged alone:
    /// what it enables fails whatever it is attached to.
    ///
    /// ## Why
    /// Policy §7: old protocols and ciphers let an attacker on the path decrypt traffic.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_elb" "web" { listener { lb_protocol = "https" … } }   # no negotiation policy
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `aws_load_balancer_policy` with `Reference-Security-Policy =
    ///   ELBSecurityPolicy-TLS-1-2-2017-01` and `aws_load_balancer_listener_policy`.
    /// - CloudFormation: `Policies: [{PolicyType: SSLNegotiationPolicyType, Attributes: [{Name: Reference-Security-Policy, Value: ELBSecurityPolicy-TLS-1-2-2017-01}]}]`.
    LB_005 {
        id: "LB-005",
        title: "Classic load balancers negotiate TLS 1.2 with strong ciphers",
        severity: Severity::Medium,
        section: Section::LoadBalancers,
        fix: "Attach an SSL negotiation policy referencing ELBSecurityPolicy-TLS-1-2-2017-01.",
        equivalents: &[("KICS", "ELB Using Insecure Protocols, ELB Using Weak Ciphers"), ("Prowler", "elb_insecure_ssl_ciphers"),
            ("AWS Config", "elb-predefined-security-policy-ssl-check, elb-custom-security-policy-ssl-check"), ("Security Hub", "ELB.8")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, policy) in ctx.all::<SslNegotiationPolicy>() {
        out.judge(r, judge_alone(ctx, policy));
    }
    for (r, elb) in ctx.all::<ClassicLoadBalancer>() {
        let listeners = match elb.listeners.or_default_to(Vec::new()) {
            Ok(l) => l,
            Err(why) => {
                out.judge(r, Err(why));
                continue;
            }
        };
        let secure: Vec<&ClassicListener> = listeners
            .iter()
            .filter(|l| l.lb_protocol.as_ref().and_then(|p| p.known()).is_some_and(LbProtocol::is_tls))
            .collect();
        if !secure.is_empty() {
            out.judge(
                r,
                combine(
                    secure.into_iter().map(|l| judge(ctx, elb, l)),
                    "every TLS listener negotiates TLS 1.2+ with strong ciphers",
                ),
            );
        }
    }
}

fn judge(ctx: &Context, elb: &ClassicLoadBalancer, listener: &ClassicListener) -> Eval {
    let port = listener.lb_port.or_default_to(0)?;
    let names = listener.policy_names.or_default_to(Vec::new())?;
    let policies: Vec<_> = elb.ssl_policies.iter().filter(|p| names.contains(&p.name)).collect();
    if policies.is_empty() {
        return Ok(Verdict::fail(format!("port {port} has no SSL negotiation policy; the default allows TLS 1.0"))
            .at(&elb.listeners));
    }
    let minimum = ctx.policy.tls.minimum_version;
    for policy in policies {
        if let Some((problem, evidence)) = weakness(policy, minimum)? {
            return Ok(Verdict::fail(format!("port {port}: {problem}")).at(&elb.listeners).evidence(evidence));
        }
    }
    Ok(Verdict::pass(format!("port {port} negotiates {minimum}+ with strong ciphers")))
}

/// What a policy allows below `minimum` or among weak ciphers, with the evidence.
fn weakness(policy: &SslNegotiationPolicy, minimum: TlsVersion) -> Result<Option<(String, String)>, Unknown> {
    if let Some(reference) = policy.reference_policy.value()? {
        let oldest = elb_policy_minimum(reference)
            .ok_or_else(|| Unknown::new(format!("reference policy `{reference}` is not a predefined policy")))?;
        return Ok((oldest < minimum).then(|| (format!("{reference} allows {oldest}"), reference.clone())));
    }
    let enabled = policy.enabled_attributes.or_default_to(Vec::new())?;
    let old = enabled.iter().filter(|a| match a.as_str() {
        "Protocol-SSLv3" => true,
        "Protocol-TLSv1" => minimum > TlsVersion::V1_0,
        "Protocol-TLSv1.1" => minimum > TlsVersion::V1_1,
        "Protocol-TLSv1.2" => minimum > TlsVersion::V1_2,
        _ => false,
    });
    let weak = enabled.iter().filter(|a| WEAK_CIPHER_MARKS.iter().any(|m| a.contains(m)));
    let listed = old.chain(weak).map(String::as_str).collect::<Vec<_>>().join(", ");
    Ok((!listed.is_empty()).then(|| (format!("policy {} enables {listed}", policy.name), listed)))
}

/// A policy whose load balancer the scan does not describe: what it enables is judged
/// whatever it is attached to.
fn judge_alone(ctx: &Context, policy: &SslNegotiationPolicy) -> Eval {
    let minimum = ctx.policy.tls.minimum_version;
    Ok(match weakness(policy, minimum)? {
        Some((problem, evidence)) => Verdict::fail(problem).evidence(evidence),
        None => Verdict::pass(format!("the policy negotiates {minimum}+ with strong ciphers")),
    })
}

#[cfg(test)]
mod tests {
    use super::LB_005;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn negotiation_policies() {
        let listener = |policies: &[&str]| json!([{"lb_port": 443, "lb_protocol": "HTTPS", "policy_names": policies}]);
        expect(
            &LB_005,
            json!([
                {"kind": "classic_load_balancer", "name": "reference", "listeners": listener(&["tls12"]),
                 "ssl_policies": [{"policy_name": "tls12", "reference_policy": "ELBSecurityPolicy-TLS-1-2-2017-01"}]},
                {"kind": "classic_load_balancer", "name": "old_reference", "listeners": listener(&["p"]),
                 "ssl_policies": [{"policy_name": "p", "reference_policy": "ELBSecurityPolicy-2016-08"}]},
                {"kind": "classic_load_balancer", "name": "custom_weak", "listeners": listener(&["c"]),
                 "ssl_policies": [{"policy_name": "c", "enabled_attributes": ["Protocol-TLSv1.2", "RC4-SHA"]}]},
                {"kind": "classic_load_balancer", "name": "custom_ok", "listeners": listener(&["c"]),
                 "ssl_policies": [{"policy_name": "c", "enabled_attributes": ["Protocol-TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"]}]},
                {"kind": "classic_load_balancer", "name": "none", "listeners": listener(&[])},
                {"kind": "ssl_negotiation_policy", "name": "orphan_weak", "enabled_attributes": ["Protocol-TLSv1", "Protocol-TLSv1.2"]},
                {"kind": "ssl_negotiation_policy", "name": "orphan_ok", "reference_policy": "ELBSecurityPolicy-TLS-1-2-2017-01"},
                {"kind": "classic_load_balancer", "name": "var", "listeners": listener(&["v"]),
                 "ssl_policies": [{"policy_name": "v", "reference_policy": {"unknown": "var.policy has no value"}}]},
            ]),
            &[
                ("reference", Pass),
                ("old_reference", Fail),
                ("custom_weak", Fail),
                ("custom_ok", Pass),
                ("none", Fail),
                ("var", Unknown),
                ("orphan_weak", Fail),
                ("orphan_ok", Pass),
            ],
        );
    }
}
