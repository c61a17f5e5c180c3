use super::protocol;
use crate::context::{Context, Res, Target};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{LbProtocol, Listener, Spec, Unknown};

declare_rule! {
    /// ## What it checks
    /// Internet-facing network load balancers terminate TLS on TLS ports
    /// (`load_balancers.tls_ports`: 443, 8443, 636, …): a listener on such a port uses
    /// protocol `TLS`, not `TCP`. TCP pass-through to targets that terminate TLS themselves
    /// is an exception to record in the policy file. Internal load balancers and other
    /// ports pass; HTTP(S) listeners are N/A.
    ///
    /// ## Why
    /// Policy §7: with TCP pass-through, the load balancer cannot tell whether the traffic
    /// it carries is encrypted.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lb_listener" "api" { load_balancer_arn = aws_lb.nlb.arn  port = 443  protocol = "TCP" }
    /// ```
    ///
    /// ## Fix
    /// `protocol = "TLS"` with `certificate_arn` and `ssl_policy`; or an exception naming the
    /// listener and why its targets terminate TLS.
    LB_002 {
        id: "LB-002",
        title: "Internet-facing NLBs terminate TLS",
        severity: Severity::Medium,
        section: Section::LoadBalancers,
        fix: "Use a TLS listener with an ACM certificate on internet-facing NLB TLS ports.",
        equivalents: &[("Prowler", "elbv2_nlb_tls_termination_enabled"), ("cfn-nag", "W78")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, listener) in ctx.all::<Listener>() {
        out.judge(r, judge(ctx, r, listener));
    }
}

fn judge(ctx: &Context, r: Res, listener: &Listener) -> Eval {
    let protocol = protocol(listener)?;
    if matches!(protocol, LbProtocol::Http | LbProtocol::Https) {
        return Ok(Verdict::not_applicable("an application load balancer listener (LB-001)"));
    }
    if protocol == LbProtocol::Tls {
        return Ok(Verdict::pass("the listener terminates TLS"));
    }
    let port = listener.port.or_default_to(0)?;
    if !ctx.policy.load_balancers.tls_ports.contains(&port) {
        return Ok(Verdict::pass(format!("{protocol} on port {port}, which is not a TLS port")));
    }
    let internal = match ctx.target(r, &listener.load_balancer) {
        Target::Found(lb) => match &lb.spec {
            Spec::LoadBalancer(lb) => lb.internal.or_default_to(false)?,
            _ => return Err(Unknown::new(format!("`{}` is not a load balancer", lb.name))),
        },
        Target::Outside(name) => {
            return Err(Unknown::new(format!("load balancer `{name}` is not described in this scan")))
        }
        Target::Unknown(why) => return Err(Unknown::new(why.to_string())),
        Target::Absent => return Err(Unknown::new("the listener names no load balancer")),
    };
    if internal {
        return Ok(Verdict::pass(format!("{protocol} on port {port} of an internal load balancer")));
    }
    Ok(Verdict::fail(format!("internet-facing {protocol} listener on TLS port {port} does not terminate TLS"))
        .at(&listener.protocol)
        .evidence(&protocol))
}

#[cfg(test)]
mod tests {
    use super::LB_002;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn nlb_listeners_on_tls_ports() {
        expect(
            &LB_002,
            json!([
                {"kind": "load_balancer", "name": "public", "load_balancer_type": "network"},
                {"kind": "load_balancer", "name": "private", "load_balancer_type": "network", "internal": true},
                {"kind": "listener", "name": "tls", "protocol": "TLS", "port": 443, "load_balancer": "public"},
                {"kind": "listener", "name": "tcp_443", "protocol": "TCP", "port": 443, "load_balancer": "public"},
                {"kind": "listener", "name": "tcp_443_internal", "protocol": "TCP", "port": 443, "load_balancer": "private"},
                {"kind": "listener", "name": "tcp_5432", "protocol": "TCP", "port": 5432, "load_balancer": "public"},
                {"kind": "listener", "name": "tcp_unknown_lb", "protocol": "TCP", "port": 443, "load_balancer": {"unknown": "module.lb.arn is a module output"}},
                {"kind": "listener", "name": "http", "protocol": "HTTP", "port": 80},
            ]),
            &[
                ("tls", Pass),
                ("tcp_443", Fail),
                ("tcp_443_internal", Pass),
                ("tcp_5432", Pass),
                ("tcp_unknown_lb", Unknown),
                ("http", NotApplicable),
            ],
        );
    }
}
