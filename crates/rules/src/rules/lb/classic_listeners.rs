use crate::context::Context;
use crate::rule::{combine, declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{ClassicListener, ClassicLoadBalancer, Unknown};

declare_rule! {
    /// ## What it checks
    /// Classic load balancers listen only with HTTPS or SSL on their front end; when
    /// `load_balancers.require_backend_tls` is on, their back-end (instance) protocol is
    /// HTTPS or SSL too.
    ///
    /// ## Why
    /// Policy §7 (in transit): an HTTP or TCP front end carries client traffic in clear.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_elb" "web" { listener { lb_port = 80  lb_protocol = "http"  instance_port = 8080  instance_protocol = "http" } }
    /// ```
    ///
    /// ## Fix
    /// Use `lb_protocol = "https"` with `ssl_certificate_id`, or migrate to an application
    /// load balancer; live `aws elb create-load-balancer-listeners`.
    LB_004 {
        id: "LB-004",
        title: "Classic load balancers listen with HTTPS or SSL",
        severity: Severity::High,
        section: Section::LoadBalancers,
        fix: "Replace HTTP/TCP front-end listeners with HTTPS/SSL listeners, or migrate to an ALB.",
        equivalents: &[("Prowler", "elb_ssl_listeners"), ("AWS Config", "elb-tls-https-listeners-only"), ("Security Hub", "ELB.3"),
            ("cfn-guard", "ELB_TLS_HTTPS_LISTENERS_ONLY")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, elb) in ctx.all::<ClassicLoadBalancer>() {
        out.judge(r, judge(ctx, elb));
    }
}

fn judge_listener(ctx: &Context, l: &ClassicListener) -> Eval {
    let Some(front) = l.lb_protocol.value()? else {
        return Ok(Verdict::fail("a listener names no protocol").at(&l.lb_protocol));
    };
    let port = l.lb_port.or_default_to(0)?;
    if !front.is_tls() {
        return Ok(Verdict::fail(format!("port {port} listens with {front}")).at(&l.lb_protocol).evidence(front));
    }
    if ctx.policy.load_balancers.require_backend_tls {
        let Some(back) = l.instance_protocol.value()? else {
            return Err(Unknown::new(format!("port {port} does not say which protocol reaches the instances")));
        };
        if !back.is_tls() {
            return Ok(Verdict::fail(format!("port {port} forwards to instances with {back}")).at(&l.instance_protocol));
        }
    }
    Ok(Verdict::pass(format!("port {port} listens with {front}")))
}

fn judge(ctx: &Context, elb: &ClassicLoadBalancer) -> Eval {
    let listeners = elb.listeners.or_default_to(Vec::new())?;
    combine(listeners.iter().map(|l| judge_listener(ctx, l)), "every listener uses HTTPS or SSL")
}

#[cfg(test)]
mod tests {
    use super::LB_004;
    use crate::testing::{expect, expect_with};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn classic_listener_protocols() {
        let resources = json!([
            {"kind": "classic_load_balancer", "name": "https", "listeners": [{"lb_port": 443, "lb_protocol": "https", "instance_protocol": "http"}]},
            {"kind": "classic_load_balancer", "name": "http", "listeners": [{"lb_port": 80, "lb_protocol": "http", "instance_protocol": "http"}]},
            {"kind": "classic_load_balancer", "name": "dynamic", "listeners": {"unknown": "dynamic listener over var.ports"}},
            {"kind": "classic_load_balancer", "name": "ssl", "listeners": [{"lb_port": 443, "lb_protocol": "SSL", "instance_protocol": "SSL"}]},
            {"kind": "classic_load_balancer", "name": "unsaid", "listeners": [{"lb_port": 443, "lb_protocol": "HTTPS"}]},
        ]);
        expect(&LB_004, resources.clone(), &[("https", Pass), ("http", Fail), ("dynamic", Unknown), ("unsaid", Pass)]);
        expect_with(
            &LB_004,
            "[load_balancers]\nrequire_backend_tls = true\n",
            resources,
            &[("https", Fail), ("ssl", Pass), ("unsaid", Unknown)],
        );
    }
}
