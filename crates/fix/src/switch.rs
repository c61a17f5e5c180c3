//! A bucket a module makes without a policy, whose module has one switched off for it:
//! `resource "aws_s3_bucket_policy" { count = var.NAME ? 1 : 0 … }` holding the statements
//! the rules want. The fix switches it on for that module instance — where the instance's
//! value of the variable is written: its call's argument (a literal, or absent: every
//! instance of the call reads it, and fails alike), or the entry of the `for_each` map that
//! `each.value` reads.

use crate::variables::{argument_line, at_line, changed, module_files, references, Calls};
use crate::{block_end, indentation, written, Edit};
use encguard_rules::{AttributeFix, FixValue, PolicyStatement};
use std::collections::BTreeSet;
use std::path::Path;

/// The file and edit that switch on, for the module instance that makes `bucket` (an
/// address, `module.M["KEY"].aws_s3_bucket.B`) written in `file`, the module's own bucket
/// policy holding `statements`.
pub(crate) fn policy_switch(
    file: &str,
    bucket: &str,
    statements: &BTreeSet<PolicyStatement>,
    calls: &Calls,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Edit), String> {
    let rest = bucket.strip_prefix("module.").ok_or("the bucket is not made by a module")?;
    let (instance, inner) = rest.split_once('.').ok_or("the bucket's address is not a module's")?;
    let name = inner
        .strip_prefix("aws_s3_bucket.")
        .map(|n| n.split('[').next().unwrap_or(n))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .ok_or("the bucket is made by a module of a module")?;
    let var = switched_policy(file, name, statements, read)?;
    let files = module_files(file);
    let reads: usize = files.iter().filter_map(|f| read(f)).map(|t| references(&t, &var)).sum();
    if reads != 1 {
        return Err(format!("the module's policy is switched by var.{var}, which is read {reads} times in the module"));
    }
    if let Some(why) = &calls.incomplete {
        return Err(why.clone());
    }
    let (module, key) = match instance.split_once('[') {
        Some((module, index)) => (module, Some(index.trim_end_matches(']').trim_matches('"'))),
        None => (instance, None),
    };
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    let mine: Vec<_> = calls.of(dir).iter().filter(|c| c.name == module).collect();
    let [call] = mine[..] else {
        return Err(format!("the module's policy is switched by var.{var}; module `{module}` is called {} times under the scanned paths: set `{var} = true` in its call", mine.len()));
    };
    let text = read(&call.file).unwrap_or_default();
    let on = AttributeFix::set(Some("switch"), None, FixValue::Bool(true));
    let at = |line: usize| format!("{}:{}", call.file, line + 1);
    let edit = match argument_line(&text, call.start, call.end, &var) {
        None if call.end == call.start + 1 => {
            return Err(format!(
                "the module's policy is switched by var.{var}; add `{var} = true` to the call at {}",
                at(call.start)
            ))
        }
        // Not given: the default, which is off for every instance of the call.
        None => {
            let source = argument_line(&text, call.start, call.end, "source").unwrap_or(call.start);
            let ind = indentation(text.lines().nth(source).unwrap_or_default()).to_string();
            Edit::InsertAfter { line: source + 1, text: format!("{ind}{var} = true\n") }
        }
        Some(line) => {
            let value = text.lines().nth(line).and_then(|l| l.split_once('=')).map(|(_, v)| v.trim()).unwrap_or("");
            match (value.split(" #").next().unwrap_or_default().trim(), key) {
                ("false", _) => at_line(&text, line, &var, &on).map_err(|why| format!("{}: {why}", at(line)))?,
                ("each.value", Some(key)) => {
                    return for_each_entry(call, &text, key, read).map_err(|why| {
                        format!("the module's policy is switched by `{var} = each.value` ({}): {why}", at(line))
                    })
                }
                (other, _) => {
                    return Err(format!(
                        "the module's policy is switched by `{var} = {other}` ({}): set it to true there",
                        at(line)
                    ))
                }
            }
        }
    };
    changed(&text, edit).map(|e| (call.file.clone(), e))
}

/// The variable that switches the module's policy of `aws_s3_bucket.NAME` on, when that
/// policy is `count = var.X ? 1 : 0` and holds every statement wanted.
fn switched_policy(
    file: &str,
    name: &str,
    statements: &BTreeSet<PolicyStatement>,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    // `aws_s3_bucket.NAME.id`, `.bucket`, or of an instance (`aws_s3_bucket.NAME[0].id`).
    let of_bucket = [format!("aws_s3_bucket.{name}."), format!("aws_s3_bucket.{name}[")];
    for other in module_files(file) {
        let Some(text) = read(&other) else { continue };
        let lines: Vec<&str> = text.lines().collect();
        for start in
            lines.iter().enumerate().filter(|(_, l)| l.starts_with("resource \"aws_s3_bucket_policy\"")).map(|(i, _)| i)
        {
            let Some(end) = block_end(&text, start + 1) else { continue };
            let block = &lines[start..end];
            let bucket_line = argument_line(&text, start, end, "bucket").map(|l| lines[l]);
            if !bucket_line.is_some_and(|l| of_bucket.iter().any(|b| l.contains(b.as_str()))) {
                continue;
            }
            let count = argument_line(&text, start, end, "count")
                .map(|l| lines[l].split_once('=').map_or("", |(_, v)| v.trim()));
            let var = count
                .and_then(|c| c.strip_prefix("var."))
                .and_then(|c| c.strip_suffix("? 1 : 0"))
                .map(str::trim)
                .filter(|v| v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .ok_or_else(|| {
                    format!(
                        "the module's bucket policy ({other}:{}) is not switched by `count = var.NAME ? 1 : 0`",
                        start + 1
                    )
                })?;
            // The statements, by a deny and their condition keys — what the text tells; the
            // rescan judges the statements themselves.
            let denies = block.iter().any(|l| l.contains("\"Deny\""));
            let missing: Vec<&str> = statements
                .iter()
                .map(|s| written(s).key)
                .filter(|key| !denies || !block.iter().any(|l| l.contains(key)))
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "the module's bucket policy ({other}:{}) has no statement on {}: add it there",
                    start + 1,
                    missing.join(", ")
                ));
            }
            return Ok(var.to_string());
        }
    }
    Err("the bucket is made by a module, or with count or for_each".to_string())
}

/// The edit of the entry `KEY = false` of the map the call's `for_each` reads: written in
/// the call, or a local of the calling module.
fn for_each_entry(
    call: &crate::variables::Call,
    text: &str,
    key: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Edit), String> {
    let line = argument_line(text, call.start, call.end, "for_each").ok_or("the call has no for_each")?;
    let over = text.lines().nth(line).and_then(|l| l.split_once('=')).map(|(_, v)| v.trim()).unwrap_or_default();
    let (file, map_text, start) = match over.strip_prefix("local.") {
        Some(local) => {
            // Read by this call alone: an edit of it changes nothing else.
            let files = module_files(&call.file);
            let readers: usize = files.iter().filter_map(|f| read(f)).map(|t| local_references(&t, local)).sum();
            if readers != 1 {
                return Err(format!("local.{local} is read {readers} times in the calling module"));
            }
            let mut found = None;
            for other in files {
                let Some(t) = read(&other) else { continue };
                if let Some(i) = local_entry(&t, local) {
                    found = Some((other, t, i));
                    break;
                }
            }
            found
                .ok_or_else(|| format!("local.{local} is not a map written in a locals block of the calling module"))?
        }
        None if over.ends_with('{') => (call.file.clone(), text.to_string(), line),
        None => return Err(format!("for_each is `{over}`")),
    };
    let end = block_end(&map_text, start + 1).ok_or("the map does not end")?;
    let entry = argument_line(&map_text, start, end, key)
        .or_else(|| argument_line(&map_text, start, end, &format!("\"{key}\"")))
        .ok_or_else(|| format!("the map has no entry `{key}` of its own line"))?;
    let written =
        map_text.lines().nth(entry).and_then(|l| l.split_once('=')).map(|(_, v)| v.trim()).unwrap_or_default();
    if written.split(" #").next().unwrap_or_default().trim() != "false" {
        return Err(format!("{file}:{}: the entry is `{written}`", entry + 1));
    }
    let name = map_text.lines().nth(entry).unwrap_or_default().trim_start().split([' ', '=']).next().unwrap_or(key);
    let on = AttributeFix::set(Some("switch"), None, FixValue::Bool(true));
    let edit = at_line(&map_text, entry, name, &on).map_err(|why| format!("{file}:{}: {why}", entry + 1))?;
    changed(&map_text, edit).map(|e| (file, e))
}

/// The line (from 0) of `NAME = {` among the entries of a top-level `locals` block.
fn local_entry(text: &str, name: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let blocks =
        lines.iter().enumerate().filter(|(_, l)| l.trim_end().starts_with("locals") && l.trim_end().ends_with('{'));
    blocks.filter(|(_, l)| indentation(l).is_empty()).find_map(|(start, _)| {
        let end = block_end(text, start + 1)?;
        let line = argument_line(text, start, end, name)?;
        lines[line].trim_end().ends_with('{').then_some(line)
    })
}

/// How many times `text` reads `local.NAME` (not `local.NAME_more`).
fn local_references(text: &str, name: &str) -> usize {
    let needle = format!("local.{name}");
    text.match_indices(&needle)
        .filter(|(i, _)| {
            let next = text[i + needle.len()..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
        })
        .count()
}
