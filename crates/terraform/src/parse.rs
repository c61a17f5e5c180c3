//! Files into modules: a module is a directory of `.tf` files. Parsing keeps byte spans so
//! that every resource and attribute can be located by line and column.

use encguard_model::{InputError, Position};
use encguard_values::SpanTree;
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
    /// The type constraints of variables whose values they shape (objects with optional
    /// attributes, at any depth).
    pub variable_types: HashMap<String, crate::types::TypeConstraint>,
    /// Variables declared `nullable = false`: given null, they take their default.
    pub non_nullable: std::collections::HashSet<String>,
    pub locals: HashMap<String, Expression>,
    pub outputs: HashMap<String, Expression>,
    pub resources: Vec<Item>,
    pub data: Vec<Item>,
    pub module_calls: Vec<Item>,
    pub providers: Vec<Item>,
    /// Where each variable, local, output and module call is declared (file index, byte
    /// offset), by its address (`var.x`, `local.x`, `output.x`, `module.x`).
    pub declarations: HashMap<String, (usize, usize)>,
}

/// How deeply brackets and blocks may nest in a file. Real modules stay within a few dozen
/// levels; deeper text is refused before the (recursive) parser reads it.
pub const MAX_NESTING: usize = 256;

/// Parses one file's text into its top-level body. Returns the text parsed, which differs
/// from `text` only where an object repeats a key (see [`unrepeat_object_key`]).
pub fn parse_file(display: &str, text: String) -> Result<(Body, String), InputError> {
    if let Some((offset, depth)) = too_deep(&text) {
        let at = SourceFile::new(String::new(), text).position(offset);
        return Err(InputError::at(display, at.line, at.column, format!("brackets nest deeper than {depth} levels")));
    }
    let mut text = text;
    // Each repeated key is rewritten once; a file cannot repeat more keys than it has bytes.
    for _ in 0..=text.len() {
        match hcl_edit::parser::parse_body(&text) {
            Ok(body) => return Ok((body, text)),
            Err(e) if e.message().contains("redefined object key") => {
                let (line, column) = (e.location().line(), e.location().column());
                match unrepeat_object_key(&text, line, column) {
                    Some(rewritten) => text = rewritten,
                    None => return Err(InputError::at(display, line as u32, column as u32, e.message())),
                }
            }
            Err(e) => {
                return Err(InputError::at(
                    display,
                    e.location().line() as u32,
                    e.location().column() as u32,
                    e.message(),
                ))
            }
        }
    }
    unreachable!("each rewrite removes one repeated key")
}

/// Where a text first nests brackets or blocks deeper than [`MAX_NESTING`], if it does.
/// Comments are skipped; strings are not, so a string full of unbalanced brackets may be
/// refused — no real module holds one.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => i = memchr_newline(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = memchr_newline(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(bytes.len(), |e| i + 2 + e + 1);
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some((i, MAX_NESTING));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| from + p)
}

/// HCL lets an object constructor repeat a key, the last value winning (`{ port = 80, port
/// = 443 }` is `{ port = 443 }`); the parser refuses it. The repeated key at `line`:`column`
/// is rewritten as a key the parser tells apart but evaluation reads as the same name —
/// `port` as `"port"`, `"port"` as `("port")` — so its value still comes last and wins.
fn unrepeat_object_key(text: &str, line: usize, column: usize) -> Option<String> {
    let start = text.split_inclusive('\n').take(line.checked_sub(1)?).map(str::len).sum::<usize>();
    let start = start + text[start..].chars().take(column.checked_sub(1)?).map(char::len_utf8).sum::<usize>();
    let rest = &text[start..];
    let key_len = match rest.chars().next()? {
        '"' => {
            let mut escaped = false;
            1 + rest[1..].find(|c| {
                let end = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                end
            })? + 1
        }
        '(' => {
            let mut depth = 0usize;
            rest.find(|c| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })? + 1
        }
        c if c.is_alphabetic() || c == '_' => rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))?,
        _ => return None,
    };
    let key = &rest[..key_len];
    let quoted = if key.starts_with(['"', '(']) { format!("({key})") } else { format!("\"{key}\"") };
    Some(format!("{}{quoted}{}", &text[..start], &rest[key_len..]))
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
            ("module", [n]) => {
                self.declarations.insert(format!("module.{n}"), (file, offset));
                self.module_calls.push(item(n.clone(), String::new(), block.body))
            }
            ("provider", [n]) => self.providers.push(item(n.clone(), String::new(), block.body)),
            ("variable", [n]) => {
                let default = attribute(&block.body, "default").cloned();
                if matches!(attribute(&block.body, "nullable"), Some(Expression::Bool(b)) if !*b.value()) {
                    self.non_nullable.insert(n.clone());
                }
                if let Some(constraint) = attribute(&block.body, "type").map(crate::types::TypeConstraint::parse) {
                    if constraint.shapes() {
                        self.variable_types.insert(n.clone(), constraint);
                    }
                }
                self.declarations.insert(format!("var.{n}"), (file, offset));
                self.variables.insert(n.clone(), default);
            }
            ("output", [n]) => {
                if let Some(value) = attribute(&block.body, "value") {
                    self.declarations.insert(format!("output.{n}"), (file, offset));
                    self.outputs.insert(n.clone(), value.clone());
                }
            }
            ("locals", []) => {
                for structure in block.body {
                    if let Structure::Attribute(a) = structure {
                        let at = a.span().map_or(offset, |s| s.start);
                        self.declarations.insert(format!("local.{}", a.key.as_str()), (file, at));
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

/// Where a body's attributes and nested blocks are written; blocks of one name are the
/// items of that name, in order.
pub fn places<'b>(body: &'b Body, file: &SourceFile) -> SpanTree<'b> {
    let span = |range: Option<std::ops::Range<usize>>| {
        range.map(|r| encguard_model::Span::new(file.position(r.start), file.position(r.end)))
    };
    let mut tree = SpanTree::default();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                if tree.field(a.key.as_str()).is_none() {
                    tree.fields.push((a.key.as_str(), SpanTree { span: span(a.span()), ..SpanTree::default() }));
                }
            }
            Structure::Block(b) => {
                let mut block = places(&b.body, file);
                block.span = span(b.span());
                let name = b.ident.as_str();
                if name == "dynamic" {
                    continue;
                }
                match tree.fields.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, blocks)) => blocks.items.push(block),
                    None => {
                        tree.fields.push((name, SpanTree { span: block.span, fields: Vec::new(), items: vec![block] }))
                    }
                }
            }
        }
    }
    // Blocks of a name a `dynamic` block also generates have no place each: their order in
    // the value is not their order in the text.
    let generated: Vec<&str> = body
        .iter()
        .filter_map(|s| match s {
            Structure::Block(b) if b.ident.as_str() == "dynamic" => b.labels.first().map(|l| match l {
                hcl_edit::structure::BlockLabel::String(s) => s.value().as_str(),
                hcl_edit::structure::BlockLabel::Ident(i) => i.as_str(),
            }),
            _ => None,
        })
        .collect();
    tree.fields.retain(|(name, _)| !generated.contains(name));
    tree
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
pub fn json_to_hcl(display: &str, text: &str) -> Result<(String, ResourceLines), InputError> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| InputError::at(display, e.line() as u32, e.column() as u32, e.to_string()))?;
    let mut out = String::new();
    let mut lines = HashMap::new();
    let Some(top) = json.as_object() else {
        return Err(InputError::at(display, 1, 1, "expected an object of block types"));
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
