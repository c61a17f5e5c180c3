//! The Terraform source: module trees (`.tf`) and plans (`terraform show -json`) into
//! encguard's inventory.
//!
//! HCL is evaluated statically, as far as Terraform itself could before apply: variables
//! (defaults, `.tfvars`, overrides), locals, references between resources and data sources,
//! the common functions, `count`/`for_each` over known values, `dynamic` blocks, and local
//! modules. What cannot be known is carried as *unknown, because …* into the model, so that
//! rules report it as such rather than guessing.

mod classic_policies;
mod eval;
mod functions;
mod mapping;
mod parse;
mod plan;
mod suppress;

pub use parse::ParseError;
pub use plan::{is_plan, scan_plan};

use encguard_model::{Gap, Inventory, Location, Resource};
use encguard_values::Val;
use eval::{Instance, Modules};
use parse::{Module, SourceFile};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Variable values given on the command line.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--var-file` paths, applied to every root module after its own `.tfvars`.
    pub var_files: Vec<PathBuf>,
    /// `--var name=value`, applied last.
    pub vars: Vec<(String, String)>,
}

/// What a scan produced: the inventory, and the files that could not be read.
pub struct Scan {
    pub inventory: Inventory,
    pub errors: Vec<ParseError>,
}

/// Scans `.tf` files: each directory is a module; directories that no other module calls
/// are root modules. `display` turns a path into what reports show.
///
/// Root modules are scanned in parallel, each with only the modules it calls in memory: a
/// quick read of every file's local `source = "./…"` tells roots from called modules before
/// anything is parsed, so that peak memory follows the largest root, not the whole tree.
pub fn scan_files(tf_files: &[PathBuf], options: &Options, display: &(dyn Fn(&Path) -> String + Sync)) -> Scan {
    let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for f in tf_files {
        by_dir.entry(eval::normalize(f.parent().unwrap_or(Path::new(".")))).or_default().push(f.clone());
    }
    let called: HashSet<PathBuf> = tf_files.par_iter().flat_map_iter(|f| local_sources(f)).collect();
    let roots: Vec<(&PathBuf, &Vec<PathBuf>)> = by_dir.iter().filter(|(d, _)| !called.contains(*d)).collect();
    let parts: Vec<(Inventory, Vec<ParseError>)> = roots
        .par_iter()
        .map(|(root, files)| {
            let mut errors = Vec::new();
            let modules = load_closure(root, files, &mut errors, display);
            (scan_root(&modules, root, options, display), errors)
        })
        .collect();
    let mut inventory = Inventory::new(Vec::new());
    let mut errors = Vec::new();
    for (part, errs) in parts {
        inventory.extend(part);
        errors.extend(errs);
    }
    // A module several roots call is read once per root: report its errors once.
    errors.sort_by(|a, b| (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message)));
    errors.dedup();
    Scan { inventory, errors }
}

/// The directories a file calls as local modules (`source = "./…"` or `"../…"`), read
/// from its text without parsing it.
fn local_sources(file: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(file) else { return Vec::new() };
    let dir = file.parent().unwrap_or(Path::new("."));
    text.lines()
        .filter_map(|line| {
            let rest =
                line.trim_start().strip_prefix("source").or_else(|| line.trim_start().strip_prefix("\"source\""))?;
            let rest = rest.trim_start().strip_prefix(['=', ':'])?.trim_start().strip_prefix('"')?;
            let source = &rest[..rest.find('"')?];
            Modules::local_source(dir, source)
        })
        .collect()
}

/// A root module and every local module it calls, directly or not, parsed.
fn load_closure(
    root: &Path,
    files: &[PathBuf],
    errors: &mut Vec<ParseError>,
    display: &(dyn Fn(&Path) -> String + Sync),
) -> Modules {
    let mut modules: HashMap<PathBuf, Module> = HashMap::new();
    modules.insert(root.to_path_buf(), Module { dir: root.to_path_buf(), ..Module::default() });
    load(files.to_vec(), &mut modules, errors, display);
    loop {
        let missing: BTreeSet<PathBuf> = modules
            .values()
            .flat_map(|m| {
                m.module_calls.iter().filter_map(|c| Modules::local_source(&m.dir, parse::literal(&c.body, "source")?))
            })
            .filter(|d| !modules.contains_key(d) && d.is_dir())
            .collect();
        if missing.is_empty() {
            break;
        }
        let files: Vec<PathBuf> = missing.iter().flat_map(|d| tf_files_in(d)).collect();
        for d in &missing {
            modules.entry(d.clone()).or_insert_with(|| Module { dir: d.clone(), ..Module::default() });
        }
        load(files, &mut modules, errors, display);
    }
    Modules { by_dir: modules }
}

fn tf_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| parse::is_tf(p)).collect();
    files.sort();
    files
}

/// Parses files in parallel and adds them to their directories' modules.
fn load(
    files: Vec<PathBuf>,
    modules: &mut HashMap<PathBuf, Module>,
    errors: &mut Vec<ParseError>,
    display: &(dyn Fn(&Path) -> String + Sync),
) {
    let parsed: Vec<_> = files
        .par_iter()
        .map(|path| {
            let shown = display(path);
            let text = std::fs::read_to_string(path).map_err(|e| ParseError {
                file: shown.clone(),
                line: 1,
                column: 1,
                message: format!("cannot read: {e}"),
            })?;
            let (file, body) = if shown.ends_with(".tf.json") {
                let (native, lines) = parse::json_to_hcl(&shown, &text)?;
                let body = parse::parse_file(&shown, &native)?;
                let mut file = SourceFile::new(shown, native);
                file.json_lines = Some(lines);
                (file, body)
            } else {
                let body = parse::parse_file(&shown, &text)?;
                (SourceFile::new(shown, text), body)
            };
            Ok((eval::normalize(path.parent().unwrap_or(Path::new("."))), file, body))
        })
        .collect();
    for result in parsed {
        match result {
            Ok((dir, file, body)) => {
                modules.entry(dir.clone()).or_insert_with(|| Module { dir, ..Module::default() }).add_file(file, body)
            }
            Err(e) => errors.push(e),
        }
    }
}

/// Variable values for a root module: `terraform.tfvars`, `*.auto.tfvars`, then options.
fn root_variables(modules: &Modules, module: &Module, options: &Options) -> HashMap<String, Val> {
    let mut files: Vec<PathBuf> = vec![module.dir.join("terraform.tfvars"), module.dir.join("terraform.tfvars.json")];
    let mut auto: Vec<PathBuf> = std::fs::read_dir(&module.dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
        })
        .collect();
    auto.sort();
    files.extend(auto);
    files.extend(options.var_files.iter().cloned());
    let literal = Instance::root(modules, module, "", HashMap::new());
    let mut vars = HashMap::new();
    for file in files.iter().filter(|f| f.is_file()) {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        if file.extension().is_some_and(|e| e == "json") {
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&text) {
                vars.extend(map.iter().map(|(k, v)| (k.clone(), Val::from_json(v))));
            }
        } else if let Ok(body) = hcl_edit::parser::parse_body(&text) {
            for s in body.iter() {
                if let hcl_edit::structure::Structure::Attribute(a) = s {
                    vars.insert(a.key.as_str().to_string(), literal.eval(&a.value, &eval::Env::default()));
                }
            }
        }
    }
    for (name, text) in &options.vars {
        let value = match hcl_edit::parser::parse_expr(text) {
            Ok(expr)
                if !matches!(
                    expr,
                    hcl_edit::expr::Expression::Traversal(_) | hcl_edit::expr::Expression::Variable(_)
                ) =>
            {
                literal.eval(&expr, &eval::Env::default())
            }
            _ => Val::Str(text.clone()),
        };
        vars.insert(name.clone(), value);
    }
    vars
}

fn scan_root(
    modules: &Modules,
    root: &Path,
    options: &Options,
    display: &(dyn Fn(&Path) -> String + Sync),
) -> Inventory {
    let module = &modules.by_dir[root];
    let root_name = display(root);
    let instance = Instance::root(modules, module, &root_name, root_variables(modules, module, options));
    let mut resources = Vec::new();
    let mut gaps = Vec::new();
    emit(&instance, &root_name, &mut resources, &mut gaps);
    let mut inventory = Inventory::new(resources);
    inventory.gaps = gaps;
    inventory
}

/// Adds every resource of an instance, then of the module instances it calls.
fn emit(instance: &Instance, root: &str, out: &mut Vec<Resource>, gaps: &mut Vec<Gap>) {
    let first = out.len();
    emit_resources(instance, out);
    classic_policies::attach(instance, &mut out[first..]);
    for call in &instance.module.module_calls {
        instance.module_value(&call.kind);
    }
    for note in instance.notes.borrow().iter() {
        gaps.push(Gap { scope: root.to_string(), what: note.what.clone(), error: note.error.clone() });
    }
    for (_, child) in instance.children.borrow().iter() {
        emit(child, root, out, gaps);
    }
}

/// Adds the resources of one module instance.
fn emit_resources(instance: &Instance, out: &mut Vec<Resource>) {
    let module = instance.module;
    let prefix = if instance.path.is_empty() { String::new() } else { format!("{}.", instance.path) };
    let scope = instance.scope.clone();
    for item in &module.resources {
        let file = module.file(item);
        let (start, positions, suppressions) = match &file.json_lines {
            // JSON has no comments, and positions within it are not kept.
            Some(lines) => {
                let line = lines.get(&(item.kind.clone(), item.name.clone())).copied().unwrap_or(1);
                (encguard_model::Position { line, column: 1 }, Default::default(), Vec::new())
            }
            None => (
                file.position(item.offset),
                parse::positions(&item.body, file),
                suppress::around(&file.text, item.offset, item.end),
            ),
        };
        for ri in instance.instances(item, false).iter() {
            let attrs = encguard_values::Attrs::new(&ri.value);
            let Some(spec) = mapping::to_spec(&item.kind, &attrs) else {
                continue;
            };
            let location = Location::File {
                format: "terraform".into(),
                file: file.display.clone(),
                line: start.line,
                column: start.column,
            };
            let mut r = Resource::new(format!("{prefix}{}", ri.address), item.kind.clone(), location, spec);
            r.scope = scope.clone();
            r.handles.push(ri.address.clone());
            r.handles.push(instance.handle(&ri.address));
            r.handles.extend(mapping::identity(&item.kind, &attrs));
            r.region = ri.region.clone();
            r.tags = attrs.tags();
            r.suppressions = suppressions.clone();
            for field in encguard_values::LOCATED_FIELDS {
                let hcl = mapping::attribute_name(field, &item.kind);
                if let Some(p) = positions.get(if hcl.is_empty() { *field } else { hcl }) {
                    r.attributes.insert((*field).to_string(), *p);
                }
            }
            out.push(r);
        }
    }
}

/// Scans files written to a temporary directory, for tests.
#[cfg(test)]
pub(crate) fn scan_text(files: &[(&str, &str)]) -> Scan {
    let dir = std::env::temp_dir().join(format!("encguard-tf-{}-{}", std::process::id(), unique()));
    let mut paths = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        if parse::is_tf(&path) {
            paths.push(path);
        }
    }
    let base = dir.clone();
    let display = move |p: &Path| p.strip_prefix(&base).unwrap_or(p).to_string_lossy().into_owned();
    let scan = scan_files(&paths, &Options::default(), &display);
    let _ = std::fs::remove_dir_all(&dir);
    scan
}

#[cfg(test)]
fn unique() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests;
