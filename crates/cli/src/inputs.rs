//! Finding and reading the inputs of a scan. Each source turns its files into an inventory;
//! a file that cannot be read is an error that names it, and every other file is still read.

use encguard_model::{Gap, InputError, Inventory, Location};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What the inputs of a scan hold.
pub struct Loaded {
    pub inventory: Inventory,
    /// Inputs that could not be read, or only in part, each at its file, line and column.
    pub errors: Vec<InputError>,
    /// What the walk passed over, and why (one line each).
    pub notices: Vec<String>,
}

impl Loaded {
    fn empty() -> Self {
        Loaded { inventory: Inventory::new(Vec::new()), errors: Vec::new(), notices: Vec::new() }
    }
}

/// How the scan is parameterised, per source.
#[derive(Default)]
pub struct SourceOptions {
    pub terraform: encguard_terraform::Options,
    pub cloudformation: encguard_cloudformation::Options,
}

/// Directories never worth descending into, besides hidden ones and what `.gitignore`
/// excludes: provider and package caches, build output. (`cdk.out` is build output too, but
/// its templates are what a CDK project has to scan: they are read beside `cdk.json`.)
const SKIPPED_DIRS: &[&str] = &[".terraform", "node_modules", "target"];

/// The inputs found under the scanned paths.
#[derive(Default)]
struct Found {
    terraform: Vec<PathBuf>,
    /// JSON and YAML files: inventories, plans or templates, told apart by content, and
    /// whether each was named on the command line.
    documents: Vec<(PathBuf, bool)>,
    /// What was passed over: skipped directories and files of no input type, counted by why.
    passed_over: BTreeMap<String, usize>,
    /// Links that were not followed, with why.
    not_followed: Vec<Gap>,
}

pub fn load(paths: &[PathBuf], options: &SourceOptions) -> Loaded {
    let mut loaded = Loaded::empty();
    let mut found = Found::default();
    let roots: Vec<PathBuf> = paths.iter().filter_map(|p| p.canonicalize().ok()).collect();
    for path in paths {
        if path.is_dir() {
            walk(path, &roots, &mut found, &mut loaded.errors);
        } else if path.is_file() {
            classify(path.clone(), true, &mut found, &mut loaded.errors);
        } else {
            loaded.errors.push(InputError::file(display(path), "no such file or directory"));
        }
    }
    found.documents.sort();
    found.documents.dedup_by(|a, b| a.0 == b.0);
    found.terraform.sort();
    found.terraform.dedup();
    // Documents (plans, inventories, templates) and Terraform modules are read side by
    // side: each source is parallel within, and neither waits for the other's serial parts.
    let (documents, terraform) = encguard_values::on_scan_threads(|| {
        rayon::join(|| read_documents(&found.documents, options), || read_terraform(&found.terraform, options))
    });
    let (documents, not_templates) = documents;
    let before = std::mem::replace(&mut loaded.inventory, Inventory::new(Vec::new()));
    loaded.inventory = Inventory::concat([before, documents.inventory, terraform.inventory]);
    loaded.errors.extend(documents.errors.into_iter().chain(terraform.errors));
    if not_templates > 0 {
        *found.passed_over.entry("JSON or YAML files that are not templates".into()).or_default() += not_templates;
    }
    loaded.inventory.gaps.extend(found.not_followed);
    if !found.passed_over.is_empty() {
        let what: Vec<String> = found.passed_over.iter().map(|(why, n)| format!("{n} {why}")).collect();
        loaded.notices.push(format!("not scanned: {}", what.join("; ")));
    }
    loaded
}

/// The keys of a JSON object document, found in one pass without parsing its values.
fn top_level_keys(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let (mut keys, mut depth, mut i) = (Vec::new(), 0usize, 0);
    let mut expecting_key = false;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 && expecting_key {
                    keys.push(text.get(start..i.min(bytes.len())).unwrap_or_default());
                    expecting_key = false;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                expecting_key = depth == 1 && bytes[i] == b'{';
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expecting_key = true,
            _ => {}
        }
        i += 1;
    }
    keys
}

/// The plans, inventories and CloudFormation templates among `documents`, and how many
/// files found by the walk were none of them.
fn read_documents(documents: &[(PathBuf, bool)], options: &SourceOptions) -> (Loaded, usize) {
    let mut loaded = Loaded::empty();
    let mut templates = Vec::new();
    for (path, explicit) in documents {
        read_document(path, *explicit, &mut loaded, &mut templates);
    }
    let mut not_templates = 0;
    if !templates.is_empty() {
        let scan = encguard_cloudformation::scan_templates(&templates, &options.cloudformation);
        loaded.inventory.extend(scan.inventory);
        loaded.errors.extend(scan.errors);
        for shown in scan.not_templates {
            let explicit = documents.iter().any(|(p, explicit)| *explicit && display(p) == shown);
            if explicit {
                loaded.errors.push(InputError::file(shown, NOT_AN_INPUT));
            } else {
                not_templates += 1;
            }
        }
    }
    (loaded, not_templates)
}

/// The Terraform modules the files of `terraform` make.
fn read_terraform(terraform: &[PathBuf], options: &SourceOptions) -> Loaded {
    let mut loaded = Loaded::empty();
    if !terraform.is_empty() {
        let scan = encguard_terraform::scan_files(terraform, &options.terraform, &display);
        loaded.inventory.extend(scan.inventory);
        loaded.errors.extend(scan.errors);
    }
    loaded
}

const NOT_AN_INPUT: &str = "neither a Terraform plan, an inventory nor a CloudFormation template";

/// Sets the place of each resource read from a file: the file relative to the root of the
/// repository holding it (the nearest directory above it with `.git`), else relative to
/// the scanned path it was found under — and, for a Terraform module, the root module it
/// was read through, so that a module several roots call has one finding per root.
pub fn set_places(inventory: &mut Inventory, scanned: &[PathBuf]) {
    let scanned: Vec<PathBuf> = scanned.iter().map(|p| lexical_absolute(p)).collect();
    let mut repositories: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut places: HashMap<String, String> = HashMap::new();
    let mut stable = |shown: &str| -> String {
        if let Some(place) = places.get(shown) {
            return place.clone();
        }
        let path = lexical_absolute(Path::new(shown));
        let dir = path.parent().unwrap_or(&path).to_path_buf();
        let base =
            repository_of(&dir, &mut repositories).or_else(|| scanned.iter().find(|s| path.starts_with(s)).cloned());
        let relative = base.as_deref().and_then(|b| path.strip_prefix(b).ok()).unwrap_or(&path);
        let place = relative.to_string_lossy().replace('\\', "/");
        places.insert(shown.to_string(), place.clone());
        place
    };
    for r in &mut inventory.resources {
        let Location::File { file, .. } = &r.location else { continue };
        let mut place = stable(file);
        if let Some((root, _)) = r.scope.split_once("//") {
            place = format!("{place} (root module {})", stable(if root.is_empty() { "." } else { root }));
        }
        r.place = Some(place);
    }
}

/// The repository holding `dir`: the nearest directory at or above it with `.git`,
/// remembered for every directory asked about on the way.
fn repository_of(dir: &Path, known: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<PathBuf> {
    if let Some(repository) = known.get(dir) {
        return repository.clone();
    }
    let repository = if dir.join(".git").exists() {
        Some(dir.to_path_buf())
    } else {
        dir.parent().and_then(|parent| repository_of(parent, known))
    };
    known.insert(dir.to_path_buf(), repository.clone());
    repository
}

/// An absolute path with `.` and `..` resolved lexically: links are not followed, so that
/// a file read through a link keeps its own place.
fn lexical_absolute(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in absolute.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// How reports show a path: relative to the working directory when inside it.
pub fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = path.strip_prefix(&cwd).unwrap_or(path);
    let shown = shown.strip_prefix(".").unwrap_or(shown);
    shown.to_string_lossy().into_owned()
}

/// Walks a directory. Symbolic links are followed while they stay within the scanned
/// paths (`roots`, canonical); a link that leaves them, or leads back to a directory
/// already walked (a loop), is listed as not read. Links are followed here rather than by
/// the walker, which would compare every directory with its ancestors to find loops.
fn walk(root: &Path, roots: &[PathBuf], found: &mut Found, errors: &mut Vec<InputError>) {
    let mut walked: HashSet<PathBuf> = root.canonicalize().into_iter().collect();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        walk_one(&dir, roots, &mut walked, &mut pending, found, errors);
    }
}

fn walk_one(
    dir: &Path,
    roots: &[PathBuf],
    walked: &mut HashSet<PathBuf>,
    pending: &mut Vec<PathBuf>,
    found: &mut Found,
    errors: &mut Vec<InputError>,
) {
    let skipped = std::sync::Arc::new(std::sync::Mutex::new(BTreeMap::<String, usize>::new()));
    let skipped_in = skipped.clone();
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .filter_entry(move |e| {
            let name = e.file_name().to_string_lossy();
            let skip = e.file_type().is_some_and(|t| t.is_dir()) && SKIPPED_DIRS.contains(&name.as_ref());
            if skip {
                *skipped_in.lock().expect("walk").entry(format!("`{name}` directories")).or_default() += 1;
            }
            !skip
        })
        .build();
    let mut seen = HashSet::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                errors.push(InputError::file(display(dir), e.to_string()));
                continue;
            }
        };
        let Some(kind) = entry.file_type() else { continue };
        let path = entry.into_path();
        seen.insert(path.clone());
        if kind.is_file() {
            if path.file_name().is_some_and(|n| n == "cdk.json") {
                seen.extend(cdk_templates(&path, found, errors));
            }
            classify(path, false, found, errors);
        } else if kind.is_symlink() {
            let not_followed =
                |why: &str| Gap { scope: display(&path), what: "symbolic link".into(), error: why.into() };
            match path.canonicalize() {
                Ok(target) if !roots.iter().any(|r| target.starts_with(r)) => {
                    found.not_followed.push(not_followed("it points outside the scanned paths: not followed"))
                }
                Ok(target) if target.is_file() => classify(path, false, found, errors),
                Ok(target) if target.is_dir() => {
                    if walked.insert(target) {
                        pending.push(path);
                    } else {
                        found
                            .not_followed
                            .push(not_followed("it leads to a directory already walked (a loop): not followed"));
                    }
                }
                Ok(_) => {}
                Err(_) => found.not_followed.push(not_followed("it points nowhere: not followed")),
            }
        }
    }
    for (why, n) in std::mem::take(&mut *skipped.lock().expect("walk")) {
        *found.passed_over.entry(why).or_default() += n;
    }
    let ignored = ignored_inputs(dir, &seen);
    if ignored > 0 {
        *found.passed_over.entry("input files excluded by .gitignore or .ignore".into()).or_default() += ignored;
    }
}

/// Counts the files of an input type under `dir` that the walk did not see, because an
/// ignore file excludes them: a user whose templates sit in an ignored directory learns
/// why they were not scanned. (Hidden and always-skipped directories are counted apart.)
fn ignored_inputs(dir: &Path, seen: &HashSet<PathBuf>) -> usize {
    ignore::WalkBuilder::new(dir)
        .hidden(true)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .parents(false)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir()) && SKIPPED_DIRS.contains(&&*e.file_name().to_string_lossy()))
        })
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()) && is_input_type(e.path()) && !seen.contains(e.path()))
        .count()
}

fn is_input_type(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("tf" | "json" | "yaml" | "yml" | "template"))
}

/// The templates a CDK app synthesised, beside its `cdk.json`: read even where
/// `.gitignore` excludes `cdk.out`, since they are all there is to scan of a CDK project.
fn cdk_templates(cdk_json: &Path, found: &mut Found, errors: &mut Vec<InputError>) -> Vec<PathBuf> {
    let out = cdk_json.with_file_name("cdk.out");
    let Ok(entries) = std::fs::read_dir(&out) else { return Vec::new() };
    let templates: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".template.json") && p.is_file())
        .collect();
    for path in &templates {
        classify(path.clone(), false, found, errors);
    }
    templates
}

/// Sorts a file to the source that reads it. Given explicitly, a file no source reads is
/// an error; met while walking a directory, it is skipped.
fn classify(path: PathBuf, explicit: bool, found: &mut Found, errors: &mut Vec<InputError>) {
    let terraform_json = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".tf.json"));
    match path.extension().and_then(|e| e.to_str()) {
        Some("tf") => found.terraform.push(path),
        Some("json") if terraform_json => found.terraform.push(path),
        Some("json" | "yaml" | "yml" | "template") => found.documents.push((path, explicit)),
        _ if explicit => errors.push(InputError::file(
            display(&path),
            "not an input encguard reads (expected .tf files, a plan, a CloudFormation template or an inventory)",
        )),
        // Variable files are read with the module beside them.
        Some("tfvars") => {}
        // encguard's own policy file is read as the policy, not scanned.
        _ if path.file_name().is_some_and(|n| n == "encguard.toml") => {}
        _ => *found.passed_over.entry("files of other types".into()).or_default() += 1,
    }
}

/// Reads a JSON or YAML document as whichever input it is: a Terraform plan, an
/// inventory, or a CloudFormation template (set aside, to be scanned together).
fn read_document(path: &Path, explicit: bool, loaded: &mut Loaded, templates: &mut Vec<(PathBuf, String, String)>) {
    let is_json = path.extension().is_some_and(|e| e == "json");
    let bound = if is_json { encguard_values::MAX_DOCUMENT_BYTES } else { encguard_values::MAX_SOURCE_BYTES };
    let text = match encguard_values::read_bounded(path, bound) {
        Ok(t) => t,
        Err(e) => return loaded.errors.push(InputError::file(display(path), e.to_string())),
    };
    let shown = display(path);
    // What a JSON document is follows from its top-level keys, wherever they are written
    // (`jq -S` sorts a plan's `format_version` after its whole configuration).
    let keys = if is_json { top_level_keys(&text) } else { Vec::new() };
    let has = |key: &str| keys.contains(&key);
    if has("format_version") && has("terraform_version") {
        match encguard_terraform::scan_plan(&shown, &text) {
            Ok(inventory) => loaded.inventory.extend(inventory),
            Err(error) => loaded.errors.push(error),
        }
    } else if has("schema_version") && has("resources") {
        match Inventory::from_json(&shown, &text) {
            Ok(inventory) => loaded.inventory.extend(inventory),
            Err(error) => loaded.errors.push(error),
        }
    } else if encguard_cloudformation::is_template(&text) {
        templates.push((path.to_path_buf(), shown, text));
    } else if explicit {
        loaded.errors.push(InputError::file(shown, NOT_AN_INPUT));
    }
}

#[cfg(test)]
mod tests {
    use super::top_level_keys;

    #[test]
    fn top_level_keys_are_found_wherever_they_are_written() {
        let text =
            r#"{"configuration": {"format_version": "x", "a": [1, {"b": "}"}]}, "format_version": "1.2", "s\"q": 1}"#;
        assert_eq!(top_level_keys(text), vec!["configuration", "format_version", "s\\\"q"]);
        assert_eq!(top_level_keys("[{\"a\": 1}]"), Vec::<&str>::new());
    }
}
