//! IAM-style policy documents (bucket policies, key policies, IAM policies) parsed into
//! statements, so that rules reason about Effect, Principal, Action, Resource and
//! Condition rather than about JSON text.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// A policy document (`{"Version": …, "Statement": …}`), read into its statements.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyDocument {
    /// The `Statement` element, in order; a single statement is read as a list of one.
    pub statements: Vec<Statement>,
}

/// A statement's `Effect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Effect {
    /// The statement grants what it matches.
    Allow,
    /// The statement refuses what it matches, whatever else allows it.
    Deny,
}

/// One statement of a policy document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Statement {
    /// The `Sid`, the statement's optional identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The `Effect`: `Allow` or `Deny`.
    pub effect: Effect,
    /// `None` when the statement has no `Principal` element (identity policies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Vec<Principal>>,
    /// The `NotPrincipal` element: everyone but these principals; `None` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_principal: Option<Vec<Principal>>,
    /// The `Action` element: actions or action patterns (`kms:*`, `s3:Get*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<String>,
    /// The `NotAction` element: every action but these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_action: Vec<String>,
    /// The `Resource` element: ARNs or ARN patterns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<String>,
    /// The `NotResource` element: every resource but these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_resource: Vec<String>,
    /// The `Condition` element, one entry per operator and key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub condition: Vec<Condition>,
}

/// One principal: `kind` is `AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for the
/// bare wildcard `"Principal": "*"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Principal {
    /// The principal type: `AWS`, `Service`, `Federated`, `CanonicalUser`, or `*`.
    pub kind: String,
    /// The principal itself: an account id or ARN, a service (`logs.amazonaws.com`), or `*`.
    pub id: String,
}

/// One condition test: `{"Bool": {"aws:SecureTransport": "false"}}` is
/// operator `Bool`, key `aws:SecureTransport`, values `["false"]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Condition {
    /// The condition operator: `Bool`, `StringEquals`, `ArnLike`, `ForAnyValue:StringLike`, …
    pub operator: String,
    /// The condition key: `aws:SecureTransport`, `kms:ViaService`, `s3:x-amz-server-side-encryption`, …
    pub key: String,
    /// The values the key is compared with, as strings (booleans and numbers included).
    pub values: Vec<String>,
}

/// Why a policy document cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PolicyDocumentError {
    /// The text is not JSON.
    #[error("policy is not JSON: {0}")]
    NotJson(serde_json::Error),
    /// The document has no `Statement` element.
    #[error("policy has no `Statement`")]
    NoStatement,
    /// `Statement` is neither an object nor a list.
    #[error("`Statement` must be an object or a list")]
    StatementShape,
    /// A statement's `Effect` is missing or neither `Allow` nor `Deny` (what was found, when a string).
    #[error("statement `Effect` must be Allow or Deny, found {0:?}")]
    Effect(Option<String>),
    /// `Principal` or `NotPrincipal` is neither `"*"` nor an object.
    #[error("`Principal` must be \"*\" or an object")]
    PrincipalShape,
    /// `Condition` is not an object.
    #[error("`Condition` must be an object")]
    ConditionShape,
    /// A condition operator (named) does not map condition keys to values.
    #[error("condition operator `{0}` must map keys to values")]
    ConditionOperator(String),
}

impl PolicyDocument {
    /// Parses policy JSON text.
    pub fn parse(text: &str) -> Result<Self, PolicyDocumentError> {
        let json: Json = serde_json::from_str(text).map_err(PolicyDocumentError::NotJson)?;
        Self::from_json(&json)
    }

    /// Parses a policy already read as JSON, accepting every shape IAM accepts: a single
    /// statement or a list, strings or lists of strings, booleans and numbers in conditions.
    pub fn from_json(json: &Json) -> Result<Self, PolicyDocumentError> {
        let statements = match json.get("Statement") {
            Some(Json::Array(items)) => items.iter().map(Statement::from_json).collect::<Result<_, _>>()?,
            Some(single @ Json::Object(_)) => vec![Statement::from_json(single)?],
            Some(_) => return Err(PolicyDocumentError::StatementShape),
            None => return Err(PolicyDocumentError::NoStatement),
        };
        Ok(PolicyDocument { statements })
    }
}

impl Statement {
    fn from_json(json: &Json) -> Result<Self, PolicyDocumentError> {
        let effect = match json.get("Effect").and_then(Json::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            other => return Err(PolicyDocumentError::Effect(other.map(str::to_string))),
        };
        Ok(Statement {
            sid: json.get("Sid").and_then(Json::as_str).map(str::to_string),
            effect,
            principal: json.get("Principal").map(principals).transpose()?,
            not_principal: json.get("NotPrincipal").map(principals).transpose()?,
            action: strings(json.get("Action")),
            not_action: strings(json.get("NotAction")),
            resource: strings(json.get("Resource")),
            not_resource: strings(json.get("NotResource")),
            condition: conditions(json.get("Condition"))?,
        })
    }

    /// Whether the statement's actions include `action` (IAM wildcards, case-insensitive).
    pub fn allows_action(&self, action: &str) -> bool {
        if !self.not_action.is_empty() {
            return !self.not_action.iter().any(|p| wildcard_match(p, action));
        }
        self.action.iter().any(|p| wildcard_match(p, action))
    }

    /// Whether the principal is everyone: `"*"` or `{"AWS": "*"}`.
    pub fn has_public_principal(&self) -> bool {
        self.principal.iter().flatten().any(|p| p.id == "*" && (p.kind == "*" || p.kind == "AWS"))
    }

    /// The values of a condition on `key` under an operator in `operators` (keys compare
    /// case-insensitively, as IAM does; `…IfExists` variants included).
    pub fn condition_values<'a>(&'a self, operators: &'a [&str], key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.condition
            .iter()
            .filter(move |c| {
                let op = c.operator.strip_suffix("IfExists").unwrap_or(&c.operator);
                let op = op.rsplit_once(':').map_or(op, |(_, o)| o);
                operators.contains(&op) && c.key.eq_ignore_ascii_case(key)
            })
            .flat_map(|c| c.values.iter().map(String::as_str))
    }
}

/// IAM wildcard matching (`*` and `?`), case-insensitive as actions are.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn strings(json: Option<&Json>) -> Vec<String> {
    match json {
        Some(Json::Array(items)) => items.iter().filter_map(scalar).collect(),
        Some(other) => scalar(other).into_iter().collect(),
        None => Vec::new(),
    }
}

fn scalar(json: &Json) -> Option<String> {
    match json {
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn principals(json: &Json) -> Result<Vec<Principal>, PolicyDocumentError> {
    match json {
        Json::String(s) => Ok(vec![Principal { kind: "*".into(), id: s.clone() }]),
        Json::Object(map) => Ok(map
            .iter()
            .flat_map(|(kind, ids)| strings(Some(ids)).into_iter().map(|id| Principal { kind: kind.clone(), id }))
            .collect()),
        _ => Err(PolicyDocumentError::PrincipalShape),
    }
}

fn conditions(json: Option<&Json>) -> Result<Vec<Condition>, PolicyDocumentError> {
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    let Json::Object(ops) = json else {
        return Err(PolicyDocumentError::ConditionShape);
    };
    let mut out = Vec::new();
    for (operator, tests) in ops {
        let Json::Object(tests) = tests else {
            return Err(PolicyDocumentError::ConditionOperator(operator.clone()));
        };
        for (key, values) in tests {
            out.push(Condition { operator: operator.clone(), key: key.clone(), values: strings(Some(values)) });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_shape_iam_accepts() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":"*"},
            "Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
            "Condition":{"Bool":{"aws:SecureTransport":false}}}}"#,
        )
        .unwrap();
        let s = &doc.statements[0];
        assert_eq!(s.effect, Effect::Deny);
        assert!(s.has_public_principal());
        assert!(s.allows_action("s3:GetObject"));
        assert_eq!(s.condition_values(&["Bool"], "AWS:SecureTransport").collect::<Vec<_>>(), ["false"]);
    }

    #[test]
    fn rejects_what_is_not_a_policy() {
        assert!(PolicyDocument::parse(r#"{"Version":"2012-10-17"}"#).is_err());
        assert!(PolicyDocument::parse(r#"{"Statement":[{"Effect":"Maybe"}]}"#).is_err());
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard_match("kms:*", "kms:Decrypt"));
        assert!(wildcard_match("kms:Re*From", "kms:ReEncryptFrom"));
        assert!(!wildcard_match("kms:Encrypt", "kms:Decrypt"));
        assert!(wildcard_match("*", "s3:PutObject"));
    }
}
