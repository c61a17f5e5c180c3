//! Finding and reading the inputs of a scan. Each source turns its files into an inventory;
//! a file that cannot be read is an error that names it, and every other file is still read.

use encguard_model::Inventory;
use std::path::{Path, PathBuf};

/// What the inputs of a scan hold.
pub struct Loaded {
    pub inventory: Inventory,
    /// `file:line:col: what was expected`, one per unreadable input.
    pub errors: Vec<String>,
}

/// How the scan is parameterised, per source.
#[derive(Default)]
pub struct SourceOptions {
    pub terraform: encguard_terraform::Options,
    pub cloudformation: encguard_cloudformation::Options,
}

/// Directories never worth descending into, besides hidden ones and what `.gitignore` excludes.
const SKIPPED_DIRS: &[&str] = &[".terraform", "node_modules", "target", "cdk.out"];

/// The inputs found under the scanned paths.
#[derive(Default)]
struct Found {
    terraform: Vec<PathBuf>,
    /// JSON and YAML files: inventories, plans or templates, told apart by content.
    documents: Vec<(PathBuf, bool)>,
}

pub fn load(paths: &[PathBuf], options: &SourceOptions) -> Loaded {
    let mut loaded = Loaded { inventory: Inventory::new(Vec::new()), errors: Vec::new() };
    let mut found = Found::default();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found, &mut loaded.errors);
        } else if path.is_file() {
            classify(path.clone(), true, &mut found, &mut loaded.errors);
        } else {
            loaded.errors.push(format!("{}: no such file or directory", path.display()));
        }
    }
    found.documents.sort();
    let mut templates = Vec::new();
    for (path, explicit) in &found.documents {
        read_document(path, *explicit, &mut loaded, &mut templates);
    }
    if !templates.is_empty() {
        let scan = encguard_cloudformation::scan_templates(&templates, &options.cloudformation);
        loaded.inventory.extend(scan.inventory);
        loaded.errors.extend(scan.errors.iter().map(ToString::to_string));
    }
    if !found.terraform.is_empty() {
        found.terraform.sort();
        let scan = encguard_terraform::scan_files(&found.terraform, &options.terraform, &display);
        loaded.inventory.extend(scan.inventory);
        loaded.errors.extend(scan.errors.iter().map(ToString::to_string));
    }
    loaded
}

/// How reports show a path: relative to the working directory when inside it.
pub fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = path.strip_prefix(&cwd).unwrap_or(path);
    let shown = shown.strip_prefix(".").unwrap_or(shown);
    shown.to_string_lossy().into_owned()
}

fn walk(root: &Path, found: &mut Found, errors: &mut Vec<String>) {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .build();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => classify(e.into_path(), false, found, errors),
            Ok(_) => {}
            Err(e) => errors.push(e.to_string()),
        }
    }
}

/// Sorts a file to the source that reads it. Given explicitly, a file no source reads is
/// an error; met while walking a directory, it is skipped.
fn classify(path: PathBuf, explicit: bool, found: &mut Found, errors: &mut Vec<String>) {
    let terraform_json = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".tf.json"));
    match path.extension().and_then(|e| e.to_str()) {
        Some("tf") => found.terraform.push(path),
        Some("json") if terraform_json => found.terraform.push(path),
        Some("json" | "yaml" | "yml" | "template") => found.documents.push((path, explicit)),
        _ if explicit => errors.push(format!(
            "{}: not an input encguard reads (expected .tf files, a plan, a CloudFormation template or an inventory)",
            path.display()
        )),
        _ => {}
    }
}

/// Reads a JSON or YAML document as whichever input it is: a Terraform plan, an
/// inventory, or a CloudFormation template (set aside, to be scanned together).
fn read_document(path: &Path, explicit: bool, loaded: &mut Loaded, templates: &mut Vec<(PathBuf, String, String)>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return loaded.errors.push(format!("{}: {e}", display(path))),
    };
    let head = &text[..text.floor_char_boundary(4096)];
    let is_json = path.extension().is_some_and(|e| e == "json");
    let shown = display(path);
    if is_json && encguard_terraform::is_plan(head) {
        match encguard_terraform::scan_plan(&shown, &text) {
            Ok(inventory) => loaded.inventory.extend(inventory),
            Err(message) => loaded.errors.push(format!("{shown}: {message}")),
        }
    } else if is_json && head.contains("\"schema_version\"") && text.contains("\"resources\"") {
        match Inventory::from_json(&text) {
            Ok(inventory) => loaded.inventory.extend(inventory),
            Err(message) => loaded.errors.push(format!("{shown}: {message}")),
        }
    } else if encguard_cloudformation::is_template(&text) {
        templates.push((path.to_path_buf(), shown, text));
    } else if explicit {
        loaded.errors.push(format!("{shown}: neither a Terraform plan, an inventory nor a CloudFormation template"));
    }
}
