//! Templates as trees with positions. YAML and JSON are both read with a YAML 1.2 parser
//! (JSON is YAML), so every node knows its line and column; short-form tags (`!Ref`,
//! `!GetAtt`, `!Sub` …) become the long form they abbreviate. The tree is built from the
//! parser's events with an explicit stack, and its depth is bounded.

use encguard_model::{InputError, Position, Span};
use encguard_values::SpanTree;
use saphyr::Scalar;
use saphyr_parser::{Event, Parser, Tag};

/// A template node: its value, where it starts (1-based line and column) and where it
/// ends (just past its last character; a collection ends with its last item).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: u32,
    pub column: u32,
    pub end: (u32, u32),
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
    /// Where the node is written, from its first character to just past its last.
    pub fn span(&self) -> Span {
        Span::new(Position { line: self.line, column: self.column }, Position { line: self.end.0, column: self.end.1 })
    }

    /// Where each part of the node is written: a map's entries from key to value, a list's
    /// items in order.
    pub fn places(&self) -> SpanTree<'_> {
        match &self.value {
            Value::Map(entries) => SpanTree {
                span: Some(self.span()),
                fields: entries
                    .iter()
                    .map(|(key, value, (line, column))| {
                        let mut entry = value.places();
                        entry.span = Some(Span::new(Position { line: *line, column: *column }, value.span().end));
                        (key.as_str(), entry)
                    })
                    .collect(),
                items: Vec::new(),
            },
            Value::List(items) => SpanTree {
                span: Some(self.span()),
                fields: Vec::new(),
                items: items.iter().map(Node::places).collect(),
            },
            _ => SpanTree::leaf(self.span()),
        }
    }

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

/// How deep a template may nest. Real templates stay under a few dozen levels (CDK's
/// policy documents are the deepest); anything deeper is refused rather than evaluated,
/// so that no later step recurses without bound.
pub const MAX_DEPTH: usize = 256;

/// A collection being read: its items so far, where it starts and its short-form tag.
struct Open {
    items: Items,
    line: u32,
    column: u32,
    tag: Option<String>,
}

enum Items {
    List(Vec<Node>),
    /// Entries so far, and a key (with its position) that waits for its value.
    Map(Vec<(String, Node, (u32, u32))>, Option<(String, (u32, u32))>),
}

/// Parses YAML or JSON text into a node tree, from the parser's events and without
/// recursion: a document nested deeper than [`MAX_DEPTH`] is an error at the level that
/// exceeds it, whatever the stack of the thread that reads it.
pub fn parse(file: &str, text: &str) -> Result<Node, InputError> {
    let mut parser = Parser::new_from_str(text);
    let mut open: Vec<Open> = Vec::new();
    let mut done: Option<Node> = None;
    let error = |span: &saphyr_parser::Span, message: String| {
        InputError::at(file, span.start.line() as u32, span.start.col() as u32 + 1, message)
    };
    while done.is_none() {
        let Some(event) = parser.next_event() else { break };
        let (event, span) =
            event.map_err(|e| InputError::at(file, e.marker().line() as u32, e.marker().col() as u32 + 1, e.info()))?;
        let (line, column) = (span.start.line() as u32, span.start.col() as u32 + 1);
        let end = (span.end.line() as u32, span.end.col() as u32 + 1);
        let node = match event {
            Event::StreamEnd => break,
            Event::Alias(_) => {
                return Err(error(
                    &span,
                    "CloudFormation does not accept YAML aliases (`*name`): write the value out".into(),
                ))
            }
            Event::Scalar(text, style, _, tag) => {
                let core = tag.as_ref().filter(|t| t.is_yaml_core_schema());
                let Some(value) = Scalar::parse_from_cow_and_metadata(text, style, core) else {
                    return Err(error(&span, "the value does not match its YAML tag".into()));
                };
                tagged(short_tag(tag.as_deref()), Node { value: scalar(&value), line, column, end })
            }
            Event::SequenceStart(_, tag) => {
                let tag = short_tag(tag.as_deref());
                open.push(Open { items: Items::List(Vec::new()), line, column, tag });
                if open.len() > MAX_DEPTH {
                    return Err(error(&span, format!("the document nests deeper than {MAX_DEPTH} levels")));
                }
                continue;
            }
            Event::MappingStart(_, tag) => {
                let tag = short_tag(tag.as_deref());
                open.push(Open { items: Items::Map(Vec::new(), None), line, column, tag });
                if open.len() > MAX_DEPTH {
                    return Err(error(&span, format!("the document nests deeper than {MAX_DEPTH} levels")));
                }
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(done_collection) = open.pop() else { continue };
                let (value, last) = match done_collection.items {
                    Items::List(items) => {
                        let last = items.last().map(|n| n.end);
                        (Value::List(items), last)
                    }
                    Items::Map(entries, _) => {
                        let last = entries.last().map(|(_, n, _)| n.end);
                        (Value::Map(entries), last)
                    }
                };
                let node = Node {
                    value,
                    line: done_collection.line,
                    column: done_collection.column,
                    end: last.unwrap_or(end),
                };
                tagged(done_collection.tag, node)
            }
            Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd | Event::Nothing => continue,
        };
        match open.last_mut() {
            None => done = Some(node),
            Some(Open { items: Items::List(items), .. }) => items.push(node),
            Some(Open { items: Items::Map(entries, pending), .. }) => match pending.take() {
                Some((key, at)) => entries.push((key, node, at)),
                None => *pending = Some((key_text(&node), (node.line, node.column))),
            },
        }
    }
    done.ok_or_else(|| InputError::at(file, 1, 1, "the file is empty"))
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

/// The long form of a short tag: `!Ref` → `Ref`, `!GetAtt` → `Fn::GetAtt`. YAML's own
/// core-schema tags (`!!str`) are not short forms: they only decide how a scalar is read.
fn short_tag(tag: Option<&Tag>) -> Option<String> {
    match tag {
        Some(t) if t.is_yaml_core_schema() => None,
        Some(t) if t.suffix == "Ref" || t.suffix == "Condition" => Some(t.suffix.clone()),
        Some(t) => Some(format!("Fn::{}", t.suffix)),
        None => None,
    }
}

/// A node under its short-form tag: `!Ref X` is `{Ref: X}`, `!GetAtt Res.Attr` is
/// `{Fn::GetAtt: [Res, Attr]}`.
fn tagged(tag: Option<String>, mut node: Node) -> Node {
    let Some(name) = tag else { return node };
    let (line, column, end) = (node.line, node.column, node.end);
    if name == "Fn::GetAtt" {
        if let Value::Str(s) = &node.value {
            if let Some((r, a)) = s.split_once('.') {
                let part = |t: &str| Node { value: Value::Str(t.to_string()), line, column, end };
                node.value = Value::List(vec![part(r), part(a)]);
            }
        }
    }
    Node { value: Value::Map(vec![(name, node, (line, column))]), line, column, end }
}

/// A mapping key as text (keys are scalars in templates).
fn key_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.clone(),
        Value::Num(n) => encguard_values::format_number(*n),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tags_become_long_forms_and_positions_are_kept() {
        let doc = parse("t.yaml", "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      Arn: !GetAtt Other.Arn\n      Name: !Sub '${AWS::StackName}-x'\n").unwrap();
        let key = doc.get("Resources").unwrap().get("Key").unwrap();
        assert_eq!((key.line, key.column), (3, 5));
        let arn = key.get("Properties").unwrap().get("Arn").unwrap();
        let getatt = arn.get("Fn::GetAtt").unwrap();
        assert!(matches!(&getatt.value, Value::List(parts) if parts.len() == 2));
        assert!(key.get("Properties").unwrap().get("Name").unwrap().get("Fn::Sub").is_some());
    }

    #[test]
    fn json_templates_parse_with_positions() {
        let doc = parse("t.json", "{\n  \"Resources\": {\n    \"B\": {\"Type\": \"AWS::S3::Bucket\"}\n  }\n}").unwrap();
        assert_eq!(doc.get("Resources").unwrap().get("B").unwrap().line, 3);
    }

    #[test]
    fn errors_have_positions() {
        let err = parse("t.yaml", "Resources:\n  Key: [unclosed\n").unwrap_err();
        assert!(err.at.is_some_and(|p| p.line >= 2), "{err:?}");
    }
}
