//! Static evaluation of a module instance: variables, locals, resources, data sources and
//! module calls, evaluated on demand and remembered, as Terraform would before apply.

use crate::functions::{self, err};
use crate::parse::{attribute, literal, Item, Module};
// `Unknowable`: why a count or for_each cannot be known (a `Val::Unknown` carries more).
use encguard_model::{InputError, Unknown as Unknowable};
use encguard_values::{Unknown, Val, ADDRESS_KEY, HANDLE_KEY, HOLE};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Directive, Element, Template};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Every module a scan can instantiate, parsed up front, by directory.
pub struct Modules {
    pub by_dir: HashMap<PathBuf, Module>,
    /// The root module's directory: Terraform runs there, so relative paths in `file()` and
    /// `templatefile()` start from it.
    pub root: PathBuf,
    /// The most instances `count` or `for_each` may make of one resource or module call.
    pub max_instances: usize,
}

/// How many references (locals, variables, outputs, resources, module calls) one
/// evaluation may pass through, nested: far past any real module, and within what a scan
/// thread's stack holds.
pub const MAX_REFERENCE_DEPTH: usize = 400;

/// How deep module calls may nest.
pub const MAX_MODULE_DEPTH: usize = 32;

/// How many elements `for` expressions, template `for` directives and `dynamic` blocks may
/// produce, together, in one root module: bounds the work of nested loops over large ranges.
pub const MAX_ITERATIONS: usize = 10_000_000;

/// How large (in value nodes and string bytes, roughly) one local, variable, output or
/// resource value may grow: bounds values that double through a chain of locals.
pub const MAX_VALUE_SIZE: usize = 32 << 20;

thread_local! {
    /// References being evaluated on this thread, across module instances.
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// Loop iterations left for the root module evaluated on this thread.
    static ITERATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(MAX_ITERATIONS) };
}

/// Starts the loop budget of a root module's evaluation.
pub fn reset_iteration_budget() {
    ITERATIONS.with(|i| i.set(MAX_ITERATIONS));
}

/// Takes `n` iterations from the budget; false when it is spent.
fn iterate(n: usize) -> bool {
    ITERATIONS.with(|i| match i.get().checked_sub(n) {
        Some(left) => {
            i.set(left);
            true
        }
        None => {
            i.set(0);
            false
        }
    })
}

impl Modules {
    /// A module directory as reports show it: the directory of its files as shown.
    pub fn shown(&self, dir: &Path) -> String {
        let file = self.by_dir.get(dir).and_then(|m| m.files.first());
        match file.and_then(|f| Path::new(&f.display).parent()) {
            Some(parent) if parent.as_os_str().is_empty() => ".".into(),
            Some(parent) => parent.display().to_string(),
            None => dir.display().to_string(),
        }
    }

    /// Where a local module source points, if it is local.
    pub fn local_source(from: &Path, source: &str) -> Option<PathBuf> {
        (source.starts_with("./") || source.starts_with("../")).then(|| normalize(&from.join(source)))
    }
}

fn absolute(dir: &Path) -> String {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()).to_string_lossy().into_owned()
}

/// `a/b/../c` → `a/c`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir
                if out.components().next_back().is_some_and(|l| matches!(l, std::path::Component::Normal(_))) =>
            {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Bindings introduced inside expressions: `count`, `each`, `for` variables, `dynamic` iterators.
#[derive(Clone, Default)]
pub struct Env {
    vars: Vec<(String, Val)>,
}

impl Env {
    pub fn with(&self, name: &str, value: Val) -> Env {
        let mut vars = self.vars.clone();
        vars.push((name.to_string(), value));
        Env { vars }
    }
    fn get(&self, name: &str) -> Option<&Val> {
        self.vars.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// What `count` or `for_each` make of a resource or module block.
enum Expansion {
    /// Neither is written: one instance.
    Single,
    /// The instances, keyed by index (`count`) or by key (`for_each`).
    Instances { counted: bool, instances: Vec<InstanceKey> },
    /// Which meta-argument cannot be known, and why.
    Unknown { meta: &'static str, why: Unknowable },
}

/// One instance of a multiplied block: its key, its address suffix (`[0]`, `["a"]`) and
/// the environment that binds `count.index` or `each.key` and `each.value`.
struct InstanceKey {
    key: String,
    suffix: String,
    env: Env,
}

/// One evaluated instance of a resource or data source.
pub struct ResourceInstance {
    /// Module-local address: `aws_s3_bucket.logs`, `aws_s3_bucket.logs["a"]`.
    pub address: String,
    pub value: Val,
    pub region: Option<String>,
}

/// Something a scan could not read: a remote module, an unknown `count`.
pub struct Note {
    pub what: String,
    pub error: String,
}

/// A module instance: the root module, or a module call (one per `count`/`for_each` key).
pub struct Instance<'m> {
    pub modules: &'m Modules,
    pub module: &'m Module,
    /// `""` for the root, `module.app`, `module.app["x"].module.kms`.
    pub path: String,
    /// Where addresses of this instance resolve: the root module's name, `//`, the path.
    pub scope: String,
    vars: HashMap<String, Val>,
    /// The default AWS provider's region, and the regions of aliased providers.
    region: Option<String>,
    provider_regions: HashMap<String, Option<String>>,
    /// The default tags of the root's AWS providers, by provider (`""` for the default one).
    provider_tags: Rc<HashMap<String, Val>>,
    locals: RefCell<HashMap<String, Val>>,
    /// Variables' defaults, evaluated.
    defaults: RefCell<HashMap<String, Val>>,
    /// Variables' values shaped by their type constraints.
    typed: RefCell<HashMap<String, Val>>,
    resources: RefCell<HashMap<String, Rc<Vec<ResourceInstance>>>>,
    resource_values: RefCell<HashMap<String, Val>>,
    pub children: RefCell<Vec<(String, Rc<Instance<'m>>)>>,
    module_values: RefCell<HashMap<String, Val>>,
    /// What is being evaluated, innermost last (`local.x`, `aws_s3_bucket.b`, …): a key
    /// met again is a reference cycle.
    in_progress: RefCell<Vec<String>>,
    /// The directories of the module instances that called this one, the root's first.
    ancestry: Vec<PathBuf>,
    pub notes: RefCell<Vec<Note>>,
    /// Faults of the code found by evaluating it: cycles, limits reached.
    pub faults: RefCell<Vec<InputError>>,
}

impl<'m> Instance<'m> {
    pub fn root(modules: &'m Modules, module: &'m Module, root_name: &str, vars: HashMap<String, Val>) -> Rc<Self> {
        let inst = Self::new(modules, module, String::new(), format!("{root_name}//"), vars, None, HashMap::new());
        // The root's providers decide regions and default tags for the whole tree.
        let mut default = None;
        let mut aliases = HashMap::new();
        let mut tags = HashMap::new();
        for p in module.providers.iter().filter(|p| p.kind == "aws") {
            let region = inst.eval(attribute(&p.body, "region").unwrap_or(&Expression::null()), &Env::default());
            let region = region.as_str().map(str::to_string);
            let key = literal(&p.body, "alias").map(|alias| format!("aws.{alias}"));
            if let Some(block) = p.body.get_blocks("default_tags").next() {
                if let Some(expr) = attribute(&block.body, "tags") {
                    tags.insert(key.clone().unwrap_or_default(), inst.eval(expr, &Env::default()));
                }
            }
            match key {
                Some(alias) => {
                    aliases.insert(alias, region);
                }
                None => default = region,
            }
        }
        Rc::new(Instance { region: default, provider_regions: aliases, provider_tags: Rc::new(tags), ..inst })
    }

    fn new(
        modules: &'m Modules,
        module: &'m Module,
        path: String,
        scope: String,
        vars: HashMap<String, Val>,
        region: Option<String>,
        provider_regions: HashMap<String, Option<String>>,
    ) -> Self {
        Instance {
            modules,
            module,
            path,
            scope,
            vars,
            region,
            provider_regions,
            provider_tags: Rc::default(),
            locals: RefCell::default(),
            defaults: RefCell::default(),
            typed: RefCell::default(),
            resources: RefCell::default(),
            resource_values: RefCell::default(),
            children: RefCell::default(),
            module_values: RefCell::default(),
            in_progress: RefCell::default(),
            ancestry: Vec::new(),
            notes: RefCell::default(),
            faults: RefCell::default(),
        }
    }

    /// Evaluates `key` with `f`, unless that would close a reference cycle or nest
    /// references too deep: both are faults of the code, reported where `key` is declared,
    /// and leave `key` unknown. A value that grows past [`MAX_VALUE_SIZE`] is unknown too.
    fn guarded(&self, key: &str, f: impl FnOnce() -> Val) -> Val {
        let cycle = {
            let stack = self.in_progress.borrow();
            stack.iter().position(|k| k == key).map(|start| {
                let chain: Vec<&str> = stack[start..].iter().map(String::as_str).chain([key]).collect();
                // Terraform orders a module call's inputs and outputs one by one, so two module
                // calls may refer to each other without a cycle; encguard evaluates a module
                // call whole, and such a loop is a limit of its evaluation, not a fault of the code.
                (chain.join(" → "), chain.iter().any(|k| k.starts_with("module.")))
            })
        };
        match cycle {
            Some((_, true)) => {
                return Val::unknown(format!(
                    "`{key}` depends on itself, through a module call that encguard evaluates as a whole"
                ))
            }
            Some((chain, false)) => {
                self.fault(self.declared_at(key), format!("a reference cycle: {chain}"));
                return Val::unknown(format!("`{key}` depends on itself"));
            }
            None if DEPTH.get() >= MAX_REFERENCE_DEPTH => {
                self.fault(self.declared_at(key), format!("references nest deeper than {MAX_REFERENCE_DEPTH} levels"));
                return Val::unknown(format!("`{key}` is nested too deep to evaluate"));
            }
            None => {}
        }
        self.in_progress.borrow_mut().push(key.to_string());
        DEPTH.set(DEPTH.get() + 1);
        let v = f();
        DEPTH.set(DEPTH.get() - 1);
        self.in_progress.borrow_mut().pop();
        if v.size_within(MAX_VALUE_SIZE) {
            v
        } else {
            let message = format!("`{key}` grows larger than {} MiB", MAX_VALUE_SIZE >> 20);
            self.fault(self.declared_at(key), message.clone());
            functions::limit(message)
        }
    }

    /// Where `key` (`var.x`, `local.x`, `aws_s3_bucket.b`, `data.t.n`…) is declared:
    /// file index and byte offset.
    fn declared_at(&self, key: &str) -> Option<(usize, usize)> {
        if let Some(at) = self.module.declarations.get(key) {
            return Some(*at);
        }
        let (items, rest) = match key.strip_prefix("data.") {
            Some(rest) => (&self.module.data, rest),
            None => (&self.module.resources, key),
        };
        let (kind, name) = rest.split_once('.')?;
        items.iter().find(|i| i.kind == kind && i.name == name).map(|i| (i.file, i.offset))
    }

    /// Where an expression being evaluated is: in the file of what is being evaluated, at
    /// its span — or, inside a template file (which has no place in the module's files), at
    /// the declaration that renders the template.
    fn position_of(&self, expr: &impl hcl_edit::Span) -> Option<(usize, usize)> {
        let stack = self.in_progress.borrow();
        let (file, declared) = stack.iter().rev().find_map(|k| self.declared_at(k))?;
        let in_template = stack.last().is_some_and(|k| self.declared_at(k).is_none());
        Some((file, if in_template { declared } else { expr.span().map_or(declared, |s| s.start) }))
    }

    /// Records a fault of the code at a file index and byte offset.
    fn fault(&self, at: Option<(usize, usize)>, message: String) {
        let error = match at.and_then(|(file, offset)| Some((self.module.files.get(file)?, offset))) {
            Some((file, offset)) => {
                let p = file.position(offset);
                InputError::at(&file.display, p.line, p.column, message)
            }
            None => {
                let file = self
                    .module
                    .files
                    .first()
                    .map_or_else(|| self.module.dir.display().to_string(), |f| f.display.clone());
                InputError::file(file, message)
            }
        };
        self.faults.borrow_mut().push(error);
    }

    /// Records a fault at an expression of the file being evaluated.
    fn fault_at(&self, expr: &impl hcl_edit::Span, message: String) {
        self.fault(self.position_of(expr), message);
    }

    /// How many instances a `count` makes, or why none can be known. Past the limit the
    /// code is at fault, and the instances are unknown.
    fn count(&self, count: &Expression, what: &str) -> Result<usize, Unknowable> {
        match self.eval(count, &Env::default()) {
            Val::Num(n) if n >= 0.0 && n.fract() == 0.0 && n <= self.modules.max_instances as f64 => Ok(n as usize),
            Val::Num(n) if n >= 0.0 && n.fract() == 0.0 => {
                let n = if n < 1e15 { encguard_values::format_number(n) } else { format!("{n:e}") };
                let message =
                    format!("count of {what} is {n}, over the limit of {} instances", self.modules.max_instances);
                self.fault_at(count, message.clone());
                Err(Unknowable::new(format!("{}{message}", functions::LIMIT)))
            }
            Val::Num(n) => {
                Err(Unknowable::new(format!("count is {}, not a whole number", encguard_values::format_number(n))))
            }
            other => Err(Unknowable::new(other.first_unknown().map_or("it is not a number", |u| u.reason.as_str()))),
        }
    }

    /// The entries of a `for_each`, or why they cannot be known. Past the limit the code
    /// is at fault, and the instances are unknown.
    fn for_each(&self, for_each: &Expression, what: &str) -> Result<Vec<(String, Val)>, Unknowable> {
        let entries: Vec<(String, Val)> = match self.eval(for_each, &Env::default()) {
            Val::Map(m) => m.into_iter().collect(),
            Val::List(items) => items.into_iter().map(|v| (v.to_text().unwrap_or_default(), v)).collect(),
            other => {
                return Err(Unknowable::new(
                    other.first_unknown().map_or("it is not a map or set", |u| u.reason.as_str()),
                ))
            }
        };
        if entries.len() > self.modules.max_instances {
            let message = format!(
                "for_each of {what} has {} elements, over the limit of {} instances",
                entries.len(),
                self.modules.max_instances
            );
            self.fault_at(for_each, message.clone());
            return Err(Unknowable::new(format!("{}{message}", functions::LIMIT)));
        }
        Ok(entries)
    }

    /// A variable's value, shaped by its type constraint (optional attributes filled in).
    fn variable(&self, name: &str) -> Val {
        let Some(constraint) = self.module.variable_types.get(name) else {
            return self.variable_as_given(name);
        };
        if let Some(v) = self.typed.borrow().get(name) {
            return v.clone();
        }
        let v = constraint.apply(self.variable_as_given(name), &|d| self.eval(d, &Env::default()));
        self.typed.borrow_mut().insert(name.to_string(), v.clone());
        v
    }

    fn variable_as_given(&self, name: &str) -> Val {
        match self.vars.get(name) {
            // A non-nullable variable given null takes its default.
            Some(Val::Null) if self.module.non_nullable.contains(name) => {}
            Some(v) => return v.clone(),
            None => {}
        }
        match self.module.variables.get(name) {
            // Terraform allows no references in a default; one that has them is evaluated
            // all the same, guarded against cycles.
            Some(Some(default)) => {
                if let Some(v) = self.defaults.borrow().get(name) {
                    return v.clone();
                }
                let v = self.guarded(&format!("var.{name}"), || self.eval(default, &Env::default()));
                self.defaults.borrow_mut().insert(name.to_string(), v.clone());
                v
            }
            Some(None) => Val::unknown(format!(
                "variable `var.{name}` has no value (give it one in a .tfvars file or with --var)"
            )),
            None => Val::unknown(format!("variable `var.{name}` is not declared")),
        }
    }

    fn local(&self, name: &str) -> Val {
        if let Some(v) = self.locals.borrow().get(name) {
            return v.clone();
        }
        let Some(expr) = self.module.locals.get(name) else {
            return Val::unknown(format!("`local.{name}` is not declared"));
        };
        let v = self.guarded(&format!("local.{name}"), || self.eval(expr, &Env::default()));
        self.locals.borrow_mut().insert(name.to_string(), v.clone());
        v
    }

    /// Every instance of a resource (`data` = false) or data source, evaluated.
    pub fn instances(&self, item: &Item, data: bool) -> Rc<Vec<ResourceInstance>> {
        let prefix = if data { "data." } else { "" };
        let key = format!("{prefix}{}.{}", item.kind, item.name);
        if let Some(v) = self.resources.borrow().get(&key) {
            return v.clone();
        }
        let mut list = Vec::new();
        // A resource that (indirectly) refers to itself is a cycle, and has no instances.
        self.guarded(&key, || {
            list = self.expand(item, &key);
            Val::Null
        });
        let list = Rc::new(list);
        self.resources.borrow_mut().insert(key, list.clone());
        list
    }

    fn expand(&self, item: &Item, address: &str) -> Vec<ResourceInstance> {
        let base = Env::default();
        let region = self.region_of(&item.body);
        let one = |addr: String, env: &Env| {
            let mut value = self.eval_body(&item.body, env);
            if let Val::Map(m) = &mut value {
                let shown = if self.path.is_empty() { addr.clone() } else { format!("{}.{addr}", self.path) };
                m.insert(ADDRESS_KEY.to_string(), Val::Str(shown));
                m.insert(HANDLE_KEY.to_string(), Val::Str(self.handle(&addr)));
                crate::mapping::computed(&item.kind, m, &addr, &self.handle(&addr));
            }
            ResourceInstance { address: addr, value, region: region.clone() }
        };
        match self.expansion(&item.body, &base, &format!("`{address}`")) {
            Expansion::Single => vec![one(address.to_string(), &base)],
            Expansion::Instances { instances, .. } => {
                instances.into_iter().map(|i| one(format!("{address}{}", i.suffix), &i.env)).collect()
            }
            Expansion::Unknown { meta, why } => {
                let (what, env) = if meta == "count" {
                    ("index", base.with("count.index", Val::unknown(format!("count.index of `{address}`: {why}"))))
                } else {
                    let unknown = Val::unknown(format!("each.key of `{address}`: {why}"));
                    ("keys", base.with("each.key", unknown.clone()).with("each.value", unknown))
                };
                self.note(
                    address,
                    &format!("{meta} cannot be known ({why}); one instance is checked with unknown {what}"),
                );
                vec![one(format!("{address}[?]"), &env)]
            }
        }
    }

    /// The instances `count` or `for_each` make of a resource or module block.
    fn expansion(&self, body: &Body, base: &Env, what: &str) -> Expansion {
        if let Some(count) = attribute(body, "count") {
            match self.count(count, what) {
                Ok(n) => Expansion::Instances {
                    counted: true,
                    instances: (0..n)
                        .map(|i| InstanceKey {
                            key: i.to_string(),
                            suffix: format!("[{i}]"),
                            env: base.with("count.index", Val::Num(i as f64)),
                        })
                        .collect(),
                },
                Err(why) => Expansion::Unknown { meta: "count", why },
            }
        } else if let Some(for_each) = attribute(body, "for_each") {
            match self.for_each(for_each, what) {
                Ok(entries) => Expansion::Instances {
                    counted: false,
                    instances: entries
                        .into_iter()
                        .map(|(k, v)| InstanceKey {
                            suffix: format!("[\"{k}\"]"),
                            env: base.with("each.key", Val::Str(k.clone())).with("each.value", v),
                            key: k,
                        })
                        .collect(),
                },
                Err(why) => Expansion::Unknown { meta: "for_each", why },
            }
        } else {
            Expansion::Single
        }
    }

    /// The handle by which `address` of this instance resolves from any module.
    pub fn handle(&self, address: &str) -> String {
        format!("{}|{address}", self.scope)
    }

    fn note(&self, what: &str, error: &str) {
        let what = if self.path.is_empty() { what.to_string() } else { format!("{}.{what}", self.path) };
        self.notes.borrow_mut().push(Note { what, error: error.to_string() });
    }

    /// The region a resource is created in: its own `region`, its provider's, the default.
    /// The default tags of the provider a resource uses.
    pub fn default_tags(&self, body: &Body) -> Option<Val> {
        let provider = attribute(body, "provider").and_then(traversal_text).unwrap_or_default();
        self.provider_tags.get(&provider).cloned()
    }

    fn region_of(&self, body: &Body) -> Option<String> {
        if let Some(Val::Str(r)) = attribute(body, "region").map(|e| self.eval(e, &Env::default())) {
            return Some(r);
        }
        match attribute(body, "provider").and_then(traversal_text) {
            Some(alias) => self.provider_regions.get(&alias).cloned().flatten(),
            None => self.region.clone(),
        }
    }

    /// The value a reference to a resource or data source yields: one instance, a list
    /// (`count`) or a map (`for_each`).
    fn resource_value(&self, kind: &str, name: &str, data: bool) -> Val {
        let key = format!("{}{kind}.{name}", if data { "data." } else { "" });
        if let Some(v) = self.resource_values.borrow().get(&key) {
            return v.clone();
        }
        let items = if data { &self.module.data } else { &self.module.resources };
        let Some(item) = items.iter().find(|i| i.kind == kind && i.name == name) else {
            return Val::unknown(format!("`{key}` is not declared in this module"));
        };
        if self.in_progress.borrow().contains(&key) {
            // Reports the cycle, and is unknown.
            return self.guarded(&key, || Val::Null);
        }
        let instances = self.instances(item, data);
        let value = if attribute(&item.body, "count").is_some() {
            match instances.as_slice() {
                [only] if only.address.ends_with("[?]") => {
                    Val::unknown(format!("the instances of `{key}` cannot be known"))
                }
                all => Val::List(all.iter().map(|i| i.value.clone()).collect()),
            }
        } else if attribute(&item.body, "for_each").is_some() {
            match instances.as_slice() {
                [only] if only.address.ends_with("[?]") => {
                    Val::unknown(format!("the instances of `{key}` cannot be known"))
                }
                all => Val::Map(
                    all.iter()
                        .map(|i| {
                            (
                                i.address
                                    .rsplit_once("[\"")
                                    .map_or(String::new(), |(_, k)| k.trim_end_matches("\"]").to_string()),
                                i.value.clone(),
                            )
                        })
                        .collect(),
                ),
            }
        } else {
            instances.first().map_or(Val::Null, |i| i.value.clone())
        };
        self.resource_values.borrow_mut().insert(key, value.clone());
        value
    }

    /// A module call's instances, created on first use.
    pub fn module_value(&self, name: &str) -> Val {
        if let Some(v) = self.module_values.borrow().get(name) {
            return v.clone();
        }
        let key = format!("module.{name}");
        let v = self.guarded(&key, || self.instantiate(name));
        self.module_values.borrow_mut().insert(name.to_string(), v.clone());
        v
    }

    fn instantiate(&self, name: &str) -> Val {
        let Some(call) = self.module.module_calls.iter().find(|c| c.kind == name) else {
            return Val::unknown(format!("`module.{name}` is not declared"));
        };
        let source = literal(&call.body, "source").unwrap_or_default();
        let dir = Modules::local_source(&self.module.dir, source);
        let Some(child) = dir.as_ref().and_then(|d| self.modules.by_dir.get(d)) else {
            let why = if dir.is_some() {
                format!("module `{name}`: local source `{source}` was not found")
            } else {
                format!("module `{name}` comes from `{source}`, which encguard does not fetch: its resources are not checked and its outputs are unknown")
            };
            self.note(&format!("module.{name}"), &why);
            return Val::unknown(why);
        };
        let mut ancestry = self.ancestry.clone();
        ancestry.push(self.module.dir.clone());
        if let Some(start) = ancestry.iter().position(|d| *d == child.dir) {
            let chain: Vec<String> =
                ancestry[start..].iter().chain([&child.dir]).map(|d| self.modules.shown(d)).collect();
            let message = format!("module `{name}` calls a module that calls it: {}", chain.join(" → "));
            self.fault(self.declared_at(&format!("module.{name}")), message.clone());
            return Val::unknown(message);
        }
        if ancestry.len() >= MAX_MODULE_DEPTH {
            let message = format!("module `{name}` nests module calls deeper than {MAX_MODULE_DEPTH} levels");
            self.fault(self.declared_at(&format!("module.{name}")), message.clone());
            return Val::unknown(message);
        }
        let base = Env::default();
        let make = |suffix: String, env: &Env| -> Val {
            let mut inputs = HashMap::new();
            for s in call.body.iter() {
                if let Structure::Attribute(a) = s {
                    let key = a.key.as_str();
                    if !matches!(key, "source" | "version" | "count" | "for_each" | "providers" | "depends_on") {
                        inputs.insert(key.to_string(), self.eval(&a.value, env));
                    }
                }
            }
            let mut region = self.region.clone();
            if let Some(Expression::Object(providers)) = attribute(&call.body, "providers") {
                for (k, v) in providers.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(e) => traversal_text(e).unwrap_or_default(),
                    };
                    if key == "aws" {
                        if let Some(alias) = traversal_text(v.expr()) {
                            region = self.provider_regions.get(&alias).cloned().flatten();
                        }
                    }
                }
            }
            let path = format!("{}{}module.{name}{suffix}", self.path, if self.path.is_empty() { "" } else { "." });
            let root = self.scope.split("//").next().unwrap_or_default();
            let instance = Rc::new(Instance {
                ancestry: ancestry.clone(),
                provider_tags: self.provider_tags.clone(),
                ..Instance::new(
                    self.modules,
                    child,
                    path.clone(),
                    format!("{root}//{path}"),
                    inputs,
                    region,
                    self.provider_regions.clone(),
                )
            });
            let outputs: BTreeMap<String, Val> = child
                .outputs
                .iter()
                .map(|(k, e)| {
                    (k.clone(), instance.guarded(&format!("output.{k}"), || instance.eval(e, &Env::default())))
                })
                .collect();
            self.children.borrow_mut().push((path, instance));
            Val::Map(outputs)
        };
        match self.expansion(&call.body, &base, &format!("`module.{name}`")) {
            Expansion::Single => make(String::new(), &base),
            Expansion::Instances { counted: true, instances } => {
                Val::List(instances.into_iter().map(|i| make(i.suffix, &i.env)).collect())
            }
            Expansion::Instances { counted: false, instances } => {
                Val::Map(instances.into_iter().map(|i| (i.key, make(i.suffix, &i.env))).collect())
            }
            Expansion::Unknown { meta, why } => {
                self.note(
                    &format!("module.{name}"),
                    &format!("{meta} cannot be known ({why}); the module is not instantiated"),
                );
                Val::unknown(why.reason)
            }
        }
    }

    /// Evaluates a block body into a map: attributes by name, nested blocks as lists.
    pub fn eval_body(&self, body: &Body, env: &Env) -> Val {
        let mut out: BTreeMap<String, Val> = BTreeMap::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let key = a.key.as_str();
                    if !matches!(key, "count" | "for_each" | "provider" | "depends_on") {
                        out.insert(key.to_string(), self.eval(&a.value, env));
                    }
                }
                Structure::Block(b) if b.ident.as_str() == "dynamic" => {
                    let Some(label) = b.labels.first().map(|l| match l {
                        hcl_edit::structure::BlockLabel::String(s) => s.value().to_string(),
                        hcl_edit::structure::BlockLabel::Ident(i) => i.as_str().to_string(),
                    }) else {
                        continue;
                    };
                    let iterator = literal(&b.body, "iterator").map(str::to_string).or_else(|| {
                        attribute(&b.body, "iterator").and_then(|e| match e {
                            Expression::Variable(v) => Some(v.as_str().to_string()),
                            _ => None,
                        })
                    });
                    let iterator = iterator.unwrap_or_else(|| label.clone());
                    let content = b.body.iter().find_map(|s| match s {
                        Structure::Block(c) if c.ident.as_str() == "content" => Some(&c.body),
                        _ => None,
                    });
                    let collection =
                        attribute(&b.body, "for_each").map_or(Val::List(Vec::new()), |e| self.eval(e, env));
                    let entries: Option<Vec<(Val, Val)>> = match collection {
                        Val::List(items) => {
                            Some(items.into_iter().enumerate().map(|(i, v)| (Val::Num(i as f64), v)).collect())
                        }
                        Val::Map(m) => Some(m.into_iter().map(|(k, v)| (Val::Str(k), v)).collect()),
                        _ => None,
                    };
                    let slot = out.entry(label.clone()).or_insert_with(|| Val::List(Vec::new()));
                    match (entries, content) {
                        (Some(entries), Some(content)) => {
                            let blocks: Vec<Val> = entries
                                .into_iter()
                                .map(|(k, v)| {
                                    let it =
                                        Val::Map(BTreeMap::from([("key".to_string(), k), ("value".to_string(), v)]));
                                    self.eval_body(content, &env.with(&iterator, it))
                                })
                                .collect();
                            if let Val::List(list) = slot {
                                list.extend(blocks);
                            }
                        }
                        (entries, content) => {
                            let reason = format!(
                                "the `{label}` blocks are generated by a `dynamic` block over a collection that cannot be known"
                            );
                            // What each block would be, iterator unknown — unless blocks of
                            // this name are also written out, which the expansions would lose.
                            let expandable = entries.is_none() && matches!(slot, Val::List(l) if l.is_empty());
                            let generated = content.filter(|_| expandable).map(|content| {
                                let item = Val::unknown(format!(
                                    "an element of the collection `{label}` blocks are generated over"
                                ));
                                let it = Val::Map(BTreeMap::from([
                                    ("key".to_string(), item.clone()),
                                    ("value".to_string(), item),
                                ]));
                                self.eval_body(content, &env.with(&iterator, it))
                            });
                            *slot =
                                Val::Unknown(Box::new(Unknown { reason, refers_to: None, partial: None, generated }));
                        }
                    }
                }
                Structure::Block(b) => {
                    let value = self.eval_body(&b.body, env);
                    if let Val::List(list) =
                        out.entry(b.ident.as_str().to_string()).or_insert_with(|| Val::List(Vec::new()))
                    {
                        list.push(value);
                    }
                }
            }
        }
        Val::Map(out)
    }

    pub fn eval(&self, expr: &Expression, env: &Env) -> Val {
        match expr {
            Expression::Null(_) => Val::Null,
            Expression::Bool(b) => Val::Bool(*b.value()),
            Expression::Number(n) => Val::Num(n.value().as_f64().unwrap_or(0.0)),
            Expression::String(s) => Val::Str(s.value().to_string()),
            Expression::Array(a) => Val::List(a.iter().map(|e| self.eval(e, env)).collect()),
            Expression::Object(o) => {
                let mut out = BTreeMap::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(e) => match self.eval(e, env).to_text() {
                            Ok(k) => k,
                            Err(u) => return u,
                        },
                    };
                    out.insert(key, self.eval(v.expr(), env));
                }
                Val::Map(out)
            }
            Expression::StringTemplate(t) => self.eval_template(t.iter(), env),
            Expression::HeredocTemplate(h) => self.eval_template(h.template.iter(), env),
            Expression::Parenthesis(p) => self.eval(p.inner(), env),
            Expression::Variable(v) => env
                .get(v.as_str())
                .cloned()
                .unwrap_or_else(|| Val::unknown(format!("`{}` is not defined here", v.as_str()))),
            Expression::Traversal(t) => {
                self.eval_traversal(&t.expr, &t.operators.iter().map(|o| o.value().clone()).collect::<Vec<_>>(), env)
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str();
                let mut args: Vec<Val> = f.args.iter().map(|a| self.eval(a, env)).collect();
                if f.args.expand_final() {
                    if let Some(Val::List(last)) = args.pop() {
                        args.extend(last);
                    }
                }
                let args_reached_limit = args.iter().any(|a| functions::limit_reached(a).is_some());
                let value = if name == "templatefile" {
                    self.templatefile(args, f.as_ref())
                } else {
                    functions::call(name, args, &self.modules.root)
                };
                // A limit reached by this call (not by an argument) is a fault of the code here.
                if let Some(message) = functions::limit_reached(&value) {
                    if !args_reached_limit {
                        self.fault_at(f.as_ref(), message.to_string());
                    }
                }
                value
            }
            Expression::Conditional(c) => match self.eval(&c.cond_expr, env).truthy() {
                Ok(true) => self.eval(&c.true_expr, env),
                Ok(false) => self.eval(&c.false_expr, env),
                Err(cond) => {
                    let (t, f) = (self.eval(&c.true_expr, env), self.eval(&c.false_expr, env));
                    if t == f {
                        t
                    } else {
                        let why = cond.first_unknown().map_or("it is not a boolean".to_string(), |u| u.reason.clone());
                        Val::unknown(format!("a conditional's condition cannot be known: {why}"))
                    }
                }
            },
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr, env);
                match (u.operator.value(), v) {
                    (_, v @ Val::Unknown(_)) => v,
                    (UnaryOperator::Not, v) => v.truthy().map(|b| Val::Bool(!b)).unwrap_or_else(|e| e),
                    (UnaryOperator::Neg, Val::Num(n)) => Val::Num(-n),
                    _ => err("bad operand"),
                }
            }
            Expression::BinaryOp(b) => self.eval_binary(b.operator.value(), &b.lhs_expr, &b.rhs_expr, env),
            Expression::ForExpr(f) => {
                let collection = self.eval(&f.intro.collection_expr, env);
                let entries: Vec<(Val, Val)> = match collection {
                    Val::List(items) => items.into_iter().enumerate().map(|(i, v)| (Val::Num(i as f64), v)).collect(),
                    Val::Map(m) => m.into_iter().map(|(k, v)| (Val::Str(k), v)).collect(),
                    other => return other,
                };
                if !iterate(entries.len()) {
                    let message =
                        format!("`for` expressions iterate more than {MAX_ITERATIONS} times in this root module");
                    self.fault_at(f.as_ref(), message.clone());
                    return functions::limit(message);
                }
                let mut list = Vec::new();
                let mut map: BTreeMap<String, Val> = BTreeMap::new();
                for (k, v) in entries {
                    let mut inner = env.with(f.intro.value_var.as_str(), v);
                    if let Some(kv) = &f.intro.key_var {
                        inner = inner.with(kv.as_str(), k);
                    }
                    if let Some(cond) = &f.cond {
                        match self.eval(&cond.expr, &inner).truthy() {
                            Ok(true) => {}
                            Ok(false) => continue,
                            Err(u) => return u,
                        }
                    }
                    let value = self.eval(&f.value_expr, &inner);
                    match &f.key_expr {
                        Some(ke) => {
                            let key = match self.eval(ke, &inner).to_text() {
                                Ok(k) => k,
                                Err(u) => return u,
                            };
                            if f.grouping {
                                if let Val::List(l) = map.entry(key).or_insert_with(|| Val::List(Vec::new())) {
                                    l.push(value);
                                }
                            } else {
                                map.insert(key, value);
                            }
                        }
                        None => list.push(value),
                    }
                }
                if f.key_expr.is_some() {
                    Val::Map(map)
                } else {
                    Val::List(list)
                }
            }
        }
    }

    fn eval_binary(&self, op: &BinaryOperator, lhs: &Expression, rhs: &Expression, env: &Env) -> Val {
        let l = self.eval(lhs, env);
        // `false && x` and `true || x` do not need x.
        match (op, l.truthy()) {
            (BinaryOperator::And, Ok(false)) => return Val::Bool(false),
            (BinaryOperator::Or, Ok(true)) => return Val::Bool(true),
            _ => {}
        }
        let r = self.eval(rhs, env);
        match op {
            BinaryOperator::Eq | BinaryOperator::NotEq => {
                if l.is_unknown() || r.is_unknown() {
                    return if l.is_unknown() { l } else { r };
                }
                let eq = match (&l, &r) {
                    (Val::Num(a), Val::Str(b)) | (Val::Str(b), Val::Num(a)) => b.parse::<f64>().is_ok_and(|b| b == *a),
                    _ => l == r,
                };
                Val::Bool(if *op == BinaryOperator::Eq { eq } else { !eq })
            }
            BinaryOperator::And | BinaryOperator::Or => match (l.truthy(), r.truthy()) {
                (Ok(a), Ok(b)) => Val::Bool(if *op == BinaryOperator::And { a && b } else { a || b }),
                (Err(e), _) | (_, Err(e)) => e,
            },
            _ => {
                let num = |v: &Val| match v {
                    Val::Num(n) => Ok(*n),
                    Val::Str(s) => s.parse::<f64>().map_err(|_| err("not a number")),
                    Val::Unknown(_) => Err(v.clone()),
                    _ => Err(err("not a number")),
                };
                let (a, b) = match (num(&l), num(&r)) {
                    (Ok(a), Ok(b)) => (a, b),
                    (Err(e), _) | (_, Err(e)) => return e,
                };
                match op {
                    BinaryOperator::Plus => Val::Num(a + b),
                    BinaryOperator::Minus => Val::Num(a - b),
                    BinaryOperator::Mul => Val::Num(a * b),
                    BinaryOperator::Div => Val::Num(a / b),
                    BinaryOperator::Mod => Val::Num(a % b),
                    BinaryOperator::Less => Val::Bool(a < b),
                    BinaryOperator::LessEq => Val::Bool(a <= b),
                    BinaryOperator::Greater => Val::Bool(a > b),
                    BinaryOperator::GreaterEq => Val::Bool(a >= b),
                    _ => err("operator"),
                }
            }
        }
    }

    fn eval_template<'a>(&self, elements: impl Iterator<Item = &'a Element>, env: &Env) -> Val {
        let elements: Vec<&Element> = elements.collect();
        // `"${x}"` is x itself, whatever its type.
        if let [Element::Interpolation(i)] = elements.as_slice() {
            return self.eval(&i.expr, env);
        }
        let mut text = String::new();
        let mut unknown: Option<Unknown> = None;
        self.render(&elements, env, &mut text, &mut unknown);
        match unknown {
            None => Val::Str(text),
            Some(mut u) => {
                u.refers_to = None;
                u.partial = Some(text);
                Val::Unknown(Box::new(u))
            }
        }
    }

    fn render(&self, elements: &[&Element], env: &Env, text: &mut String, unknown: &mut Option<Unknown>) {
        for e in elements {
            match e {
                Element::Literal(l) => text.push_str(l.value()),
                Element::Interpolation(i) => match self.eval(&i.expr, env).to_text() {
                    Ok(s) => text.push_str(&s),
                    Err(Val::Unknown(u)) => {
                        text.push_str(u.partial.as_deref().unwrap_or(HOLE));
                        unknown.get_or_insert(*u);
                    }
                    Err(other) => {
                        text.push_str(HOLE);
                        unknown.get_or_insert(Unknown {
                            reason: format!("{} in a string template", other.describe()),
                            refers_to: None,
                            partial: None,
                            generated: None,
                        });
                    }
                },
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(d) => {
                        let branch: Option<&Template> = match self.eval(&d.if_expr.cond_expr, env).truthy() {
                            Ok(true) => Some(&d.if_expr.template),
                            Ok(false) => d.else_expr.as_ref().map(|e| &e.template),
                            Err(_) => {
                                text.push_str(HOLE);
                                unknown.get_or_insert(Unknown {
                                    reason: "a template `if` cannot be decided".into(),
                                    refers_to: None,
                                    partial: None,
                                    generated: None,
                                });
                                None
                            }
                        };
                        if let Some(t) = branch {
                            self.render(&t.iter().collect::<Vec<_>>(), env, text, unknown);
                        }
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        let entries: Vec<(Val, Val)> = match self.eval(&f.collection_expr, env) {
                            Val::List(items) => {
                                items.into_iter().enumerate().map(|(i, v)| (Val::Num(i as f64), v)).collect()
                            }
                            Val::Map(m) => m.into_iter().map(|(k, v)| (Val::Str(k), v)).collect(),
                            _ => {
                                text.push_str(HOLE);
                                unknown.get_or_insert(Unknown {
                                    reason: "a template `for` over an unknown collection".into(),
                                    refers_to: None,
                                    partial: None,
                                    generated: None,
                                });
                                continue;
                            }
                        };
                        for (k, v) in entries {
                            let mut inner = env.with(f.value_var.as_str(), v);
                            if let Some(kv) = &f.key_var {
                                inner = inner.with(kv.as_str(), k);
                            }
                            self.render(&f.template.iter().collect::<Vec<_>>(), &inner, text, unknown);
                        }
                    }
                },
            }
        }
    }

    fn templatefile(&self, args: Vec<Val>, call: &hcl_edit::expr::FuncCall) -> Val {
        let mut args = args.into_iter();
        let (Some(path), vars) = (args.next(), args.next().unwrap_or(Val::Map(BTreeMap::new()))) else {
            return err("templatefile() needs a path");
        };
        let path = match path.to_text() {
            Ok(p) => p,
            Err(u) => return u,
        };
        let text = match functions::read(&self.modules.root, &path) {
            Ok(t) => t,
            Err(u) => return u,
        };
        let template = match hcl_edit::parser::parse_template(&text) {
            Ok(t) => t,
            Err(e) => return Val::unknown(format!("templatefile(\"{path}\"): {}", e.message())),
        };
        let shown = Path::new(&path)
            .strip_prefix(absolute(&self.modules.root))
            .map_or(path.clone(), |p| p.display().to_string());
        let key = format!("templatefile(\"{shown}\")");
        if self.in_progress.borrow().contains(&key) {
            let message = format!("{key} renders itself");
            self.fault_at(call, message.clone());
            return Val::unknown(message);
        }
        let mut env = Env::default();
        match vars {
            Val::Map(m) => {
                for (k, v) in m {
                    env = env.with(&k, v);
                }
            }
            u @ Val::Unknown(_) => return u,
            _ => return err("templatefile() variables must be a map"),
        }
        self.in_progress.borrow_mut().push(key);
        let value = self.eval_template(template.iter(), &env);
        self.in_progress.borrow_mut().pop();
        value
    }

    fn eval_traversal(&self, root: &Expression, ops: &[TraversalOperator], env: &Env) -> Val {
        let name = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
            _ => None,
        };
        let (start, used) = match root {
            Expression::Variable(v) => match v.as_str() {
                s if env.get(s).is_some() => (env.get(s).cloned().unwrap_or(Val::Null), 0),
                "var" => match name(0) {
                    Some(n) => (self.variable(&n), 1),
                    None => return Val::unknown("`var` without a name"),
                },
                "local" => match name(0) {
                    Some(n) => (self.local(&n), 1),
                    None => return Val::unknown("`local` without a name"),
                },
                "count" | "each" => match name(0) {
                    Some(n) => (
                        env.get(&format!("{}.{n}", v.as_str()))
                            .cloned()
                            .unwrap_or_else(|| Val::unknown(format!("`{}.{n}` is not available here", v.as_str()))),
                        1,
                    ),
                    None => return Val::unknown("incomplete reference"),
                },
                // Absolute, so that `file("${path.module}/x")` reads the same file whichever
                // directory the scan runs from.
                "path" => match name(0).as_deref() {
                    Some("module") => (Val::Str(absolute(&self.module.dir)), 1),
                    Some("root") | Some("cwd") => (Val::Str(absolute(&self.modules.root)), 1),
                    _ => return Val::unknown("unknown path attribute"),
                },
                "terraform" => (Val::Str("default".into()), 1),
                "self" => return Val::unknown("`self` is only known to provisioners"),
                "data" => match (name(0), name(1)) {
                    (Some(t), Some(n)) => (self.resource_value(&t, &n, true), 2),
                    _ => return Val::unknown("incomplete data reference"),
                },
                "module" => match name(0) {
                    Some(n) => (self.module_value(&n), 1),
                    None => return Val::unknown("incomplete module reference"),
                },
                kind => match name(0) {
                    Some(n) if self.module.resources.iter().any(|r| r.kind == kind && r.name == n) => {
                        (self.resource_value(kind, &n, false), 1)
                    }
                    _ => return Val::unknown(format!("`{kind}` is not defined here")),
                },
            },
            other => (self.eval(other, env), 0),
        };
        self.apply_ops(start, &ops[used..], env)
    }

    fn apply_ops(&self, mut value: Val, ops: &[TraversalOperator], env: &Env) -> Val {
        // Within a resource, an attribute the configuration does not write may be one the
        // provider computes, at any depth (`root_block_device[0].volume_id`): unknown until
        // apply, not Terraform's "Unsupported attribute" error that `try` would catch.
        let mut resource: Option<(String, String)> = None;
        let mut path = String::new();
        for (i, op) in ops.iter().enumerate() {
            if let Val::Map(m) = &value {
                if let (Some(Val::Str(address)), Some(Val::Str(handle))) = (m.get(ADDRESS_KEY), m.get(HANDLE_KEY)) {
                    resource = Some((address.clone(), handle.clone()));
                    path.clear();
                } else if let (Some((address, handle)), TraversalOperator::GetAttr(a)) = (&resource, op) {
                    if !m.contains_key(a.as_str()) {
                        return Val::after_apply(address, handle, &format!("{path}.{}", a.as_str())[1..]);
                    }
                }
            }
            if resource.is_some() {
                match op {
                    TraversalOperator::GetAttr(a) => path.push_str(&format!(".{}", a.as_str())),
                    _ => path.push_str("[…]"),
                }
            }
            value = match op {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    return match value {
                        Val::List(items) => {
                            Val::List(items.into_iter().map(|v| self.apply_ops(v, &ops[i + 1..], env)).collect())
                        }
                        Val::Null => Val::List(Vec::new()),
                        u @ Val::Unknown(_) => u,
                        other => Val::List(vec![self.apply_ops(other, &ops[i + 1..], env)]),
                    };
                }
                TraversalOperator::GetAttr(a) => get_attr(value, a.as_str()),
                TraversalOperator::Index(e) => index(value, self.eval(e, env)),
                TraversalOperator::LegacyIndex(n) => index(value, Val::Num(*n.value() as f64)),
            };
        }
        value
    }
}

fn get_attr(value: Val, attr: &str) -> Val {
    match value {
        Val::Map(mut m) => match m.remove(attr) {
            Some(v) => v,
            None => match (m.get(ADDRESS_KEY), m.get(HANDLE_KEY)) {
                (Some(Val::Str(address)), Some(Val::Str(handle))) => Val::after_apply(address, handle, attr),
                // Terraform's "Unsupported attribute" error, which `try` and `can` catch.
                _ => err(&format!("no attribute `{attr}`")),
            },
        },
        u @ Val::Unknown(_) => u,
        Val::Null => err(&format!("`{attr}` of a null value")),
        other => err(&format!("`{attr}` of {}", other.describe())),
    }
}

fn index(value: Val, key: Val) -> Val {
    match (value, key) {
        (u @ Val::Unknown(_), _) | (_, u @ Val::Unknown(_)) => u,
        (Val::List(mut items), Val::Num(n)) if (n as usize) < items.len() => items.swap_remove(n as usize),
        (Val::List(mut items), Val::Str(s)) if s.parse::<usize>().is_ok_and(|n| n < items.len()) => {
            items.swap_remove(s.parse::<usize>().unwrap_or(0))
        }
        (Val::Map(mut m), k) => match k.to_text() {
            Ok(k) => m.remove(&k).unwrap_or_else(|| err(&format!("no key `{k}`"))),
            Err(u) => u,
        },
        _ => err("index out of range"),
    }
}

/// `aws.west` from a `provider = aws.west` traversal.
fn traversal_text(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            let mut text = root.as_str().to_string();
            for op in t.operators.iter() {
                if let TraversalOperator::GetAttr(a) = op.value() {
                    text.push('.');
                    text.push_str(a.as_str());
                }
            }
            Some(text)
        }
        Expression::Variable(v) => Some(v.as_str().to_string()),
        // The JSON syntax writes references as strings: `"provider": "aws.west"`.
        Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    }
}
