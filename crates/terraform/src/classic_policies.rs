//! Classic load balancers' SSL negotiation policies, which the AWS provider writes as
//! resources of their own (`aws_load_balancer_policy`, `aws_load_balancer_listener_policy`,
//! `aws_lb_ssl_negotiation_policy`), joined to the load balancers they configure.

use crate::eval::Instance;
use encguard_model::{Resource, Spec, SslNegotiationPolicy, Value};
use encguard_values::{Attrs, Val};

/// Whether resources of `kind` are negotiation policies or their attachments.
pub fn is_policy_kind(kind: &str) -> bool {
    matches!(kind, "aws_load_balancer_policy" | "aws_load_balancer_listener_policy" | "aws_lb_ssl_negotiation_policy")
}

/// Attaches the module instance's negotiation policies to its classic load balancers.
pub fn attach(instance: &Instance, resources: &mut [Resource]) {
    let values: Vec<(&str, Val)> = instance
        .module
        .resources
        .iter()
        .filter(|item| is_policy_kind(&item.kind))
        .flat_map(|item| {
            instance.instances(item, false).iter().map(|ri| (item.kind.as_str(), ri.value.clone())).collect::<Vec<_>>()
        })
        .collect();
    attach_values(values.iter().map(|(kind, value)| (instance.scope.as_str(), *kind, value)), resources);
}

/// Attaches negotiation policies, given as (module scope, type, evaluated value), to the
/// classic load balancers among `resources` that they name in their own module (HCL
/// instances and plan values alike): a module names its load balancer by its local address,
/// which another module's load balancer may share.
pub fn attach_values<'v>(values: impl Iterator<Item = (&'v str, &'v str, &'v Val)>, resources: &mut [Resource]) {
    let mut policies: Vec<(&str, Val, SslNegotiationPolicy)> = Vec::new();
    let mut listener_policies: Vec<(&str, Val, Val, Vec<String>)> = Vec::new();
    for (scope, kind, value) in values {
        let a = Attrs::new(value);
        let lb = a
            .get(if kind == "aws_lb_ssl_negotiation_policy" { "load_balancer" } else { "load_balancer_name" })
            .cloned()
            .unwrap_or(Val::Null);
        let attributes: Vec<(String, String)> = a
            .blocks(if kind == "aws_lb_ssl_negotiation_policy" { "attribute" } else { "policy_attribute" })
            .unwrap_or_default()
            .iter()
            .filter_map(|at| Some((at.get("name")?.as_str()?.to_string(), at.get("value")?.to_text().ok()?)))
            .collect();
        let name = a
            .get(if kind == "aws_lb_ssl_negotiation_policy" { "name" } else { "policy_name" })
            .and_then(Val::as_str)
            .unwrap_or_default()
            .to_string();
        match kind {
            "aws_load_balancer_listener_policy" => {
                let names = a.strings("policy_names").value.and_then(|v| v.known().cloned()).unwrap_or_default();
                listener_policies.push((scope, lb, a.get("load_balancer_port").cloned().unwrap_or(Val::Null), names));
            }
            _ if kind == "aws_load_balancer_policy"
                && a.get("policy_type_name").and_then(Val::as_str) != Some("SSLNegotiationPolicyType") => {}
            _ => {
                let policy = SslNegotiationPolicy {
                    name: name.clone(),
                    reference_policy: attributes
                        .iter()
                        .find(|(n, _)| n == "Reference-Security-Policy")
                        .map(|(_, v)| Value::Known(v.clone()))
                        .into(),
                    enabled_attributes: encguard_values::known(
                        attributes.iter().filter(|(_, v)| v == "true").map(|(n, _)| n.clone()).collect(),
                    ),
                };
                if kind == "aws_lb_ssl_negotiation_policy" {
                    listener_policies.push((
                        scope,
                        lb.clone(),
                        a.get("lb_port").cloned().unwrap_or(Val::Null),
                        vec![name],
                    ));
                }
                policies.push((scope, lb, policy));
            }
        }
    }
    if policies.is_empty() && listener_policies.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        let handles: Vec<String> = std::iter::once(r.name.clone()).chain(r.handles.iter().cloned()).collect();
        let scope = r.scope.clone();
        let names_this = |policy_scope: &str, lb: &Val| {
            policy_scope == scope
                && match lb {
                    Val::Str(s) => handles.contains(s),
                    Val::Unknown(u) => u.refers_to.as_ref().is_some_and(|h| handles.contains(h)),
                    _ => false,
                }
        };
        let Spec::ClassicLoadBalancer(elb) = &mut r.spec else { continue };
        elb.ssl_policies.extend(policies.iter().filter(|(s, lb, _)| names_this(s, lb)).map(|(_, _, p)| p.clone()));
        let Some(Value::Known(listeners)) = &mut *elb.listeners else { continue };
        for (_, _, port, names) in listener_policies.iter().filter(|(s, lb, _, _)| names_this(s, lb)) {
            for l in listeners.iter_mut() {
                let same_port = match (port, &*l.lb_port) {
                    (Val::Num(p), Some(Value::Known(lp))) => *p as u32 == *lp,
                    (Val::Str(p), Some(Value::Known(lp))) => p.parse::<u32>().ok() == Some(*lp),
                    _ => false,
                };
                if same_port {
                    if let Some(Value::Known(existing)) = &mut *l.policy_names {
                        existing.extend(names.iter().cloned());
                    }
                }
            }
        }
    }
}
