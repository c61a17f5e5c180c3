//! S3-002's fix: a bucket's default encryption made SSE-KMS under the customer managed key
//! the policy file chooses, with an S3 Bucket Key — each setting replaced where it is
//! written, added where it is not, in the encryption configuration the bucket has
//! (Terraform's `aws_s3_bucket_server_side_encryption_configuration`, or the bucket's own
//! `server_side_encryption_configuration` block; a template's `BucketEncryption`), or in a
//! new one when the scan knows it has none. DSSE-KMS stays DSSE-KMS (which takes no Bucket
//! Key), under the key.

use crate::variables::{argument_line, module_files};
use crate::{block_end, bucket_name, hcl_edit, indentation, inner_indentation, pointed, properties, yaml_body, Edit};
use encguard_rules::{AttributeFix, FixValue};

/// The edits, each with its file, for the Terraform bucket `bucket` (`aws_s3_bucket.NAME`)
/// whose block holds line `line` of `file`; `configured` when the scan saw a configuration
/// of it.
pub(crate) fn terraform(
    text: &str,
    (file, line, bucket, configured): (&str, u32, &str, bool),
    key: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, Edit)>, String> {
    let name = bucket_name(bucket)?;
    let kind = "aws_s3_bucket_server_side_encryption_configuration";
    let of_bucket = [format!("aws_s3_bucket.{name}.id"), format!("aws_s3_bucket.{name}.bucket")];
    // Its configuration of its own, in any file of the module: the one whose `bucket`
    // argument is exactly the bucket's. (The address a new one would take, seen on the way.)
    let declared = format!("resource \"{kind}\" \"{name}\"");
    let mut taken = false;
    for other in module_files(file) {
        let Some(other_text) = read(&other) else { continue };
        taken |= other_text.contains(&declared);
        let lines: Vec<&str> = other_text.lines().collect();
        for (start, _) in lines.iter().enumerate().filter(|(_, l)| l.starts_with(&format!("resource \"{kind}\""))) {
            let Some(end) = block_end(&other_text, start + 1) else { continue };
            let argument = argument_line(&other_text, start, end, "bucket").map(|i| lines[i]);
            let value = argument.and_then(|l| l.split_once('=')).map(|(_, v)| v.split(" #").next().unwrap_or(v).trim());
            if value.is_some_and(|v| of_bucket.iter().any(|b| b == v)) {
                let edits = in_rule(&other_text, start + 1, end, key)?;
                return Ok(edits.into_iter().map(|e| (other.clone(), e)).collect());
            }
        }
    }
    // The bucket's block: the finding may point inside it, at its encryption.
    let lines: Vec<&str> = text.lines().collect();
    let (line, _, _) = pointed(text, line, 1)?;
    let header = format!("resource \"aws_s3_bucket\" \"{name}\"");
    let start =
        lines[..line].iter().rposition(|l| l.starts_with(&header)).ok_or("the bucket's block is not found")? + 1;
    let current = lines[start - 1];
    let end = block_end(text, start).filter(|&end| end > start).ok_or("the bucket is written on one line")?;
    // The bucket's own block (AWS provider 3), else a new configuration after the bucket.
    if lines[start..end].iter().any(|l| l.trim_start().starts_with("server_side_encryption_configuration")) {
        return Ok(in_rule(text, start, end, key)?.into_iter().map(|e| (file.to_string(), e)).collect());
    }
    if configured {
        return Err("its encryption configuration names it otherwise than `aws_s3_bucket.NAME.id`: set it there".into());
    }
    if taken {
        return Err(format!("a {kind} named `{name}` exists already"));
    }
    let ind = indentation(current);
    // A bucket made by another provider (region, account) is configured by it too.
    let provider = argument_line(text, start - 1, end, "provider").map_or(String::new(), |i| format!("{}\n", lines[i]));
    let configuration = format!(
        "\n{ind}resource \"{kind}\" \"{name}\" {{\n{provider}{ind}  bucket = aws_s3_bucket.{name}.id\n\n{ind}  rule {{\n\
         {ind}    apply_server_side_encryption_by_default {{\n{ind}      sse_algorithm     = \"aws:kms\"\n\
         {ind}      kms_master_key_id = {key:?}\n{ind}    }}\n{ind}    bucket_key_enabled = true\n{ind}  }}\n{ind}}}\n"
    );
    Ok(vec![(file.to_string(), Edit::InsertAfter { line: end, text: configuration })])
}

/// The settings in the one `rule` of the configuration written on lines `start..=end`.
fn in_rule(text: &str, start: usize, end: usize, key: &str) -> Result<Vec<Edit>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let body = &lines[start..end];
    if body.iter().any(|l| l.trim_start().starts_with("dynamic ")) {
        return Err("its encryption rules are made by `dynamic`".to_string());
    }
    let opening = |word: &str| {
        let found: Vec<usize> = (start..end)
            .filter(|&i| lines[i].trim_start().starts_with(word) && lines[i].trim_end().ends_with('{'))
            .collect();
        match found[..] {
            [one] => Ok(one + 1),
            _ => Err(format!("the configuration has {} `{word}` blocks", found.len())),
        }
    };
    let rule = opening("rule ")?;
    let by_default = opening("apply_server_side_encryption_by_default")?;
    let dsse = body.iter().any(|l| l.contains("\"aws:kms:dsse\""));
    let mut settings = vec![(
        by_default,
        "apply_server_side_encryption_by_default",
        "kms_master_key_id",
        FixValue::Chosen(key.into()),
    )];
    if !dsse {
        settings.push((
            by_default,
            "apply_server_side_encryption_by_default",
            "sse_algorithm",
            FixValue::Text("aws:kms"),
        ));
        settings.push((rule, "rule", "bucket_key_enabled", FixValue::Bool(true)));
    }
    settings
        .into_iter()
        .map(|(block, block_name, name, value)| {
            let fix = AttributeFix::set(Some(name), None, value);
            let close = block_end(text, block).ok_or("a block does not end")?;
            let written = (block..close - 1).find(|&i| {
                lines[i].trim_start().strip_prefix(name).is_some_and(|rest| rest.trim_start().starts_with('='))
            });
            match written {
                Some(i) => hcl_edit(text, i as u32 + 1, indentation(lines[i]).len() as u32 + 1, name, &fix),
                None => {
                    let column = indentation(lines[block - 1]).len() as u32 + 1;
                    hcl_edit(text, block as u32, column, &format!("{block_name}.{name}"), &fix)
                }
            }
        })
        .collect()
}

/// Whether a YAML line is the key `key` (plain or quoted, or a list item's first key).
fn is_key(line: &str, key: &str) -> bool {
    let line = line.trim_start();
    let line = line.strip_prefix("- ").unwrap_or(line);
    [format!("{key}:"), format!("\"{key}\":"), format!("'{key}':")].iter().any(|k| line.starts_with(k.as_str()))
}

/// The edits of the template bucket `resource`, whose logical id is on `line` or above it
/// (the finding may point inside the bucket, at its encryption).
pub(crate) fn cloudformation(text: &str, line: u32, resource: &str, key: &str) -> Result<Vec<Edit>, String> {
    let (line, _, _) = pointed(text, line, 1)?;
    let lines: Vec<&str> = text.lines().collect();
    let start = (0..line)
        .rev()
        .find(|&i| {
            is_key(lines[i], resource) && lines[i].split(" #").next().unwrap_or_default().trim_end().ends_with(':')
        })
        .ok_or_else(|| format!("`{resource}`'s logical id is not found"))?
        + 1;
    let ind = indentation(lines[start - 1]);
    let body = yaml_body(text, start, ind.len());
    let child = body.first().map(|(_, l)| indentation(l)).ok_or("the bucket has no body")?;
    let (at_properties, property) = properties(&body, child)?.ok_or("the bucket has no Properties")?;
    let step = property[child.len()..].to_string();
    let key = format!("{key:?}");
    let by_default =
        body.iter().find(|(_, l)| l.trim_start().starts_with("- ") && is_key(l, "ServerSideEncryptionByDefault"));
    let Some(&(at, item)) = by_default else {
        if body.iter().any(|(_, l)| indentation(l) == property && is_key(l, "BucketEncryption")) {
            return Err("its BucketEncryption has no ServerSideEncryptionByDefault item of its own line".to_string());
        }
        let (p, s) = (&property, &step);
        return Ok(vec![Edit::InsertAfter {
            line: at_properties + 1,
            text: format!(
                "{p}BucketEncryption:\n{p}{s}ServerSideEncryptionConfiguration:\n{p}{s}{s}- ServerSideEncryptionByDefault:\n\
                 {p}{s}{s}    SSEAlgorithm: aws:kms\n{p}{s}{s}    KMSMasterKeyID: {key}\n{p}{s}{s}  BucketKeyEnabled: true\n"
            ),
        }]);
    };
    if !item.split(" #").next().unwrap_or_default().trim_end().ends_with(':') {
        return Err("its ServerSideEncryptionByDefault is written inline".to_string());
    }
    // The item's keys start past its `- `; the settings by default one step deeper.
    let item_keys = format!("{}  ", indentation(item));
    let settings_ind = inner_indentation(&body, at, &item_keys);
    // The lines of the item at indentation `ind`.
    let under = |from: usize, ind: &str| -> Vec<(usize, &str)> {
        body.iter()
            .skip_while(|(i, _)| *i <= from)
            .take_while(|(_, l)| indentation(l).len() >= ind.len() && !l.trim_start().starts_with("- "))
            .filter(|(_, l)| indentation(l) == ind)
            .copied()
            .collect()
    };
    let written = |ind: &str, name: &str| under(at, ind).into_iter().find(|(_, l)| is_key(l, name));
    let set = |ind: &str, name: &str, value: &str| -> Result<Edit, String> {
        match written(ind, name) {
            // A value written on the next lines (`Fn::Sub:` below the key) or from a tag is the
            // template's to change.
            Some((i, l)) => {
                let (_, v) = l.split_once(':').unwrap_or_default();
                let v = v.split(" #").next().unwrap_or_default().trim();
                let continued =
                    body.iter().find(|(j, _)| *j > i).is_some_and(|(_, next)| indentation(next).len() > ind.len());
                if v.starts_with(['!', '{', '[']) || v.is_empty() && continued {
                    return Err(format!("`{name}` is set from an expression; set it to {value} there"));
                }
                Ok(Edit::Replace { line: i + 1, text: format!("{ind}{name}: {value}\n") })
            }
            None => Ok(Edit::InsertAfter { line: at + 1, text: format!("{ind}{name}: {value}\n") }),
        }
    };
    let dsse = written(&settings_ind, "SSEAlgorithm").is_some_and(|(_, l)| l.contains("aws:kms:dsse"));
    let mut edits = vec![set(&settings_ind, "KMSMasterKeyID", &key)?];
    if dsse {
        return Ok(edits);
    }
    edits.push(set(&settings_ind, "SSEAlgorithm", "aws:kms")?);
    edits.push(match written(&item_keys, "BucketKeyEnabled") {
        Some((i, _)) => Edit::Replace { line: i + 1, text: format!("{item_keys}BucketKeyEnabled: true\n") },
        // After the item's last line.
        None => {
            let last = body
                .iter()
                .skip_while(|(i, _)| *i <= at)
                .take_while(|(_, l)| indentation(l).len() >= item_keys.len() && !l.trim_start().starts_with("- "))
                .last()
                .map_or(at, |(i, _)| *i);
            Edit::InsertAfter { line: last + 1, text: format!("{item_keys}BucketKeyEnabled: true\n") }
        }
    });
    Ok(edits)
}
