//! Fixes: the edits of Terraform and CloudFormation files that fix the violations whose
//! rule knows a safe fix ([`Fix`]): an attribute set where the finding points — its value
//! when it is written, a new line in its block when it is not —, or, by the fix's own
//! module, a bucket policy written or added to (`terraform_policy`, `yaml_policy`), a
//! parameter group's TLS parameter (`parameter_group`), a listener's redirect (`redirect`),
//! a table's or a bucket's key (`table_key`, `bucket_key`), a module's own bucket policy
//! switched on (`switch`), a key policy to review (`key_policy`, never written). Every other
//! line stays as written, and a `.tf` file's touched attributes stay aligned as
//! `terraform fmt` aligns them. A value written as `var.NAME` is fixed where Terraform takes
//! it from when nothing else reads it (`variables`); any other expression is said, for its
//! owner.
//!
//! A fix that makes AWS recreate a resource (encryption at rest of a database, a volume, a
//! cache) is made only when asked, and the plan says what will be recreated.
//!
//! Running the fix again changes nothing: a fixed resource no longer fails.
#![deny(missing_docs)]

mod bucket_key;
mod key_policy;
pub mod live;
mod parameter_group;
mod redirect;
mod switch;
mod table_key;
mod variables;

use encguard_model::{Location, Position, Span, TextEdit};
use encguard_rules::{AttributeFix, Finding, Fix, FixValue, ParameterGroup, PolicyStatement, Status};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The edits for a set of findings.
#[derive(Debug, Default)]
pub struct Plan {
    /// Each file to change, before and after, in file order.
    pub files: Vec<FileFix>,
    /// Fixes that need a person: where and what to set, and why it was not edited.
    pub manual: Vec<String>,
    /// How many findings the edits fix.
    pub fixed: usize,
    /// What the edits make AWS recreate: `FILE:LINE: what`.
    pub replacements: Vec<String>,
    /// What else applying the edits takes (a reboot), for the person applying them.
    pub notes: Vec<String>,
    /// Each edit with the fingerprint of the finding it fixes, for reports that carry
    /// fixes (SARIF).
    pub edits: Vec<(String, TextEdit)>,
    /// Changes to review, never written: key policies for keys that have none (a wrong
    /// one locks everyone out of the key), each file before and after.
    pub review: Vec<FileFix>,
}

/// One file's text before and after its edits.
#[derive(Debug)]
pub struct FileFix {
    /// The file, as the findings name it.
    pub file: String,
    /// Its text now.
    pub before: String,
    /// Its text with the fixes.
    pub after: String,
}

impl Plan {
    /// The edits as a unified diff (`a/FILE`, `b/FILE`), empty when there are none; what
    /// they make AWS recreate is said first, in lines that patch tools pass over.
    pub fn diff(&self) -> String {
        let warnings = self.replacements.iter().map(|r| format!("# applying this recreates {r}\n"));
        let notes = self.notes.iter().map(|n| format!("# {n}\n"));
        warnings.chain(notes).chain(self.files.iter().map(FileFix::diff)).collect()
    }

    /// The changes to review, as a unified diff of the files as they are.
    pub fn review_diff(&self) -> String {
        self.review.iter().map(FileFix::diff).collect()
    }
}

impl FileFix {
    fn diff(&self) -> String {
        similar::TextDiff::from_lines(&self.before, &self.after)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{}", self.file), &format!("b/{}", self.file))
            .to_string()
    }
}

/// An edit of one line: its text replaced, or a text inserted after it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Edit {
    Replace { line: usize, text: String },
    InsertAfter { line: usize, text: String },
}

impl Edit {
    fn line(&self) -> usize {
        match self {
            Edit::Replace { line, .. } | Edit::InsertAfter { line, .. } => *line,
        }
    }

    /// As a replacement of a span of `file`: whole lines, or nothing before a line.
    fn text_edit(&self, file: &str) -> TextEdit {
        let at = |line: usize| Position { line: line as u32, column: 1 };
        let (span, text) = match self {
            Edit::Replace { line, text } => (Span::new(at(*line), at(line + 1)), text),
            Edit::InsertAfter { line, text } => (Span::new(at(line + 1), at(line + 1)), text),
        };
        TextEdit { file: file.to_string(), span, text: text.clone() }
    }
}

/// What a scan read, as the fixes need it: where the calls of a module are looked for, and
/// which variables the command line gave.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// The paths scanned.
    pub roots: Vec<PathBuf>,
    /// The names of the variables `--var` gave, and `*` when a `--var-file` did (any of them).
    pub given: Vec<String>,
}

/// Plans the fixes of the open failures among `findings`; `read` gives a file's text. Fixes
/// that make AWS recreate a resource are planned only with `allow_replacement`.
pub fn plan(
    findings: &[Finding],
    scope: &Scope,
    read: impl Fn(&str) -> std::io::Result<String>,
    allow_replacement: bool,
) -> Plan {
    let mut plan = Plan::default();
    // Edits of another file than the finding's: where a variable it reads is set.
    let mut elsewhere: Vec<(String, Edit)> = Vec::new();
    // Edits to review, never written.
    let mut review: BTreeMap<String, Vec<Edit>> = BTreeMap::new();
    let mut identity_declared = BTreeSet::new();
    // The calls of modules under the scanned paths, read when a variable is first fixed.
    let read_text = |f: &str| read(f).ok();
    let calls = std::cell::OnceCell::new();
    let mut texts: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut edits: BTreeMap<String, Vec<Edit>> = BTreeMap::new();
    let mut policies: BTreeMap<(String, String), NewPolicy> = BTreeMap::new();
    for finding in findings.iter().filter(|f| f.status == Status::Fail && f.is_open()) {
        let Some(fix) = finding.fix.as_deref().cloned() else { continue };
        let Location::File { format, file, line, column, .. } = &finding.location else {
            plan.manual.push(format!("{} {}: {}", finding.rule, finding.resource, finding.remediation));
            continue;
        };
        // Where the attribute is set: where the finding points, or at each failing part.
        let (fix, places) = match fix {
            Fix::Set(fix) => (fix, vec![(*line, *column)]),
            Fix::SetEach(_, spans) if spans.is_empty() => {
                plan.manual.push(format!(
                    "{file}:{line}: {} on {}: the failing parts have no place of their own in the code (made by `dynamic`); {}",
                    finding.rule, finding.resource, finding.remediation
                ));
                continue;
            }
            Fix::SetEach(fix, spans) => (fix, spans.iter().map(|s| (s.start.line, s.start.column)).collect()),
            // A bucket has one policy: its statements are gathered, then written once.
            Fix::BucketPolicy(statement) | Fix::AddToBucketPolicy(statement) => {
                let policy = policies.entry((file.clone(), finding.resource.clone())).or_insert_with(|| NewPolicy {
                    format: format.clone(),
                    line: *line,
                    existing: false,
                    statements: BTreeSet::new(),
                    fixes: Vec::new(),
                });
                policy.existing |= matches!(fix, Fix::AddToBucketPolicy(_));
                policy.statements.insert(statement);
                policy.fixes.push((finding.rule, finding.fingerprint.clone()));
                continue;
            }
            // Only a live key is pending deletion: `remediate` cancels it.
            Fix::CancelKeyDeletion => continue,
            // Fixes of their own module: edits of the finding's file, or of another file of
            // its module (a bucket's encryption configuration).
            Fix::RedirectToHttps { .. } | Fix::TableKey(_) | Fix::BucketKey { .. } => {
                let text = texts.entry(file.clone()).or_insert_with(|| read(file).ok());
                let here =
                    |made: Result<Vec<Edit>, String>| made.map(|e| e.into_iter().map(|e| (file.clone(), e)).collect());
                let made: Result<Vec<(String, Edit)>, String> = match (text.as_deref(), format.as_str(), &fix) {
                    (None, ..) => Err("the file cannot be read".to_string()),
                    (Some(_), ..) if file.ends_with(".json") => Err("JSON files are not edited".to_string()),
                    (Some(text), "terraform", Fix::RedirectToHttps { port }) => {
                        here(redirect::terraform(text, *line, *port))
                    }
                    (Some(text), "cloudformation", Fix::RedirectToHttps { port }) => {
                        here(redirect::cloudformation(text, *line, *port))
                    }
                    (Some(text), "terraform", Fix::TableKey(key)) => {
                        here(key_arn(key).and_then(|_| table_key::terraform(text, *line, key)))
                    }
                    (Some(_), "cloudformation", Fix::TableKey(_))
                        if finding.resource_type == "AWS::DynamoDB::GlobalTable" =>
                    {
                        Err("a global table's key is set in each replica's SSESpecification".to_string())
                    }
                    (Some(text), "cloudformation", Fix::TableKey(key)) => {
                        here(table_key::cloudformation(text, *line, key))
                    }
                    (Some(text), "terraform", Fix::BucketKey { key, configured }) => {
                        let bucket = (file.as_str(), *line, finding.resource.as_str(), *configured);
                        bucket_key::terraform(text, bucket, key, &read_text)
                    }
                    (Some(text), "cloudformation", Fix::BucketKey { key, .. }) => {
                        here(bucket_key::cloudformation(text, *line, &finding.resource, key))
                    }
                    (Some(_), other, _) => Err(format!("{other} files are not edited")),
                };
                match made {
                    Ok(made) => {
                        record(made, file, &finding.fingerprint, &mut plan, &mut edits, &mut elsewhere);
                        plan.fixed += 1;
                    }
                    Err(why) => plan.manual.push(format!(
                        "{file}:{line}: {} on {}: {why}; {}",
                        finding.rule, finding.resource, finding.remediation
                    )),
                }
                continue;
            }
            Fix::BlockSseC => {
                plan.manual.push(format!(
                    "{file}:{line}: {} on {}: add \"SSE-C\" to the default encryption rule's blocked_encryption_types \
                     (BlockedEncryptionTypes.EncryptionType), in place of \"NONE\"",
                    finding.rule, finding.resource
                ));
                continue;
            }
            Fix::TlsParameter(tls) => {
                let at = (file.as_str(), format.as_str(), *line, *column);
                match parameter_group::edits(&tls, &finding.resource, at, &read_text) {
                    Ok(made) => {
                        // A group several databases use is edited once.
                        record(made, file, &finding.fingerprint, &mut plan, &mut edits, &mut elsewhere);
                        if let ParameterGroup::New { .. } = tls.group {
                            plan.notes.push(format!(
                                "`{}` ({file}:{line}) takes its new parameter group when the change is applied \
                                 (at once, or in its maintenance window) and it reboots",
                                finding.resource
                            ));
                        }
                        plan.fixed += 1;
                    }
                    Err(why) => {
                        plan.manual.push(format!("{file}:{line}: {} on {}: {why}", finding.rule, finding.resource))
                    }
                }
                continue;
            }
            Fix::ProposeKeyPolicy { administrators, users } => {
                let text = texts.entry(file.clone()).or_insert_with(|| read(file).ok());
                let proposed = match (text.as_deref(), format.as_str()) {
                    (None, _) => Err("the file cannot be read".to_string()),
                    (Some(_), _) if file.ends_with(".json") => Err("JSON files are not edited".to_string()),
                    (Some(text), "terraform") => {
                        // The data source goes after the key's block, where the finding is.
                        let lines: Vec<&str> = text.lines().take(*line as usize).collect();
                        let block =
                            lines.iter().rposition(|l| l.starts_with("resource ")).map_or(*line, |i| i as u32 + 1);
                        let (account, declare) = caller_identity(file, text, block, &read);
                        // One declaration for the keys of a module that has none.
                        let dir =
                            std::path::Path::new(file).parent().map(std::path::Path::to_path_buf).unwrap_or_default();
                        let declare = declare.filter(|_| identity_declared.insert(dir));
                        key_policy::terraform(text, *line, &account, &administrators, &users)
                            .map(|e| e.into_iter().chain(declare).collect())
                    }
                    (Some(text), "cloudformation") => key_policy::cloudformation(text, *line, &administrators, &users),
                    (Some(_), other) => Err(format!("{other} files are not edited")),
                };
                match proposed {
                    // A key that fails several rules gets one proposal.
                    Ok(new_edits) => {
                        let proposals = review.entry(file.clone()).or_default();
                        for edit in new_edits {
                            if !proposals.contains(&edit) {
                                proposals.push(edit);
                            }
                        }
                    }
                    Err(why) => {
                        plan.manual.push(format!("{file}:{line}: {} on {}: {why}", finding.rule, finding.resource))
                    }
                }
                continue;
            }
        };
        if let (Some(what), false) = (fix.replaces, allow_replacement) {
            plan.manual.push(format!(
                "{file}:{line}: {} on {}: the fix recreates {what}; run with --allow-replacement to make it",
                finding.rule, finding.resource
            ));
            continue;
        }
        let text = texts.entry(file.clone()).or_insert_with(|| read(file).ok());
        let Some(text) = text.as_deref() else {
            plan.manual.push(format!("{file}: cannot be read to fix {} on {}", finding.rule, finding.resource));
            continue;
        };
        // `attribute = var.NAME`: the edit is where the variable is set, if nothing else reads it.
        let variable = match (format.as_str(), fix.terraform, places.as_slice()) {
            ("terraform", Some(name), [(line, column)]) => variable_read(text, *line, *column, name),
            _ => None,
        };
        if let Some(var) = variable {
            let calls = calls.get_or_init(|| variables::Calls::under(&scope.roots, &read_text));
            match variables::variable_edit(file, &finding.resource, &var, &fix, calls, &scope.given, &read_text) {
                Ok((other, edit)) => {
                    plan.edits.push((finding.fingerprint.clone(), edit.text_edit(&other)));
                    elsewhere.push((other, edit));
                    plan.fixed += 1;
                }
                Err(why) => plan.manual.push(format!(
                    "{file}:{line}: {} on {}: `{}` is set from `var.{var}`: {why}",
                    finding.rule,
                    finding.resource,
                    fix.terraform.unwrap_or_default()
                )),
            }
            continue;
        }
        let edit_at = |(line, column): (u32, u32)| match format.as_str() {
            "terraform" if !file.ends_with(".json") => fix.terraform.map(|name| match &fix.value {
                FixValue::Chosen(key) if name.ends_with("_arn") => {
                    key_arn(key).and_then(|_| hcl_edit(text, line, column, name, &fix)).map(|e| vec![e])
                }
                _ => hcl_edit(text, line, column, name, &fix).map(|e| vec![e]),
            }),
            "cloudformation" if file.ends_with(".json") => {
                fix.cloudformation.map(|name| json_edit(text, line, column, name, &fix).map(|e| vec![e]))
            }
            "cloudformation" => fix.cloudformation.map(|name| {
                yaml_block_list(text, line, column, name, &fix)
                    .unwrap_or_else(|| yaml_edit(text, line, column, name, &fix).map(|e| vec![e]))
            }),
            _ => None,
        };
        // Every place edited, or none: a part left failing is for a person.
        let edit: Option<Result<Vec<Vec<Edit>>, String>> = places.into_iter().map(edit_at).collect();
        let edit = edit.map(|e| e.map(|places| places.into_iter().flatten().collect::<Vec<_>>()));
        match edit {
            Some(Ok(new_edits)) => {
                let file_edits = edits.entry(file.clone()).or_default();
                // Two other texts for one line: neither is made.
                let clash = new_edits.iter().enumerate().any(|(i, e)| {
                    new_edits[..i].iter().chain(file_edits.iter()).any(|o| {
                        matches!((o, e), (Edit::Replace { .. }, Edit::Replace { .. })) && o.line() == e.line() && o != e
                    })
                });
                if clash {
                    plan.manual.push(format!(
                        "{file}:{line}: {} on {}: two fixes edit one line; {}",
                        finding.rule, finding.resource, finding.remediation
                    ));
                    continue;
                }
                for edit in new_edits {
                    plan.edits.push((finding.fingerprint.clone(), edit.text_edit(file)));
                    if !file_edits.contains(&edit) {
                        file_edits.push(edit);
                    }
                }
                if let Some(what) = fix.replaces {
                    let replaced = format!("{what} `{}` ({file}:{line})", finding.resource);
                    if !plan.replacements.contains(&replaced) {
                        plan.replacements.push(replaced);
                    }
                }
                plan.fixed += 1;
            }
            Some(Err(why)) => {
                plan.manual.push(format!("{file}:{line}: {} on {}: {why}", finding.rule, finding.resource))
            }
            None => plan.manual.push(format!(
                "{file}:{line}: {} on {}: {} ({format} files are not edited)",
                finding.rule, finding.resource, finding.remediation
            )),
        }
    }
    for ((file, bucket), policy) in policies {
        let text = texts.entry(file.clone()).or_insert_with(|| read(&file).ok());
        let statements = &policy.statements;
        let here = |edits: Result<Vec<Edit>, String>| edits.map(|e| e.into_iter().map(|e| (file.clone(), e)).collect());
        let edit: Result<Vec<(String, Edit)>, String> = match (text.as_deref(), policy.format.as_str()) {
            (None, _) => Err("the file cannot be read".to_string()),
            (Some(_), _) if file.ends_with(".json") => Err("JSON files are not edited".to_string()),
            (Some(text), "terraform") if policy.existing => here(terraform_add(text, &bucket, statements)),
            (Some(text), "cloudformation") if policy.existing => here(yaml_add(text, &bucket, statements)),
            // A module's bucket: the module's own policy, switched on for the instance.
            (Some(_), "terraform") if bucket.starts_with("module.") => {
                let calls = calls.get_or_init(|| variables::Calls::under(&scope.roots, &read_text));
                switch::policy_switch(&file, &bucket, statements, calls, &read_text).map(|e| vec![e])
            }
            (Some(_), "terraform") if module_declares_policy(&file, &bucket) => {
                Err("another file of the module declares an aws_s3_bucket_policy of the bucket's name".to_string())
            }
            (Some(text), "terraform") => {
                here(terraform_policy(text, policy.line, &bucket, statements).map(|e| vec![e]))
            }
            (Some(text), "cloudformation") => {
                here(yaml_policy(text, policy.line, &bucket, statements).map(|e| vec![e]))
            }
            (Some(_), other) => Err(format!("{other} files are not edited")),
        };
        // Each rule once, though findings of several module instances share the bucket's place.
        let rules: BTreeSet<&str> = policy.fixes.iter().map(|(rule, _)| *rule).collect();
        match edit {
            Ok(new_edits) => {
                plan.fixed += policy.fixes.len();
                // Carried by the first finding only: applied from each, the policy would be
                // written twice. Instances of one call may be switched on by one edit: made once.
                if let Some((_, fingerprint)) = policy.fixes.first() {
                    record(new_edits, &file, fingerprint, &mut plan, &mut edits, &mut elsewhere);
                }
            }
            Err(why) => plan.manual.push(format!(
                "{file}:{}: {} on {bucket}: {why}; {} the bucket a policy statement that denies {}",
                policy.line,
                rules.into_iter().collect::<Vec<_>>().join(", "),
                if policy.existing { "add to" } else { "give" },
                statements.iter().map(describe).collect::<Vec<_>>().join(" and ")
            )),
        }
    }
    for (file, edit) in elsewhere {
        // One file, however its path is spelled: its edits are made together.
        let same = |known: &String| {
            let canonical = |f: &str| std::fs::canonicalize(f).ok();
            known == &file || (canonical(known).is_some() && canonical(known) == canonical(&file))
        };
        let file = texts.keys().find(|k| same(k)).cloned().unwrap_or(file);
        texts.entry(file.clone()).or_insert_with(|| read(&file).ok());
        let file_edits = edits.entry(file).or_default();
        if !file_edits.contains(&edit) {
            file_edits.push(edit);
        }
    }
    plan.review = review.into_iter().map(|(file, e)| edited(&file, texts.get(&file).cloned().flatten(), e)).collect();
    // Every file edited has its text, whichever fix read it first.
    plan.files = edits
        .into_iter()
        .map(|(file, e)| edited(&file, texts.remove(&file).flatten().or_else(|| read(&file).ok()), e))
        .collect();
    plan
}

/// Whether the policy file's key can be written where Terraform wants a key ARN: the
/// provider refuses an alias, and AWS reads back the key's ARN (an alias ARN would differ
/// from it on every plan).
fn key_arn(key: &str) -> Result<(), String> {
    match key.starts_with("arn:") && key.contains(":key/") {
        true => Ok(()),
        false => Err(format!(
            "Terraform wants the key's ARN here, and the policy file names `{key}`: name the key by its ARN in [fix] kms_keys"
        )),
    }
}

/// Records the edits a finding's fix makes, each once, carried by `fingerprint` (for
/// SARIF): those of the finding's own `file` with its edits; those of another file (a
/// parameter group, a module's call or configuration) with `elsewhere`, merged at the end
/// with that file's other edits however its path is spelt.
fn record(
    made: Vec<(String, Edit)>,
    file: &str,
    fingerprint: &str,
    plan: &mut Plan,
    edits: &mut BTreeMap<String, Vec<Edit>>,
    elsewhere: &mut Vec<(String, Edit)>,
) {
    for (other, edit) in made {
        let text_edit = edit.text_edit(&other);
        let new = if other == file {
            let file_edits = edits.entry(other).or_default();
            let new = !file_edits.contains(&edit);
            if new {
                file_edits.push(edit);
            }
            new
        } else {
            let made = (other, edit);
            let new = !elsewhere.contains(&made);
            if new {
                elsewhere.push(made);
            }
            new
        };
        if new {
            plan.edits.push((fingerprint.to_string(), text_edit));
        }
    }
}

/// `file`, whose text is `before`, with `edits` made.
fn edited(file: &str, before: Option<String>, mut edits: Vec<Edit>) -> FileFix {
    let before = before.unwrap_or_default();
    let mut lines: Vec<String> = before.split_inclusive('\n').map(str::to_string).collect();
    // From the end, so that earlier line numbers stay right.
    edits.sort_by_key(|e| std::cmp::Reverse(e.line()));
    for edit in edits {
        match edit {
            Edit::Replace { line, text } => lines[line - 1] = text,
            Edit::InsertAfter { line, text } => {
                if !lines[line - 1].ends_with('\n') {
                    lines[line - 1].push('\n');
                }
                lines.insert(line, text);
            }
        }
    }
    let after = lines.concat();
    let after = if file.ends_with(".tf") { aligned(&before, &after) } else { after };
    FileFix { file: file.to_string(), before, after }
}

/// `after` with the `=` of each run of attributes that an edit touched aligned as
/// `terraform fmt` aligns them: one space past the longest name of the run, a run being
/// consecutive `name = value` lines of one indentation whose value ends on the line (a
/// blank line, a comment, a nested block or a value over several lines ends it). So the fixed file stays as `terraform fmt -check` wants it.
fn aligned(before: &str, after: &str) -> String {
    let mut lines: Vec<String> = after.split_inclusive('\n').map(str::to_string).collect();
    let touched: BTreeSet<usize> = similar::TextDiff::from_lines(before, after)
        .iter_all_changes()
        .filter(|c| c.tag() == similar::ChangeTag::Insert)
        .filter_map(|c| c.new_index())
        .collect();
    let name_of = |line: &str| -> Option<(String, usize)> {
        let body = line.trim_start();
        let name_end = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))?;
        let rest = body[name_end..].trim_start();
        let assigns = name_end > 0 && rest.starts_with('=') && !rest.starts_with("==");
        // A value that goes on over the next lines (`[`, `jsonencode({`, a heredoc) is not aligned.
        let value = rest.split(" #").next().unwrap_or_default().trim_end();
        let one_line = !value.ends_with(['{', '[', '(']) && !value.contains("<<");
        (assigns && one_line).then(|| (indentation(line).to_string(), name_end))
    };
    let mut done = BTreeSet::new();
    for &i in &touched {
        let Some((ind, _)) = name_of(&lines[i]).filter(|_| !done.contains(&i)) else { continue };
        let in_run = |j: usize| name_of(&lines[j]).is_some_and(|(other, _)| other == ind);
        let first = (0..i).rev().take_while(|&j| in_run(j)).last().unwrap_or(i);
        let last = (i + 1..lines.len()).take_while(|&j| in_run(j)).last().unwrap_or(i);
        let width = (first..=last).filter_map(|j| name_of(&lines[j])).map(|(_, n)| n).max().unwrap_or_default();
        for line in &mut lines[first..=last] {
            let (_, n) = name_of(line).expect("in the run");
            let body = &line[ind.len()..];
            let value = body[n..].trim_start()[1..].trim_start();
            *line = format!("{ind}{:width$} = {value}", &body[..n]);
        }
        done.extend(first..=last);
    }
    lines.concat()
}

/// The expression of the account's id in the module of `file` — its `aws_caller_identity`
/// data source — and, when the module has none, the edit that declares one after the
/// block on `line`.
fn caller_identity(
    file: &str,
    text: &str,
    line: u32,
    read: &impl Fn(&str) -> std::io::Result<String>,
) -> (String, Option<Edit>) {
    for other in variables::module_files(file) {
        let Ok(source) = read(&other) else { continue };
        let declared = source.lines().find_map(|l| {
            let rest = l.trim_start().strip_prefix("data \"aws_caller_identity\" \"")?;
            rest.split('"').next().map(str::to_string)
        });
        if let Some(name) = declared {
            return (format!("data.aws_caller_identity.{name}.account_id"), None);
        }
    }
    let end = block_end(text, line as usize).unwrap_or(line as usize);
    let declare = Edit::InsertAfter { line: end, text: "\ndata \"aws_caller_identity\" \"current\" {}\n".into() };
    ("data.aws_caller_identity.current.account_id".into(), Some(declare))
}

/// The statements a bucket's findings ask its policy for — a new one, or the one it has —
/// and which findings those are.
struct NewPolicy {
    format: String,
    /// The bucket's line.
    line: u32,
    /// Whether the bucket has a policy of its own, to add the statements to.
    existing: bool,
    statements: BTreeSet<PolicyStatement>,
    /// (rule, fingerprint) of each finding the policy fixes.
    fixes: Vec<(&'static str, String)>,
}

/// A statement as a person reads it.
fn describe(statement: &PolicyStatement) -> String {
    match statement {
        PolicyStatement::DenyInsecureTransport => "requests without TLS".to_string(),
        PolicyStatement::DenyTlsBelow(v) => format!("TLS below {v}"),
        PolicyStatement::DenyUnencryptedUploads => "uploads that do not ask for encryption".to_string(),
    }
}

/// The parts of a deny statement a bucket policy fix writes.
pub(crate) struct Written {
    pub sid: String,
    /// `s3:*`, or the one action denied.
    pub action: &'static str,
    /// Whether it denies on the objects only, rather than on the bucket and its objects.
    pub objects_only: bool,
    /// The condition: operator, key, and values (a list when more than one).
    pub operator: &'static str,
    pub key: &'static str,
    pub values: &'static [&'static str],
}

impl Written {
    /// The condition's values as JSON, HCL and YAML flow write them alike.
    pub fn values(&self) -> String {
        match self.values {
            [one] => format!("\"{one}\""),
            many => format!("[{}]", many.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")),
        }
    }
}

pub(crate) fn written(statement: &PolicyStatement) -> Written {
    let deny_all = |sid: String, operator, key, values| Written {
        sid,
        action: "s3:*",
        objects_only: false,
        operator,
        key,
        values,
    };
    match statement {
        PolicyStatement::DenyInsecureTransport => {
            deny_all("DenyInsecureTransport".into(), "Bool", "aws:SecureTransport", &["false"])
        }
        PolicyStatement::DenyTlsBelow(v) => {
            let values: &'static [&'static str] = match *v {
                "1.3" => &["1.3"],
                _ => &["1.2"],
            };
            deny_all(format!("DenyTlsBelow{}", v.replace('.', "")), "NumericLessThan", "s3:TlsVersion", values)
        }
        // StringNotEquals matches a request without the header too.
        PolicyStatement::DenyUnencryptedUploads => Written {
            sid: "DenyUnencryptedUploads".into(),
            action: "s3:PutObject",
            objects_only: true,
            operator: "StringNotEquals",
            key: "s3:x-amz-server-side-encryption",
            values: &["AES256", "aws:kms", "aws:kms:dsse"],
        },
    }
}

/// An `aws_s3_bucket_policy` for the bucket `aws_s3_bucket.NAME` whose block starts at
/// `line`, written right after the block.
fn terraform_policy(
    text: &str,
    line: u32,
    bucket: &str,
    statements: &BTreeSet<PolicyStatement>,
) -> Result<Edit, String> {
    let name = bucket_name(bucket)?;
    if text.contains(&format!("resource \"aws_s3_bucket_policy\" \"{name}\"")) {
        return Err(format!("an aws_s3_bucket_policy named `{name}` exists already"));
    }
    let (start, current, _) = pointed(text, line, 1)?;
    let end = block_end(text, start).ok_or("the bucket's block does not end")?;
    let ind = indentation(current);
    let arn = format!("aws_s3_bucket.{name}.arn");
    let body: String = statements.iter().map(|s| hcl_statement(s, &arn, &format!("{ind}      "))).collect();
    Ok(Edit::InsertAfter {
        line: end,
        text: format!(
            "\n{ind}resource \"aws_s3_bucket_policy\" \"{name}\" {{\n{ind}  bucket = aws_s3_bucket.{name}.id\n\
             {ind}  policy = jsonencode({{\n{ind}    Version = \"2012-10-17\"\n{ind}    Statement = [\n{body}{ind}    ]\n\
             {ind}  }})\n{ind}}}\n"
        ),
    })
}

/// The NAME of a bucket written `aws_s3_bucket.NAME`: not one a module or `count`/`for_each`
/// makes.
fn bucket_name(bucket: &str) -> Result<&str, String> {
    bucket
        .strip_prefix("aws_s3_bucket.")
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .ok_or_else(|| "the bucket is made by a module, or with count or for_each".to_string())
}

/// A statement of a `jsonencode` policy, as a list element at indentation `at`, for the
/// bucket whose ARN is the expression `arn`.
fn hcl_statement(statement: &PolicyStatement, arn: &str, at: &str) -> String {
    let w = written(statement);
    let (sid, action, operator, key, values) = (&w.sid, w.action, w.operator, w.key, w.values());
    let resource = if w.objects_only { format!("\"${{{arn}}}/*\"") } else { format!("{arn}, \"${{{arn}}}/*\"") };
    format!(
        "{at}{{\n{at}  Sid       = \"{sid}\"\n{at}  Effect    = \"Deny\"\n{at}  Principal = \"*\"\n\
         {at}  Action    = \"{action}\"\n{at}  Resource  = [{resource}]\n\
         {at}  Condition = {{ {operator} = {{ \"{key}\" = {values} }} }}\n{at}}},\n"
    )
}

/// A statement of a template's `PolicyDocument`, as a list item at indentation `item`
/// (nested by `step`), for the bucket whose logical id is `bucket`.
fn yaml_statement(statement: &PolicyStatement, bucket: &str, item: &str, step: &str) -> String {
    let w = written(statement);
    let (sid, action, operator, key, values) = (&w.sid, w.action, w.operator, w.key, w.values());
    // An item's keys line up after its `- `.
    let key_at = format!("{item}  ");
    let (nested, deeper) = (format!("{key_at}{step}"), format!("{key_at}{step}{step}"));
    let bucket_itself = if w.objects_only { String::new() } else { format!("{nested}- !GetAtt {bucket}.Arn\n") };
    format!(
        "{item}- Sid: {sid}\n{key_at}Effect: Deny\n{key_at}Principal: \"*\"\n{key_at}Action: \"{action}\"\n\
         {key_at}Resource:\n{bucket_itself}{nested}- !Sub \"${{{bucket}.Arn}}/*\"\n\
         {key_at}Condition:\n{nested}{operator}:\n{deeper}{key}: {values}\n",
    )
}

/// A statement whose Sid the policy's text holds already is the owner's: not added twice,
/// nor over theirs.
fn sid_taken(list: &str, statements: &BTreeSet<PolicyStatement>) -> Result<(), String> {
    // Each `Sid = "…"` (HCL) or `Sid: …` (YAML) of the list, without quotes or comment.
    let sids: Vec<&str> = list
        .lines()
        .filter_map(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim_start();
            let rest = l.strip_prefix("\"Sid\"").or_else(|| l.strip_prefix("Sid"))?.trim_start();
            let value = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':'))?;
            let value = value.split(" #").next()?.split(" //").next()?.trim();
            Some(value.trim_matches(['"', '\'']))
        })
        .collect();
    for statement in statements {
        let sid = written(statement).sid;
        if sids.contains(&sid.as_str()) {
            return Err(format!("the policy has a statement {sid} of its own"));
        }
    }
    Ok(())
}

/// The statements added to the `jsonencode` policy of the `aws_s3_bucket_policy` of
/// `aws_s3_bucket.NAME` in the same file, before the `]` that closes its `Statement` list.
fn terraform_add(text: &str, bucket: &str, statements: &BTreeSet<PolicyStatement>) -> Result<Vec<Edit>, String> {
    let name = bucket_name(bucket)?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // `bucket = aws_s3_bucket.NAME.id` (or `.bucket`), and nothing else: not a data source's.
    let names_bucket = |l: &&str| {
        let value = l.trim().strip_prefix("bucket").map(str::trim_start).and_then(|r| r.strip_prefix('='));
        let value = value.map(|v| v.split(" #").next().unwrap_or(v).trim());
        value.is_some_and(|v| [".id", ".bucket"].iter().any(|a| v == format!("aws_s3_bucket.{name}{a}")))
    };
    let policies: Vec<(usize, usize)> = (0..lines.len())
        .filter(|&i| lines[i].trim_start().starts_with("resource \"aws_s3_bucket_policy\""))
        .filter_map(|i| block_end(text, i + 1).map(|end| (i, end)))
        .filter(|&(i, end)| lines[i..end].iter().any(names_bucket))
        .collect();
    let [(start, end)] = policies[..] else {
        return Err(match policies.len() {
            0 => "the bucket's aws_s3_bucket_policy is not in this file".into(),
            _ => "the bucket has several aws_s3_bucket_policy resources here".into(),
        });
    };
    let open = (start..end)
        .find(|&j| lines[j].trim_start().starts_with("Statement") && lines[j].trim_end().ends_with('['))
        .ok_or("the policy is not a jsonencode() whose Statement list is written over lines")?;
    let ind = indentation(lines[open]);
    let close = (open + 1..end)
        .find(|&j| indentation(lines[j]) == ind && lines[j].trim_start().starts_with(']'))
        .ok_or("the policy's Statement list does not close on a line of its own")?;
    sid_taken(&lines[open..close].concat(), statements)?;
    let element = lines[open + 1..close]
        .iter()
        .find(|l| !l.trim().is_empty())
        .map_or_else(|| format!("{ind}  "), |l| indentation(l).to_string());
    let arn = format!("aws_s3_bucket.{name}.arn");
    let mut edits = Vec::new();
    // The element before the new ones needs its comma.
    if let Some(last) = (open + 1..close).rev().find(|&j| !lines[j].trim().is_empty()) {
        let written = lines[last].trim_end();
        match written.chars().last() {
            Some(',') => {}
            Some('}') => edits.push(Edit::Replace { line: last + 1, text: format!("{written},\n") }),
            _ => return Err("the policy's last statement does not end where a comma can follow".into()),
        }
    }
    let body: String = statements.iter().map(|s| hcl_statement(s, &arn, &element)).collect();
    edits.push(Edit::InsertAfter { line: close, text: body });
    Ok(edits)
}

/// The statements added to the `Statement` list of the template's one
/// `AWS::S3::BucketPolicy` whose `Bucket` is `!Ref BUCKET`, after its last item.
fn yaml_add(text: &str, bucket: &str, statements: &BTreeSet<PolicyStatement>) -> Result<Vec<Edit>, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let content = |j: usize| !lines[j].trim().is_empty() && !lines[j].trim_start().starts_with('#');
    let depth = |j: usize| indentation(lines[j]).len();
    let resources = lines.iter().position(|l| l.trim_end() == "Resources:").ok_or("the template has no Resources")?;
    let child = (resources + 1..lines.len()).find(|&j| content(j)).map(depth).ok_or("the template has no resources")?;
    // Each resource: its header line, and the end of its body.
    let mut found = Vec::new();
    let mut i = resources + 1;
    while i < lines.len() {
        if !content(i) || depth(i) > child {
            i += 1;
            continue;
        }
        if depth(i) < child {
            break;
        }
        let end = (i + 1..lines.len()).find(|&j| content(j) && depth(j) <= child).unwrap_or(lines.len());
        let holds = |wanted: &str| lines[i + 1..end].iter().any(|l| l.trim() == wanted);
        if holds("Type: AWS::S3::BucketPolicy") && holds(&format!("Bucket: !Ref {bucket}")) {
            found.push((i, end));
        }
        i = end;
    }
    let [(header, end)] = found[..] else {
        return Err(match found.len() {
            0 => "the bucket's policy is not an AWS::S3::BucketPolicy of this template with Bucket: !Ref".into(),
            _ => "the bucket has several AWS::S3::BucketPolicy resources here".into(),
        });
    };
    let step = " ".repeat((header + 1..end).find(|&j| content(j)).map_or(2, |j| depth(j) - child));
    let document = (header..end)
        .find(|&j| lines[j].trim_end().ends_with("PolicyDocument:"))
        .ok_or("its PolicyDocument is not written as a block")?;
    let list = (document..end)
        .find(|&j| lines[j].trim() == "Statement:" && depth(j) > depth(document))
        .ok_or("its Statement is not a block list")?;
    let first = (list + 1..end).find(|&j| content(j)).ok_or("its Statement list is empty")?;
    if !lines[first].trim_start().starts_with("- ") {
        return Err("its Statement is not a block list".into());
    }
    let item = indentation(lines[first]);
    let after = (first + 1..end)
        .find(|&j| {
            content(j)
                && (depth(j) < item.len() || (depth(j) == item.len() && !lines[j].trim_start().starts_with("- ")))
        })
        .unwrap_or(end);
    let last = (first..after).rev().find(|&j| content(j)).unwrap_or(first);
    sid_taken(&lines[list..after].concat(), statements)?;
    let body: String = statements.iter().map(|s| yaml_statement(s, bucket, item, &step)).collect();
    Ok(vec![Edit::InsertAfter { line: last + 1, text: body }])
}

/// Whether another `.tf` file of `file`'s module declares `aws_s3_bucket_policy` under
/// the name the fix would give the bucket's (`aws_s3_bucket.NAME`).
fn module_declares_policy(file: &str, bucket: &str) -> bool {
    let Ok(name) = bucket_name(bucket) else { return false };
    let declared = format!("resource \"aws_s3_bucket_policy\" \"{name}\"");
    let this = std::path::Path::new(file).file_name();
    variables::module_files(file).into_iter().any(|other| {
        std::path::Path::new(&other).file_name() != this
            && std::fs::read_to_string(&other).is_ok_and(|t| t.contains(&declared))
    })
}

/// The line on which the HCL block opened on line `start` closes: braces counted outside
/// strings and comments (`#`, `//` and `/* … */`).
fn block_end(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_comment = false;
    for (i, line) in text.split_inclusive('\n').enumerate().skip(start - 1) {
        for c in brackets(line, &mut in_comment) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// The brackets of an HCL line — `(`, `[`, `{` and their closers — outside strings and
/// comments (`#`, `//` and `/* … */`), in order; `in_comment` carries a `/* … */` comment
/// from one line to the next.
fn brackets(line: &str, in_comment: &mut bool) -> Vec<char> {
    let mut found = Vec::new();
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if *in_comment {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                *in_comment = false;
            }
            continue;
        }
        match (in_string, c) {
            (true, '\\') => {
                chars.next();
            }
            (_, '"') => in_string = !in_string,
            (false, '#') => break,
            (false, '/') if chars.peek() == Some(&'/') => break,
            (false, '/') if chars.peek() == Some(&'*') => {
                chars.next();
                *in_comment = true;
            }
            (false, '(' | ')' | '[' | ']' | '{' | '}') => found.push(c),
            _ => {}
        }
    }
    found
}

/// An `AWS::S3::BucketPolicy` for the bucket whose logical id is on `line`, written right
/// after the bucket.
fn yaml_policy(text: &str, line: u32, bucket: &str, statements: &BTreeSet<PolicyStatement>) -> Result<Edit, String> {
    let next = Sibling::of(text, line, bucket, &format!("{bucket}Policy"))?;
    let (only_if, step) = (&next.only_if, &next.step);
    let statements: String = statements.iter().map(|s| yaml_statement(s, bucket, &next.at(4), step)).collect();
    Ok(next.written(format!(
        "{}Type: AWS::S3::BucketPolicy\n{only_if}{}Properties:\n{}Bucket: !Ref {bucket}\n{}PolicyDocument:\n\
         {}Version: \"2012-10-17\"\n{}Statement:\n{statements}",
        next.at(1),
        next.at(1),
        next.at(2),
        next.at(2),
        next.at(3),
        next.at(3)
    )))
}

/// A new template resource `id`, written right after the resource whose logical id is on
/// `line`: where it goes and how the template indents.
pub(crate) struct Sibling {
    /// The new resource's logical id.
    pub id: String,
    /// The line after which it goes (the last of the resource's body, from 1).
    last: usize,
    /// The indentation of logical ids, and one step of the template's indentation.
    pub ind: String,
    pub step: String,
    /// The resource's `Condition:` line, if it has one: the new one is made under the same.
    pub only_if: String,
}

impl Sibling {
    /// The new resource `id` after `resource`, whose logical id the finding points at.
    pub(crate) fn of(text: &str, line: u32, resource: &str, id: &str) -> Result<Sibling, String> {
        let (start, current, _) = pointed(text, line, 1)?;
        if current.trim() != format!("{resource}:") {
            return Err(format!("the finding does not point at `{resource}`'s logical id"));
        }
        let ind = indentation(current).to_string();
        if text.split_inclusive('\n').any(|l| l.trim_end() == format!("{ind}{id}:")) {
            return Err(format!("a resource named `{id}` exists already"));
        }
        let body = yaml_body(text, start, ind.len());
        let (&(last, _), &(_, first)) = body.last().zip(body.first()).ok_or("the resource has no body")?;
        let step = indentation(first)[ind.len()..].to_string();
        let only_if = body
            .iter()
            .find(|(_, l)| indentation(l) == indentation(first) && l.trim_start().starts_with("Condition:"))
            .map_or(String::new(), |(_, l)| l.to_string());
        Ok(Sibling { id: id.to_string(), last: last + 1, ind, step, only_if })
    }

    /// The indentation `depth` steps inside the new resource.
    pub(crate) fn at(&self, depth: usize) -> String {
        format!("{}{}", self.ind, self.step.repeat(depth))
    }

    /// The edit that writes the new resource, whose body (from `Type:` on) is `body`.
    pub(crate) fn written(&self, body: String) -> Edit {
        Edit::InsertAfter { line: self.last, text: format!("\n{}{}:\n{body}", self.ind, self.id) }
    }
}

/// The `Properties:` line (its index) of a template resource whose body is `body`, its keys
/// indented `child`, and how its properties are indented; none when it has no Properties.
fn properties(body: &[(usize, &str)], child: &str) -> Result<Option<(usize, String)>, String> {
    let Some(&(i, line)) =
        body.iter().find(|(_, l)| indentation(l) == child && l.trim_start().starts_with("Properties:"))
    else {
        return Ok(None);
    };
    if !line.trim_end().ends_with("Properties:") {
        return Err("its Properties are written inline".to_string());
    }
    Ok(Some((i, inner_indentation(body, i, child))))
}

/// How the keys under the body line of index `at` are indented: as the line after it, when
/// deeper than `outer`; else two spaces deeper.
fn inner_indentation(body: &[(usize, &str)], at: usize, outer: &str) -> String {
    body.iter()
        .find(|(j, _)| *j > at)
        .map(|(_, l)| indentation(l).to_string())
        .filter(|ind| ind.len() > outer.len())
        .unwrap_or_else(|| format!("{outer}  "))
}

/// The lines of the YAML block under the key on line `start` (1-based), indented `indent`:
/// those after it indented deeper, blank lines and comments left out, each with its index.
fn yaml_body(text: &str, start: usize, indent: usize) -> Vec<(usize, &str)> {
    text.split_inclusive('\n')
        .enumerate()
        .skip(start)
        .take_while(|(_, l)| l.trim().is_empty() || l.trim_start().starts_with('#') || indentation(l).len() > indent)
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect()
}

fn indentation(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// The line a finding points at, that line's text, and its text from the column on.
fn pointed(text: &str, line: u32, column: u32) -> Result<(usize, &str, &str), String> {
    let line = line as usize;
    let current = line
        .checked_sub(1)
        .and_then(|i| text.split_inclusive('\n').nth(i))
        .ok_or("the finding points past the end of the file")?;
    Ok((line, current, current.get(column.saturating_sub(1) as usize..).unwrap_or("")))
}

/// The variable an attribute written at `line`, `column` as `name = var.NAME` reads.
fn variable_read(text: &str, line: u32, column: u32, name: &str) -> Option<String> {
    let (_, _, rest) = pointed(text, line, column).ok()?;
    let value = rest.strip_prefix(name)?.trim_start().strip_prefix('=')?;
    let value = value.split(" #").next()?.split(" //").next()?.trim();
    let var = value.strip_prefix("var.")?;
    var.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-').then(|| var.to_string())
}

/// Whether an HCL expression is a literal the fix may replace: a boolean, a number, a
/// string without interpolation, or a one-line list of those strings.
fn is_hcl_literal(value: &str) -> bool {
    let v = value.trim();
    let string = |v: &str| v.len() >= 2 && v.starts_with('"') && v.ends_with('"') && !v.contains("${");
    let list = v.strip_prefix('[').and_then(|v| v.strip_suffix(']')).is_some_and(|items| {
        items.split(',').map(str::trim).filter(|i| !i.is_empty()).all(|i| string(i) && !i[1..i.len() - 1].contains('"'))
    });
    matches!(v, "true" | "false" | "null") || v.parse::<f64>().is_ok() || string(v) || list
}

/// A list value written as a YAML block list under the property the finding points at
/// (`Name:` then `- item` lines): the property's line and its items replaced by the list
/// in flow style. None when the value is not written so.
fn yaml_block_list(
    text: &str,
    line: u32,
    column: u32,
    name: &str,
    fix: &AttributeFix,
) -> Option<Result<Vec<Edit>, String>> {
    let FixValue::List(_) = fix.value else { return None };
    let (at, current, rest) = pointed(text, line, column).ok()?;
    let name = split_path(name).1;
    if rest.trim_end() != format!("{name}:") {
        return None;
    }
    let items = yaml_body(text, at, indentation(current).len());
    if items.is_empty() || !items.iter().all(|(_, l)| l.trim_start().starts_with("- ")) {
        return Some(Err(format!("`{name}` is not written as a list of plain items; set it to {}", fix.value.yaml())));
    }
    let last = items.last().map_or(at, |(i, _)| i + 1);
    let replaced = Edit::Replace { line: at, text: format!("{}{name}: {}\n", indentation(current), fix.value.yaml()) };
    Some(Ok(std::iter::once(replaced)
        .chain((at + 1..=last).map(|line| Edit::Replace { line, text: String::new() }))
        .collect()))
}

/// The edit of a Terraform block: the attribute's value replaced where the finding points
/// at it, or the attribute added to the resource block the finding points at.
fn hcl_edit(text: &str, line: u32, column: u32, path: &str, fix: &AttributeFix) -> Result<Edit, String> {
    let (line, current, rest) = pointed(text, line, column)?;
    let (block, name) = split_path(path);
    let value = fix.value.hcl();
    if let Some(after_name) = rest.strip_prefix(name).filter(|r| r.trim_start().starts_with('=')) {
        let written = after_name.trim_start().trim_start_matches('=').trim_end_matches(['\n', '\r']);
        let (expression, comment) = match written.find(" #").or_else(|| written.find(" //")) {
            Some(i) => (&written[..i], &written[i..]),
            None => (written, ""),
        };
        if !is_hcl_literal(expression) {
            return Err(format!(
                "`{name}` is set from `{}`; set it to {value} where that value is defined",
                expression.trim()
            ));
        }
        let prefix = &current[..current.len() - after_name.len()];
        let equals = &after_name[..after_name.find('=').map_or(0, |i| i + 1)];
        return Ok(Edit::Replace { line, text: format!("{prefix}{equals} {value}{comment}\n") });
    }
    let opens = |prefix: &str| rest.starts_with(prefix) && current.trim_end().ends_with('{');
    if block.is_some_and(|b| opens(&format!("{b} "))) {
        return Ok(Edit::InsertAfter { line, text: format!("{}  {name} = {value}\n", indentation(current)) });
    }
    if rest.starts_with("resource ") {
        let header = current.trim_end_matches(['\n', '\r']);
        let ind = indentation(current);
        // A missing attribute of a missing block comes with its block.
        let inner = match block {
            Some(block) => format!("{ind}  {block} {{\n{ind}    {name} = {value}\n{ind}  }}\n"),
            None => format!("{ind}  {name} = {value}\n"),
        };
        if let Some(open) = header.strip_suffix("{}") {
            return Ok(Edit::Replace { line, text: format!("{open}{{\n{inner}{}}}\n", indentation(current)) });
        }
        if header.ends_with('{') {
            return Ok(Edit::InsertAfter { line, text: inner });
        }
        return Err(format!("the block is written on one line; add `{name} = {value}` to it"));
    }
    Err(format!("the finding points at neither `{name}` nor the block that holds it; set `{path} = {value}`"))
}

/// The edit of a CloudFormation JSON resource: the property's scalar value replaced where
/// the finding points at it (the rest of its line kept), or the property added first in
/// the object the finding points at (the resource's `Properties`, or a property's object).
fn json_edit(text: &str, line: u32, column: u32, path: &str, fix: &AttributeFix) -> Result<Edit, String> {
    let (line, current, rest) = pointed(text, line, column)?;
    let (block, name) = split_path(path);
    let value = match &fix.value {
        FixValue::Bool(b) => b.to_string(),
        FixValue::Number(n) => n.to_string(),
        FixValue::Text(t) => format!("{t:?}"),
        FixValue::Chosen(t) => format!("{t:?}"),
        FixValue::List(items) => format!("[{}]", items.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>().join(", ")),
        FixValue::Reference(_) => return Err(format!("set `{path}` to the new resource in the template")),
    };
    let key = |n: &str| format!("\"{n}\"");
    if let Some(after) = rest.strip_prefix(&key(name)).map(str::trim_start).and_then(|r| r.strip_prefix(':')) {
        let written = after.trim_start();
        // The value ends at the line's `,` or `}` — a scalar, or a list on one line.
        let end = match written.chars().next() {
            Some('[') => written.find(']').map(|i| i + 1),
            Some('{') | None => None,
            Some('"') => {
                let mut escaped = false;
                written
                    .char_indices()
                    .skip(1)
                    .find(|&(_, c)| {
                        let closes = c == '"' && !escaped;
                        escaped = c == '\\' && !escaped;
                        closes
                    })
                    .map(|(i, _)| i + 1)
            }
            Some(_) => Some(written.find([',', '}', '\n', '\r']).unwrap_or(written.len())),
        };
        let Some(end) = end.filter(|&e| e > 0) else {
            return Err(format!("`{name}` is set from an expression; set it to {value} there"));
        };
        let scalar = written[..end].trim();
        if scalar.starts_with('[') && !matches!(fix.value, FixValue::List(_)) {
            return Err(format!("`{name}` is set from `{scalar}`; set it to {value} there"));
        }
        let prefix = &current[..current.len() - written.len()];
        return Ok(Edit::Replace { line, text: format!("{prefix}{value}{}", &written[end..]) });
    }
    // The object to add the property to: the block the path names, or the resource's
    // Properties, opened on the line the finding points at or the next ones.
    let opener = match block {
        Some(block) => key(block),
        None => "\"Properties\"".to_string(),
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Within the object the finding points at: never a later resource's.
    let end = block_end(text, line).ok_or("the object the finding points at does not end")?;
    let at = (line - 1..end)
        .find(|&i| lines[i].trim_start().starts_with(&opener) || (i == line - 1 && rest.starts_with(&opener)))
        .ok_or_else(|| format!("no {opener} object to add `{name}` to; add `{}: {value}`", key(name)))?;
    let opened = lines[at].trim_end();
    if !opened.ends_with('{') {
        return Err(format!("{} is not an object opened on its own line; add `{}: {value}` to it", opener, key(name)));
    }
    let next = lines.get(at + 1).copied().unwrap_or_default();
    let empty = next.trim_start().starts_with('}');
    let ind = if empty { format!("{}  ", indentation(lines[at])) } else { indentation(next).to_string() };
    let comma = if empty { "" } else { "," };
    Ok(Edit::InsertAfter { line: at + 1, text: format!("{ind}{}: {value}{comma}\n", key(name)) })
}

/// The edit of the `Mappings` entry a `!FindInMap [Map, Key, Name]` of literal keys reads
/// (`keys` is what follows the tag), when that entry is written on its own line and nothing
/// else in the template reads the map: another reader would change too.
fn mapping_edit(text: &str, keys: &str, value: &str) -> Result<Edit, String> {
    let inner =
        keys.trim().strip_prefix('[').and_then(|k| k.split(" #").next()).and_then(|k| k.trim_end().strip_suffix(']'));
    let keys: Vec<&str> = inner.map(|k| k.split(',').map(str::trim).collect()).unwrap_or_default();
    let plain =
        |k: &&str| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let [map, key, entry] = keys[..] else { return Err("its keys are not three literals".into()) };
    if !keys.iter().all(plain) {
        return Err("its keys are not three literals".into());
    }
    let readers = text.matches("FindInMap").count();
    if readers > 1 {
        return Err(format!("{readers} values of the template are read from its Mappings, and might share the entry"));
    }
    // Each key is found under the one before it, deeper indented; the last holds the value.
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut at = lines.iter().position(|l| l.trim_end() == "Mappings:").ok_or("the template has no Mappings block")?;
    for name in [map, key, entry] {
        let parent = indentation(lines[at]).len();
        let found = lines[at + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || indentation(l).len() > parent)
            .position(|l| l.trim_start().strip_prefix(name).is_some_and(|r| r.starts_with(':')));
        at += 1 + found.ok_or_else(|| format!("the Mappings have no `{name}` there"))?;
    }
    let current = lines[at];
    let (head, written) = current.split_at(current.find(':').expect("found by its colon") + 1);
    let (scalar, comment) = match written.find(" #") {
        Some(i) => (&written[..i], &written[i..]),
        None => (written, ""),
    };
    let scalar = scalar.trim();
    if scalar.is_empty() || scalar.starts_with(['!', '{', '[', '&', '*', '|', '>']) {
        return Err(format!("the entry at line {} is not a plain value", at + 1));
    }
    Ok(Edit::Replace { line: at + 1, text: format!("{head} {value}{}\n", comment.trim_end_matches(['\n', '\r'])) })
}

/// An attribute path `block.attribute` as the enclosing block (if any) and the attribute.
fn split_path(path: &str) -> (Option<&str>, &str) {
    match path.rsplit_once('.') {
        Some((parents, name)) => (Some(parents.rsplit('.').next().unwrap_or(parents)), name),
        None => (None, path),
    }
}

/// The edit of a CloudFormation YAML resource: the property's value replaced where the
/// finding points at it, or the property added under the resource's `Properties`.
fn yaml_edit(text: &str, line: u32, column: u32, path: &str, fix: &AttributeFix) -> Result<Edit, String> {
    let (line, current, rest) = pointed(text, line, column)?;
    let (block, name) = split_path(path);
    let value = fix.value.yaml();
    if let Some(after_name) = rest.strip_prefix(name).and_then(|r| r.strip_prefix(':')) {
        let written = after_name.trim();
        if let Some(keys) = written.strip_prefix("!FindInMap") {
            return mapping_edit(text, keys, &value)
                .map_err(|why| format!("`{name}` is set from `{written}`: {why}; set it to {value} there"));
        }
        // A list of plain items in flow style, where a list is wanted: replaced whole.
        let scalar = written.split(" #").next().unwrap_or_default().trim();
        let plain_list = |l: &str| l.starts_with('[') && l.ends_with(']') && !l[1..].contains(['[', '{', '!']);
        if matches!(fix.value, FixValue::List(_)) && plain_list(scalar) {
            let prefix = &current[..current.len() - after_name.len()];
            return Ok(Edit::Replace { line, text: format!("{prefix} {value}\n") });
        }
        if written.starts_with('!') || written.starts_with('{') || written.starts_with('[') || written.is_empty() {
            return Err(format!("`{name}` is set from `{written}`; set it to {value} where that value is defined"));
        }
        // Flow style (`{A: b, C: d}`) holds more than the value on the line: not edited.
        if scalar.contains([',', '}', ']']) {
            return Err(format!("`{name}` is written in flow style; set it to {value} there"));
        }
        let prefix = &current[..current.len() - after_name.len()];
        return Ok(Edit::Replace { line, text: format!("{prefix} {value}\n") });
    }
    if !rest.trim_end().ends_with(':') {
        return Err(format!("the finding points at neither `{name}` nor what holds it; set `{path}: {value}`"));
    }
    let resource_indent = indentation(current).len();
    // A property of a mapping directly under Properties that is not written at all comes
    // with its mapping; one deeper is left to a person.
    let top_level_block = block.filter(|b| path == format!("{b}.{name}"));
    if let Some(block) = block.filter(|b| rest.starts_with(&format!("{b}:")) || top_level_block.is_none()) {
        // The finding points at the mapping that holds the property: add it there.
        if !rest.starts_with(&format!("{block}:")) {
            return Err(format!("`{block}` is not where the finding points; set `{path}: {value}`"));
        }
        let child = text
            .split_inclusive('\n')
            .skip(line)
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| indentation(l).to_string())
            .filter(|ind| ind.len() > resource_indent)
            .unwrap_or_else(|| format!("{}  ", indentation(current)));
        return Ok(Edit::InsertAfter { line, text: format!("{child}{name}: {value}\n") });
    }
    // The finding points at the resource's logical id: find its Properties.
    let property = |indent: &str| match top_level_block {
        Some(block) => format!("{indent}{block}:\n{indent}  {name}: {value}\n"),
        None => format!("{indent}{name}: {value}\n"),
    };
    let body = yaml_body(text, line, resource_indent);
    let Some(child_indent) = body.first().map(|(_, l)| indentation(l).to_string()) else {
        return Err(format!("the resource has no body; add `{name}: {value}` under its Properties"));
    };
    let at_child = |l: &str| indentation(l) == child_indent;
    if let Some((i, property_indent)) =
        properties(&body, &child_indent).map_err(|why| format!("{why}; add `{name}: {value}` to it"))?
    {
        return Ok(Edit::InsertAfter { line: i + 1, text: property(&property_indent) });
    }
    let &(i, _) = body
        .iter()
        .find(|(_, l)| at_child(l) && l.trim_start().starts_with("Type:"))
        .ok_or_else(|| format!("the resource has no Type line to add Properties after; add `{name}: {value}`"))?;
    Ok(Edit::InsertAfter {
        line: i + 1,
        text: format!("{child_indent}Properties:\n{}", property(&format!("{child_indent}  "))),
    })
}
