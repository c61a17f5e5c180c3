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

/// The SSL negotiation policy a resource of `kind` defines, if it defines one (an
/// `aws_load_balancer_policy` of another type does not).
pub fn negotiation_policy(kind: &str, a: &Attrs) -> Option<SslNegotiationPolicy> {
    let (name, attribute) = match kind {
        "aws_lb_ssl_negotiation_policy" => ("name", "attribute"),
        "aws_load_balancer_policy" => match a.get("policy_type_name") {
            Some(Val::Str(t)) if t != "SSLNegotiationPolicyType" => return None,
            _ => ("policy_name", "policy_attribute"),
        },
        _ => return None,
    };
    let attributes: Vec<(String, String)> = a
        .blocks(attribute)
        .unwrap_or_default()
        .iter()
        .filter_map(|at| Some((at.get("name")?.as_str()?.to_string(), at.get("value")?.to_text().ok()?)))
        .collect();
    Some(SslNegotiationPolicy {
        name: a.get(name).and_then(Val::as_str).unwrap_or_default().to_string(),
        reference_policy: attributes
            .iter()
            .find(|(n, _)| n == "Reference-Security-Policy")
            .map(|(_, v)| Value::Known(v.clone()))
            .into(),
        enabled_attributes: encguard_values::known(
            attributes.iter().filter(|(_, v)| v == "true").map(|(n, _)| n.clone()).collect(),
        ),
    })
}

/// Joins the module instance's negotiation policies to its classic load balancers.
pub fn attach(instance: &Instance, resources: &mut Vec<Resource>, first: usize) {
    let values: Vec<(&str, String, Val)> = instance
        .module
        .resources
        .iter()
        .filter(|item| is_policy_kind(&item.kind))
        .flat_map(|item| {
            instance
                .instances(item, false)
                .iter()
                .map(|ri| (item.kind.as_str(), ri.address.clone(), ri.value.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let policies =
        values.iter().map(|(kind, address, value)| (instance.scope.as_str(), *kind, address.as_str(), value));
    let joined = attach_values(policies, &mut resources[first..]);
    drop_joined(resources, first, &joined);
}

/// Removes, from `resources[first..]`, the policies written as resources of their own that
/// [`attach_values`] joined to their load balancers (by scope and local address); a policy
/// whose load balancer the scan does not describe stays, and is judged alone.
pub fn drop_joined(resources: &mut Vec<Resource>, first: usize, joined: &[(String, String)]) {
    if joined.is_empty() {
        return;
    }
    let mut index = 0;
    resources.retain(|r| {
        index += 1;
        index <= first
            || !matches!(r.spec, Spec::SslNegotiationPolicy(_))
            || !r.handles.first().is_some_and(|local| joined.iter().any(|(s, a)| *s == r.scope && a == local))
    });
}

/// Attaches negotiation policies, given as (module scope, type, local address, evaluated
/// value), to the classic load balancers among `resources` that they name in their own
/// module (HCL instances and plan values alike): a module names its load balancer by its
/// local address, which another module's load balancer may share. Returns the local
/// scopes and local addresses of the policies joined to a load balancer.
pub fn attach_values<'v>(
    values: impl Iterator<Item = (&'v str, &'v str, &'v str, &'v Val)>,
    resources: &mut [Resource],
) -> Vec<(String, String)> {
    let mut policies: Vec<(&str, &str, Val, SslNegotiationPolicy)> = Vec::new();
    let mut listener_policies: Vec<(&str, Val, Val, Vec<String>)> = Vec::new();
    for (scope, kind, address, value) in values {
        let a = Attrs::new(value);
        let lb = a
            .get(if kind == "aws_lb_ssl_negotiation_policy" { "load_balancer" } else { "load_balancer_name" })
            .cloned()
            .unwrap_or(Val::Null);
        if kind == "aws_load_balancer_listener_policy" {
            let names = a.strings("policy_names").value.and_then(|v| v.known().cloned()).unwrap_or_default();
            listener_policies.push((scope, lb, a.get("load_balancer_port").cloned().unwrap_or(Val::Null), names));
        } else if let Some(policy) = negotiation_policy(kind, &a) {
            if kind == "aws_lb_ssl_negotiation_policy" {
                let port = a.get("lb_port").cloned().unwrap_or(Val::Null);
                listener_policies.push((scope, lb.clone(), port, vec![policy.name.clone()]));
            }
            policies.push((scope, address, lb, policy));
        }
    }
    let mut joined: Vec<(String, String)> = Vec::new();
    if policies.is_empty() && listener_policies.is_empty() {
        return joined;
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
        for (_, address, _, policy) in policies.iter().filter(|(s, _, lb, _)| names_this(s, lb)) {
            elb.ssl_policies.push(policy.clone());
            joined.push((scope.clone(), address.to_string()));
        }
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
    joined
}
