//! S3-002's fix: a bucket's default encryption made SSE-KMS under the customer managed key
//! the policy file chooses, with an S3 Bucket Key — each setting replaced where it is
//! written, added where it is not, in the encryption configuration the bucket has
//! (Terraform's `aws_s3_bucket_server_side_encryption_configuration`, or the bucket's own
//! `server_side_encryption_configuration` block; a template's `BucketEncryption`), or in a
//! new one when it has none.

use crate::variables::module_files;
use crate::{block_end, bucket_name, hcl_edit, indentation, inner_indentation, pointed, properties, yaml_body, Edit};
use encguard_rules::{AttributeFix, FixValue};

/// The edits, each with its file, for the Terraform bucket `bucket` (`aws_s3_bucket.NAME`)
/// whose block starts on `line` of `file`.
pub(crate) fn terraform(
    file: &str,
    text: &str,
    line: u32,
    bucket: &str,
    key: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, Edit)>, String> {
    let name = bucket_name(bucket)?;
    let of_bucket = [format!("aws_s3_bucket.{name}.id"), format!("aws_s3_bucket.{name}.bucket")];
    // Its configuration of its own, in any file of the module.
    for other in module_files(file) {
        let Some(other_text) = read(&other) else { continue };
        let lines: Vec<&str> = other_text.lines().collect();
        let configurations = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.starts_with("resource \"aws_s3_bucket_server_side_encryption_configuration\""));
        for (start, _) in configurations {
            let Some(end) = block_end(&other_text, start + 1) else { continue };
            let names = lines[start..end]
                .iter()
                .any(|l| l.trim_start().starts_with("bucket") && of_bucket.iter().any(|b| l.contains(b.as_str())));
            if names {
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
    let ind = indentation(current);
    let configuration = format!(
        "\n{ind}resource \"aws_s3_bucket_server_side_encryption_configuration\" \"{name}\" {{\n\
         {ind}  bucket = aws_s3_bucket.{name}.id\n\n{ind}  rule {{\n{ind}    apply_server_side_encryption_by_default {{\n\
         {ind}      sse_algorithm     = \"aws:kms\"\n{ind}      kms_master_key_id = {key:?}\n{ind}    }}\n\
         {ind}    bucket_key_enabled = true\n{ind}  }}\n{ind}}}\n"
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
    let settings = [
        (by_default, "apply_server_side_encryption_by_default", "sse_algorithm", FixValue::Text("aws:kms")),
        (by_default, "apply_server_side_encryption_by_default", "kms_master_key_id", FixValue::Chosen(key.into())),
        (rule, "rule", "bucket_key_enabled", FixValue::Bool(true)),
    ];
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

/// The edits of the template bucket whose logical id is on `line`, or above it when the
/// finding points inside the bucket (at its encryption).
pub(crate) fn cloudformation(text: &str, line: u32, key: &str) -> Result<Vec<Edit>, String> {
    let (line, _, _) = pointed(text, line, 1)?;
    let lines: Vec<&str> = text.lines().collect();
    let is_bucket = |i: usize| {
        lines[i].trim_end().ends_with(':')
            && yaml_body(text, i + 1, indentation(lines[i]).len())
                .iter()
                .any(|(_, l)| l.trim() == "Type: AWS::S3::Bucket" || l.trim() == "Type: \"AWS::S3::Bucket\"")
    };
    let start = (0..line).rev().find(|&i| is_bucket(i)).ok_or("the bucket's logical id is not found")? + 1;
    let current = lines[start - 1];
    let ind = indentation(current);
    let body = yaml_body(text, start, ind.len());
    let child = body.first().map(|(_, l)| indentation(l)).ok_or("the bucket has no body")?;
    let (at_properties, property) = properties(&body, child)?.ok_or("the bucket has no Properties")?;
    let step = property[child.len()..].to_string();
    let key = format!("{key:?}");
    let by_default = body.iter().find(|(_, l)| l.trim_start().starts_with("- ServerSideEncryptionByDefault:"));
    let Some(&(at, item)) = by_default else {
        if body.iter().any(|(_, l)| indentation(l) == property && l.trim_start().starts_with("BucketEncryption:")) {
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
    if !item.trim_end().ends_with("ServerSideEncryptionByDefault:") {
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
    let set = |ind: &str, name: &str, value: &str| -> Result<Edit, String> {
        match under(at, ind)
            .into_iter()
            .find(|(_, l)| l.trim_start().strip_prefix(name).is_some_and(|r| r.starts_with(':')))
        {
            Some((_, l)) if l.split_once(':').is_some_and(|(_, v)| v.trim().starts_with(['!', '{', '['])) => {
                Err(format!("`{name}` is set from `{}`; set it to {value} there", l.trim()))
            }
            Some((i, _)) => Ok(Edit::Replace { line: i + 1, text: format!("{ind}{name}: {value}\n") }),
            None => Ok(Edit::InsertAfter { line: at + 1, text: format!("{ind}{name}: {value}\n") }),
        }
    };
    let bucket_key =
        match under(at, &item_keys).into_iter().find(|(_, l)| l.trim_start().starts_with("BucketKeyEnabled:")) {
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
        };
    Ok(vec![set(&settings_ind, "SSEAlgorithm", "aws:kms")?, set(&settings_ind, "KMSMasterKeyID", &key)?, bucket_key])
}
