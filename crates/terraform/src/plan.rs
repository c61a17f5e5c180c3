//! Terraform plans (`terraform show -json PLANFILE`): the resolved truth where users can
//! produce it. Values unknown at plan time (`after_unknown`) are resolved through the
//! configuration's expression references, so that a new key's ARN still names the key.

use crate::mapping;
use crate::parse::SourceFile;
use encguard_model::{InputError, Inventory, Location, PlannedAction, Position, Resource, Spec};
use encguard_values::Attrs;
use encguard_values::{Unknown, Val};
use serde_json::Value as Json;
use std::collections::HashMap;

/// Reads a plan into an inventory. `display` is the file as reports show it.
pub fn scan_plan(display: &str, text: &str) -> Result<Inventory, InputError> {
    let plan: Json = serde_json::from_str(text).map_err(|e| {
        InputError::at(display, e.line() as u32, e.column() as u32, format!("not valid plan JSON: {e}"))
    })?;
    // A plan of another shape would otherwise read as a plan that changes nothing.
    for (pointer, expected) in [
        ("/resource_changes", "a list of resource changes"),
        ("/configuration", "an object"),
        ("/planned_values", "an object"),
        ("/values", "an object"),
    ] {
        match plan.pointer(pointer) {
            None | Some(Json::Null) => {}
            Some(Json::Array(_)) if pointer == "/resource_changes" => {}
            Some(Json::Object(_)) if pointer != "/resource_changes" => {}
            Some(other) => {
                let what = match other {
                    Json::Bool(_) => "a boolean",
                    Json::Number(_) => "a number",
                    Json::String(_) => "a string",
                    Json::Array(_) => "a list",
                    _ => "an object",
                };
                let key = &pointer[1..];
                let at = SourceFile::new(String::new(), text.to_string())
                    .position(text.find(&format!("\"{key}\"")).unwrap_or(0));
                return Err(InputError::at(
                    display,
                    at.line,
                    at.column,
                    format!("`{key}` of a plan must be {expected}, not {what}"),
                ));
            }
        }
    }
    let mut config = HashMap::new();
    let mut calls = HashMap::new();
    if let Some(root) = plan.pointer("/configuration/root_module") {
        index_configuration(root, "", &mut config, &mut calls);
    }
    let lines = LineFinder::new(text, display);
    let mut resources = Vec::new();
    // Classic load balancers' negotiation policies are resources of their own, joined after.
    let mut policies: Vec<(&str, &str, String, Val)> = Vec::new();
    match plan.get("resource_changes").and_then(Json::as_array) {
        Some(changes) => {
            for rc in changes.iter().filter(|rc| rc["mode"] == "managed") {
                let actions: Vec<&str> = rc
                    .pointer("/change/actions")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .collect();
                let deleting = actions.contains(&"delete");
                // In place (no-op, update, read): the resource exists before the change.
                let existing = !actions.is_empty() && !actions.contains(&"create") && !deleting;
                let planned = match (deleting, actions.contains(&"create")) {
                    (true, true) => Some(PlannedAction::Replace),
                    (true, false) => Some(PlannedAction::Delete),
                    _ => None,
                };
                let kind = rc["type"].as_str().unwrap_or_default();
                // A resource the plan deletes will not exist; only keys matter then, for
                // what still depends on them.
                if planned == Some(PlannedAction::Delete) && !kind.starts_with("aws_kms") {
                    continue;
                }
                let module = rc["module_address"].as_str().unwrap_or_default();
                let local = local_address(rc);
                let values = if planned == Some(PlannedAction::Delete) {
                    Val::from_json(rc.pointer("/change/before").unwrap_or(&Json::Null))
                } else {
                    let after = rc.pointer("/change/after").unwrap_or(&Json::Null);
                    let unknown = rc.pointer("/change/after_unknown").unwrap_or(&Json::Null);
                    let path = module_path(module);
                    let exprs = config.get(&(path.clone(), base_address(&local))).copied();
                    Unknowns { calls: &calls, module: path, address: &local }.merge(after, unknown, exprs)
                };
                if crate::classic_policies::is_policy_kind(kind) {
                    policies.push((module, kind, local.clone(), values.clone()));
                }
                if let Some(mut r) =
                    resource(kind, rc["address"].as_str().unwrap_or(&local), module, &local, &values, planned, &lines)
                {
                    r.existing = existing;
                    resources.push(r);
                }
            }
        }
        None => {
            if let Some(root) = plan.pointer("/planned_values/root_module") {
                planned_values(root, &lines, false, &mut resources);
            } else if let Some(root) = plan.pointer("/values/root_module") {
                // `terraform show -json` of a state: what is deployed.
                planned_values(root, &lines, true, &mut resources);
            }
        }
    }
    let joined = crate::classic_policies::attach_values(
        policies.iter().map(|(module, kind, local, value)| (*module, *kind, local.as_str(), value)),
        &mut resources,
    );
    crate::classic_policies::drop_joined(&mut resources, 0, &joined);
    Ok(Inventory::new(resources))
}

/// Finds where a resource's address is written in the plan, for its location.
/// Where each resource address is first written in the plan text, found in one pass (a
/// search per resource, or a column counted from the line's start per resource, would make
/// large plans quadratic: compact plan JSON is one line).
struct LineFinder {
    positions: HashMap<String, Position>,
    display: String,
}

impl LineFinder {
    fn new(text: &str, display: &str) -> Self {
        let mut positions = HashMap::new();
        let (mut line, mut column, mut counted) = (1, 1, 0);
        for (at, key) in text.match_indices("\"address\"") {
            let passed = &text[counted..at];
            match passed.rfind('\n') {
                Some(newline) => {
                    line += passed.bytes().filter(|&b| b == b'\n').count() as u32;
                    column = passed[newline + 1..].chars().count() as u32 + 1;
                }
                None => column += passed.chars().count() as u32,
            }
            counted = at;
            let rest = text[at + key.len()..].trim_start();
            let Some(value) = rest.strip_prefix(':').map(str::trim_start) else { continue };
            if let Some(address) = json_string(value) {
                positions.entry(address).or_insert(Position { line, column });
            }
        }
        LineFinder { positions, display: display.to_string() }
    }

    fn location(&self, address: &str) -> Location {
        let p = self.positions.get(address).copied().unwrap_or(Position { line: 1, column: 1 });
        Location::File {
            format: "terraform-plan".into(),
            file: self.display.clone(),
            line: p.line,
            column: p.column,
            end: None,
        }
    }
}

/// The JSON string `text` starts with, decoded.
fn json_string(text: &str) -> Option<String> {
    let body = text.strip_prefix('"')?;
    let mut escaped = false;
    let end = body.char_indices().find_map(|(i, c)| match (escaped, c) {
        (false, '"') => Some(i),
        (false, '\\') => {
            escaped = true;
            None
        }
        _ => {
            escaped = false;
            None
        }
    })?;
    serde_json::from_str(&text[..end + 2]).ok()
}

fn planned_values(module: &Json, lines: &LineFinder, existing: bool, out: &mut Vec<Resource>) {
    let module_address = module["address"].as_str().unwrap_or_default();
    for r in module["resources"].as_array().into_iter().flatten().filter(|r| r["mode"] == "managed") {
        let local = local_address(r);
        let values = Val::from_json(&r["values"]);
        if let Some(mut res) = resource(
            r["type"].as_str().unwrap_or_default(),
            r["address"].as_str().unwrap_or(&local),
            module_address,
            &local,
            &values,
            None,
            lines,
        ) {
            res.existing = existing;
            out.push(res);
        }
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        planned_values(child, lines, existing, out);
    }
}

fn resource(
    kind: &str,
    address: &str,
    module: &str,
    local: &str,
    values: &Val,
    planned: Option<PlannedAction>,
    lines: &LineFinder,
) -> Option<Resource> {
    let attrs = Attrs::new(values);
    let mut spec = mapping::to_spec(kind, &attrs)?;
    if let (Spec::KmsKey(k), Some(action)) = (&mut spec, planned) {
        k.planned_action = Some(action);
    }
    let mut r = Resource::new(address, kind, lines.location(address), spec);
    r.scope = module.to_string();
    r.handles.push(local.to_string());
    r.handles.push(base_address(local));
    // Named with its module too, for references traced from other modules.
    r.handles.push(format!("{}|{local}", module_path(module)));
    r.handles.push(format!("{}|{}", module_path(module), base_address(local)));
    r.handles.extend(mapping::identity(kind, &attrs));
    r.region = attrs.get("region").and_then(Val::as_str).map(str::to_string).or_else(|| {
        attrs
            .get("arn")
            .and_then(Val::as_str)
            .and_then(|arn| arn.split(':').nth(3))
            .filter(|r| !r.is_empty())
            .map(str::to_string)
    });
    // `tags_all` holds the provider's default tags too.
    let name = if attrs.get("tags_all").is_some() { "tags_all" } else { "tags" };
    attrs.tags_over(name, None).set_on(&mut r);
    Some(r)
}

/// `aws_s3_bucket.b`, `aws_s3_bucket.b[0]`, `aws_s3_bucket.b["k"]` (module-local).
fn local_address(r: &Json) -> String {
    let base = format!("{}.{}", r["type"].as_str().unwrap_or_default(), r["name"].as_str().unwrap_or_default());
    match &r["index"] {
        Json::Number(n) => format!("{base}[{n}]"),
        Json::String(s) => format!("{base}[\"{s}\"]"),
        _ => base,
    }
}

fn base_address(local: &str) -> String {
    local.split('[').next().unwrap_or(local).to_string()
}

/// A module instance's address without its instance keys, as the configuration names the
/// module: `module.app["a.b"].module.kms[0]` is `module.app.module.kms`.
fn module_path(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let (mut depth, mut quoted, mut escaped) = (0, false, false);
    for c in address.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Configuration expressions by (module address, resource address), and each module call's
/// argument expressions by the called module's address.
fn index_configuration<'a>(
    module: &'a Json,
    path: &str,
    out: &mut HashMap<(String, String), &'a Json>,
    calls: &mut HashMap<String, &'a Json>,
) {
    for r in module["resources"].as_array().into_iter().flatten() {
        if let (Some(address), Some(exprs)) = (r["address"].as_str(), r.get("expressions")) {
            out.insert((path.to_string(), address.to_string()), exprs);
        }
    }
    for (name, call) in module["module_calls"].as_object().into_iter().flatten() {
        if let Some(child) = call.get("module") {
            let child_path = if path.is_empty() { format!("module.{name}") } else { format!("{path}.module.{name}") };
            if let Some(arguments) = call.get("expressions") {
                calls.insert(child_path.clone(), arguments);
            }
            index_configuration(child, &child_path, out, calls);
        }
    }
}

/// Traces what a plan knows only after apply to the resources the configuration references,
/// through module arguments up to the module that writes the reference.
struct Unknowns<'a> {
    /// Module calls' argument expressions, by the called module's address.
    calls: &'a HashMap<String, &'a Json>,
    /// The module of the resource (`module.app.module.kms`), and its address in it.
    module: String,
    address: &'a str,
}

impl Unknowns<'_> {
    /// `after` with every value flagged in `after_unknown` replaced by an unknown that refers
    /// to the resource its configuration expression references.
    fn merge(&self, after: &Json, unknown: &Json, exprs: Option<&Json>) -> Val {
        match (after, unknown) {
            (_, Json::Bool(true)) => {
                let refs: Vec<&str> = exprs
                    .and_then(|e| e.get("references"))
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .collect();
                let target = self.target(refs.iter().map(|r| r.to_string()).collect());
                let reason = match (&target, refs.first()) {
                    (Some(t), _) => format!("`{t}` is known only after apply"),
                    (None, Some(r)) => format!("`{r}` is known only after apply"),
                    (None, None) => format!("a value of `{}` is known only after apply", self.address),
                };
                Val::Unknown(Box::new(Unknown { reason, refers_to: target, partial: None, generated: None }))
            }
            (Json::Object(map), Json::Object(flags)) => {
                // An attribute the configuration never wrote that the plan knows only after apply
                // is the provider's default (a key's default policy, the AWS managed key), not an
                // unknown the code chose.
                // Only attributes the provider computes a default for: a block or map the
                // configuration writes through `dynamic` or a reference is absent from its
                // expressions too, and stays unknown.
                const PROVIDER_DEFAULTS: &[&str] = &[
                    "policy",
                    "server_side_encryption_configuration",
                    "snapshot_identifier",
                    "replicate_source_db",
                    "kms_key_id",
                    "kms_key_arn",
                    "kms_master_key_id",
                    "performance_insights_kms_key_id",
                    "ssl_policy",
                    "arn",
                    "id",
                    "key_id",
                ];
                let defaulted = |k: &str| {
                    PROVIDER_DEFAULTS.contains(&k)
                        && flags.get(k) == Some(&Json::Bool(true))
                        && exprs.is_some_and(|e| e.is_object() && e.get(k).is_none())
                };
                let mut out: std::collections::BTreeMap<String, Val> = map
                    .iter()
                    .filter(|(k, _)| !defaulted(k))
                    .map(|(k, v)| {
                        (k.clone(), self.merge(v, flags.get(k).unwrap_or(&Json::Null), exprs.and_then(|e| e.get(k))))
                    })
                    .collect();
                for (k, flag) in flags {
                    if !map.contains_key(k) && !defaulted(k) {
                        out.insert(k.clone(), self.merge(&Json::Null, flag, exprs.and_then(|e| e.get(k))));
                    }
                }
                Val::Map(out)
            }
            (Json::Array(items), Json::Array(flags)) => Val::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        self.merge(
                            v,
                            flags.get(i).unwrap_or(&Json::Null),
                            exprs.and_then(|e| e.get(i).or_else(|| e.get(0))),
                        )
                    })
                    .collect(),
            ),
            (Json::Null, Json::Object(flags)) if !flags.is_empty() => {
                self.merge(&Json::Object(Default::default()), unknown, exprs)
            }
            _ => Val::from_json(after),
        }
    }

    /// The resource the references name: in this module, or — through `var.x` — in the
    /// module that passes the argument (then with that module's address).
    fn target(&self, mut refs: Vec<String>) -> Option<String> {
        let mut module = self.module.clone();
        for _ in 0..32 {
            if let Some(t) = refs.iter().find_map(|r| resource_address(r)) {
                // A resource of another module is named with that module, so that a namesake
                // in this one is not taken for it.
                return Some(if module == self.module { t } else { format!("{module}|{t}") });
            }
            let variable = refs.iter().find_map(|r| r.strip_prefix("var."))?.split('.').next()?.to_string();
            let argument = self.calls.get(&module)?.get(&variable)?;
            refs = argument["references"].as_array()?.iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
            module = module.rsplit_once(".module.").map_or(String::new(), |(parent, _)| parent.to_string());
        }
        None
    }
}

/// `aws_kms_key.k`, `aws_kms_key.k[0]` or `data.aws_kms_alias.a` — not an attribute of one.
/// The resource a reference names, without the attribute it reads:
/// `aws_kms_key.k[0].arn` is `aws_kms_key.k[0]`; `None` for variables, locals and the like.
fn resource_address(reference: &str) -> Option<String> {
    let (prefix, rest) = match reference.strip_prefix("data.") {
        Some(rest) => ("data.", rest),
        None => ("", reference),
    };
    let (kind, rest) = rest.split_once('.')?;
    if !kind.starts_with("aws_") {
        return None;
    }
    let name_end = rest.find(['.', '[']).unwrap_or(rest.len());
    let mut address = format!("{prefix}{kind}.{}", &rest[..name_end]);
    if let Some(index) = rest[name_end..].strip_prefix('[') {
        address.push('[');
        address.push_str(&index[..=index.find(']')?]);
    }
    Some(address)
}
