//! IAM identity policies (global; read once per account): the account's own managed
//! policies (their default version) and the inline policies of its users, groups and roles,
//! all from one paged `GetAccountAuthorizationDetails` — the IAM half of KMS-004. AWS managed
//! policies are not the account's to change and are not read.

use crate::common::{each_page, Collector};
use aws_config::SdkConfig;
use aws_sdk_iam::types::EntityType;
use encguard_model::*;

pub async fn collect(conf: &SdkConfig, c: &Collector) {
    let client = aws_sdk_iam::Client::new(conf);
    let request = client
        .get_account_authorization_details()
        .filter(EntityType::LocalManagedPolicy)
        .filter(EntityType::User)
        .filter(EntityType::Group)
        .filter(EntityType::Role);
    let _ = each_page!(c, "iam:GetAccountAuthorizationDetails", "", request.into_paginator().send(), |page| {
        for p in page.policies() {
            let (Some(arn), Some(version)) = (p.arn(), p.policy_version_list().iter().find(|v| v.is_default_version()))
            else {
                continue;
            };
            add(c, arn, "AWS::IAM::ManagedPolicy", p.policy_name().unwrap_or_default(), version.document());
        }
        let inline = page
            .user_detail_list()
            .iter()
            .flat_map(|u| u.user_policy_list().iter().map(move |p| (u.arn(), p)))
            .chain(
                page.group_detail_list().iter().flat_map(|g| g.group_policy_list().iter().map(move |p| (g.arn(), p))),
            )
            .chain(page.role_detail_list().iter().flat_map(|r| r.role_policy_list().iter().map(move |p| (r.arn(), p))));
        for (owner, p) in inline {
            let (Some(owner), Some(name)) = (owner, p.policy_name()) else { continue };
            add(c, &format!("{owner}/inline-policy/{name}"), "AWS::IAM::Policy", name, p.policy_document());
        }
    });
}

fn add(c: &Collector, arn: &str, source_type: &str, name: &str, document: Option<&str>) {
    // IAM returns policy documents URL-encoded.
    let document = match document.map(percent_decode) {
        Some(Some(text)) => match PolicyDocument::parse(&text) {
            Ok(doc) => Value::Known(doc),
            Err(e) => Value::unknown(format!("the policy document cannot be read: {e}")),
        },
        _ => Value::unknown("IAM returned no readable policy document"),
    };
    c.add_in(
        arn,
        source_type,
        "global",
        vec![name.to_string()],
        Spec::IamPolicy(Box::new(IamPolicy { document: Spanned::new(document, None) })),
    );
}

/// `%XX` escapes decoded (and `+` left as it is: IAM encodes spaces as `%20`).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn documents_are_url_decoded() {
        assert_eq!(
            super::percent_decode("%7B%22Version%22%3A%20%222012-10-17%22%7D").as_deref(),
            Some("{\"Version\": \"2012-10-17\"}")
        );
        assert_eq!(super::percent_decode("%zz"), None);
    }
}
