//! Variable type constraints, applied as Terraform applies them to a variable's value: an
//! object type fills the optional attributes the value leaves out — with their default, or
//! null — at every depth, so that `var.listener.certificate_arn` is null (or its default)
//! rather than a missing attribute.

use encguard_values::Val;
use hcl_edit::expr::{Expression, ObjectKey};

/// A type constraint, as far as it shapes a value: what is not an object or a collection
/// of objects leaves the value as it is.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeConstraint {
    /// A primitive or `any`: the value as given.
    Plain,
    /// `list(T)`, `set(T)`: each element.
    List(Box<TypeConstraint>),
    /// `map(T)`: each value.
    Map(Box<TypeConstraint>),
    /// `tuple([T, …])`: each element by position.
    Tuple(Vec<TypeConstraint>),
    /// `object({…})`: each attribute.
    Object(Vec<Attribute>),
}

/// An attribute of an object type.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub constraint: TypeConstraint,
    /// `optional(T)` is `Some(None)`; `optional(T, default)` is `Some(Some(default))`.
    pub optional: Option<Option<Expression>>,
}

impl TypeConstraint {
    /// The constraint a `type = …` expression states.
    pub fn parse(expr: &Expression) -> TypeConstraint {
        let Expression::FuncCall(call) = expr else {
            return TypeConstraint::Plain;
        };
        let args: Vec<&Expression> = call.args.iter().collect();
        let inner = || Box::new(args.first().map_or(TypeConstraint::Plain, |a| TypeConstraint::parse(a)));
        match call.name.name.as_str() {
            "list" | "set" => TypeConstraint::List(inner()),
            "map" => TypeConstraint::Map(inner()),
            "tuple" => match args.first() {
                Some(Expression::Array(items)) => {
                    TypeConstraint::Tuple(items.iter().map(TypeConstraint::parse).collect())
                }
                _ => TypeConstraint::Plain,
            },
            "object" => match args.first() {
                Some(Expression::Object(attrs)) => TypeConstraint::Object(
                    attrs
                        .iter()
                        .filter_map(|(key, value)| {
                            let name = match key {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => s.as_str().to_string(),
                                ObjectKey::Expression(_) => return None,
                            };
                            Some(Attribute::parse(name, value.expr()))
                        })
                        .collect(),
                ),
                _ => TypeConstraint::Plain,
            },
            _ => TypeConstraint::Plain,
        }
    }

    /// Whether applying the constraint can change a value.
    pub fn shapes(&self) -> bool {
        match self {
            TypeConstraint::Plain => false,
            TypeConstraint::List(t) | TypeConstraint::Map(t) => t.shapes(),
            TypeConstraint::Tuple(ts) => ts.iter().any(TypeConstraint::shapes),
            TypeConstraint::Object(_) => true,
        }
    }

    /// `value` as the constraint makes it; `default` evaluates an optional attribute's default.
    pub fn apply(&self, value: Val, default: &dyn Fn(&Expression) -> Val) -> Val {
        match (self, value) {
            (TypeConstraint::List(t), Val::List(items)) => {
                Val::List(items.into_iter().map(|v| t.apply(v, default)).collect())
            }
            (TypeConstraint::Map(t), Val::Map(entries)) => {
                Val::Map(entries.into_iter().map(|(k, v)| (k, t.apply(v, default))).collect())
            }
            (TypeConstraint::Tuple(ts), Val::List(items)) => Val::List(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| ts.get(i).map_or(v.clone(), |t| t.apply(v, default)))
                    .collect(),
            ),
            (TypeConstraint::Object(attrs), Val::Map(mut entries)) => {
                for a in attrs {
                    let value = match (entries.remove(&a.name), &a.optional) {
                        // An optional attribute null or left out takes its default.
                        (None | Some(Val::Null), Some(Some(d))) => a.constraint.apply(default(d), default),
                        (None | Some(Val::Null), Some(None)) | (Some(Val::Null), None) => Val::Null,
                        (Some(v), _) => a.constraint.apply(v, default),
                        // A required attribute left out is Terraform's error to report.
                        (None, None) => continue,
                    };
                    entries.insert(a.name.clone(), value);
                }
                Val::Map(entries)
            }
            (_, value) => value,
        }
    }
}

impl Attribute {
    fn parse(name: String, expr: &Expression) -> Attribute {
        match expr {
            Expression::FuncCall(call) if call.name.name.as_str() == "optional" => {
                let mut args = call.args.iter();
                let constraint = args.next().map_or(TypeConstraint::Plain, TypeConstraint::parse);
                Attribute { name, constraint, optional: Some(args.next().cloned()) }
            }
            other => Attribute { name, constraint: TypeConstraint::parse(other), optional: None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_attributes_take_defaults_only_when_optional() {
        let expr: Expression = r#"object({ port = number, protocol = optional(string, "HTTP"), arn = optional(string) })"#
            .parse()
            .unwrap();
        let given = Val::Map([("port".to_string(), Val::Null), ("protocol".to_string(), Val::Null)].into());
        let default = |d: &Expression| match d {
            Expression::String(s) => Val::Str(s.value().to_string()),
            other => panic!("{other:?}"),
        };
        let Val::Map(out) = TypeConstraint::parse(&expr).apply(given, &default) else { panic!() };
        assert_eq!(out.get("port"), Some(&Val::Null), "a required attribute given null stays null");
        assert_eq!(out.get("protocol"), Some(&Val::Str("HTTP".into())), "an optional one takes its default");
        assert_eq!(out.get("arn"), Some(&Val::Null), "an optional one left out without default is null");
    }
}
