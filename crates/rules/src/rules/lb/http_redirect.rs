use super::protocol;
use crate::context::{Attachment, Context, Res, Target};
use crate::rule::{declare_rule, unless_unresolved, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::Fix;
use encguard_model::{LbProtocol, Listener, ListenerAction, LoadBalancerType, Spec, Unknown};

declare_rule! {
    /// ## What it checks
    /// Application load balancers serve nothing over plain HTTP: every HTTP listener's
    /// default action redirects to HTTPS (`redirect` with protocol `HTTPS`, status
    /// `HTTP_301` or `HTTP_302`), and none of its listener rules forwards traffic. HTTPS
    /// listeners pass; TCP, TLS and UDP listeners belong to network load balancers (LB-002)
    /// and are N/A.
    ///
    /// ## Why
    /// Policy §7 (in transit): an HTTP listener that forwards sends requests, cookies and
    /// tokens in clear over the internet.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lb_listener" "http" {
    ///   port = 80  protocol = "HTTP"
    ///   default_action { type = "forward"  target_group_arn = aws_lb_target_group.app.arn }
    /// }
    /// ```
    ///
    /// ## Fix
    /// `default_action { type = "redirect"  redirect { protocol = "HTTPS"  port = "443"  status_code = "HTTP_301" } }`
    /// (CloudFormation `RedirectConfig`); live `aws elbv2 modify-listener --default-actions …`.
    ///
    /// `encguard fix` and `remediate` make the default action that redirect, to the port of
    /// the load balancer's HTTPS listener — only where it has one: elsewhere the redirect
    /// would lead nowhere. A listener rule that forwards is for a person to remove.
    LB_001 {
        id: "LB-001",
        title: "HTTP listeners only redirect to HTTPS",
        severity: Severity::High,
        section: Section::LoadBalancers,
        fix: "Make the HTTP listener's default action a redirect to HTTPS and remove forwarding rules.",
        equivalents: &[("Checkov", "CKV_AWS_2, CKV2_AWS_20"), ("KICS", "ALB Listening on HTTP"), ("Trivy", "AVD-AWS-0054"),
            ("Prowler", "elbv2_ssl_listeners"), ("AWS Config", "alb-http-to-https-redirection-check"), ("Security Hub", "ELB.1"), ("cfn-nag", "W78")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, listener) in ctx.all::<Listener>() {
        out.judge(r, judge(ctx, r, listener));
    }
}

fn redirects_to_https(action: &ListenerAction) -> Result<bool, Unknown> {
    Ok(action.action_type == "redirect"
        && action.redirect_protocol.or_default_to("#{protocol}".into())?.eq_ignore_ascii_case("HTTPS")
        && matches!(action.redirect_status_code.or_default_to("HTTP_301".into())?.as_str(), "HTTP_301" | "HTTP_302"))
}

/// The port of an HTTPS listener of the listener's load balancer, 443 if it has one there.
fn https_port(ctx: &Context, r: Res, listener: &Listener) -> Option<u32> {
    let Target::Found(lb) = ctx.target(r, &listener.load_balancer) else { return None };
    let ports = ctx.all::<Listener>().filter_map(|(other, l)| {
        let same = matches!(ctx.target(other, &l.load_balancer), Target::Found(o) if o.id == lb.id);
        let https = matches!(protocol(l), Ok(LbProtocol::Https));
        l.port.value().ok().flatten().copied().filter(|_| same && https)
    });
    ports.min_by_key(|&p| (p != 443, p))
}

fn judge(ctx: &Context, r: Res, listener: &Listener) -> Eval {
    // A Gateway Load Balancer's listener forwards GENEVE and names no protocol.
    if let Target::Found(lb) = ctx.target(r, &listener.load_balancer) {
        if let Spec::LoadBalancer(lb) = &lb.resource.spec {
            if lb.load_balancer_type.value()? == Some(&LoadBalancerType::Gateway) {
                return Ok(Verdict::not_applicable("a Gateway Load Balancer listener carries no HTTP"));
            }
        }
    }
    match protocol(listener)? {
        LbProtocol::Https => return Ok(Verdict::pass("the listener uses HTTPS")),
        LbProtocol::Http => {}
        other => return Ok(Verdict::not_applicable(format!("a {other} listener (network load balancer)"))),
    }
    let actions = listener.default_actions.or_default_to(Vec::new())?;
    // One action known not to redirect fails the listener, whatever the others are.
    let redirects = actions.iter().map(redirects_to_https).collect::<Vec<_>>();
    if actions.is_empty() || redirects.iter().any(|r| matches!(r, Ok(false))) {
        let kinds = actions.iter().map(|a| a.action_type.as_str()).collect::<Vec<_>>().join(", ");
        let verdict = Verdict::fail("the HTTP listener's default action does not redirect to HTTPS")
            .at(&listener.default_actions)
            .evidence(kinds);
        return Ok(match https_port(ctx, r, listener) {
            Some(port) => verdict.fix(Fix::RedirectToHttps { port }),
            None => verdict,
        });
    }
    let mut unknown = redirects.into_iter().find_map(Result::err);
    for rule in ctx.rules_of(r) {
        if let Spec::ListenerRule(listener_rule) = &rule.spec {
            match listener_rule.actions.or_default_to(Vec::new()) {
                Ok(actions) if actions.iter().any(|a| a.action_type == "forward") => {
                    return Ok(Verdict::fail(format!("listener rule `{}` forwards plain HTTP", rule.name))
                        .at(&listener.default_actions))
                }
                Ok(_) => {}
                Err(why) => {
                    unknown.get_or_insert(why);
                }
            }
        }
    }
    match unknown {
        Some(why) => Err(why),
        None => unless_unresolved(
            Ok(Verdict::pass("the HTTP listener redirects to HTTPS")),
            ctx.unresolved(r, Attachment::ListenerRule),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::LB_001;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn a_rule_whose_listener_is_ambiguous_leaves_each_candidate_unknown() {
        let redirect = json!([{"action_type": "redirect", "redirect_protocol": "HTTPS"}]);
        expect(
            &LB_001,
            json!([
                {"kind": "listener", "name": "a", "scope": "root//a", "handles": ["http"], "protocol": "HTTP", "default_actions": redirect},
                {"kind": "listener", "name": "b", "scope": "root//b", "handles": ["http"], "protocol": "HTTP", "default_actions": redirect},
                {"kind": "listener_rule", "name": "api", "scope": "root", "listener": "http", "actions": [{"action_type": "forward"}]},
                {"kind": "listener", "name": "elsewhere", "scope": "other", "protocol": "HTTP", "default_actions": redirect},
            ]),
            &[("a", Unknown), ("b", Unknown), ("elsewhere", Pass)],
        );
    }

    #[test]
    fn http_listeners_must_redirect() {
        let redirect = json!([{"action_type": "redirect", "redirect_protocol": "HTTPS", "redirect_port": "443", "redirect_status_code": "HTTP_301"}]);
        expect(
            &LB_001,
            json!([
                {"kind": "listener", "name": "https", "protocol": "HTTPS"},
                {"kind": "listener", "name": "redirect", "protocol": "HTTP", "default_actions": redirect},
                {"kind": "listener", "name": "forward", "protocol": "HTTP", "default_actions": [{"action_type": "forward"}]},
                {"kind": "listener", "name": "redirect_same_protocol", "protocol": "HTTP", "default_actions": [{"action_type": "redirect", "redirect_port": "8080"}]},
                {"kind": "listener", "name": "redirect_but_rule", "protocol": "HTTP", "default_actions": redirect},
                {"kind": "listener_rule", "name": "api_rule", "listener": "redirect_but_rule", "actions": [{"action_type": "forward"}]},
                {"kind": "listener", "name": "tcp", "protocol": "TCP"},
                {"kind": "listener", "name": "var", "protocol": {"unknown": "var.protocol has no value"}},
                {"kind": "listener", "name": "redirect_rules_unread", "protocol": "HTTP", "default_actions": redirect},
                {"kind": "listener_rule", "name": "unread", "listener": "redirect_rules_unread",
                    "actions": {"unknown": "elasticloadbalancing:DescribeRules failed: AccessDenied"}},
                {"kind": "listener", "name": "forwarding_rule_after_unread", "protocol": "HTTP", "default_actions": redirect},
                {"kind": "listener_rule", "name": "unread_first", "listener": "forwarding_rule_after_unread",
                    "actions": {"unknown": "var.actions has no value"}},
                {"kind": "listener_rule", "name": "forwards", "listener": "forwarding_rule_after_unread", "actions": [{"action_type": "forward"}]},
                {"kind": "listener", "name": "unknown_then_forward", "protocol": "HTTP",
                    "default_actions": [{"action_type": "redirect", "redirect_protocol": {"unknown": "var.p has no value"}}, {"action_type": "forward"}]},
                {"kind": "load_balancer", "name": "gwlb", "load_balancer_type": "gateway"},
                {"kind": "listener", "name": "geneve", "load_balancer": "gwlb"},
            ]),
            &[
                ("https", Pass),
                ("redirect", Pass),
                ("forward", Fail),
                ("redirect_same_protocol", Fail),
                ("redirect_but_rule", Fail),
                ("tcp", NotApplicable),
                ("var", Unknown),
                ("geneve", NotApplicable),
                ("redirect_rules_unread", Unknown),
                ("forwarding_rule_after_unread", Fail),
                ("unknown_then_forward", Fail),
            ],
        );
    }
}
