//! Reading evaluated attributes as model fields. The same reader serves HCL and plan JSON,
//! whose `values` have the shape of the configuration: attributes by name, blocks as lists.

use crate::value::Val;
use encguard_model::{Field, KeyRef, PolicyDocument, Ref, Replica, Span, Spanned, Unknown, Value};
use std::collections::BTreeMap;

/// A resource's tags as a source read them.
pub struct Tags {
    /// The tags whose values are known, where they are written.
    pub known: Spanned<BTreeMap<String, String>>,
    /// Tags whose values are unknown, with why.
    pub unknown: BTreeMap<String, String>,
    /// Why the whole map cannot be known, if it cannot.
    pub unreadable: Option<String>,
}

impl Tags {
    /// Sets them on a resource.
    pub fn set_on(self, r: &mut encguard_model::Resource) {
        r.tags = self.known;
        r.unknown_tags = self.unknown;
        r.tags_unreadable = self.unreadable;
    }
}

/// An evaluated block (a resource body, or a nested block within it), with where its
/// source wrote each attribute when the source keeps places. Every field read from it
/// carries the place of its attribute.
#[derive(Clone, Copy)]
pub struct Attrs<'a> {
    map: &'a BTreeMap<String, Val>,
    places: Option<&'a SpanTree<'a>>,
}

/// Where a block's parts are written: each attribute or nested block by name, and each
/// item of a list (or each of several blocks of one name) in order. Sources build it from
/// their syntax; the evaluated value it describes may hold fewer or more parts (a
/// `dynamic` block), which then have no place of their own.
#[derive(Clone, Debug, Default)]
pub struct SpanTree<'s> {
    /// Where this part is written.
    pub span: Option<Span>,
    /// Its attributes and nested blocks, by name.
    pub fields: Vec<(&'s str, SpanTree<'s>)>,
    /// Its list items, or the blocks of one name, in order.
    pub items: Vec<SpanTree<'s>>,
}

impl<'s> SpanTree<'s> {
    /// A part with a place and no parts of its own.
    pub fn leaf(span: Span) -> Self {
        SpanTree { span: Some(span), ..SpanTree::default() }
    }

    /// The places of the attribute or nested block `name`.
    pub fn field(&self, name: &str) -> Option<&SpanTree<'s>> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, t)| t)
    }
}

static EMPTY: BTreeMap<String, Val> = BTreeMap::new();

/// An empty block: every attribute read from it is absent.
impl Default for Attrs<'_> {
    fn default() -> Self {
        Attrs { map: &EMPTY, places: None }
    }
}

fn unknown<T>(v: &Val) -> Value<T> {
    match v.first_unknown() {
        Some(u) => Value::unknown(u.reason.clone()),
        None => Value::unknown(format!("{} where a single value is expected", v.describe())),
    }
}

impl<'a> Attrs<'a> {
    /// A block whose places are not known (plan JSON, an inventory).
    pub fn new(value: &'a Val) -> Attrs<'a> {
        Attrs { map: value.as_map().unwrap_or(&EMPTY), places: None }
    }

    /// A block and where its parts are written.
    pub fn with_places(value: &'a Val, places: &'a SpanTree<'a>) -> Attrs<'a> {
        Attrs { map: value.as_map().unwrap_or(&EMPTY), places: Some(places) }
    }

    /// The block an evaluated map describes, without places.
    pub fn new_map(map: &'a BTreeMap<String, Val>) -> Attrs<'a> {
        Attrs { map, places: None }
    }

    /// The attribute's value; `None` when absent or null.
    pub fn get(&self, name: &str) -> Option<&'a Val> {
        self.map.get(name).filter(|v| !matches!(v, Val::Null))
    }

    /// Where the attribute is written, when the source says.
    pub fn span(&self, name: &str) -> Option<Span> {
        self.places?.field(name)?.span
    }

    /// Attribute `name` read by `read`, at the attribute's place; absent when not written.
    pub fn field<T>(&self, name: &str, read: impl FnOnce(&'a Val) -> Value<T>) -> Field<T> {
        match self.get(name) {
            Some(v) => Spanned::new(Some(read(v)), self.span(name)),
            None => Spanned::default(),
        }
    }

    /// A known value gathered from attribute or blocks `name` (a list of listeners, of
    /// origins), at the place of the first.
    pub fn known_at<T>(&self, name: &str, value: T) -> Field<T> {
        Spanned::new(Some(Value::Known(value)), self.span(name))
    }

    /// A string attribute (numbers and booleans read as their text).
    pub fn string(&self, name: &str) -> Field<String> {
        self.field(name, |v| match v {
            Val::Str(s) => Value::Known(s.clone()),
            Val::Num(_) | Val::Bool(_) => Value::Known(v.to_text().unwrap_or_default()),
            other => unknown(other),
        })
    }

    /// An attribute whose values form a closed set ([`encguard_model::KeySpec`], …).
    pub fn choice<T: for<'s> From<&'s str>>(&self, name: &str) -> Field<T> {
        self.string(name).map(|v| v.map(|v| v.map(|s| T::from(s.as_str()))))
    }

    /// A boolean attribute (`"true"` and `"false"` read as booleans).
    pub fn boolean(&self, name: &str) -> Field<bool> {
        self.field(name, |v| match v.truthy() {
            Ok(b) => Value::Known(b),
            Err(_) => unknown(v),
        })
    }

    /// A whole-number attribute (a number, or a string of digits).
    pub fn number(&self, name: &str) -> Field<u32> {
        self.field(name, |v| match v {
            Val::Num(n) => Value::Known(*n as u32),
            Val::Str(s) => {
                s.parse().map(Value::Known).unwrap_or_else(|_| Value::unknown(format!("`{name}` is not a number")))
            }
            other => unknown(other),
        })
    }

    /// A list of strings.
    pub fn strings(&self, name: &str) -> Field<Vec<String>> {
        self.field(name, |v| match v {
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
        self.field(name, |v| match v {
            Val::Str(s) => Value::Known(s.clone()),
            Val::Unknown(u) => match &u.refers_to {
                Some(address) => Value::Known(address.clone()),
                None => Value::unknown(u.reason.clone()),
            },
            other => unknown(other),
        })
    }

    /// A key reference: absent is the service default.
    pub fn key(&self, name: &str) -> Spanned<KeyRef> {
        let written = self.get(name);
        let key = match written {
            None => KeyRef::ServiceDefault,
            Some(Val::Str(s)) if s.is_empty() => KeyRef::ServiceDefault,
            Some(Val::Str(s)) => KeyRef::literal(s),
            Some(Val::Unknown(u)) => match &u.refers_to {
                Some(address) => KeyRef::Customer { reference: address.clone() },
                None => KeyRef::unresolved(u.reason.clone()),
            },
            Some(other) => KeyRef::unresolved(format!("`{name}` is {}", other.describe())),
        };
        Spanned::new(key, written.and(self.span(name)))
    }

    /// A policy document given as JSON text (`jsonencode`, heredoc, `file()`, a policy
    /// document data source). Unknown parts inside strings (an account id in an ARN) keep
    /// the policy readable; an unknown element makes it unknown.
    pub fn policy(&self, name: &str) -> Field<PolicyDocument> {
        self.field(name, |v| {
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
    pub fn blocks(&self, name: &str) -> Result<Vec<Attrs<'a>>, Unknown> {
        let places = self.places.and_then(|p| p.field(name));
        let item = |i: usize| places.and_then(|p| p.items.get(i));
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Val::List(items)) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| Attrs { map: v.as_map().unwrap_or(&EMPTY), places: item(i) })
                .collect()),
            // One block, or a map written in place of a list of one.
            Some(Val::Map(m)) => Ok(vec![Attrs { map: m, places: item(0).or(places) }]),
            Some(other) => Err(Unknown::new(
                other.first_unknown().map_or_else(|| format!("`{name}` is {}", other.describe()), |u| u.reason.clone()),
            )),
        }
    }

    /// The first nested block of that name.
    pub fn block(&self, name: &str) -> Result<Option<Attrs<'a>>, Unknown> {
        Ok(self.blocks(name)?.into_iter().next())
    }

    /// Each nested block of that name as `read` makes it, at the place of the blocks;
    /// unknown when the blocks cannot be known.
    pub fn list<T>(&self, name: &str, read: impl FnMut(&Attrs<'a>) -> T) -> Field<Vec<T>> {
        match self.blocks(name) {
            Ok(blocks) => self.known_at(name, blocks.iter().map(read).collect()),
            Err(why) => Spanned::new(Some(Value::unknown(why)), self.span(name)),
        }
    }

    /// What `read` makes of the nested block of that name: not written when there is no
    /// such block, unknown when it cannot be known.
    pub fn nested<T>(&self, name: &str, read: impl FnOnce(&Attrs<'a>) -> Field<T>) -> Field<T> {
        match self.block(name) {
            Ok(Some(block)) => read(&block),
            Ok(None) => Spanned::default(),
            Err(why) => Spanned::new(Some(Value::unknown(why)), self.span(name)),
        }
    }

    /// Replicas (of a secret, of a table) from the nested blocks of that name, each as
    /// `read` makes it; one unreadable replica when the blocks cannot be known.
    pub fn replicas(&self, name: &str, read: impl FnMut(&Attrs<'a>) -> Replica) -> Vec<Replica> {
        match self.blocks(name) {
            Ok(blocks) => blocks.iter().map(read).collect(),
            Err(why) => vec![Replica::unreadable(why)],
        }
    }

    /// The tags attribute `name` over `defaults` (a provider's default tags), and why some
    /// cannot be known when they cannot: what depends on a tag is then unknown, never
    /// decided as if the tag were absent.
    pub fn tags_over(&self, name: &str, defaults: Option<&Val>) -> Tags {
        let mut tags = BTreeMap::new();
        let mut unknown = BTreeMap::new();
        let mut unreadable = None;
        for value in defaults.into_iter().chain(self.get(name)) {
            match value {
                Val::Map(m) => {
                    for (k, v) in m {
                        match v {
                            Val::Null => {}
                            // A resource's own tag overrides the provider's default.
                            Val::Unknown(u) => {
                                tags.remove(k);
                                unknown.insert(k.clone(), u.reason.clone());
                            }
                            other => {
                                unknown.remove(k);
                                tags.insert(k.clone(), other.to_text().unwrap_or_default());
                            }
                        }
                    }
                }
                Val::Unknown(u) => {
                    unreadable.get_or_insert_with(|| u.reason.clone());
                }
                _ => {}
            }
        }
        Tags { known: Spanned::new(tags, self.span(name)), unknown, unreadable }
    }
}
