use crate::context::Context;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use encguard_model::{LbProtocol, TargetGroup};

declare_rule! {
    /// ## What it checks
    /// When `load_balancers.require_backend_tls` is on, target groups receive traffic over
    /// HTTPS or TLS, so that it is re-encrypted between the load balancer and its targets.
    /// Lambda targets and Gateway Load Balancer (GENEVE) groups are N/A. Off by default:
    /// then this rule judges nothing.
    ///
    /// ## Why
    /// Policy §7 (end-to-end encryption, where the data's classification asks for it).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lb_target_group" "app" { port = 8080  protocol = "HTTP" }
    /// ```
    ///
    /// ## Fix
    /// `protocol = "HTTPS"` (or `TLS`) with targets that terminate TLS.
    LB_007 {
        id: "LB-007",
        title: "Target groups are re-encrypted where required",
        severity: Severity::Low,
        section: Section::LoadBalancers,
        fix: "Use HTTPS or TLS target groups with targets that terminate TLS.",
        equivalents: &[],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    if !ctx.policy.load_balancers.require_backend_tls {
        return;
    }
    for (r, group) in ctx.all::<TargetGroup>() {
        out.judge(r, judge(group));
    }
}

fn judge(group: &TargetGroup) -> Eval {
    let Some(protocol) = group.protocol.value()? else {
        return Ok(Verdict::not_applicable("a Lambda target group has no protocol"));
    };
    match protocol {
        LbProtocol::Geneve => Ok(Verdict::not_applicable("a Gateway Load Balancer target group")),
        p if p.is_tls() => Ok(Verdict::pass(format!("targets receive {protocol}"))),
        other => Ok(Verdict::fail(format!("targets receive {other}")).at(&group.protocol).evidence(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::LB_007;
    use crate::testing::{expect_with, run_with};
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn backend_tls_when_required() {
        let resources = json!([
            {"kind": "target_group", "name": "https", "protocol": "HTTPS"},
            {"kind": "target_group", "name": "http", "protocol": "HTTP"},
            {"kind": "target_group", "name": "lambda"},
            {"kind": "target_group", "name": "var", "protocol": {"unknown": "var.protocol has no value"}},
        ]);
        expect_with(
            &LB_007,
            "[load_balancers]\nrequire_backend_tls = true\n",
            resources.clone(),
            &[("https", Pass), ("http", Fail), ("lambda", NotApplicable), ("var", Unknown)],
        );
        assert!(run_with(&LB_007, "", resources).is_empty());
    }
}
