//! A listener's default actions as JSON, the state `remediate` journals and restores: the
//! kinds AWS returns in full (forward, redirect, fixed response). An authenticating action
//! is not: `DescribeListeners` withholds its client secret, so it could not be put back.
//! Without one, a listener has a single default action, and its `Order` says nothing.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, ForwardActionConfig, RedirectActionConfig,
    RedirectActionStatusCodeEnum, TargetGroupStickinessConfig, TargetGroupTuple,
};
use serde_json::{json, Value};

/// An action as the journal holds it.
pub(crate) fn to_json(action: &Action) -> Result<Value, String> {
    let kind = action.r#type().map(|t| t.as_str()).unwrap_or_default();
    if !matches!(kind, "forward" | "redirect" | "fixed-response") {
        return Err(format!("a `{kind}` default action cannot be restored from what AWS returns of it"));
    }
    let forward = action.forward_config().map(|f| {
        let groups: Vec<Value> = f
            .target_groups()
            .iter()
            .map(|g| json!({"TargetGroupArn": g.target_group_arn(), "Weight": g.weight()}))
            .collect();
        let stickiness = f
            .target_group_stickiness_config()
            .map(|s| json!({"Enabled": s.enabled(), "DurationSeconds": s.duration_seconds()}));
        json!({"TargetGroups": groups, "TargetGroupStickinessConfig": stickiness})
    });
    let redirect = action.redirect_config().map(|r| {
        json!({"Protocol": r.protocol(), "Port": r.port(), "Host": r.host(), "Path": r.path(), "Query": r.query(),
               "StatusCode": r.status_code().map(|c| c.as_str())})
    });
    let fixed = action.fixed_response_config().map(
        |f| json!({"MessageBody": f.message_body(), "StatusCode": f.status_code(), "ContentType": f.content_type()}),
    );
    let mut written = json!({"Type": kind, "TargetGroupArn": action.target_group_arn(),
        "ForwardConfig": forward, "RedirectConfig": redirect, "FixedResponseConfig": fixed});
    // What AWS did not return is not written.
    written.as_object_mut().expect("an object").retain(|_, v| !v.is_null());
    Ok(written)
}

/// The actions `ModifyListener` sends for actions as [`to_json`] writes them.
pub(crate) fn from_json(actions: &Value) -> Result<Vec<Action>, String> {
    let text = |v: &Value| v.as_str().map(str::to_string);
    let number = |v: &Value| v.as_i64().and_then(|n| i32::try_from(n).ok());
    let list = actions.as_array().ok_or("the default actions are not a list")?;
    let each = list.iter().map(|a| {
        let forward = a.get("ForwardConfig").map(|f| {
            let groups = f["TargetGroups"].as_array().map(|groups| {
                groups
                    .iter()
                    .map(|g| {
                        TargetGroupTuple::builder()
                            .set_target_group_arn(text(&g["TargetGroupArn"]))
                            .set_weight(number(&g["Weight"]))
                            .build()
                    })
                    .collect()
            });
            let stickiness = f.get("TargetGroupStickinessConfig").filter(|s| !s.is_null()).map(|s| {
                TargetGroupStickinessConfig::builder()
                    .set_enabled(s["Enabled"].as_bool())
                    .set_duration_seconds(number(&s["DurationSeconds"]))
                    .build()
            });
            ForwardActionConfig::builder()
                .set_target_groups(groups)
                .set_target_group_stickiness_config(stickiness)
                .build()
        });
        let redirect = a.get("RedirectConfig").map(|r| {
            RedirectActionConfig::builder()
                .set_protocol(text(&r["Protocol"]))
                .set_port(text(&r["Port"]))
                .set_host(text(&r["Host"]))
                .set_path(text(&r["Path"]))
                .set_query(text(&r["Query"]))
                .set_status_code(r["StatusCode"].as_str().map(RedirectActionStatusCodeEnum::from))
                .build()
        });
        let fixed = a.get("FixedResponseConfig").map(|f| {
            FixedResponseActionConfig::builder()
                .set_message_body(text(&f["MessageBody"]))
                .set_status_code(text(&f["StatusCode"]))
                .set_content_type(text(&f["ContentType"]))
                .build()
        });
        Action::builder()
            .set_type(a["Type"].as_str().map(ActionTypeEnum::from))
            .set_target_group_arn(text(&a["TargetGroupArn"]))
            .set_forward_config(forward)
            .set_redirect_config(redirect)
            .set_fixed_response_config(fixed)
            .build()
    });
    Ok(each.collect())
}
