//! RDS-009's fix: the parameter that makes a database refuse connections without TLS, set
//! in the custom parameter group the database uses — where the group is written, which may
//! be another file — or, for a database on its engine's default group (which cannot
//! change), a new group written after the database and named on it.

use crate::{block_end, hcl_edit, indentation, pointed, yaml_body, yaml_edit, Edit, Sibling};
use encguard_model::Location;
use encguard_rules::{AttributeFix, FixValue, ParameterGroup, TlsParameter};

/// The edits, each with its file, that set `tls` for the database `resource` of `file`,
/// to which the finding points at `line`, `column` (its `parameter_group_name`, or the
/// database itself when that is not written).
pub(crate) fn edits(
    tls: &TlsParameter,
    resource: &str,
    (file, format, line, column): (&str, &str, u32, u32),
    read: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, Edit)>, String> {
    match &tls.group {
        ParameterGroup::Custom(Location::File { file, format, line, .. }) => {
            let text = read(file).ok_or("the parameter group's file cannot be read")?;
            let edit = match format.as_str() {
                _ if file.ends_with(".json") => Err("JSON files are not edited".to_string()),
                "terraform" => set_in_block(&text, *line, tls),
                "cloudformation" => set_in_template(&text, *line, tls.name),
                other => Err(format!("{other} files are not edited")),
            };
            edit.map(|e| vec![(file.clone(), e)])
                .map_err(|why| format!("in its parameter group ({file}:{line}): {why}"))
        }
        ParameterGroup::Custom(_) => Err("the parameter group is not described in a file".to_string()),
        ParameterGroup::New { family: None, .. } => {
            Err("the group's family follows the engine version, which the code leaves to RDS: set `engine_version` \
             (`EngineVersion`), then run the fix again"
                .to_string())
        }
        ParameterGroup::New { family: Some(family), database } => {
            let Location::File { line: database, .. } = database else {
                return Err("the database is not described in a file".to_string());
            };
            let text = read(file).ok_or("the file cannot be read")?;
            if file.ends_with(".json") {
                return Err("JSON files are not edited".to_string());
            }
            let (group, reference) = match format {
                "terraform" => new_block(&text, file, *database, resource, tls, family)?,
                "cloudformation" => new_template_resource(&text, *database, resource, tls, family)?,
                other => return Err(format!("{other} files are not edited")),
            };
            let (terraform, cloudformation) = match tls.cluster {
                true => ("db_cluster_parameter_group_name", "DBClusterParameterGroupName"),
                false => ("parameter_group_name", "DBParameterGroupName"),
            };
            let named = AttributeFix::set(Some(terraform), Some(cloudformation), FixValue::Reference(reference));
            let name = match format {
                "terraform" => hcl_edit(&text, line, column, terraform, &named),
                _ => yaml_edit(&text, line, column, cloudformation, &named),
            }?;
            Ok(vec![(file.to_string(), group), (file.to_string(), name)])
        }
    }
}

/// The parameter set in the Terraform group block that starts on `line`: its `value`
/// replaced in the `parameter` block of its name, or a `parameter` block added.
fn set_in_block(text: &str, line: u32, tls: &TlsParameter) -> Result<Edit, String> {
    let (start, current, _) = pointed(text, line, 1)?;
    if !current.starts_with("resource ") {
        return Err("the group's block is not where the scan read it".to_string());
    }
    let end = block_end(text, start).ok_or("the group's block does not end")?;
    if end == start {
        return Err("the group is written on one line".to_string());
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let body = &lines[start..end - 1];
    if body.iter().any(|l| l.trim_start().starts_with("dynamic \"parameter\"")) {
        return Err("its parameters are made by `dynamic`".to_string());
    }
    let names = |l: &str, key: &str| -> Option<String> {
        let value = l.trim_start().strip_prefix(key)?.trim_start().strip_prefix('=')?;
        Some(value.split(" #").next()?.trim().to_string())
    };
    // Each `parameter { … }` block: the one naming the parameter gets the value.
    for (i, l) in body.iter().enumerate().filter(|(_, l)| l.trim_start().starts_with("parameter")) {
        let at = start + 1 + i;
        let close = block_end(text, at).ok_or("a parameter block does not end")?;
        let block = &lines[at - 1..close];
        if !block.iter().any(|l| names(l, "name").as_deref() == Some(&format!("\"{}\"", tls.name))) {
            continue;
        }
        if l.trim_end().ends_with('}') {
            return Err(format!("the `{}` parameter is written on one line; set its value to \"1\"", tls.name));
        }
        let (j, value) = block
            .iter()
            .enumerate()
            .find(|(_, l)| names(l, "value").is_some())
            .ok_or_else(|| format!("the `{}` parameter has no value line", tls.name))?;
        let written = names(value, "value").unwrap_or_default();
        if !crate::is_hcl_literal(&written) {
            return Err(format!(
                "the `{}` parameter's value is `{written}`; set it to \"1\" where that is defined",
                tls.name
            ));
        }
        let (head, rest) = value.split_at(value.find('=').expect("found by its `=`") + 1);
        let comment = rest.find(" #").map_or("", |k| rest[k..].trim_end_matches(['\n', '\r']));
        return Ok(Edit::Replace { line: at + j, text: format!("{head} \"1\"{comment}\n") });
    }
    let ind = format!("{}  ", indentation(current));
    Ok(Edit::InsertAfter { line: end - 1, text: parameter_block(&ind, tls) })
}

/// A `parameter` block setting the TLS parameter, at indentation `ind`, after a blank
/// line, its `=` aligned as `terraform fmt` aligns them.
fn parameter_block(ind: &str, tls: &TlsParameter) -> String {
    let name = format!("\"{}\"", tls.name);
    let mut lines = vec![("name", name.as_str()), ("value", "\"1\"")];
    // A static parameter (SQL Server's) cannot be applied immediately, Terraform's default.
    if tls.pending_reboot {
        lines.push(("apply_method", "\"pending-reboot\""));
    }
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or_default();
    let body: String = lines.iter().map(|(k, v)| format!("{ind}  {k:width$} = {v}\n")).collect();
    format!("\n{ind}parameter {{\n{body}{ind}}}\n")
}

/// The parameter set in the CloudFormation group whose logical id is on `line`: its
/// entry under `Parameters` replaced, or added there (with `Parameters` when absent).
fn set_in_template(text: &str, line: u32, name: &str) -> Result<Edit, String> {
    let (start, current, _) = pointed(text, line, 1)?;
    let body = yaml_body(text, start, indentation(current).len());
    let child = body.first().map(|(_, l)| indentation(l)).ok_or("the group has no body")?;
    let properties = body
        .iter()
        .position(|(_, l)| indentation(l) == child && l.trim_end().ends_with("Properties:"))
        .ok_or("the group has no Properties block")?;
    let under =
        |from: usize, parent: usize| body[from + 1..].iter().take_while(move |(_, l)| indentation(l).len() > parent);
    let property =
        under(properties, child.len()).next().map(|(_, l)| indentation(l)).ok_or("its Properties are empty")?;
    let parameters = under(properties, child.len())
        .find(|(_, l)| indentation(l) == property && l.trim_start().starts_with("Parameters:"));
    let Some(&(at, parameters_line)) = parameters else {
        let (last, _) = under(properties, child.len()).last().expect("Properties has a first line");
        let step = &property[child.len()..];
        return Ok(Edit::InsertAfter {
            line: last + 1,
            text: format!("{property}Parameters:\n{property}{step}{name}: 1\n"),
        });
    };
    if !parameters_line.trim_end().ends_with("Parameters:") {
        return Err("its Parameters are not written one per line".to_string());
    }
    let index = body.iter().position(|(i, _)| *i == at).expect("found in the body");
    let entries: Vec<&(usize, &str)> = under(index, property.len()).collect();
    let key = |l: &str| l.trim_start().split(':').next().unwrap_or_default().trim_matches(['"', '\'']).to_string();
    if let Some(&&(i, entry)) = entries.iter().find(|(_, l)| key(l) == name) {
        let (head, rest) = entry.split_at(entry.find(':').expect("a key") + 1);
        let written = rest.split(" #").next().unwrap_or_default().trim();
        if written.starts_with(['!', '{', '[', '&', '*']) {
            return Err(format!("`{name}` is set from `{written}`; set it to 1 where that is defined"));
        }
        let comment = rest.find(" #").map_or("", |k| rest[k..].trim_end_matches(['\n', '\r']));
        return Ok(Edit::Replace { line: i + 1, text: format!("{head} 1{comment}\n") });
    }
    let entry = entries.first().map_or_else(|| format!("{property}  "), |(_, l)| indentation(l).to_string());
    Ok(Edit::InsertAfter { line: at + 1, text: format!("{entry}{name}: 1\n") })
}

/// A new Terraform group for the database `resource` (`aws_db_instance.NAME`) whose block
/// starts on `line`, written after it, and the expression naming it.
fn new_block(
    text: &str,
    file: &str,
    line: u32,
    resource: &str,
    tls: &TlsParameter,
    family: &str,
) -> Result<(Edit, String), String> {
    let (kind, database) = match tls.cluster {
        true => ("aws_rds_cluster_parameter_group", "aws_rds_cluster."),
        false => ("aws_db_parameter_group", "aws_db_instance."),
    };
    let name = resource
        .strip_prefix(database)
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .ok_or("the database is made by a module, or with count or for_each")?;
    let group = format!("{name}_tls");
    let declared = format!("resource \"{kind}\" \"{group}\"");
    if crate::variables::module_files(file)
        .iter()
        .any(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains(&declared)))
        || text.contains(&declared)
    {
        return Err(format!("a {kind} named `{group}` exists already"));
    }
    let (start, current, _) = pointed(text, line, 1)?;
    let end = block_end(text, start).ok_or("the database's block does not end")?;
    let ind = indentation(current);
    // No `name`: Terraform gives the group a unique one.
    let edit = Edit::InsertAfter {
        line: end,
        text: format!(
            "\n{ind}resource \"{kind}\" \"{group}\" {{\n{ind}  family = \"{family}\"\n{}{ind}}}\n",
            parameter_block(&format!("{ind}  "), tls)
        ),
    };
    Ok((edit, format!("{kind}.{group}.name")))
}

/// A new CloudFormation group for the database whose logical id `resource` is on `line`,
/// written after it, and the `!Ref` naming it.
fn new_template_resource(
    text: &str,
    line: u32,
    resource: &str,
    tls: &TlsParameter,
    family: &str,
) -> Result<(Edit, String), String> {
    let next = Sibling::of(text, line, resource, &format!("{resource}TlsParameters"))?;
    let kind = if tls.cluster { "DBClusterParameterGroup" } else { "DBParameterGroup" };
    let (t, p, step, only_if) = (next.at(1), next.at(2), &next.step, &next.only_if);
    let edit = next.written(format!(
        "{t}Type: AWS::RDS::{kind}\n{only_if}{t}Properties:\n{p}Family: {family}\n\
         {p}Description: Connections to {resource} use TLS\n{p}Parameters:\n{p}{step}{}: 1\n",
        tls.name
    ));
    let id = &next.id;
    Ok((edit, format!("!Ref {id}")))
}
