//! Values as Terraform computes them, with one addition: a value that cannot be known
//! statically is `Unknown`, carrying why, which resource it refers to (so that a key or a
//! bucket reference still resolves), and, for strings built from templates, the known
//! parts with `⟨?⟩` standing for the unknown ones (enough to read an ARN's shape in a policy).

use std::collections::BTreeMap;
use std::fmt::Write;

/// The text standing for an unknown part of a partially known string.
pub const HOLE: &str = "⟨?⟩";

/// A value as an evaluator computes it.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// `null`, or an attribute left out.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (HCL numbers, YAML/JSON numbers).
    Num(f64),
    /// A string.
    Str(String),
    /// A list, tuple or set; also several blocks of one name.
    List(Vec<Val>),
    /// A map or object; also a block's attributes.
    Map(BTreeMap<String, Val>),
    /// A value that cannot be known before deployment.
    Unknown(Box<Unknown>),
}

/// Why a value cannot be known, and what is known of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Unknown {
    /// What cannot be known, and why, as reports say it.
    pub reason: String,
    /// The resource (module-local address) whose computed attribute this is.
    pub refers_to: Option<String>,
    /// A string's known parts, with [`HOLE`] for the rest.
    pub partial: Option<String>,
    /// For the blocks a `dynamic` block generates over a collection that cannot be known:
    /// the block its `content` makes, iterator unknown. The blocks are none or copies of it.
    pub generated: Option<Val>,
}

/// The key under which a resource instance's value records its own address.
pub const ADDRESS_KEY: &str = "\u{0}address";
/// The key under which it records the handle that resolves to it from any module: its
/// address qualified with its module instance's scope.
pub const HANDLE_KEY: &str = "\u{0}handle";

impl Val {
    /// Whether the value's size — one unit per value, plus the bytes of its strings and
    /// keys — stays within `budget`. Stops counting as soon as it does not, and walks
    /// without recursion.
    pub fn size_within(&self, budget: usize) -> bool {
        let mut left = budget;
        let mut pending = vec![self];
        while let Some(v) = pending.pop() {
            let cost = 1 + match v {
                Val::Str(s) => s.len(),
                Val::List(items) => {
                    pending.extend(items);
                    0
                }
                Val::Map(m) => {
                    pending.extend(m.values());
                    m.keys().map(String::len).sum()
                }
                _ => 0,
            };
            match left.checked_sub(cost) {
                Some(l) => left = l,
                None => return false,
            }
        }
        true
    }

    /// A value unknown for `reason`.
    pub fn unknown(reason: impl Into<String>) -> Val {
        Val::Unknown(Box::new(Unknown { reason: reason.into(), refers_to: None, partial: None, generated: None }))
    }

    /// A computed attribute of the resource `address` (resolvable everywhere as
    /// `handle`), known only after apply.
    pub fn after_apply(address: &str, handle: &str, attribute: &str) -> Val {
        Val::Unknown(Box::new(Unknown {
            reason: format!("`{address}.{attribute}` is known only after apply"),
            refers_to: Some(handle.to_string()),
            partial: None,
            generated: None,
        }))
    }

    /// The values this one may take when each list of blocks a `dynamic` block generates
    /// over an unknown collection is none, one or two copies of its block — `None` when it
    /// holds no such list, or when they are more than `limit`.
    pub fn expansions(&self, limit: usize) -> Option<Vec<Val>> {
        let n = self.expansion_count(limit);
        (n > 1 && n <= limit).then(|| self.expand())
    }

    /// How many values [`Self::expand`] gives, counted up to just past `limit`.
    fn expansion_count(&self, limit: usize) -> usize {
        fn product<'v>(mut items: impl Iterator<Item = &'v Val>, limit: usize) -> usize {
            items
                .try_fold(1usize, |n, v| {
                    let n = n.saturating_mul(v.expansion_count(limit));
                    (n <= limit).then_some(n)
                })
                .unwrap_or(limit + 1)
        }
        match self {
            Val::Unknown(u) => u.generated.as_ref().map_or(1, |g| 1 + 2 * g.expansion_count(limit)),
            Val::List(items) => product(items.iter(), limit),
            Val::Map(m) => product(m.values(), limit),
            _ => 1,
        }
    }

    fn expand(&self) -> Vec<Val> {
        // Every combination of the parts' expansions.
        fn combinations(parts: Vec<Vec<Val>>) -> Vec<Vec<Val>> {
            parts.into_iter().fold(vec![Vec::new()], |done, options| {
                done.iter()
                    .flat_map(|prefix| {
                        options.iter().map(move |o| {
                            let mut next = prefix.clone();
                            next.push(o.clone());
                            next
                        })
                    })
                    .collect()
            })
        }
        match self {
            Val::Unknown(u) => match &u.generated {
                Some(block) => {
                    let blocks = block.expand();
                    let mut out = vec![Val::List(Vec::new())];
                    out.extend(blocks.iter().map(|b| Val::List(vec![b.clone()])));
                    out.extend(blocks.iter().map(|b| Val::List(vec![b.clone(), b.clone()])));
                    out
                }
                None => vec![self.clone()],
            },
            Val::List(items) => {
                combinations(items.iter().map(Val::expand).collect()).into_iter().map(Val::List).collect()
            }
            Val::Map(m) => combinations(m.values().map(Val::expand).collect())
                .into_iter()
                .map(|values| Val::Map(m.keys().cloned().zip(values).collect()))
                .collect(),
            _ => vec![self.clone()],
        }
    }

    /// Whether the value itself (not a part of it) is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Val::Unknown(_))
    }

    /// The string, when the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The map, when the value is one.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Val>> {
        match self {
            Val::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The first unknown found in this value, depth first.
    pub fn first_unknown(&self) -> Option<&Unknown> {
        match self {
            Val::Unknown(u) => Some(u),
            Val::List(items) => items.iter().find_map(Val::first_unknown),
            Val::Map(m) => m.values().find_map(Val::first_unknown),
            _ => None,
        }
    }

    /// Terraform's conversion to string, for templates and string functions.
    pub fn to_text(&self) -> Result<String, Val> {
        match self {
            Val::Str(s) => Ok(s.clone()),
            Val::Num(n) => Ok(format_number(*n)),
            Val::Bool(b) => Ok(b.to_string()),
            Val::Null => Err(Val::unknown("a null value was used in a string")),
            Val::Unknown(_) => Err(self.clone()),
            Val::List(_) | Val::Map(_) => Err(Val::unknown("a collection was used where a string is expected")),
        }
    }

    /// Terraform's conversion to bool (`"true"` and `"false"` convert), or the unknown
    /// value that stands for why not.
    pub fn truthy(&self) -> Result<bool, Val> {
        match self {
            Val::Bool(b) => Ok(*b),
            Val::Str(s) if s == "true" => Ok(true),
            Val::Str(s) if s == "false" => Ok(false),
            Val::Unknown(_) => Err(self.clone()),
            other => Err(Val::unknown(format!("{} is not a boolean", other.describe()))),
        }
    }

    /// What kind of value this is, for messages ("a string", "a map").
    pub fn describe(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a bool",
            Val::Num(_) => "a number",
            Val::Str(_) => "a string",
            Val::List(_) => "a list",
            Val::Map(_) => "a map",
            Val::Unknown(_) => "an unknown value",
        }
    }

    /// JSON text, as `jsonencode` writes it. A value with unknown parts is unknown; its
    /// partial rendering keeps what is known when every unknown leaf has a known shape.
    pub fn to_json(&self) -> Val {
        let mut out = String::new();
        let mut first_unknown: Option<Unknown> = None;
        let mut fully_opaque = false;
        write_json(self, &mut out, &mut first_unknown, &mut fully_opaque);
        match first_unknown {
            None => Val::Str(out),
            Some(mut u) => {
                u.refers_to = None;
                u.partial = (!fully_opaque).then_some(out);
                Val::Unknown(Box::new(u))
            }
        }
    }

    /// Builds a value from JSON (plan files, `jsondecode`).
    pub fn from_json(json: &serde_json::Value) -> Val {
        match json {
            serde_json::Value::Null => Val::Null,
            serde_json::Value::Bool(b) => Val::Bool(*b),
            serde_json::Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Val::Str(s.clone()),
            serde_json::Value::Array(items) => Val::List(items.iter().map(Val::from_json).collect()),
            serde_json::Value::Object(map) => {
                Val::Map(map.iter().map(|(k, v)| (k.clone(), Val::from_json(v))).collect())
            }
        }
    }
}

/// A number as Terraform writes it: whole numbers without a fraction.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn write_json(v: &Val, out: &mut String, unknown: &mut Option<Unknown>, opaque: &mut bool) {
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => out.push_str(&format_number(*n)),
        Val::Str(s) => out.push_str(&serde_json::to_string(s).expect("string")),
        Val::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out, unknown, opaque);
            }
            out.push(']');
        }
        Val::Map(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().filter(|(k, _)| !k.starts_with('\u{0}')).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:", serde_json::to_string(k).expect("string"));
                write_json(item, out, unknown, opaque);
            }
            out.push('}');
        }
        Val::Unknown(u) => {
            match &u.partial {
                Some(p) => out.push_str(&serde_json::to_string(p).expect("string")),
                None => {
                    *opaque = true;
                    out.push_str("null");
                }
            }
            unknown.get_or_insert_with(|| (**u).clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(block: Val) -> Val {
        Val::Unknown(Box::new(Unknown {
            reason: "over an unknown collection".into(),
            refers_to: None,
            partial: None,
            generated: Some(block),
        }))
    }

    #[test]
    fn generated_blocks_expand_to_none_one_or_two_copies_of_every_combination() {
        let block = Val::Map(BTreeMap::from([("encrypted".to_string(), Val::Bool(true))]));
        let one = Val::Map(BTreeMap::from([("device".to_string(), generated(block.clone()))]));
        let values = one.expansions(9).unwrap();
        let lengths: Vec<usize> = values
            .iter()
            .map(|v| match &v.as_map().unwrap()["device"] {
                Val::List(l) => l.len(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(lengths, [0, 1, 2]);
        let two = Val::List(vec![generated(block.clone()), generated(block.clone())]);
        assert_eq!(two.expansions(9).map(|v| v.len()), Some(9));
        let three = Val::List(vec![generated(block.clone()), generated(block.clone()), generated(block)]);
        assert_eq!(three.expansions(9), None, "27 is past the limit");
        assert_eq!(Val::unknown("plain").expansions(9), None, "nothing generated: no alternatives");
        // A block generated within a generated block: none; one or two of each inner choice.
        let nested = generated(Val::Map(BTreeMap::from([("inner".to_string(), generated(Val::Bool(true)))])));
        assert_eq!(nested.expansions(9).map(|v| v.len()), Some(7));
    }
}
