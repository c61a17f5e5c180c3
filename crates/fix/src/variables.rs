//! Where a Terraform attribute written as `var.NAME` gets its value, and the edit there,
//! made only when nothing else reads that definition (the variable is read once in its
//! module):
//! - a module's variable: the argument of its one call (added to the call when it is not
//!   written there, so that no other call changes); a call with `count`/`for_each`, or from
//!   another module, is left to a person;
//! - a root module's variable: the `.tfvars` Terraform would take it from (the last of
//!   `terraform.tfvars` and the `*.auto.tfvars`), else its default — not when the scanned
//!   paths call the directory as a module.
//!
//! An edit that changes nothing means the value comes from elsewhere (`-var`,
//! `-var-file`): a person is told.

use crate::{block_end, hcl_edit, indentation, Edit};
use encguard_rules::AttributeFix;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The most files looked through for the calls of modules: past it, nothing is edited.
const MOST_FILES: usize = 20_000;

/// The `module` blocks under the scanned paths, by the canonical directory they call:
/// read once per plan.
pub(crate) struct Calls {
    by_source: BTreeMap<PathBuf, Vec<Call>>,
    /// Why the calls are not all known (too many files).
    pub(crate) incomplete: Option<String>,
}

/// A `module` block.
pub(crate) struct Call {
    pub(crate) file: String,
    pub(crate) name: String,
    /// Its lines (from 0), `start..end`.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Calls {
    pub(crate) fn under(roots: &[PathBuf], read: &dyn Fn(&str) -> Option<String>) -> Calls {
        let mut files: Vec<String> = Vec::new();
        let mut incomplete = None;
        for root in roots {
            match tf_files(root, true) {
                Ok(found) => files.extend(found),
                Err(why) => incomplete = Some(why),
            }
        }
        files.sort();
        files.dedup();
        let mut by_source: BTreeMap<PathBuf, Vec<Call>> = BTreeMap::new();
        for file in files.iter().filter(|f| f.ends_with(".tf")) {
            let Some(text) = read(file) else { continue };
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let Some(name) = line.trim_start().strip_prefix("module \"").and_then(|r| r.split('"').next()) else {
                    continue;
                };
                let Some(end) = block_end(&text, i + 1) else { continue };
                // `source = "…"` on a line of its own, or in a call written on one line.
                let quoted_after =
                    |l: &str| l.split_once('=').and_then(|(_, v)| v.split('"').nth(1)).map(str::to_string);
                let source = match argument_line(&text, i, end, "source") {
                    Some(s) => quoted_after(lines[s]),
                    None if end == i + 1 => line.split_once("source").and_then(|(_, rest)| quoted_after(rest)),
                    None => None,
                };
                let base = Path::new(file).parent().unwrap_or(Path::new("."));
                let resolved = source.filter(|s| s.starts_with('.')).and_then(|s| canonical(&base.join(s)));
                if let Some(dir) = resolved {
                    by_source.entry(dir).or_default().push(Call {
                        file: file.clone(),
                        name: name.into(),
                        start: i,
                        end,
                    });
                }
            }
        }
        Calls { by_source, incomplete }
    }

    pub(crate) fn of(&self, dir: &Path) -> &[Call] {
        canonical(dir).and_then(|d| self.by_source.get(&d)).map_or(&[], Vec::as_slice)
    }
}

/// The file and the edit that set `var.NAME` for `resource` (an address, `module.NAME.…`
/// when a module makes it), whose attribute in `file` reads it; or where the value is set
/// and why it is not edited there.
pub(crate) fn variable_edit(
    file: &str,
    resource: &str,
    var: &str,
    fix: &AttributeFix,
    calls: &Calls,
    given: &[String],
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Edit), String> {
    if let Some(why) = &calls.incomplete {
        return Err(why.clone());
    }
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    let module_files = tf_files(dir, false)?;
    let reads: usize = module_files.iter().filter_map(|f| read(f)).map(|t| references(&t, var)).sum();
    let value = fix.value.hcl();
    let callers = calls.of(dir);
    let at = |call: &Call| format!("{}:{}", call.file, call.start + 1);
    let name = match resource.strip_prefix("module.") {
        None => None,
        Some(rest) => {
            let (name, inner) = rest.split_once('.').unwrap_or((rest, ""));
            let name = name.split('[').next().unwrap_or(name);
            let mine: Vec<&Call> = callers.iter().filter(|c| c.name == name).collect();
            let [call] = mine[..] else {
                let found: Vec<String> = mine.iter().map(|c| at(c)).collect();
                return Err(format!(
                    "module `{name}` is called {} under the scanned paths ({}); set `{var} = {value}` in its call",
                    mine.len(),
                    if found.is_empty() { "none".into() } else { found.join(", ") }
                ));
            };
            if reads != 1 {
                return Err(format!(
                    "var.{var} is read {reads} times in its module: set where the call at {} gives it",
                    at(call)
                ));
            }
            if rest.split('.').next().is_some_and(|n| n.contains('[')) || inner.starts_with("module.") {
                return Err(format!(
                    "the module is called with count or for_each, or from another module, at {}: each instance would change",
                    at(call)
                ));
            }
            Some(call)
        }
    };
    if let Some(call) = name {
        let text = read(&call.file).unwrap_or_default();
        let edit = match argument_line(&text, call.start, call.end, var) {
            Some(line) => at_line(&text, line, var, fix).map_err(|why| format!("{}:{}: {why}", call.file, line + 1))?,
            None if call.end == call.start + 1 => {
                return Err(format!("the call at {} is written on one line: add `{var} = {value}` to it", at(call)))
            }
            // Not written in the call: written there, so that no other call changes.
            None => {
                let source = argument_line(&text, call.start, call.end, "source").unwrap_or(call.start);
                let ind = indentation(text.lines().nth(source).unwrap_or_default()).to_string();
                Edit::InsertAfter { line: source + 1, text: format!("{ind}{var} = {value}\n") }
            }
        };
        return changed(&text, edit).map(|e| (call.file.clone(), e));
    }
    if reads != 1 {
        return Err(format!("var.{var} is read {reads} times in its module: each reader would change"));
    }
    if let Some(call) = callers.first() {
        return Err(format!("the directory is also a module, called at {}: its default is that call's too", at(call)));
    }
    if given.iter().any(|g| g == var || g == "*") {
        return Err(format!("var.{var} may be given on the command line (--var, --var-file): set it there"));
    }
    // A JSON variables file is not edited: it may be the one Terraform takes the value from.
    let json = module_files.iter().filter(|f| f.ends_with(".tfvars.json"));
    if let Some(file) = json.into_iter().find(|f| read(f).is_some_and(|t| t.contains(&format!("\"{var}\"")))) {
        return Err(format!("{file} sets var.{var}; set it there"));
    }
    // Terraform takes the last of terraform.tfvars and the *.auto.tfvars that sets it.
    let mut tfvars: Vec<&String> = module_files.iter().filter(|f| f.ends_with(".auto.tfvars")).collect();
    tfvars.sort();
    tfvars.splice(0..0, module_files.iter().filter(|f| f.ends_with("/terraform.tfvars") || *f == "terraform.tfvars"));
    for tfvars in tfvars.into_iter().rev() {
        let Some(text) = read(tfvars) else { continue };
        if let Some(line) = tfvars_line(&text, var) {
            let edit = at_line(&text, line, var, fix).map_err(|why| format!("{tfvars}:{}: {why}", line + 1))?;
            return changed(&text, edit).map(|e| (tfvars.clone(), e));
        }
    }
    default_edit(&module_files, var, fix, read)
}

/// The edit, when it changes the text: one that does not means the value comes from
/// elsewhere (`-var`, `-var-file`).
pub(crate) fn changed(text: &str, edit: Edit) -> Result<Edit, String> {
    match &edit {
        Edit::Replace { line, text: new }
            if text.lines().nth(line - 1).map(|l| format!("{l}\n")).as_deref() == Some(new) =>
        {
            Err(format!("line {line} has the value already: it is given elsewhere (-var or -var-file)"))
        }
        _ => Ok(edit),
    }
}

/// How many times `text` reads `var.NAME` (not `var.NAME_more`).
pub(crate) fn references(text: &str, var: &str) -> usize {
    let needle = format!("var.{var}");
    let name_char = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(&needle)
        .filter(|(i, _)| {
            let next = text[i + needle.len()..].chars().next();
            let before = text[..*i].chars().next_back();
            !next.is_some_and(name_char) && !before.is_some_and(|c| name_char(c) || c == '.')
        })
        .count()
}

/// The line (from 0) in `start..end` of `text` that sets `name = …` at the block's own
/// level (not inside a map or a nested block).
pub(crate) fn argument_line(text: &str, start: usize, end: usize, name: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let inside = (start + 1).min(lines.len())..end.min(lines.len());
    let level = lines[inside.clone()]
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with(['#', '/']))
        .map(|l| indentation(l).len());
    argument_at(&lines, inside, level, name)
}

/// The line (from 0) of a `.tfvars` that sets `name` (at its own level, column 1).
fn tfvars_line(text: &str, name: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    argument_at(&lines, 0..lines.len(), Some(0), name)
}

fn argument_at(lines: &[&str], range: std::ops::Range<usize>, level: Option<usize>, name: &str) -> Option<usize> {
    range.into_iter().find(|&i| {
        let l = lines[i];
        Some(indentation(l).len()) == level
            && l.trim_start().strip_prefix(name).is_some_and(|rest| rest.trim_start().starts_with('='))
    })
}

/// The value on line `line` (from 0) of `text`, `name = …`, replaced.
pub(crate) fn at_line(text: &str, line: usize, name: &str, fix: &AttributeFix) -> Result<Edit, String> {
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
    for file in module_files.iter().filter(|f| f.ends_with(".tf")) {
        let Some(text) = read(file) else { continue };
        let header = format!("variable \"{var}\"");
        let Some(start) = text.lines().position(|l| l.trim_start().starts_with(&header)) else { continue };
        let end = block_end(&text, start + 1).ok_or("the variable's block does not end")?;
        let line = argument_line(&text, start, end, "default").ok_or_else(|| {
            format!("{file}:{}: var.{var} has no default; set it where the module is used", start + 1)
        })?;
        let edit = at_line(&text, line, "default", fix).map_err(|why| format!("{file}:{}: {why}", line + 1))?;
        return changed(&text, edit).map(|e| (file.clone(), e));
    }
    Err(format!("var.{var} is not declared in the module's files"))
}

/// The `.tf` files of the module (the directory) that holds `file`.
pub(crate) fn module_files(file: &str) -> Vec<String> {
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    tf_files(dir, false).unwrap_or_default().into_iter().filter(|f| f.ends_with(".tf")).collect()
}

/// `path` made absolute with links resolved, when it exists.
fn canonical(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(if path.as_os_str().is_empty() { Path::new(".") } else { path }).ok()
}

/// The `.tf` and `.tfvars` files of `dir`, and of its subdirectories when `deep` (not
/// hidden ones such as `.terraform`), as paths written from `dir`; an error past
/// [`MOST_FILES`].
fn tf_files(dir: &Path, deep: bool) -> Result<Vec<String>, String> {
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
                Ok(t) if t.is_file() && [".tf", ".tfvars", ".tfvars.json"].iter().any(|x| name.ends_with(x)) => {
                    found.push(shown)
                }
                _ => {}
            }
        }
        if found.len() > MOST_FILES {
            return Err(format!(
                "more than {MOST_FILES} Terraform files under the scanned paths: a module's calls are not all known"
            ));
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::{argument_line, references};

    #[test]
    fn a_reference_is_the_whole_name() {
        assert_eq!(references("a = var.rotation\nb = var.rotation_days\nc = \"${var.rotation}\"", "rotation"), 2);
    }

    #[test]
    fn a_call_written_on_one_line_is_a_call() {
        let dir = std::env::temp_dir().join(format!("encguard-one-line-call-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("k")).unwrap();
        std::fs::write(dir.join("main.tf"), "module \"a\" { source = \"./k\" }\n").unwrap();
        let read = |f: &str| std::fs::read_to_string(f).ok();
        let calls = super::Calls::under(std::slice::from_ref(&dir), &read);
        assert_eq!(calls.of(&dir.join("k")).len(), 1);
    }

    #[test]
    fn an_argument_is_the_block_s_own_not_a_map_s() {
        let call = "module \"k\" {\n  source = \"../k\"\n  tags = {\n    rotation = \"x\"\n  }\n}\n";
        assert_eq!(argument_line(call, 0, 6, "rotation"), None);
        assert_eq!(argument_line(call, 0, 6, "source"), Some(1));
        assert_eq!(super::tfvars_line("tags = {\n  rotation = 1\n}\nrotation = false\n", "rotation"), Some(3));
    }
}
