//! The CloudFormation source: JSON and YAML templates (short-form tags included, SAM and
//! CDK-synthesised templates alike) into encguard's inventory.
//!
//! Templates are evaluated as CloudFormation would before creating a stack; what only a
//! deployed stack knows (`Fn::ImportValue`, SSM parameters, nested stacks, macros) is
//! carried as *unknown, because …*.

mod eval;
mod mapping;
mod node;

use encguard_model::{Gap, InlineSuppression, Inventory, Location, Position, Resource};
use encguard_values::{Attrs, Val};
use node::Node;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

/// Parameter values for every template of the scan (`--parameter`, parameter files).
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub parameters: HashMap<String, String>,
}

/// A template that could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

pub struct Scan {
    pub inventory: Inventory,
    pub errors: Vec<TemplateError>,
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

/// Reads a parameter file: `[{"ParameterKey": …, "ParameterValue": …}]`, or `{"Name": "Value"}`
/// (also under `"Parameters"`).
pub fn parameter_file(text: &str) -> Result<HashMap<String, String>, String> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
    let text_of = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match &json {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| match (i.get("ParameterKey").and_then(|k| k.as_str()), i.get("ParameterValue")) {
                (Some(k), Some(v)) => Ok((k.to_string(), text_of(v))),
                _ => Err("each entry needs ParameterKey and ParameterValue".to_string()),
            })
            .collect(),
        serde_json::Value::Object(map) => {
            let map = map.get("Parameters").and_then(|p| p.as_object()).unwrap_or(map);
            Ok(map.iter().map(|(k, v)| (k.clone(), text_of(v))).collect())
        }
        _ => Err("expected a list of ParameterKey/ParameterValue or an object of names to values".into()),
    }
}

/// Scans templates, in parallel. Each entry is (path, what reports show for it, text).
pub fn scan_templates(templates: &[(PathBuf, String, String)], options: &Options) -> Scan {
    let parts: Vec<Result<Inventory, TemplateError>> =
        templates.par_iter().map(|(_, shown, text)| scan_template(shown, text, options)).collect();
    let mut inventory = Inventory::new(Vec::new());
    let mut errors = Vec::new();
    for part in parts {
        match part {
            Ok(inv) => inventory.extend(inv),
            Err(e) => errors.push(e),
        }
    }
    Scan { inventory, errors }
}

/// Scans one template.
pub fn scan_template(shown: &str, text: &str, options: &Options) -> Result<Inventory, TemplateError> {
    let root = node::parse(text).map_err(|e| TemplateError {
        file: shown.to_string(),
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    let Some(resources) = root.get("Resources") else {
        return Err(TemplateError {
            file: shown.to_string(),
            line: 1,
            column: 1,
            message: "a template needs a `Resources` section".into(),
        });
    };
    let template = eval::Template::new(&root, &options.parameters);
    let mut inventory = Inventory::new(Vec::new());
    let gap = |what: String, error: String| Gap { scope: shown.to_string(), what, error };
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
        let attrs = Attrs::new(&properties);
        let Some(spec) = mapping::to_spec(kind, &attrs) else { continue };
        let location =
            Location::File { format: "cloudformation".into(), file: shown.to_string(), line: *line, column: *column };
        let mut r = Resource::new(logical.clone(), kind, location, spec);
        r.scope = shown.to_string();
        r.handles.extend(mapping::identity(kind, &attrs));
        r.tags = mapping::tags(&attrs);
        r.suppressions = suppressions(node);
        let positions: HashMap<&str, (u32, u32)> = node
            .get("Properties")
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|(k, _, p)| (k.as_str(), *p))
            .collect();
        for field in encguard_values::LOCATED_FIELDS {
            if let Some((line, column)) = positions.get(mapping::property_name(field, kind)) {
                r.attributes.insert((*field).to_string(), Position { line: *line, column: *column });
            }
        }
        inventory.resources.push(r);
    }
    Ok(inventory)
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
