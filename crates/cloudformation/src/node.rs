//! Templates as trees with positions. YAML and JSON are both read with a YAML 1.2 parser
//! (JSON is YAML), so every node knows its line and column; short-form tags (`!Ref`,
//! `!GetAtt`, `!Sub` …) become the long form they abbreviate.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// A template node: its value and where it starts (1-based line and column).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Node>),
    /// Keys in document order, each with the position of its key.
    Map(Vec<(String, Node, (u32, u32))>),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, v, _)| v),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node, (u32, u32))] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A template that could not be read, with the position at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses YAML or JSON text into a node tree.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| ParseError {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_string(),
    })?;
    let doc = docs.into_iter().next().ok_or(ParseError { line: 1, column: 1, message: "the file is empty".into() })?;
    Ok(convert(&doc))
}

/// The long form of a short tag: `!Ref` → `Ref`, `!GetAtt` → `Fn::GetAtt`.
fn long_form(tag: &str) -> String {
    match tag {
        "Ref" | "Condition" => tag.to_string(),
        other => format!("Fn::{other}"),
    }
}

fn convert(y: &MarkedYaml) -> Node {
    let (line, column) = (y.span.start.line() as u32, y.span.start.col() as u32 + 1);
    let value = match &y.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Representation(text, _, _) => Value::Str(text.to_string()),
        YamlData::Sequence(items) => Value::List(items.iter().map(convert).collect()),
        YamlData::Mapping(map) => Value::Map(
            map.iter()
                .map(|(k, v)| {
                    let key = match &k.data {
                        YamlData::Value(s) => scalar_text(s),
                        YamlData::Representation(text, _, _) => text.to_string(),
                        _ => String::new(),
                    };
                    (key, convert(v), (k.span.start.line() as u32, k.span.start.col() as u32 + 1))
                })
                .collect(),
        ),
        YamlData::Tagged(tag, inner) => {
            let name = long_form(&tag.suffix);
            let mut arg = convert(inner);
            // `!GetAtt Res.Attr` is `Fn::GetAtt: [Res, Attr]`.
            if name == "Fn::GetAtt" {
                if let Value::Str(s) = &arg.value {
                    if let Some((r, a)) = s.split_once('.') {
                        let part = |t: &str| Node { value: Value::Str(t.to_string()), line, column };
                        arg.value = Value::List(vec![part(r), part(a)]);
                    }
                }
            }
            Value::Map(vec![(name, arg, (line, column))])
        }
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    };
    Node { value, line, column }
}

fn scalar(s: &Scalar) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Num(*i as f64),
        Scalar::FloatingPoint(f) => Value::Num(f.into_inner()),
        Scalar::String(s) => Value::Str(s.to_string()),
    }
}

fn scalar_text(s: &Scalar) -> String {
    match scalar(s) {
        Value::Str(s) => s,
        Value::Num(n) => encguard_values::format_number(n),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tags_become_long_forms_and_positions_are_kept() {
        let doc = parse("Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      Arn: !GetAtt Other.Arn\n      Name: !Sub '${AWS::StackName}-x'\n").unwrap();
        let key = doc.get("Resources").unwrap().get("Key").unwrap();
        assert_eq!((key.line, key.column), (3, 5));
        let arn = key.get("Properties").unwrap().get("Arn").unwrap();
        let getatt = arn.get("Fn::GetAtt").unwrap();
        assert!(matches!(&getatt.value, Value::List(parts) if parts.len() == 2));
        assert!(key.get("Properties").unwrap().get("Name").unwrap().get("Fn::Sub").is_some());
    }

    #[test]
    fn json_templates_parse_with_positions() {
        let doc = parse("{\n  \"Resources\": {\n    \"B\": {\"Type\": \"AWS::S3::Bucket\"}\n  }\n}").unwrap();
        assert_eq!(doc.get("Resources").unwrap().get("B").unwrap().line, 3);
    }

    #[test]
    fn errors_have_positions() {
        let err = parse("Resources:\n  Key: [unclosed\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
    }
}
