//! A key policy for a key that has none (KMS-002), or in place of one that grants too much
//! (KMS-003, KMS-004), to review: the account keeps the key, as
//! AWS's default policy does (IAM policies may still grant it: nobody is locked out), and
//! the policy file's administrators may manage it and its users use it without an IAM
//! policy — matched by `aws:PrincipalArn`, as the policy file's ARN patterns may hold
//! wildcards that a `Principal` may not; a pattern's wildcard account is the key's own.

use crate::{brackets, hcl_edit, indentation, pointed, yaml_body, yaml_edit, Edit};
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

/// The `policy = jsonencode(…)` of a Terraform `aws_kms_key` whose block starts on `line`
/// (added), or whose `policy` is written from `line` on (replaced, over all its lines), with
/// `account` the expression of the account's id.
pub(crate) fn terraform(
    text: &str,
    line: u32,
    account: &str,
    administrators: &[String],
    users: &[String],
) -> Result<Vec<Edit>, String> {
    confined(administrators.iter().chain(users))?;
    let (at, current, _) = pointed(text, line, 1)?;
    let written = current.trim_start().strip_prefix("policy").is_some_and(|r| r.trim_start().starts_with('='));
    let (edit, gone) = if written {
        let last = expression_end(text, at).ok_or("the policy's value does not end")?;
        let replaced =
            Edit::Replace { line: at, text: format!("{}policy = \"{PLACEHOLDER}\"\n", indentation(current)) };
        (replaced, at + 1..last + 1)
    } else {
        let placeholder = AttributeFix::set(Some("policy"), None, FixValue::Text(PLACEHOLDER));
        (hcl_edit(text, line, 1, "policy", &placeholder)?, 0..0)
    };
    let proposal = filled(edit, &format!("\"{PLACEHOLDER}\""), |ind| {
        let body: String = statements(administrators, users)
            .into_iter()
            .map(|(sid, actions, principals)| {
                let (principal, condition) = if principals.is_empty() {
                    (format!("\"arn:aws:iam::${{{account}}}:root\""), String::new())
                } else {
                    let patterns: Vec<String> =
                        principals.iter().map(|p| own_account(p, &format!("${{{account}}}"))).collect();
                    let condition = format!(
                        "{ind}      Condition = {{ ArnLike = {{ \"aws:PrincipalArn\" = [{}] }} }}\n",
                        quoted(&patterns)
                    );
                    ("\"*\"".to_string(), condition)
                };
                format!(
                    "{ind}    {{\n{ind}      Sid       = \"{sid}\"\n{ind}      Effect    = \"Allow\"\n\
                     {ind}      Principal = {{ AWS = {principal} }}\n{ind}      Action    = [{}]\n\
                     {ind}      Resource  = \"*\"\n{condition}{ind}    }},\n",
                    quoted(actions)
                )
            })
            .collect();
        format!("jsonencode({{\n{ind}  Version = \"2012-10-17\"\n{ind}  Statement = [\n{body}{ind}  ]\n{ind}}})")
    });
    Ok(std::iter::once(proposal).chain(gone.map(|line| Edit::Replace { line, text: String::new() })).collect())
}

/// The last line (from 1) of the HCL expression assigned on line `line`: where its brackets
/// close, outside strings, or its heredoc's end marker.
fn expression_end(text: &str, line: usize) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let value = lines.get(line - 1)?.split_once('=')?.1.trim();
    if let Some(marker) = value.strip_prefix("<<").map(|m| m.trim_start_matches('-').trim()) {
        return (line..lines.len()).find(|&i| lines[i].trim() == marker).map(|i| i + 1);
    }
    let mut depth = 0i32;
    let mut in_comment = false;
    for (i, l) in lines.iter().enumerate().skip(line - 1) {
        let from = if i == line - 1 { l.find('=')? + 1 } else { 0 };
        for c in brackets(&l[from..], &mut in_comment) {
            depth += if matches!(c, '(' | '[' | '{') { 1 } else { -1 };
        }
        if depth <= 0 && !in_comment {
            return Some(i + 1);
        }
    }
    None
}

/// The `KeyPolicy` of a template's `AWS::KMS::Key` whose logical id is on `line` (added),
/// or written from `line` on (replaced, with all its lines).
pub(crate) fn cloudformation(
    text: &str,
    line: u32,
    administrators: &[String],
    users: &[String],
) -> Result<Vec<Edit>, String> {
    confined(administrators.iter().chain(users))?;
    let (at, current, _) = pointed(text, line, 1)?;
    let (edit, gone) = if current.trim_start().starts_with("KeyPolicy:") {
        let last = yaml_body(text, at, indentation(current).len()).last().map_or(at, |(i, _)| i + 1);
        let replaced = Edit::Replace { line: at, text: format!("{}KeyPolicy: {PLACEHOLDER}\n", indentation(current)) };
        (replaced, at + 1..last + 1)
    } else {
        let placeholder = AttributeFix::set(None, Some("KeyPolicy"), FixValue::Text(PLACEHOLDER));
        (yaml_edit(text, line, 1, "KeyPolicy", &placeholder)?, 0..0)
    };
    let proposal = filled(edit, &format!(" {PLACEHOLDER}"), |ind| {
        let at = |depth: usize| format!("{ind}{}", "  ".repeat(depth));
        let list = |items: &[&str], depth: usize| {
            items.iter().map(|i| format!("{}- \"{i}\"\n", at(depth))).collect::<String>()
        };
        let body: String = statements(administrators, users)
            .into_iter()
            .map(|(sid, actions, principals)| {
                let (principal, condition) = if principals.is_empty() {
                    ("!Sub \"arn:${AWS::Partition}:iam::${AWS::AccountId}:root\"".to_string(), String::new())
                } else {
                    let patterns: String = principals
                        .iter()
                        .map(|p| format!("{}- !Sub \"{}\"\n", at(6), own_account(p, "${AWS::AccountId}")))
                        .collect();
                    let condition =
                        format!("{}Condition:\n{}ArnLike:\n{}aws:PrincipalArn:\n{patterns}", at(3), at(4), at(5));
                    ("\"*\"".to_string(), condition)
                };
                format!(
                    "{}- Sid: {sid}\n{}Effect: Allow\n{}Principal:\n{}AWS: {principal}\n{}Action:\n{}{}Resource: \"*\"\n{condition}",
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
    });
    Ok(std::iter::once(proposal).chain(gone.map(|line| Edit::Replace { line, text: String::new() })).collect())
}

/// Every pattern an ARN of one account (or of the key's, `*`): granted to `Principal: *`, a
/// pattern that is not would grant the key to anyone.
fn confined<'a>(mut patterns: impl Iterator<Item = &'a String>) -> Result<(), String> {
    match patterns.find(|p| {
        let parts: Vec<&str> = p.splitn(6, ':').collect();
        !matches!(parts.as_slice(), ["arn", _, _, _, account, _]
            if *account == "*" || (!account.is_empty() && account.chars().all(|c| c.is_ascii_digit())))
    }) {
        Some(pattern) => Err(format!(
            "the policy file's principal `{pattern}` names no one account: a key policy granting it would grant anyone"
        )),
        None => Ok(()),
    }
}

/// An ARN pattern of the policy file with a wildcard account (`arn:aws:iam::*:role/…`)
/// taken as the key's own, written as `account`: a policy for everyone (`Principal: *`)
/// is then confined to the patterns' principals of that account.
fn own_account(pattern: &str, account: &str) -> String {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, service, region, "*", rest] => {
            format!("arn:{partition}:{service}:{region}:{account}:{rest}")
        }
        _ => pattern.to_string(),
    }
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

#[cfg(test)]
mod tests {
    use super::confined;

    #[test]
    fn only_patterns_of_one_account_are_granted() {
        let ok = ["arn:aws:iam::*:role/app-*".to_string(), "arn:aws:iam::111122223333:role/ops".to_string()];
        assert!(confined(ok.iter()).is_ok());
        for wide in ["*", "arn:aws:iam::1111*:role/x", "arn:aws:iam:::role/x", "arn:*"] {
            assert!(confined([wide.to_string()].iter()).is_err(), "{wide}");
        }
    }
}
