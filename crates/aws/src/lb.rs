//! Elastic Load Balancing: ALB/NLB load balancers, listeners (with their SSL policies'
//! protocols, rules and extra certificates), target groups; classic load balancers with
//! their SSL negotiation policies.

use crate::common::{each_page, error_text, Collector};
use aws_config::SdkConfig;
use encguard_model::*;
use std::collections::{BTreeMap, BTreeSet};

fn actions(list: &[aws_sdk_elasticloadbalancingv2::types::Action]) -> Vec<ListenerAction> {
    list.iter()
        .map(|a| {
            let redirect = a.redirect_config();
            ListenerAction {
                action_type: a.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
                redirect_protocol: redirect.and_then(|r| r.protocol()).map(|p| Value::Known(p.to_string())).into(),
                redirect_port: redirect.and_then(|r| r.port()).map(|p| Value::Known(p.to_string())).into(),
                redirect_status_code: redirect
                    .and_then(|r| r.status_code())
                    .map(|s| Value::Known(s.as_str().to_string()))
                    .into(),
            }
        })
        .collect()
}

pub async fn collect_v2(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_elasticloadbalancingv2::Client::new(conf);
    let mut lbs = Vec::new();
    let _ = each_page!(
        c,
        "elasticloadbalancing:DescribeLoadBalancers",
        "",
        client.describe_load_balancers().into_paginator().send(),
        |p| {
            lbs.extend(p.load_balancers().iter().cloned());
        }
    );
    let mut listeners = Vec::new();
    for lb in &lbs {
        let Some(arn) = lb.load_balancer_arn() else { continue };
        let spec = LoadBalancer {
            load_balancer_type: lb.r#type().map(|t| Value::Known(t.as_str().into())).into(),
            internal: lb.scheme().map(|s| Value::Known(s.as_str() == "internal")).into(),
        };
        c.add(
            arn,
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            vec![lb.load_balancer_name().unwrap_or_default().to_string()],
            Spec::LoadBalancer(Box::new(spec)),
        );
        let _ = each_page!(
            c,
            "elasticloadbalancing:DescribeListeners",
            arn,
            client.describe_listeners().load_balancer_arn(arn).into_paginator().send(),
            |p| {
                listeners.extend(p.listeners().iter().cloned());
            }
        );
    }
    // The protocols of every SSL policy in use, judged by their properties.
    let names: BTreeSet<String> = listeners.iter().filter_map(|l| l.ssl_policy().map(str::to_string)).collect();
    let mut protocols: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if !names.is_empty() {
        let _p = c.call("elasticloadbalancing:DescribeSSLPolicies").await;
        match client.describe_ssl_policies().set_names(Some(names.into_iter().collect())).send().await {
            Ok(out) => {
                for p in out.ssl_policies() {
                    if let Some(name) = p.name() {
                        protocols.insert(name.to_string(), p.ssl_protocols().to_vec());
                    }
                }
            }
            Err(e) => {
                c.gap::<()>("elasticloadbalancing:DescribeSSLPolicies", "", error_text(&e));
            }
        }
    }
    for l in listeners {
        let Some(arn) = l.listener_arn().map(str::to_string) else { continue };
        let mut certificates: Vec<Value<String>> =
            l.certificates().iter().filter_map(|c| c.certificate_arn().map(|a| Value::Known(a.to_string()))).collect();
        let protocol = l.protocol().map(|p| LbProtocol::from(p.as_str()));
        if protocol.as_ref().is_some_and(LbProtocol::is_tls) {
            let _p = c.call("elasticloadbalancing:DescribeListenerCertificates").await;
            match client.describe_listener_certificates().listener_arn(&arn).send().await {
                Ok(out) => {
                    for cert in out.certificates() {
                        if let Some(a) = cert.certificate_arn() {
                            let v = Value::Known(a.to_string());
                            if !certificates.contains(&v) {
                                certificates.push(v);
                            }
                        }
                    }
                }
                Err(e) => {
                    certificates.push(c.gap("elasticloadbalancing:DescribeListenerCertificates", &arn, error_text(&e)))
                }
            }
        }
        let spec = Listener {
            load_balancer: l.load_balancer_arn().map(|a| Value::Known(a.to_string())).into(),
            protocol: protocol.clone().map(Value::Known).into(),
            port: l.port().map(|p| Value::Known(p as u32)).into(),
            ssl_policy: l.ssl_policy().map(|p| Value::Known(p.to_string())).into(),
            ssl_policy_protocols: l.ssl_policy().and_then(|p| protocols.get(p)).map(|p| Value::Known(p.clone())).into(),
            default_actions: Some(Value::Known(actions(l.default_actions()))).into(),
            certificates: certificates.into(),
        };
        c.add(&arn, "AWS::ElasticLoadBalancingV2::Listener", vec![], Spec::Listener(Box::new(spec)));
        if protocol == Some(LbProtocol::Http) {
            let _p = c.call("elasticloadbalancing:DescribeRules").await;
            match client.describe_rules().listener_arn(&arn).send().await {
                Ok(out) => {
                    for rule in out.rules().iter().filter(|r| !r.is_default().unwrap_or(false)) {
                        let Some(rule_arn) = rule.rule_arn() else { continue };
                        let spec = ListenerRule {
                            listener: Some(Value::Known(arn.clone())).into(),
                            actions: Some(Value::Known(actions(rule.actions()))).into(),
                        };
                        c.add(
                            rule_arn,
                            "AWS::ElasticLoadBalancingV2::ListenerRule",
                            vec![],
                            Spec::ListenerRule(Box::new(spec)),
                        );
                    }
                }
                Err(e) => {
                    // Rules that could not be read: one rule of unknown actions stands for them.
                    let spec = ListenerRule {
                        listener: Some(Value::Known(arn.clone())).into(),
                        actions: Some(c.gap("elasticloadbalancing:DescribeRules", &arn, error_text(&e))).into(),
                    };
                    let name = format!("{arn} (rules)");
                    c.add(
                        &name,
                        "AWS::ElasticLoadBalancingV2::ListenerRule",
                        vec![],
                        Spec::ListenerRule(Box::new(spec)),
                    );
                }
            }
        }
    }
    let _ = each_page!(
        c,
        "elasticloadbalancing:DescribeTargetGroups",
        "",
        client.describe_target_groups().into_paginator().send(),
        |p| {
            for tg in p.target_groups() {
                let Some(arn) = tg.target_group_arn() else { continue };
                let spec = TargetGroup { protocol: tg.protocol().map(|p| Value::Known(p.as_str().into())).into() };
                c.add(arn, "AWS::ElasticLoadBalancingV2::TargetGroup", vec![], Spec::TargetGroup(Box::new(spec)));
            }
        }
    );
}

pub async fn collect_classic(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_elasticloadbalancing::Client::new(conf);
    let mut lbs = Vec::new();
    let _ = each_page!(
        c,
        "elasticloadbalancing:DescribeLoadBalancers",
        "classic",
        client.describe_load_balancers().into_paginator().send(),
        |p| {
            lbs.extend(p.load_balancer_descriptions().iter().cloned());
        }
    );
    for lb in lbs {
        let Some(name) = lb.load_balancer_name().map(str::to_string) else { continue };
        let policies = {
            let _p = c.call("elasticloadbalancing:DescribeLoadBalancerPolicies").await;
            client.describe_load_balancer_policies().load_balancer_name(&name).send().await
        };
        let ssl_policies: Result<Vec<SslNegotiationPolicy>, Value<Vec<String>>> = match policies {
            Ok(out) => Ok(out
                .policy_descriptions()
                .iter()
                .filter(|p| p.policy_type_name() == Some("SSLNegotiationPolicyType"))
                .map(|p| {
                    let attributes = p.policy_attribute_descriptions();
                    SslNegotiationPolicy {
                        name: p.policy_name().unwrap_or_default().to_string(),
                        reference_policy: attributes
                            .iter()
                            .find(|a| a.attribute_name() == Some("Reference-Security-Policy"))
                            .and_then(|a| a.attribute_value())
                            .map(|v| Value::Known(v.to_string()))
                            .into(),
                        enabled_attributes: Some(Value::Known(
                            attributes
                                .iter()
                                .filter(|a| a.attribute_value() == Some("true"))
                                .filter_map(|a| a.attribute_name().map(str::to_string))
                                .collect(),
                        ))
                        .into(),
                    }
                })
                .collect()),
            Err(e) => {
                Err(c.gap::<Vec<String>>("elasticloadbalancing:DescribeLoadBalancerPolicies", &name, error_text(&e)))
            }
        };
        let listeners = lb
            .listener_descriptions()
            .iter()
            .filter_map(|d| {
                let l = d.listener()?;
                Some(ClassicListener {
                    lb_port: Some(Value::Known(l.load_balancer_port() as u32)).into(),
                    lb_protocol: Some(Value::Known(l.protocol().into())).into(),
                    instance_protocol: l.instance_protocol().map(|p| Value::Known(p.into())).into(),
                    ssl_certificate_id: l.ssl_certificate_id().map(|s| Value::Known(s.to_string())).into(),
                    // Unreadable policies leave the listener's negotiation unknown, not absent.
                    policy_names: Some(match &ssl_policies {
                        Ok(_) => Value::Known(d.policy_names().to_vec()),
                        Err(unknown) => unknown.clone(),
                    })
                    .into(),
                })
            })
            .collect();
        let arn = format!("arn:{}:elasticloadbalancing:{}:{}:loadbalancer/{name}", c.partition(), c.region, c.account);
        c.add(
            &arn,
            "AWS::ElasticLoadBalancing::LoadBalancer",
            vec![name.clone()],
            Spec::ClassicLoadBalancer(Box::new(ClassicLoadBalancer {
                listeners: Some(Value::Known(listeners)).into(),
                ssl_policies: ssl_policies.unwrap_or_default(),
            })),
        );
    }
}
