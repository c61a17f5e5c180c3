//! The CloudFormation source: JSON and YAML templates (short-form tags included, SAM and
//! CDK-synthesised templates alike) into encguard's inventory.
//!
//! Templates are evaluated as CloudFormation would before creating a stack; what only a
//! deployed stack knows (`Fn::ImportValue`, SSM parameters, nested stacks, macros) is
//! carried as *unknown, because …*.

#![deny(missing_docs)]

mod eval;
mod foreach;
mod mapping;
mod node;

use encguard_model::{Gap, InlineSuppression, InputError, Inventory, Location, Position, Resource};
use encguard_values::{Attrs, Val};
use node::Node;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

/// Parameter values for every template of the scan (`--parameter`, parameter files).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Parameter values by name.
    pub parameters: HashMap<String, String>,
}

/// What a scan of templates produced.
pub struct Scan {
    /// The resources read.
    pub inventory: Inventory,
    /// Templates that could not be read, or only in part, at their file, line and column.
    pub errors: Vec<InputError>,
    /// Files that looked like templates but are not (JSON or YAML with no template at its
    /// top level, such as a Lambda test event): for the caller to skip or refuse.
    pub not_templates: Vec<String>,
}

/// Whether a JSON or YAML text is a CloudFormation template: it declares a template
/// format version, or resources of `AWS::` types. Other JSON and YAML is not.
pub fn is_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources")
            && (text.contains("Type: AWS::")
                || text.contains("Type: \"AWS::")
                || text.contains("Type: 'AWS::")
                || text.contains("\"Type\": \"AWS::")
                || text.contains("\"Type\":\"AWS::")))
}

/// Why a parameter file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ParameterFileError {
    /// Not JSON.
    #[error("line {line}, column {column}: {0}", line = .0.line(), column = .0.column())]
    NotJson(serde_json::Error),
    /// A list entry without a key or a value.
    #[error("each entry needs ParameterKey and ParameterValue")]
    Entry,
    /// Neither a list nor an object.
    #[error("expected a list of ParameterKey/ParameterValue or an object of names to values")]
    Shape,
}

/// Reads a parameter file: `[{"ParameterKey": …, "ParameterValue": …}]`, or `{"Name": "Value"}`
/// (also under `"Parameters"`).
pub fn parameter_file(text: &str) -> Result<HashMap<String, String>, ParameterFileError> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(ParameterFileError::NotJson)?;
    let text_of = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match &json {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| match (i.get("ParameterKey").and_then(|k| k.as_str()), i.get("ParameterValue")) {
                (Some(k), Some(v)) => Ok((k.to_string(), text_of(v))),
                _ => Err(ParameterFileError::Entry),
            })
            .collect(),
        serde_json::Value::Object(map) => {
            let map = map.get("Parameters").and_then(|p| p.as_object()).unwrap_or(map);
            Ok(map.iter().map(|(k, v)| (k.clone(), text_of(v))).collect())
        }
        _ => Err(ParameterFileError::Shape),
    }
}

/// Scans templates, in parallel. Each entry is (path, what reports show for it, text).
pub fn scan_templates(templates: &[(PathBuf, String, String)], options: &Options) -> Scan {
    let parts: Vec<Scan> = encguard_values::on_scan_threads(|| {
        templates.par_iter().map(|(_, shown, text)| scan_template(shown, text, options)).collect()
    });
    let mut scan = Scan { inventory: Inventory::new(Vec::new()), errors: Vec::new(), not_templates: Vec::new() };
    let mut inventories = Vec::with_capacity(parts.len());
    for part in parts {
        inventories.push(part.inventory);
        scan.errors.extend(part.errors);
        scan.not_templates.extend(part.not_templates);
    }
    scan.inventory = Inventory::concat(inventories);
    scan
}

/// Scans one template: its resources, and what in it could not be read (a syntax error
/// leaves no resources; a reference cycle leaves the resources with what can be known).
pub fn scan_template(shown: &str, text: &str, options: &Options) -> Scan {
    let mut scan = Scan { inventory: Inventory::new(Vec::new()), errors: Vec::new(), not_templates: Vec::new() };
    match read_template(shown, text, options) {
        Ok(Some((inventory, errors))) => (scan.inventory, scan.errors) = (inventory, errors),
        Ok(None) => scan.not_templates.push(shown.to_string()),
        Err(error) => scan.errors.push(error),
    }
    scan
}

/// A template's resources and faults; `None` when the text is not a template after all.
fn read_template(
    shown: &str,
    text: &str,
    options: &Options,
) -> Result<Option<(Inventory, Vec<InputError>)>, InputError> {
    let root = node::parse(shown, text)?;
    if root.get("Resources").is_none() {
        if root.get("AWSTemplateFormatVersion").is_none() {
            return Ok(None);
        }
        return Err(InputError::at(shown, 1, 1, "a template needs a `Resources` section"));
    }
    let mut inventory = Inventory::new(Vec::new());
    let gap = |what: String, error: String| Gap { scope: shown.to_string(), what, error };
    let (root, unexpanded) = foreach::expand(root, &options.parameters);
    for (what, why) in unexpanded {
        inventory.gaps.push(gap(what, why));
    }
    let resources = root.get("Resources").expect("checked above");
    let template = eval::Template::new(&root, &options.parameters);
    for transform in
        transforms(&root).into_iter().filter(|t| t != "AWS::Serverless-2016-10-31" && t != "AWS::LanguageExtensions")
    {
        inventory.gaps.push(gap(
            format!("Transform {transform}"),
            "a macro rewrites the template at deploy time: what it generates is not checked".into(),
        ));
    }
    for (logical, node, (line, column)) in resources.entries() {
        let kind = node.get("Type").and_then(Node::as_str).unwrap_or_default();
        if kind == "AWS::CloudFormation::Stack" || kind == "AWS::Serverless::Application" {
            inventory.gaps.push(gap(
                logical.clone(),
                "a nested stack: its template is not read, so its resources are not checked".into(),
            ));
            continue;
        }
        if let Some(cond) = node.get("Condition").and_then(Node::as_str) {
            if template.condition(cond) == Val::Bool(false) {
                continue;
            }
        }
        let properties =
            node.get("Properties").and_then(|p| template.eval_opt(p)).unwrap_or(Val::Map(Default::default()));
        let places = node.get("Properties").map(Node::places).unwrap_or_default();
        let attrs = Attrs::with_places(&properties, &places);
        let Some(spec) = mapping::to_spec(kind, &attrs) else { continue };
        let location = Location::File {
            format: "cloudformation".into(),
            file: shown.to_string(),
            line: *line,
            column: *column,
            end: None,
        };
        let mut r = Resource::new(logical.clone(), kind, location, spec);
        r.scope = shown.to_string();
        r.span = Some(encguard_model::Span::new(Position { line: *line, column: *column }, node.span().end));
        r.handles.extend(mapping::identity(kind, &attrs));
        mapping::tags(kind, &attrs).set_on(&mut r);
        r.suppressions = suppressions(node);
        inventory.resources.push(r);
    }
    let mut faults = template.faults.take();
    faults.sort();
    faults.dedup();
    let errors = faults.into_iter().map(|f| InputError::at(shown, f.line, f.column, f.message)).collect();
    Ok(Some((inventory, errors)))
}

fn transforms(root: &Node) -> Vec<String> {
    match root.get("Transform").map(|t| &t.value) {
        Some(node::Value::Str(s)) => vec![s.clone()],
        Some(node::Value::List(items)) => {
            items.iter().map(|i| i.as_str().map_or_else(|| "a macro".to_string(), str::to_string)).collect()
        }
        _ => Vec::new(),
    }
}

/// `Metadata` suppressions: encguard's own, and cfn_nag's and Checkov's for migrating users.
fn suppressions(resource: &Node) -> Vec<InlineSuppression> {
    let Some(meta) = resource.get("Metadata") else { return Vec::new() };
    let list = |n: Option<&Node>, id: &str, reason: &str| -> Vec<InlineSuppression> {
        match n.map(|n| &n.value) {
            Some(node::Value::List(items)) => items
                .iter()
                .filter_map(|i| {
                    Some(InlineSuppression {
                        rule: i.get(id)?.as_str()?.to_string(),
                        reason: i.get(reason).and_then(Node::as_str).unwrap_or("").to_string(),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut out = list(meta.get("encguard").and_then(|e| e.get("ignore")), "rule", "reason");
    out.extend(list(meta.get("cfn_nag").and_then(|e| e.get("rules_to_suppress")), "id", "reason"));
    out.extend(list(meta.get("checkov").and_then(|e| e.get("skip")), "id", "comment"));
    out
}

#[cfg(test)]
mod tests;
