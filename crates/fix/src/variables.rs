//! Where a Terraform attribute written as `var.NAME` gets its value — the argument of the
//! module's call, a root module's `.tfvars`, else the variable's default — and the edit
//! there, made only when nothing else reads that definition: the variable is read once in
//! its module, the call has no `count`/`for_each`, and a default is no other call's.

use crate::{block_end, hcl_edit, indentation, Edit};
use encguard_rules::AttributeFix;
use std::path::{Path, PathBuf};

/// The most `.tf` files looked through for a module's calls.
const MOST_FILES: usize = 20_000;

/// The file and the edit that set `var.NAME` for `resource` (an address, `module.NAME.…`
/// when the resource is made by a module), whose attribute in `file` reads it; or where
/// the value is set and why it is not edited there.
pub(crate) fn variable_edit(
    file: &str,
    resource: &str,
    var: &str,
    fix: &AttributeFix,
    roots: &[PathBuf],
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Edit), String> {
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    let module_files = tf_files(dir, false);
    let reads: usize = module_files.iter().filter_map(|f| read(f)).map(|t| references(&t, var)).sum();
    if reads != 1 {
        return Err(format!("var.{var} is read {reads} times in its module: each reader would change"));
    }
    let value = fix.value.hcl();
    let call = match resource.strip_prefix("module.") {
        None => None,
        Some(rest) => {
            let (name, inner) = rest.split_once('.').unwrap_or((rest, ""));
            if name.contains('[') || inner.starts_with("module.") {
                return Err("the module is called with count or for_each, or from another module".into());
            }
            Some(name)
        }
    };
    let Some(name) = call else {
        // A root module: a `.tfvars` of its directory, else the default.
        for tfvars in tf_files(dir, false).iter().filter(|f| f.ends_with(".tfvars")) {
            let Some(text) = read(tfvars) else { continue };
            if let Some(line) = argument_line(&text, 0, text.lines().count(), var) {
                return at_line(&text, line, var, fix).map(|e| (tfvars.clone(), e));
            }
        }
        return default_edit(&module_files, var, fix, read);
    };
    let calls = module_calls(dir, roots, read);
    let mine: Vec<&Call> = calls.iter().filter(|c| c.name == name).collect();
    let [call] = mine[..] else {
        return Err(format!(
            "the call of module `{name}` is not one under the scanned paths; set `{var} = {value}` in it"
        ));
    };
    let text = read(&call.file).unwrap_or_default();
    if let Some(line) = argument_line(&text, call.start, call.end, var) {
        return at_line(&text, line, var, fix)
            .map(|e| (call.file.clone(), e))
            .map_err(|why| format!("{}:{}: {why}", call.file, line + 1));
    }
    if calls.len() > 1 {
        return Err(format!(
            "module `{name}` takes var.{var}'s default, which {} other calls of the module share; set `{var} = {value}` in its call at {}:{}",
            calls.len() - 1,
            call.file,
            call.start + 1
        ));
    }
    default_edit(&module_files, var, fix, read)
}

/// How many times `text` reads `var.NAME` (not `var.NAME_more`).
fn references(text: &str, var: &str) -> usize {
    let needle = format!("var.{var}");
    text.match_indices(&needle)
        .filter(|(i, _)| {
            let next = text[i + needle.len()..].chars().next();
            let before = text[..*i].chars().next_back();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
                && !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
        })
        .count()
}

/// The line (from 0) in `start..end` of `text` that sets `name = …`.
fn argument_line(text: &str, start: usize, end: usize, name: &str) -> Option<usize> {
    text.lines().enumerate().skip(start).take(end.saturating_sub(start)).find_map(|(i, l)| {
        let rest = l.trim_start().strip_prefix(name)?;
        rest.trim_start().starts_with('=').then_some(i)
    })
}

/// The value on line `line` (from 0) of `text`, `name = …`, replaced.
fn at_line(text: &str, line: usize, name: &str, fix: &AttributeFix) -> Result<Edit, String> {
    let written = text.lines().nth(line).unwrap_or_default();
    hcl_edit(text, line as u32 + 1, indentation(written).len() as u32 + 1, name, fix)
}

/// The edit of the variable's `default`, in the module's files.
fn default_edit(
    module_files: &[String],
    var: &str,
    fix: &AttributeFix,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Edit), String> {
    for file in module_files {
        let Some(text) = read(file) else { continue };
        let header = format!("variable \"{var}\"");
        let Some(start) = text.lines().position(|l| l.trim_start().starts_with(&header)) else { continue };
        let end = block_end(&text, start + 1).ok_or("the variable's block does not end")?;
        let line = argument_line(&text, start, end, "default").ok_or_else(|| {
            format!("{file}:{}: var.{var} has no default; set it where the module is used", start + 1)
        })?;
        return at_line(&text, line, "default", fix)
            .map(|e| (file.clone(), e))
            .map_err(|why| format!("{file}:{}: {why}", line + 1));
    }
    Err(format!("var.{var} is not declared in the module's files"))
}

/// A `module` block.
struct Call {
    file: String,
    name: String,
    /// Its lines (from 0), `start..end`.
    start: usize,
    end: usize,
}

/// Every `module` block under `roots` whose `source` is the directory `dir`.
fn module_calls(dir: &Path, roots: &[PathBuf], read: &dyn Fn(&str) -> Option<String>) -> Vec<Call> {
    let Ok(target) = std::fs::canonicalize(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }) else {
        return Vec::new();
    };
    let mut calls = Vec::new();
    let mut files: Vec<String> = roots.iter().flat_map(|r| tf_files(r, true)).collect();
    files.sort();
    files.dedup();
    for file in files {
        let Some(text) = read(&file) else { continue };
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(name) = line.trim_start().strip_prefix("module \"").and_then(|r| r.split('"').next()) else {
                continue;
            };
            let Some(end) = block_end(&text, i + 1) else { continue };
            let source = argument_line(&text, i, end, "source")
                .and_then(|s| lines[s].split_once('=').map(|(_, v)| v.trim().trim_matches('"').to_string()));
            let base = Path::new(&file).parent().unwrap_or(Path::new("."));
            let resolved = source.filter(|s| s.starts_with('.')).and_then(|s| std::fs::canonicalize(base.join(s)).ok());
            if resolved.as_deref() == Some(target.as_path()) {
                calls.push(Call { file: file.clone(), name: name.to_string(), start: i, end });
            }
        }
    }
    calls
}

/// The `.tf` and `.tfvars` files of `dir`, and of its subdirectories when `deep` (not
/// hidden ones such as `.terraform`), as paths written from `dir`.
fn tf_files(dir: &Path, deep: bool) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let listed = if dir.as_os_str().is_empty() { std::fs::read_dir(".") } else { std::fs::read_dir(&dir) };
        let Ok(entries) = listed else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let path = dir.join(&name);
            let shown = path.to_string_lossy().trim_start_matches("./").to_string();
            match entry.file_type() {
                Ok(t) if t.is_dir() && deep && !name.starts_with('.') => pending.push(path),
                Ok(t) if t.is_file() && (name.ends_with(".tf") || name.ends_with(".tfvars")) => found.push(shown),
                _ => {}
            }
            if found.len() >= MOST_FILES {
                return found;
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::references;

    #[test]
    fn a_reference_is_the_whole_name() {
        assert_eq!(references("a = var.rotation\nb = var.rotation_days\nc = \"${var.rotation}\"", "rotation"), 2);
    }
}
