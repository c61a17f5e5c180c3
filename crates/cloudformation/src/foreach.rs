//! `Fn::ForEach` (the `AWS::LanguageExtensions` transform): a loop in `Resources` that
//! writes one resource per item of a collection. Loops over collections written in the
//! template, or in parameters it is given, are expanded before evaluation, as the transform
//! does at deploy time; a loop over anything else cannot be expanded, and is reported as
//! not read rather than dropped.

use crate::node::{Node, Value};
use encguard_model::Unknown;
use std::collections::HashMap;

/// How many resources the loops of one template may write: past it, the rest are not read.
pub const MAX_EXPANDED: usize = 100_000;

const PREFIX: &str = "Fn::ForEach::";

/// The template with its `Resources` loops expanded, and the loops that could not be
/// (what, why). Parameter values given for the scan decide collections that refer to them.
pub fn expand(root: Node, parameters: &HashMap<String, String>) -> (Node, Vec<(String, String)>) {
    let has_loops = root.get("Resources").is_some_and(|r| r.entries().iter().any(|(k, _, _)| k.starts_with(PREFIX)));
    if !has_loops {
        return (root, Vec::new());
    }
    let mut not_read = Vec::new();
    let mut budget = MAX_EXPANDED;
    let declared = root.get("Parameters").cloned();
    let params = Params { declared: declared.as_ref(), given: parameters };
    let mut root = root;
    if let Value::Map(top) = &mut root.value {
        if let Some((_, resources, _)) = top.iter_mut().find(|(k, _, _)| k == "Resources") {
            let entries = std::mem::take(match &mut resources.value {
                Value::Map(entries) => entries,
                _ => unreachable!("has_loops found a map"),
            });
            let mut out = Vec::new();
            for entry in entries {
                expand_entry(entry, &params, &mut out, &mut not_read, &mut budget);
            }
            resources.value = Value::Map(out);
        }
    }
    (root, not_read)
}

struct Params<'a> {
    /// The template's `Parameters` section.
    declared: Option<&'a Node>,
    /// Values given for the scan.
    given: &'a HashMap<String, String>,
}

type Entry = (String, Node, (u32, u32));

fn expand_entry(
    (key, node, at): Entry,
    params: &Params,
    out: &mut Vec<Entry>,
    not_read: &mut Vec<(String, String)>,
    budget: &mut usize,
) {
    if !key.starts_with(PREFIX) {
        return out.push((key, node, at));
    }
    let Value::List(parts) = &node.value else {
        return not_read.push((key, "Fn::ForEach takes [identifier, collection, fragment]".into()));
    };
    let [identifier, collection, fragment] = parts.as_slice() else {
        return not_read.push((key, "Fn::ForEach takes [identifier, collection, fragment]".into()));
    };
    let Some(identifier) = identifier.as_str() else {
        return not_read.push((key, "the loop's identifier is not a name".into()));
    };
    let items = match collection_items(collection, params) {
        Ok(items) => items,
        Err(why) => {
            return not_read.push((key, format!("{why}: the resources the loop writes are not checked")));
        }
    };
    for item in items {
        for (k, v, pos) in fragment.entries() {
            if *budget == 0 {
                return not_read.push((
                    key,
                    format!("the loops write more than {MAX_EXPANDED} resources: the rest are not checked"),
                ));
            }
            let entry = (substitute_text(k, identifier, &item), substitute(v, identifier, &item), *pos);
            if entry.0.starts_with(PREFIX) {
                expand_entry(entry, params, out, not_read, budget);
            } else {
                *budget -= 1;
                out.push(entry);
            }
        }
    }
}

/// The items of a loop's collection: a list written out, or a list parameter's value.
fn collection_items(collection: &Node, params: &Params) -> Result<Vec<String>, Unknown> {
    match &collection.value {
        Value::List(items) => items
            .iter()
            .map(|i| match &i.value {
                Value::Str(s) => Ok(s.clone()),
                Value::Num(n) => Ok(encguard_values::format_number(*n)),
                _ => Err(Unknown::new("the collection holds a value that is known only at deploy time")),
            })
            .collect(),
        Value::Map(entries) => match entries.as_slice() {
            [(name, arg, _)] if name == "Ref" => {
                let Some(param) = arg.as_str() else { return Err(Unknown::new("the collection is not a list")) };
                let declared = params.declared.and_then(|p| p.get(param));
                let value =
                    params.given.get(param).cloned().or_else(|| match declared?.get("Default")?.value.clone() {
                        Value::Str(s) => Some(s),
                        _ => None,
                    });
                value
                    .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
                    .ok_or_else(|| Unknown::new(format!("the collection is parameter `{param}`, which has no value")))
            }
            _ => Err(Unknown::new("the collection is known only at deploy time")),
        },
        _ => Err(Unknown::new("the collection is not a list")),
    }
}

/// A copy of `node` with the loop's identifier replaced by `item`: `Ref: Id`, `${Id}` and
/// `&{Id}` (the item without its non-alphanumeric characters).
fn substitute(node: &Node, identifier: &str, item: &str) -> Node {
    let value = match &node.value {
        Value::Str(s) => Value::Str(substitute_text(s, identifier, item)),
        Value::List(items) => Value::List(items.iter().map(|i| substitute(i, identifier, item)).collect()),
        Value::Map(entries) => match entries.as_slice() {
            [(name, arg, _)] if name == "Ref" && arg.as_str() == Some(identifier) => Value::Str(item.to_string()),
            _ => Value::Map(
                entries
                    .iter()
                    .map(|(k, v, at)| (substitute_text(k, identifier, item), substitute(v, identifier, item), *at))
                    .collect(),
            ),
        },
        other => other.clone(),
    };
    Node { value, ..node.clone() }
}

fn substitute_text(text: &str, identifier: &str, item: &str) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let alphanumeric: String = item.chars().filter(char::is_ascii_alphanumeric).collect();
    text.replace(&format!("${{{identifier}}}"), item).replace(&format!("&{{{identifier}}}"), &alphanumeric)
}
