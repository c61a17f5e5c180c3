//! Finding and reading the inputs of a scan. Each source turns files into an inventory;
//! a file that cannot be read is an error that names it, and every other file is still read.

use encguard_model::Inventory;
use std::path::{Path, PathBuf};

/// What the inputs of a scan hold.
pub struct Loaded {
    pub inventory: Inventory,
    /// `file:line:col: what was expected`, one per unreadable input.
    pub errors: Vec<String>,
}

/// Directories never worth descending into.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".terraform",
    "node_modules",
    "target",
    "cdk.out.cache",
];

pub fn load(paths: &[PathBuf]) -> Loaded {
    let mut loaded = Loaded {
        inventory: Inventory::new(Vec::new()),
        errors: Vec::new(),
    };
    for path in paths {
        if path.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files, &mut loaded.errors);
            files.sort();
            for file in files {
                read_file(&file, false, &mut loaded);
            }
        } else if path.is_file() {
            read_file(path, true, &mut loaded);
        } else {
            loaded
                .errors
                .push(format!("{}: no such file or directory", path.display()));
        }
    }
    loaded
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return errors.push(format!("{}: {e}", dir.display())),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        match entry.file_type() {
            Ok(t) if t.is_dir() => {
                if !SKIPPED_DIRS.contains(&name.as_ref()) && !name.starts_with('.') {
                    walk(&path, files, errors);
                }
            }
            Ok(t) if t.is_file() => files.push(path),
            _ => {}
        }
    }
}

/// Reads one file if a source recognises it. Given explicitly, a file no source reads is
/// an error; met while walking a directory, it is skipped.
fn read_file(path: &Path, explicit: bool, loaded: &mut Loaded) {
    let is_json = path.extension().is_some_and(|e| e == "json");
    if !is_json {
        if explicit {
            loaded.errors.push(format!(
                "{}: not an input encguard reads (expected an inventory .json)",
                path.display()
            ));
        }
        return;
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return loaded.errors.push(format!("{}: {e}", path.display())),
    };
    if !explicit && !looks_like_inventory(&text) {
        return;
    }
    match Inventory::from_json(&text) {
        Ok(inventory) => loaded.inventory.extend(inventory),
        Err(message) => loaded.errors.push(format!("{}: {message}", path.display())),
    }
}

fn looks_like_inventory(text: &str) -> bool {
    let head = &text[..text.len().min(4096)];
    head.contains("\"schema_version\"") && text.contains("\"resources\"")
}
