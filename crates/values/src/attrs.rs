//! Reading evaluated attributes as model fields. The same reader serves HCL and plan JSON,
//! whose `values` have the shape of the configuration: attributes by name, blocks as lists.

use crate::value::Val;
use encguard_model::{Field, KeyRef, PolicyDocument, Ref, Value};
use std::collections::BTreeMap;

/// An evaluated block (a resource body, or a nested block within it).
#[derive(Clone, Copy)]
pub struct Attrs<'a> {
    map: &'a BTreeMap<String, Val>,
}

static EMPTY: BTreeMap<String, Val> = BTreeMap::new();

fn unknown<T>(v: &Val) -> Value<T> {
    match v.first_unknown() {
        Some(u) => Value::unknown(u.reason.clone()),
        None => Value::unknown(format!("{} where a single value is expected", v.describe())),
    }
}

impl<'a> Attrs<'a> {
    pub fn new(value: &'a Val) -> Attrs<'a> {
        Attrs { map: value.as_map().unwrap_or(&EMPTY) }
    }

    pub fn new_map(map: &'a BTreeMap<String, Val>) -> Attrs<'a> {
        Attrs { map }
    }

    /// The attribute's value; `None` when absent or null.
    pub fn get(&self, name: &str) -> Option<&'a Val> {
        self.map.get(name).filter(|v| !matches!(v, Val::Null))
    }

    pub fn string(&self, name: &str) -> Field<String> {
        self.get(name).map(|v| match v {
            Val::Str(s) => Value::Known(s.clone()),
            Val::Num(_) | Val::Bool(_) => Value::Known(v.to_text().unwrap_or_default()),
            other => unknown(other),
        })
    }

    pub fn boolean(&self, name: &str) -> Field<bool> {
        self.get(name).map(|v| match v.truthy() {
            Ok(b) => Value::Known(b),
            Err(_) => unknown(v),
        })
    }

    pub fn number(&self, name: &str) -> Field<u32> {
        self.get(name).map(|v| match v {
            Val::Num(n) => Value::Known(*n as u32),
            Val::Str(s) => {
                s.parse().map(Value::Known).unwrap_or_else(|_| Value::unknown(format!("`{name}` is not a number")))
            }
            other => unknown(other),
        })
    }

    pub fn strings(&self, name: &str) -> Field<Vec<String>> {
        self.get(name).map(|v| match v {
            Val::List(items) => items
                .iter()
                .map(|i| i.to_text().map_err(|e| unknown::<String>(&e)))
                .collect::<Result<Vec<_>, _>>()
                .map_or_else(
                    |e| match e {
                        Value::Unknown { unknown } => Value::Unknown { unknown },
                        Value::Known(_) => unreachable!(),
                    },
                    Value::Known,
                ),
            Val::Str(s) => Value::Known(vec![s.clone()]),
            other => unknown(other),
        })
    }

    /// A reference to another resource: its literal name, or the address whose computed
    /// attribute it is.
    pub fn reference(&self, name: &str) -> Ref {
        self.get(name).map(|v| match v {
            Val::Str(s) => Value::Known(s.clone()),
            Val::Unknown(u) => match &u.refers_to {
                Some(address) => Value::Known(address.clone()),
                None => Value::unknown(u.reason.clone()),
            },
            other => unknown(other),
        })
    }

    /// A key reference: absent is the service default.
    pub fn key(&self, name: &str) -> KeyRef {
        match self.get(name) {
            None => KeyRef::ServiceDefault,
            Some(Val::Str(s)) if s.is_empty() => KeyRef::ServiceDefault,
            Some(Val::Str(s)) => KeyRef::literal(s),
            Some(Val::Unknown(u)) => match &u.refers_to {
                Some(address) => KeyRef::Customer { reference: address.clone() },
                None => KeyRef::unresolved(u.reason.clone()),
            },
            Some(other) => KeyRef::unresolved(format!("`{name}` is {}", other.describe())),
        }
    }

    /// A policy document given as JSON text (`jsonencode`, heredoc, `file()`, a policy
    /// document data source). Unknown parts inside strings (an account id in an ARN) keep
    /// the policy readable; an unknown element makes it unknown.
    pub fn policy(&self, name: &str) -> Field<PolicyDocument> {
        self.get(name).map(|v| {
            // A policy written as an object (jsonencode's input, CloudFormation) is rendered
            // to JSON first; its unknown parts then stand as holes in strings.
            let rendered = match v {
                Val::Map(_) => v.to_json(),
                other => other.clone(),
            };
            let text = match &rendered {
                Val::Str(s) => s.clone(),
                Val::Unknown(u) => match &u.partial {
                    Some(p) if p.trim_start().starts_with('{') => p.clone(),
                    _ => return Value::unknown(u.reason.clone()),
                },
                other => return unknown(other),
            };
            match PolicyDocument::parse(&text) {
                Ok(doc) => Value::Known(doc),
                Err(e) => Value::unknown(format!("`{name}` is not a readable policy: {e}")),
            }
        })
    }

    /// Nested blocks (`rule { … }`), or why they cannot be known (a `dynamic` block).
    pub fn blocks(&self, name: &str) -> Result<Vec<Attrs<'a>>, String> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Val::List(items)) => Ok(items.iter().map(Attrs::new).collect()),
            Some(m @ Val::Map(_)) => Ok(vec![Attrs::new(m)]),
            Some(other) => Err(other
                .first_unknown()
                .map_or_else(|| format!("`{name}` is {}", other.describe()), |u| u.reason.clone())),
        }
    }

    /// The first nested block of that name.
    pub fn block(&self, name: &str) -> Result<Option<Attrs<'a>>, String> {
        Ok(self.blocks(name)?.into_iter().next())
    }

    /// Tags, when known.
    pub fn tags(&self) -> BTreeMap<String, String> {
        match self.get("tags") {
            Some(Val::Map(m)) => m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect(),
            _ => BTreeMap::new(),
        }
    }
}
