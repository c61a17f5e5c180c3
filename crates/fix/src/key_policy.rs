//! A key policy for a key that has none (KMS-002), to review: the account keeps the key
//! (so that nobody is locked out), the policy file's administrators may manage it and its
//! users may use it — each named by `aws:PrincipalArn`, as the policy file's ARN patterns
//! may hold wildcards that a `Principal` may not.

use crate::{hcl_edit, indentation, yaml_edit, Edit};
use encguard_rules::{AttributeFix, FixValue};

/// What key administrators may do: manage the key, never use it.
const ADMINISTER: &[&str] = &[
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
];

/// What key users may do: encrypt and decrypt with it.
const USE: &[&str] = &["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/// Stands for the policy in the edit the attribute fix makes, then replaced by it.
const PLACEHOLDER: &str = "ENCGUARD-KEY-POLICY";

/// The statements: (Sid, actions, the principals' ARN patterns; none for the account).
fn statements<'a>(
    administrators: &'a [String],
    users: &'a [String],
) -> Vec<(&'static str, &'static [&'static str], &'a [String])> {
    let mut all = vec![("Account", &["kms:*"][..], &[][..])];
    if !administrators.is_empty() {
        all.push(("Administrators", ADMINISTER, administrators));
    }
    if !users.is_empty() {
        all.push(("Users", USE, users));
    }
    all
}

fn quoted(items: &[impl AsRef<str>]) -> String {
    items.iter().map(|i| format!("\"{}\"", i.as_ref())).collect::<Vec<_>>().join(", ")
}

/// The `policy = jsonencode(…)` of a Terraform `aws_kms_key` whose block starts on `line`,
/// with `account` the expression of the account's id.
pub(crate) fn terraform(
    text: &str,
    line: u32,
    account: &str,
    administrators: &[String],
    users: &[String],
) -> Result<Edit, String> {
    let placeholder = AttributeFix::set(Some("policy"), None, FixValue::Text(PLACEHOLDER));
    let edit = hcl_edit(text, line, 1, "policy", &placeholder)?;
    Ok(filled(edit, &format!("\"{PLACEHOLDER}\""), |ind| {
        let body: String = statements(administrators, users)
            .into_iter()
            .map(|(sid, actions, principals)| {
                let condition = if principals.is_empty() {
                    String::new()
                } else {
                    format!(
                        "{ind}      Condition = {{ ArnLike = {{ \"aws:PrincipalArn\" = [{}] }} }}\n",
                        quoted(principals)
                    )
                };
                format!(
                    "{ind}    {{\n{ind}      Sid       = \"{sid}\"\n{ind}      Effect    = \"Allow\"\n\
                     {ind}      Principal = {{ AWS = \"arn:aws:iam::${{{account}}}:root\" }}\n\
                     {ind}      Action    = [{}]\n{ind}      Resource  = \"*\"\n{condition}{ind}    }},\n",
                    quoted(actions)
                )
            })
            .collect();
        format!("jsonencode({{\n{ind}  Version = \"2012-10-17\"\n{ind}  Statement = [\n{body}{ind}  ]\n{ind}}})")
    }))
}

/// The `KeyPolicy` of a template's `AWS::KMS::Key` whose logical id is on `line`.
pub(crate) fn cloudformation(
    text: &str,
    line: u32,
    administrators: &[String],
    users: &[String],
) -> Result<Edit, String> {
    let placeholder = AttributeFix::set(None, Some("KeyPolicy"), FixValue::Text(PLACEHOLDER));
    let edit = yaml_edit(text, line, 1, "KeyPolicy", &placeholder)?;
    Ok(filled(edit, &format!(" {PLACEHOLDER}"), |ind| {
        let at = |depth: usize| format!("{ind}{}", "  ".repeat(depth));
        let body: String = statements(administrators, users)
            .into_iter()
            .map(|(sid, actions, principals)| {
                let list = |items: &[&str], depth: usize| items.iter().map(|i| format!("{}- \"{i}\"\n", at(depth))).collect::<String>();
                let condition = if principals.is_empty() {
                    String::new()
                } else {
                    let principals: Vec<&str> = principals.iter().map(String::as_str).collect();
                    format!("{}Condition:\n{}ArnLike:\n{}aws:PrincipalArn:\n{}", at(3), at(4), at(5), list(&principals, 6))
                };
                format!(
                    "{}- Sid: {sid}\n{}Effect: Allow\n{}Principal:\n{}AWS: !Sub \"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root\"\n\
                     {}Action:\n{}{}Resource: \"*\"\n{condition}",
                    at(2),
                    at(3),
                    at(3),
                    at(4),
                    at(3),
                    list(actions, 4),
                    at(3)
                )
            })
            .collect();
        format!("\n{}Version: \"2012-10-17\"\n{}Statement:\n{body}", at(1), at(1)).trim_end_matches('\n').to_string()
    }))
}

/// `edit` with `placeholder` replaced by `value(indentation of its line)`.
fn filled(edit: Edit, placeholder: &str, value: impl Fn(&str) -> String) -> Edit {
    let fill = |text: String| {
        let at = text.find(placeholder).expect("the edit holds the placeholder");
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let ind = indentation(&text[line_start..]).to_string();
        text.replacen(placeholder, &value(&ind), 1)
    };
    match edit {
        Edit::Replace { line, text } => Edit::Replace { line, text: fill(text) },
        Edit::InsertAfter { line, text } => Edit::InsertAfter { line, text: fill(text) },
    }
}
