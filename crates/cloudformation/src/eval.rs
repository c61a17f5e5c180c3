//! Evaluation of a template as CloudFormation would before creating the stack: parameters
//! (defaults and overrides), pseudo parameters, mappings, conditions, and the intrinsic
//! functions between resources. What only a deployed stack knows (`Fn::ImportValue`,
//! SSM parameters, macros) is unknown, with the reason.

use crate::node::{Node, Value};
use encguard_values::{Unknown, Val, HOLE};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

pub struct Template<'t> {
    pub root: &'t Node,
    params: HashMap<String, Val>,
    conditions: RefCell<HashMap<String, Val>>,
    /// Resources whose properties are being evaluated for a `Ref` or `Fn::GetAtt`, innermost
    /// last: a name met twice is a cycle.
    evaluating: RefCell<Vec<String>>,
    /// Faults found while evaluating (cycles, references nested too deep), at their position.
    pub faults: RefCell<Vec<Fault>>,
}

/// A fault in the template found by evaluating it: where, and what.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fault {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// How many resources a chain of `Ref`s may pass through before evaluation stops: far more
/// than any template has, and few enough that no thread's stack is at risk.
const MAX_REFERENCE_DEPTH: usize = 64;

fn unknown_with(reason: String, refers_to: Option<&str>, partial: Option<String>) -> Val {
    Val::Unknown(Box::new(Unknown { reason, refers_to: refers_to.map(str::to_string), partial, generated: None }))
}

impl<'t> Template<'t> {
    /// `overrides` are parameter values given for this scan (`--parameter`, a parameter file).
    pub fn new(root: &'t Node, overrides: &HashMap<String, String>) -> Self {
        let mut params = HashMap::new();
        for (name, decl, _) in root.get("Parameters").map(Node::entries).unwrap_or_default() {
            let kind = decl.get("Type").and_then(Node::as_str).unwrap_or("String");
            let value = if kind.starts_with("AWS::SSM::Parameter::Value") {
                Val::unknown(format!("parameter `{name}` is read from SSM Parameter Store at deploy time"))
            } else if let Some(v) = overrides.get(name) {
                typed(kind, Val::Str(v.clone()))
            } else if let Some(default) = decl.get("Default") {
                typed(kind, plain(default))
            } else {
                Val::unknown(format!("parameter `{name}` has no default (give it with --parameter {name}=VALUE)"))
            };
            params.insert(name.clone(), value);
        }
        Template {
            root,
            params,
            conditions: RefCell::default(),
            evaluating: RefCell::default(),
            faults: RefCell::default(),
        }
    }

    fn resource(&self, name: &str) -> Option<&'t Node> {
        self.root.get("Resources")?.get(name)
    }

    /// Whether a named condition holds.
    pub fn condition(&self, name: &str) -> Val {
        if let Some(v) = self.conditions.borrow().get(name) {
            return v.clone();
        }
        let Some(node) = self.root.get("Conditions").and_then(|c| c.get(name)) else {
            return Val::unknown(format!("condition `{name}` is not declared"));
        };
        let v = self.within(format!("condition {name}"), node, || self.eval(node));
        self.conditions.borrow_mut().insert(name.to_string(), v.clone());
        v
    }

    /// Runs `f`, which evaluates `what` (written at `at`), unless `what` is already being
    /// evaluated — a reference cycle — or references already nest too deep. Either is a
    /// fault of the template, and `what` is then unknown.
    fn within(&self, what: String, at: &Node, f: impl FnOnce() -> Val) -> Val {
        let cycle = self.evaluating.borrow().iter().position(|w| *w == what);
        let fault = match cycle {
            Some(start) => {
                let mut chain = self.evaluating.borrow()[start..].to_vec();
                chain.push(what.clone());
                Some(format!("a reference cycle: {}", chain.join(" → ")))
            }
            None if self.evaluating.borrow().len() >= MAX_REFERENCE_DEPTH => {
                Some(format!("references nest deeper than {MAX_REFERENCE_DEPTH} resources"))
            }
            None => None,
        };
        if let Some(message) = fault {
            self.faults.borrow_mut().push(Fault { line: at.line, column: at.column, message: message.clone() });
            return Val::unknown(format!("{what} cannot be evaluated: {message}"));
        }
        self.evaluating.borrow_mut().push(what);
        let v = f();
        self.evaluating.borrow_mut().pop();
        v
    }

    /// Evaluates a node; `None` for `AWS::NoValue` (the property is removed).
    pub fn eval_opt(&self, node: &Node) -> Option<Val> {
        if let [(name, arg, _)] = node.entries() {
            if name == "Ref" && arg.as_str() == Some("AWS::NoValue") {
                return None;
            }
            if name == "Fn::If" {
                if let Value::List(parts) = &arg.value {
                    if let [cond, a, b] = parts.as_slice() {
                        let chosen = match self.condition(cond.as_str().unwrap_or_default()).truthy() {
                            Ok(true) => a,
                            Ok(false) => b,
                            Err(u) => {
                                let (va, vb) = (self.eval_opt(a), self.eval_opt(b));
                                return Some(if va == vb {
                                    va.unwrap_or(Val::Null)
                                } else {
                                    let why =
                                        u.first_unknown().map_or("it is not a boolean".into(), |u| u.reason.clone());
                                    Val::unknown(format!(
                                        "Fn::If on condition `{}` cannot be decided: {why}",
                                        cond.as_str().unwrap_or_default()
                                    ))
                                });
                            }
                        };
                        return self.eval_opt(chosen);
                    }
                }
            }
        }
        Some(self.eval(node))
    }

    pub fn eval(&self, node: &Node) -> Val {
        match &node.value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Num(n) => Val::Num(*n),
            Value::Str(s) => Val::Str(s.clone()),
            Value::List(items) => Val::List(items.iter().filter_map(|i| self.eval_opt(i)).collect()),
            Value::Map(entries) => {
                if let [(name, arg, _)] = entries.as_slice() {
                    if name == "Ref" || name == "Condition" || name.starts_with("Fn::") {
                        return self.intrinsic(name, arg);
                    }
                }
                Val::Map(entries.iter().filter_map(|(k, v, _)| self.eval_opt(v).map(|v| (k.clone(), v))).collect())
            }
        }
    }

    fn intrinsic(&self, name: &str, arg: &Node) -> Val {
        let args: Vec<&Node> = match &arg.value {
            Value::List(items) => items.iter().collect(),
            _ => vec![arg],
        };
        match name {
            "Ref" => self.reference(arg.as_str().unwrap_or_default()),
            "Condition" => self.condition(arg.as_str().unwrap_or_default()),
            "Fn::GetAtt" => match args.as_slice() {
                [r, a] => self.get_att(r.as_str().unwrap_or_default(), &self.eval(a).to_text().unwrap_or_default()),
                _ => Val::unknown("Fn::GetAtt needs a resource and an attribute"),
            },
            "Fn::Sub" => match args.as_slice() {
                [text] => self.sub(text.as_str().unwrap_or_default(), &BTreeMap::new()),
                [text, vars] => {
                    let vars = match self.eval(vars) {
                        Val::Map(m) => m,
                        _ => BTreeMap::new(),
                    };
                    self.sub(text.as_str().unwrap_or_default(), &vars)
                }
                _ => Val::unknown("Fn::Sub needs a string"),
            },
            "Fn::Join" => match args.as_slice() {
                [sep, list] => {
                    let sep = self.eval(sep).to_text().unwrap_or_default();
                    match self.eval(list) {
                        Val::List(items) => join(&sep, &items),
                        other => other,
                    }
                }
                _ => Val::unknown("Fn::Join needs a separator and a list"),
            },
            "Fn::Select" => match args.as_slice() {
                [i, list] => match (self.eval(i), self.eval(list)) {
                    (Val::Num(n), Val::List(items)) => {
                        items.get(n as usize).cloned().unwrap_or(Val::unknown("Fn::Select index out of range"))
                    }
                    (Val::Str(s), Val::List(items)) => s
                        .parse::<usize>()
                        .ok()
                        .and_then(|n| items.get(n).cloned())
                        .unwrap_or(Val::unknown("Fn::Select index out of range")),
                    (u @ Val::Unknown(_), _) | (_, u @ Val::Unknown(_)) => u,
                    _ => Val::unknown("Fn::Select needs an index and a list"),
                },
                _ => Val::unknown("Fn::Select needs an index and a list"),
            },
            "Fn::Split" => match args.as_slice() {
                [sep, text] => match (self.eval(sep).to_text(), self.eval(text).to_text()) {
                    (Ok(sep), Ok(text)) => {
                        Val::List(text.split(sep.as_str()).map(|p| Val::Str(p.to_string())).collect())
                    }
                    (Err(u), _) | (_, Err(u)) => u,
                },
                _ => Val::unknown("Fn::Split needs a separator and a string"),
            },
            "Fn::FindInMap" => {
                let keys: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                let mut texts = Vec::new();
                for k in &keys {
                    match k.to_text() {
                        Ok(t) => texts.push(t),
                        Err(u) => return u,
                    }
                }
                let found = texts.iter().try_fold(self.root.get("Mappings"), |node, key| Some(node?.get(key)));
                match found.flatten() {
                    Some(n) => self.eval(n),
                    None => {
                        Val::unknown(format!("Fn::FindInMap {} is not in the template's mappings", texts.join("/")))
                    }
                }
            }
            "Fn::Equals" => match args.as_slice() {
                [a, b] => match (self.eval(a), self.eval(b)) {
                    (u @ Val::Unknown(_), _) | (_, u @ Val::Unknown(_)) => u,
                    (a, b) => Val::Bool(a == b || a.to_text().ok() == b.to_text().ok()),
                },
                _ => Val::unknown("Fn::Equals needs two values"),
            },
            "Fn::Not" => match args.first().map(|a| self.eval(a).truthy()) {
                Some(Ok(b)) => Val::Bool(!b),
                Some(Err(u)) => u,
                None => Val::unknown("Fn::Not needs a condition"),
            },
            "Fn::And" | "Fn::Or" => {
                let is_and = name == "Fn::And";
                let mut unknown = None;
                for a in &args {
                    match self.eval(a).truthy() {
                        Ok(b) if b != is_and => return Val::Bool(b),
                        Ok(_) => {}
                        Err(u) => unknown = Some(u),
                    }
                }
                unknown.unwrap_or(Val::Bool(is_and))
            }
            // `eval_opt` decides a well-formed `Fn::If`; any other shape would come back here.
            "Fn::If" if args.len() == 3 => self
                .eval_opt(&Node {
                    value: Value::Map(vec![(name.to_string(), arg.clone(), (arg.line, arg.column))]),
                    line: arg.line,
                    column: arg.column,
                    end: arg.end,
                })
                .unwrap_or(Val::Null),
            "Fn::If" => Val::unknown("Fn::If needs [condition, value if true, value if false]"),
            "Fn::ImportValue" => {
                let export = self.eval(arg).to_text().unwrap_or_else(|_| "?".into());
                Val::unknown(format!("Fn::ImportValue `{export}` is exported by another stack"))
            }
            "Fn::ToJsonString" => self.eval(arg).to_json(),
            "Fn::Length" => match self.eval(arg) {
                Val::List(items) => Val::Num(items.len() as f64),
                other => other,
            },
            other => Val::unknown(format!("{other} is evaluated only at deploy time")),
        }
    }

    fn reference(&self, name: &str) -> Val {
        if let Some(v) = self.params.get(name) {
            return v.clone();
        }
        match name {
            "AWS::Partition" => {
                return unknown_with("the partition is known at deploy time".into(), None, Some("aws".into()))
            }
            "AWS::URLSuffix" => return Val::Str("amazonaws.com".into()),
            "AWS::NoValue" => return Val::Null,
            n if n.starts_with("AWS::") => return Val::unknown(format!("`{n}` is known at deploy time")),
            _ => {}
        }
        let Some(resource) = self.resource(name) else {
            return Val::unknown(format!("`{name}` is neither a parameter nor a resource of this template"));
        };
        let kind = resource.get("Type").and_then(Node::as_str).unwrap_or_default();
        let prop = |p: &str| self.property(name, resource, p);
        let named = match kind {
            "AWS::S3::Bucket" => prop("BucketName"),
            "AWS::KMS::Alias" => prop("AliasName"),
            "AWS::Logs::LogGroup" => prop("LogGroupName"),
            "AWS::RDS::DBParameterGroup" => prop("DBParameterGroupName"),
            "AWS::RDS::DBClusterParameterGroup" => prop("DBClusterParameterGroupName"),
            "AWS::RDS::DBInstance" => prop("DBInstanceIdentifier"),
            "AWS::RDS::DBCluster" => prop("DBClusterIdentifier"),
            _ => None,
        };
        match named {
            Some(Val::Str(s)) => Val::Str(s),
            _ => unknown_with(format!("`{name}` is known only once the stack is created"), Some(name), None),
        }
    }

    /// A property of another resource, as a `Ref` or `Fn::GetAtt` to it needs it.
    fn property(&self, name: &str, resource: &Node, property: &str) -> Option<Val> {
        let node = resource.get("Properties")?.get(property)?;
        Some(self.within(name.to_string(), resource, || self.eval(node)))
    }

    fn get_att(&self, name: &str, attribute: &str) -> Val {
        let Some(resource) = self.resource(name) else {
            return Val::unknown(format!("Fn::GetAtt: `{name}` is not a resource of this template"));
        };
        let kind = resource.get("Type").and_then(Node::as_str).unwrap_or_default();
        let prop = |p: &str| self.property(name, resource, p);
        let reason = format!("`{name}.{attribute}` is known only once the stack is created");
        match (kind, attribute) {
            ("AWS::S3::Bucket", "Arn") => match prop("BucketName") {
                Some(Val::Str(b)) => Val::Str(format!("arn:aws:s3:::{b}")),
                _ => unknown_with(reason, Some(name), Some(format!("arn:aws:s3:::{HOLE}"))),
            },
            ("AWS::IAM::Role", "Arn") => match prop("RoleName") {
                Some(Val::Str(r)) => unknown_with(reason, Some(name), Some(format!("arn:aws:iam::{HOLE}:role/{r}"))),
                _ => unknown_with(reason, Some(name), None),
            },
            _ => unknown_with(reason, Some(name), None),
        }
    }

    /// `Fn::Sub`: `${Param}`, `${Resource}`, `${Resource.Attr}`, `${!Literal}`.
    fn sub(&self, text: &str, vars: &BTreeMap<String, Val>) -> Val {
        let mut out = String::new();
        let mut unknown: Option<Unknown> = None;
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let value = match vars.get(name) {
                Some(v) => v.clone(),
                None => match name.split_once('.') {
                    Some((r, a)) if self.resource(r).is_some() => self.get_att(r, a),
                    _ => self.reference(name),
                },
            };
            match value.to_text() {
                Ok(t) => out.push_str(&t),
                Err(Val::Unknown(u)) => {
                    out.push_str(u.partial.as_deref().unwrap_or(HOLE));
                    unknown.get_or_insert(*u);
                }
                Err(other) => {
                    out.push_str(HOLE);
                    unknown.get_or_insert(Unknown {
                        reason: format!("{} in Fn::Sub", other.describe()),
                        refers_to: None,
                        partial: None,
                        generated: None,
                    });
                }
            }
        }
        out.push_str(rest);
        match unknown {
            None => Val::Str(out),
            Some(mut u) => {
                // `!Sub '${Key.Arn}'` alone is the reference itself.
                if out != HOLE && u.partial.as_deref() != Some(&out) {
                    u.refers_to = None;
                }
                u.partial = Some(out);
                Val::Unknown(Box::new(u))
            }
        }
    }
}

fn join(sep: &str, items: &[Val]) -> Val {
    let mut out = Vec::new();
    let mut unknown: Option<Unknown> = None;
    for i in items {
        match i.to_text() {
            Ok(t) => out.push(t),
            Err(Val::Unknown(u)) => {
                out.push(u.partial.clone().unwrap_or_else(|| HOLE.to_string()));
                unknown.get_or_insert(*u);
            }
            Err(_) => out.push(HOLE.to_string()),
        }
    }
    match unknown {
        None => Val::Str(out.join(sep)),
        Some(mut u) => {
            u.refers_to = None;
            u.partial = Some(out.join(sep));
            Val::Unknown(Box::new(u))
        }
    }
}

/// A parameter value of its declared type (lists split on commas).
fn typed(kind: &str, v: Val) -> Val {
    match (kind, v) {
        (k, Val::Str(s)) if k == "CommaDelimitedList" || k.starts_with("List<") => {
            Val::List(s.split(',').map(|p| Val::Str(p.trim().to_string())).collect())
        }
        (_, v) => v,
    }
}

/// A node without intrinsics (a parameter default).
fn plain(node: &Node) -> Val {
    match &node.value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Num(n) => Val::Num(*n),
        Value::Str(s) => Val::Str(s.clone()),
        Value::List(items) => Val::List(items.iter().map(plain).collect()),
        Value::Map(entries) => Val::Map(entries.iter().map(|(k, v, _)| (k.clone(), plain(v))).collect()),
    }
}
