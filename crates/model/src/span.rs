//! Where a value is written. A source fills each attribute together with its place in the
//! file, so that a rule points a finding at the attribute it judged by handing over the
//! attribute itself — there is no table of attribute names to keep in step.

use crate::Position;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::ops::{Deref, DerefMut};

/// A stretch of a source file: from the position of its first character to the position
/// just past its last (1-based lines and columns, as editors count them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The position of the first character.
    pub start: Position,
    /// The position just past the last character.
    pub end: Position,
}

/// A change to a source file: the text of `span` replaced by `text` (an empty span inserts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    /// The file, as findings name it.
    pub file: String,
    /// What is replaced.
    pub span: Span,
    /// What replaces it.
    pub text: String,
}

impl Span {
    /// The span from `start` to `end` (just past the last character).
    pub fn new(start: Position, end: Position) -> Span {
        Span { start, end }
    }
}

/// In JSON a span is `[line, column, end line, end column]`.
impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.start.line, self.start.column, self.end.line, self.end.column).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (line, column, end_line, end_column) = <(u32, u32, u32, u32)>::deserialize(d)?;
        Ok(Span { start: Position { line, column }, end: Position { line: end_line, column: end_column } })
    }
}

impl JsonSchema for Span {
    fn schema_name() -> Cow<'static, str> {
        "Span".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "[line, column, end line, end column], 1-based; the end is just past the last character",
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "minItems": 4,
            "maxItems": 4
        })
    }
}

/// A value with the place its source wrote it, when a source file did. Reads as the value
/// (`Deref`); two spanned values are equal when their values are, wherever they are written.
/// An attribute the source did not write has no place: a finding about it points at the
/// resource.
#[derive(Clone, Debug, Default)]
pub struct Spanned<T> {
    /// The value itself.
    pub value: T,
    /// Where the source wrote it; `None` when it did not (a value from an API, a default, a computed value).
    pub span: Option<Span>,
}

impl<T> Spanned<T> {
    /// A value with the place it is written, if any.
    pub fn new(value: T, span: Option<Span>) -> Self {
        Spanned { value, span }
    }

    /// The value changed by `f`, at the same place.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned { value: f(self.value), span: self.span }
    }
}

impl<T> Spanned<Option<T>> {
    /// This value where it is written, else `other`.
    pub fn or(self, other: Self) -> Self {
        if self.value.is_some() {
            self
        } else {
            other
        }
    }

    /// This value where it is written, else the one `other` gives.
    pub fn or_else(self, other: impl FnOnce() -> Self) -> Self {
        if self.value.is_some() {
            self
        } else {
            other()
        }
    }
}

impl<T> From<T> for Spanned<T> {
    fn from(value: T) -> Self {
        Spanned { value, span: None }
    }
}

/// A collection gathered without a place (from an API, or computed).
impl<T, C: FromIterator<T>> FromIterator<T> for Spanned<C> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Spanned::from(C::from_iter(iter))
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Spanned<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

/// In JSON a spanned value is `{"value": …, "span": [l, c, l, c]}`, and one without a
/// place is the value alone — as inventories of schema version 1 wrote every value.
impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct WithSpan<'a, T> {
            value: &'a T,
            span: Span,
        }
        match self.span {
            Some(span) => WithSpan { value: &self.value, span }.serialize(s),
            None => self.value.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct WithSpan<T> {
            value: T,
            span: Span,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr<T> {
            WithSpan(WithSpan<T>),
            Plain(T),
        }
        Ok(match Repr::deserialize(d)? {
            Repr::WithSpan(w) => Spanned { value: w.value, span: Some(w.span) },
            Repr::Plain(value) => Spanned { value, span: None },
        })
    }
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Spanned_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<T>();
        let span = generator.subschema_for::<Span>();
        json_schema!({
            "anyOf": [
                value,
                {
                    "type": "object",
                    "properties": {"value": value, "span": span},
                    "required": ["value", "span"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Field, Value};

    #[test]
    fn spanned_values_round_trip_and_plain_ones_still_read() {
        let span = Span::new(Position { line: 3, column: 3 }, Position { line: 3, column: 29 });
        let field: Field<bool> = Spanned::new(Some(Value::Known(true)), Some(span));
        let json = serde_json::to_string(&field).unwrap();
        assert_eq!(json, r#"{"value":true,"span":[3,3,3,29]}"#);
        let back: Field<bool> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.span, Some(span));
        let plain: Field<bool> = serde_json::from_str("false").unwrap();
        assert_eq!((plain.value, plain.span), (Some(Value::Known(false)), None));
        let unknown: Field<bool> = serde_json::from_str(r#"{"unknown": "var.x has no value"}"#).unwrap();
        assert_eq!(unknown.value, Some(Value::unknown("var.x has no value")));
        let absent: Field<bool> = serde_json::from_str("null").unwrap();
        assert_eq!(absent.value, None);
    }
}
