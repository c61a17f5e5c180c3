//! The Terraform source: module trees (`.tf`) and plans (`terraform show -json`) into
//! encguard's inventory.
//!
//! HCL is evaluated statically, as far as Terraform itself could before apply: variables
//! (defaults, `.tfvars`, overrides), locals, references between resources and data sources,
//! the common functions, `count`/`for_each` over known values, `dynamic` blocks, and local
//! modules. What cannot be known is carried as *unknown, because …* into the model, so that
//! rules report it as such rather than guessing.

#![deny(missing_docs)]

mod certificate;
mod classic_policies;
mod eval;
mod functions;
mod mapping;
mod parse;
mod plan;
mod suppress;
mod types;

pub use plan::scan_plan;

use encguard_model::{Gap, InputError, Inventory, Location, Resource};
use encguard_values::Val;
use eval::{Instance, Modules};
use hcl_edit::structure::Body;
use parse::{Module, SourceFile};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Variable values given on the command line, and the bounds of evaluation.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--var-file` paths, applied to every root module after its own `.tfvars`.
    pub var_files: Vec<PathBuf>,
    /// `--var name=value`, applied last.
    pub vars: Vec<(String, String)>,
    /// The most instances `count` or `for_each` may make of one resource or module call;
    /// past it the instances are unknown and the code is at fault.
    pub max_instances: usize,
}

/// The default of [`Options::max_instances`].
pub const MAX_INSTANCES: usize = 100_000;

/// The most alternatives a resource's `dynamic` blocks over unknown collections may give
/// (none, one or two blocks each: two such blocks give nine). Past it the blocks stay
/// unknown, and so does every verdict that reads them.
const MAX_ALTERNATIVES: usize = 9;

impl Default for Options {
    fn default() -> Self {
        Options { var_files: Vec::new(), vars: Vec::new(), max_instances: MAX_INSTANCES }
    }
}

/// What a scan produced: the inventory, and the files that could not be read.
pub struct Scan {
    /// The resources read.
    pub inventory: Inventory,
    /// Files and modules that could not be read, or only in part, at their file, line and column.
    pub errors: Vec<InputError>,
}

/// Scans `.tf` files: each directory is a module; directories that no other module calls
/// are root modules. `display` turns a path into what reports show.
///
/// Root modules are scanned in parallel, each with only the modules it calls in memory: a
/// quick read of every file's local `source = "./…"` tells roots from called modules before
/// anything is parsed, so that peak memory follows the largest root, not the whole tree.
pub fn scan_files(tf_files: &[PathBuf], options: &Options, display: &(dyn Fn(&Path) -> String + Sync)) -> Scan {
    encguard_values::on_scan_threads(|| scan_on_this_pool(tf_files, options, display))
}

fn scan_on_this_pool(tf_files: &[PathBuf], options: &Options, display: &(dyn Fn(&Path) -> String + Sync)) -> Scan {
    let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for f in tf_files {
        by_dir.entry(module_dir(f)).or_default().push(f.clone());
    }
    let calls: Vec<(PathBuf, Vec<PathBuf>)> = tf_files.par_iter().map(|f| (module_dir(f), local_sources(f))).collect();
    let roots = roots(&by_dir, &calls);
    let parts: Vec<(Inventory, Vec<InputError>)> = roots
        .par_iter()
        .map(|root| {
            let mut errors = Vec::new();
            let modules = load_closure(root, &by_dir[root], options, &mut errors, display);
            let (inventory, faults) = scan_root(&modules, root, options, display);
            errors.extend(faults);
            (inventory, errors)
        })
        .collect();
    let mut inventories = Vec::with_capacity(parts.len());
    let mut errors = Vec::new();
    for (part, errs) in parts {
        inventories.push(part);
        errors.extend(errs);
    }
    let inventory = Inventory::concat(inventories);
    // A module several roots call is read once per root: report its errors once.
    errors.sort();
    errors.dedup();
    Scan { inventory, errors }
}

fn module_dir(file: &Path) -> PathBuf {
    eval::normalize(file.parent().unwrap_or(Path::new(".")))
}

/// The root modules: directories that no other directory calls. A directory that calls
/// itself is still a root; directories that call each other in a ring with no root above
/// them are scanned from the first of them, so that their cycle is reported, not skipped.
fn roots(by_dir: &BTreeMap<PathBuf, Vec<PathBuf>>, calls: &[(PathBuf, Vec<PathBuf>)]) -> Vec<PathBuf> {
    let mut callees: HashMap<&Path, BTreeSet<&Path>> = HashMap::new();
    for (caller, called) in calls {
        let called = called.iter().filter(|c| *c != caller && by_dir.contains_key(*c)).map(PathBuf::as_path);
        callees.entry(caller.as_path()).or_default().extend(called);
    }
    let called: HashSet<&Path> = callees.values().flatten().copied().collect();
    let mut roots: Vec<PathBuf> = by_dir.keys().filter(|d| !called.contains(d.as_path())).cloned().collect();
    let mut reached: HashSet<PathBuf> = HashSet::new();
    let reach = |from: &Path, reached: &mut HashSet<PathBuf>| {
        let mut pending = vec![from];
        while let Some(d) = pending.pop() {
            if reached.insert(d.to_path_buf()) {
                pending.extend(callees.get(d).into_iter().flatten());
            }
        }
    };
    for r in &roots {
        reach(r, &mut reached);
    }
    for d in by_dir.keys() {
        if !reached.contains(d) {
            roots.push(d.clone());
            reach(d, &mut reached);
        }
    }
    roots.sort();
    roots
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
    options: &Options,
    errors: &mut Vec<InputError>,
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
            .filter(|d| !modules.contains_key(d) && on_disk(d).is_dir())
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
    Modules { by_dir: modules, root: root.to_path_buf(), max_instances: options.max_instances }
}

/// A module directory as the file system names it: the current directory, which module
/// directories write as the empty path (`../..` from `examples/a`), is `.`.
fn on_disk(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

fn tf_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(on_disk(dir))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| parse::is_tf(p))
        .collect();
    files.sort();
    files
}

/// Parses files in parallel and adds them to their directories' modules.
fn load(
    files: Vec<PathBuf>,
    modules: &mut HashMap<PathBuf, Module>,
    errors: &mut Vec<InputError>,
    display: &(dyn Fn(&Path) -> String + Sync),
) {
    let parsed: Vec<_> = files
        .par_iter()
        .map(|path| {
            let shown = display(path);
            let text =
                encguard_values::read_source(path).map_err(|e| InputError::file(shown.clone(), e.to_string()))?;
            let (file, body) = parse_source(shown, text)?;
            Ok((module_dir(path), file, body))
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

/// Parses one file's text, in the native syntax or the JSON syntax (`.tf.json`).
fn parse_source(shown: String, text: String) -> Result<(SourceFile, Body), InputError> {
    if shown.ends_with(".tf.json") {
        let (native, lines) = parse::json_to_hcl(&shown, &text)?;
        let (body, native) = parse::parse_file(&shown, native)?;
        let mut file = SourceFile::new(shown, native);
        file.json_lines = Some(lines);
        Ok((file, body))
    } else {
        let (body, text) = parse::parse_file(&shown, text)?;
        Ok((SourceFile::new(shown, text), body))
    }
}

/// Scans one module given as text — `files` are the names and texts of one directory's
/// files — as a root module. Local modules it calls and files its functions read come from
/// disk, relative to `dir`. For fuzzing and for embedding encguard.
pub fn scan_module_text(dir: &Path, files: &[(String, String)], options: &Options) -> Scan {
    encguard_values::on_scan_threads(|| {
        let mut module = Module { dir: dir.to_path_buf(), ..Module::default() };
        let mut errors = Vec::new();
        for (name, text) in files {
            match parse_source(name.clone(), text.clone()) {
                Ok((file, body)) => module.add_file(file, body),
                Err(e) => errors.push(e),
            }
        }
        let modules = Modules {
            by_dir: HashMap::from([(dir.to_path_buf(), module)]),
            root: dir.to_path_buf(),
            max_instances: options.max_instances,
        };
        let shown = |p: &Path| p.display().to_string();
        let (inventory, faults) = scan_root(&modules, dir, options, &shown);
        errors.extend(faults);
        Scan { inventory, errors }
    })
}

/// Variable values for a root module: `terraform.tfvars`, `*.auto.tfvars`, then options.
/// A file that cannot be read or parsed is an error naming it; the others still apply.
fn root_variables(
    modules: &Modules,
    module: &Module,
    options: &Options,
    display: &(dyn Fn(&Path) -> String + Sync),
    errors: &mut Vec<InputError>,
) -> HashMap<String, Val> {
    let mut files: Vec<PathBuf> = vec![module.dir.join("terraform.tfvars"), module.dir.join("terraform.tfvars.json")];
    // A module in the current directory has an empty path, which `read_dir` does not read.
    let dir = if module.dir.as_os_str().is_empty() { Path::new(".") } else { module.dir.as_path() };
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
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
    let given = options.var_files.len();
    for (i, file) in files.iter().enumerate() {
        // Files of the module are read when present; files given with --var-file must be.
        if i < files.len() - given && !file.exists() {
            continue;
        }
        let shown = display(file);
        let text = match encguard_values::read_bounded(file, functions::MAX_FILE_BYTES) {
            Ok(text) => text,
            Err(why) => {
                errors.push(InputError::file(shown, format!("variable file: {why}")));
                continue;
            }
        };
        if file.extension().is_some_and(|e| e == "json") {
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(serde_json::Value::Object(map)) => {
                    vars.extend(map.iter().map(|(k, v)| (k.clone(), Val::from_json(v))))
                }
                Ok(_) => errors.push(InputError::at(shown, 1, 1, "a variable file holds an object of names to values")),
                Err(e) => errors.push(InputError::at(shown, e.line() as u32, e.column() as u32, e.to_string())),
            }
        } else {
            match parse::parse_file(&shown, text) {
                Ok((body, _)) => {
                    for s in body.iter() {
                        if let hcl_edit::structure::Structure::Attribute(a) = s {
                            vars.insert(a.key.as_str().to_string(), literal.eval(&a.value, &eval::Env::default()));
                        }
                    }
                }
                Err(e) => errors.push(e),
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

/// A root module's resources, and the faults found evaluating it.
fn scan_root(
    modules: &Modules,
    root: &Path,
    options: &Options,
    display: &(dyn Fn(&Path) -> String + Sync),
) -> (Inventory, Vec<InputError>) {
    let module = &modules.by_dir[root];
    let root_name = display(root);
    let mut faults = Vec::new();
    eval::reset_iteration_budget();
    let variables = root_variables(modules, module, options, display, &mut faults);
    let instance = Instance::root(modules, module, &root_name, variables);
    let mut resources = Vec::new();
    let mut gaps = Vec::new();
    emit(&instance, &root_name, &mut resources, &mut gaps, &mut faults);
    let mut inventory = Inventory::new(resources);
    inventory.gaps = gaps;
    (inventory, faults)
}

/// Adds every resource of an instance, then of the module instances it calls.
fn emit(instance: &Instance, root: &str, out: &mut Vec<Resource>, gaps: &mut Vec<Gap>, faults: &mut Vec<InputError>) {
    let first = out.len();
    emit_resources(instance, out);
    classic_policies::attach(instance, out, first);
    for call in &instance.module.module_calls {
        instance.module_value(&call.kind);
    }
    for note in instance.notes.borrow().iter() {
        gaps.push(Gap { scope: root.to_string(), what: note.what.clone(), error: note.error.clone() });
    }
    faults.append(&mut instance.faults.borrow_mut());
    for (_, child) in instance.children.borrow().iter() {
        emit(child, root, out, gaps, faults);
    }
}

/// Adds the resources of one module instance.
fn emit_resources(instance: &Instance, out: &mut Vec<Resource>) {
    let module = instance.module;
    let prefix = if instance.path.is_empty() { String::new() } else { format!("{}.", instance.path) };
    let scope = instance.scope.clone();
    for item in &module.resources {
        // A kind no rule reads is not evaluated, whatever its count.
        if mapping::to_spec(&item.kind, &encguard_values::Attrs::default()).is_none() {
            continue;
        }
        let file = module.file(item);
        let (start, places, suppressions) = match &file.json_lines {
            // JSON has no comments, and positions within it are not kept.
            Some(lines) => {
                let line = lines.get(&(item.kind.clone(), item.name.clone())).copied().unwrap_or(1);
                (encguard_model::Position { line, column: 1 }, Default::default(), Vec::new())
            }
            None => (
                file.position(item.offset),
                parse::places(&item.body, file),
                suppress::around(&file.text, item.offset, item.end),
            ),
        };
        for ri in instance.instances(item, false).iter() {
            let attrs = encguard_values::Attrs::with_places(&ri.value, &places);
            let Some(spec) = mapping::to_spec(&item.kind, &attrs) else {
                continue;
            };
            let alternatives = ri.value.expansions(MAX_ALTERNATIVES).map(|values| {
                values
                    .iter()
                    .filter_map(|v| mapping::to_spec(&item.kind, &encguard_values::Attrs::with_places(v, &places)))
                    .collect()
            });
            let location = Location::File {
                format: "terraform".into(),
                file: file.display.clone(),
                line: start.line,
                column: start.column,
                end: None,
            };
            let mut r = Resource::new(format!("{prefix}{}", ri.address), item.kind.clone(), location, spec);
            r.scope = scope.clone();
            r.span = file
                .json_lines
                .is_none()
                .then(|| encguard_model::Span::new(file.position(item.offset), file.position(item.end)));
            r.handles.push(ri.address.clone());
            r.handles.push(instance.handle(&ri.address));
            r.handles.extend(mapping::identity(&item.kind, &attrs));
            r.alternatives = alternatives.unwrap_or_default();
            r.region = ri.region.clone();
            attrs.tags_over("tags", instance.default_tags(&item.body).as_ref()).set_on(&mut r);
            r.suppressions = suppressions.clone();
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
