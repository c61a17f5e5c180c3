//! Files into modules: a module is a directory of `.tf` files. Parsing keeps byte spans so
//! that every resource and attribute can be located by line and column.

use encguard_model::Position;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};
use hcl_edit::Span;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One source file, with its line starts for offset → line:column.
pub struct SourceFile {
    /// The path as reported to users (relative to the scan root when possible).
    pub display: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// For a `.tf.json` file (whose `text` is its native-syntax rewrite): the line of each
    /// resource in the JSON, by type and name.
    pub json_lines: Option<ResourceLines>,
}

impl SourceFile {
    pub fn new(display: String, text: String) -> Self {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        SourceFile { display, text, line_starts, json_lines: None }
    }

    /// 1-based line and column of a byte offset (columns count characters).
    pub fn position(&self, offset: usize) -> Position {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self.text.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        Position { line: line as u32, column: column as u32 }
    }
}

/// A labelled block of a module: a resource, data source, module call or provider.
pub struct Item {
    /// `aws_s3_bucket`, the module call's name, the provider's name.
    pub kind: String,
    /// The resource's name (empty for module calls and providers).
    pub name: String,
    pub body: Body,
    pub file: usize,
    /// Byte span of the whole block.
    pub offset: usize,
    pub end: usize,
}

/// A Terraform module: everything its files declare.
#[derive(Default)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<SourceFile>,
    pub variables: HashMap<String, Option<Expression>>,
    pub locals: HashMap<String, Expression>,
    pub outputs: HashMap<String, Expression>,
    pub resources: Vec<Item>,
    pub data: Vec<Item>,
    pub module_calls: Vec<Item>,
    pub providers: Vec<Item>,
}

/// A syntax error or unreadable file.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

/// Parses one file's text into its top-level body.
pub fn parse_file(display: &str, text: &str) -> Result<Body, ParseError> {
    hcl_edit::parser::parse_body(text).map_err(|e| ParseError {
        file: display.to_string(),
        line: e.location().line(),
        column: e.location().column(),
        message: e.message().to_string(),
    })
}

fn label(l: &BlockLabel) -> String {
    match l {
        BlockLabel::String(s) => s.value().to_string(),
        BlockLabel::Ident(i) => i.as_str().to_string(),
    }
}

impl Module {
    /// Adds a parsed file's declarations to the module.
    pub fn add_file(&mut self, file: SourceFile, body: Body) {
        let index = self.files.len();
        for structure in body {
            let Structure::Block(block) = structure else {
                continue;
            };
            self.add_block(index, block);
        }
        self.files.push(file);
    }

    fn add_block(&mut self, file: usize, block: Block) {
        let (offset, end) = block.span().map_or((0, 0), |s| (s.start, s.end));
        let labels: Vec<String> = block.labels.iter().map(label).collect();
        let item = |kind: String, name: String, body: Body| Item { kind, name, body, file, offset, end };
        match (block.ident.as_str(), labels.as_slice()) {
            ("resource", [t, n]) => self.resources.push(item(t.clone(), n.clone(), block.body)),
            ("data", [t, n]) => self.data.push(item(t.clone(), n.clone(), block.body)),
            ("module", [n]) => self.module_calls.push(item(n.clone(), String::new(), block.body)),
            ("provider", [n]) => self.providers.push(item(n.clone(), String::new(), block.body)),
            ("variable", [n]) => {
                let default = attribute(&block.body, "default").cloned();
                self.variables.insert(n.clone(), default);
            }
            ("output", [n]) => {
                if let Some(value) = attribute(&block.body, "value") {
                    self.outputs.insert(n.clone(), value.clone());
                }
            }
            ("locals", []) => {
                for structure in block.body {
                    if let Structure::Attribute(a) = structure {
                        self.locals.insert(a.key.as_str().to_string(), a.value);
                    }
                }
            }
            _ => {}
        }
    }

    pub fn file(&self, item: &Item) -> &SourceFile {
        &self.files[item.file]
    }
}

/// The expression of a body's attribute.
pub fn attribute<'a>(body: &'a Body, name: &str) -> Option<&'a Expression> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == name => Some(&a.value),
        _ => None,
    })
}

/// The literal string of an attribute (`source = "./modules/kms"`).
pub fn literal<'a>(body: &'a Body, name: &str) -> Option<&'a str> {
    match attribute(body, name)? {
        Expression::String(s) => Some(s.value().as_str()),
        _ => None,
    }
}

/// Positions of a body's top-level attributes and blocks, by name.
pub fn positions(body: &Body, file: &SourceFile) -> HashMap<String, Position> {
    let mut out = HashMap::new();
    for s in body.iter() {
        let (name, span) = match s {
            Structure::Attribute(a) => (a.key.as_str().to_string(), a.span()),
            Structure::Block(b) => (b.ident.as_str().to_string(), b.span()),
        };
        if let Some(span) = span {
            out.entry(name).or_insert_with(|| file.position(span.start));
        }
    }
    out
}

/// The line of each resource in a JSON file, by type and name.
pub type ResourceLines = HashMap<(String, String), u32>;

/// Whether a path is a Terraform file: `.tf`, or the JSON syntax `.tf.json`.
pub fn is_tf(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// Terraform's JSON syntax rewritten as native syntax, which says the same: JSON strings
/// are templates in both, and a nested block written as an object or a list of objects
/// evaluates to what the block would. Returns the text and, for each resource, the line
/// of its name in the JSON (positions within it are not kept).
pub fn json_to_hcl(display: &str, text: &str) -> Result<(String, ResourceLines), ParseError> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| ParseError {
        file: display.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let mut out = String::new();
    let mut lines = HashMap::new();
    let Some(top) = json.as_object() else {
        return Err(ParseError {
            file: display.to_string(),
            line: 1,
            column: 1,
            message: "expected an object of block types".into(),
        });
    };
    let labelled = |out: &mut String, kind: &str, labels: &[&str], body: &serde_json::Value| {
        for b in body.as_array().map_or_else(|| vec![body], |l| l.iter().collect()) {
            out.push_str(kind);
            for l in labels {
                out.push_str(&format!(" {}", quote(l)));
            }
            out.push_str(" {\n");
            for (k, v) in b.as_object().into_iter().flatten() {
                out.push_str(&format!("  {k} = {}\n", expr(v)));
            }
            out.push_str("}\n");
        }
    };
    for (kind, blocks) in top {
        match kind.as_str() {
            "resource" | "data" => {
                for (t, named) in blocks.as_object().into_iter().flatten() {
                    for (n, body) in named.as_object().into_iter().flatten() {
                        if kind == "resource" {
                            let after_type = text.find(&format!("\"{t}\"")).unwrap_or(0);
                            let at = text[after_type..].find(&format!("\"{n}\"")).map_or(0, |i| after_type + i);
                            lines.insert((t.clone(), n.clone()), text[..at].matches('\n').count() as u32 + 1);
                        }
                        labelled(&mut out, kind, &[t, n], body);
                    }
                }
            }
            "variable" | "output" | "module" | "provider" => {
                for (n, body) in blocks.as_object().into_iter().flatten() {
                    labelled(&mut out, kind, &[n], body);
                }
            }
            "locals" => {
                for body in blocks.as_array().map_or_else(|| vec![blocks], |l| l.iter().collect()) {
                    labelled(&mut out, "locals", &[], body);
                }
            }
            _ => {}
        }
    }
    Ok((out, lines))
}

/// A JSON value as a native-syntax expression.
fn expr(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => quote(s),
        serde_json::Value::Array(items) => format!("[{}]", items.iter().map(expr).collect::<Vec<_>>().join(", ")),
        serde_json::Value::Object(map) => format!(
            "{{ {} }}",
            map.iter().map(|(k, v)| format!("{} = {}", quote(k), expr(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A quoted string that keeps `${…}` templates: only quotes, backslashes and line breaks
/// are escaped.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('\r', "\\r"))
}
