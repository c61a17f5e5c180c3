//! DDB-001's fix: a table given the customer managed key the policy file chooses —
//! Terraform's `server_side_encryption { enabled = true  kms_key_arn = KEY }`, a template's
//! `SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: KEY}` — each setting
//! replaced where it is written, added where it is not.

use crate::{block_end, hcl_edit, indentation, pointed, properties, yaml_body, Edit};
use encguard_rules::{AttributeFix, FixValue};

/// The edits of the Terraform table whose `server_side_encryption` block (or, when it has
/// none, whose block) the finding points at on `line`.
pub(crate) fn terraform(text: &str, line: u32, key: &str) -> Result<Vec<Edit>, String> {
    let (line, current, _) = pointed(text, line, 1)?;
    let ind = indentation(current);
    let key = format!("{key:?}");
    if current.starts_with("resource ") {
        if current.trim_end().ends_with("{}") {
            return Err("the table is written on one line".to_string());
        }
        let end = block_end(text, line).ok_or("the table's block does not end")?;
        if end == line {
            return Err("the table is written on one line".to_string());
        }
        let block = format!(
            "\n{ind}  server_side_encryption {{\n{ind}    enabled     = true\n{ind}    kms_key_arn = {key}\n{ind}  }}\n"
        );
        return Ok(vec![Edit::InsertAfter { line: end - 1, text: block }]);
    }
    if !(current.trim_start().starts_with("server_side_encryption") && current.trim_end().ends_with('{')) {
        return Err("the finding points at neither the table nor its server_side_encryption block".to_string());
    }
    let end = block_end(text, line).ok_or("the server_side_encryption block does not end")?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    [("enabled", FixValue::Bool(true)), ("kms_key_arn", FixValue::Reference(key))]
        .into_iter()
        .map(|(name, value)| {
            let fix = AttributeFix::set(Some(name), None, value);
            let written = (line..end - 1).find(|&i| {
                lines[i].trim_start().strip_prefix(name).is_some_and(|rest| rest.trim_start().starts_with('='))
            });
            match written {
                Some(i) => hcl_edit(text, i as u32 + 1, indentation(lines[i]).len() as u32 + 1, name, &fix),
                None => {
                    hcl_edit(text, line as u32, ind.len() as u32 + 1, &format!("server_side_encryption.{name}"), &fix)
                }
            }
        })
        .collect()
}

/// The edits of the template table whose `SSESpecification` (or, when it has none, whose
/// logical id) the finding points at on `line`.
pub(crate) fn cloudformation(text: &str, line: u32, key: &str) -> Result<Vec<Edit>, String> {
    let (line, current, _) = pointed(text, line, 1)?;
    let ind = indentation(current);
    let settings =
        [("SSEEnabled", "true".to_string()), ("SSEType", "KMS".to_string()), ("KMSMasterKeyId", format!("{key:?}"))];
    if current.trim_end() == format!("{ind}SSESpecification:") {
        let body = yaml_body(text, line, ind.len());
        let child = body.first().map_or_else(|| format!("{ind}  "), |(_, l)| indentation(l).to_string());
        return settings
            .iter()
            .map(|(name, value)| {
                let written = body.iter().find(|(_, l)| {
                    indentation(l) == child && l.trim_start().strip_prefix(name).is_some_and(|r| r.starts_with(':'))
                });
                match written {
                    Some((_, l)) if l.split_once(':').is_some_and(|(_, v)| v.trim().starts_with(['!', '{', '['])) => {
                        Err(format!("`{name}` is set from `{}`; set it to {value} there", l.trim()))
                    }
                    Some((i, _)) => Ok(Edit::Replace { line: i + 1, text: format!("{child}{name}: {value}\n") }),
                    None => Ok(Edit::InsertAfter { line, text: format!("{child}{name}: {value}\n") }),
                }
            })
            .collect();
    }
    // The logical id: the specification goes at the top of its Properties.
    let body = yaml_body(text, line, ind.len());
    let child = body.first().map(|(_, l)| indentation(l)).ok_or("the table has no body")?;
    let (i, property) = properties(&body, child)?.ok_or("the table has no Properties")?;
    let step = &property[child.len()..];
    let specification: String =
        settings.iter().map(|(name, value)| format!("{property}{step}{name}: {value}\n")).collect();
    Ok(vec![Edit::InsertAfter { line: i + 1, text: format!("{property}SSESpecification:\n{specification}") }])
}
