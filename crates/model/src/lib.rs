//! The normalized inventory: a plain-data description of the AWS resources the
//! encryption policy talks about, whichever source described them.
//!
//! The model knows nothing of files, HCL, YAML or HTTP. Sources fill it; the rules read it.
//! Two ideas run through every type:
//! - a value is [`Value::Known`] or [`Value::Unknown`] with the reason it cannot be known,
//!   and an attribute that was not written at all is `None` (the service default applies);
//! - a key is a [`KeyRef`], not a string, so that "AWS managed" and "customer managed"
//!   are facts the rules can read rather than patterns they must guess.

#![deny(missing_docs)]

mod choice;
mod input_error;
mod policy;
pub mod remediation;
mod resources;
mod span;
mod value;

pub use choice::{
    CertificateKeyAlgorithm, CertificateStatus, CertificateType, EndpointEncryption, KeyManager, KeyOrigin, KeySpec,
    KeyState, KeyUsage, LbProtocol, LoadBalancerType, OriginProtocolPolicy, PlannedAction, SseAlgorithm,
    TransparencyLogging, ValidationMethod, ViewerProtocolPolicy,
};
pub use input_error::InputError;
pub use policy::{
    wildcard_match as policy_wildcard_match, Condition, Effect, PolicyDocument, PolicyDocumentError, Principal,
    Statement,
};
pub use resources::*;
pub use span::{Span, Spanned, TextEdit};
pub use value::{Field, KeyRef, Unknown, Value};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the `inventory.json` format. Bumped on any incompatible change: version 2
/// writes where each attribute is written (`{"value": …, "span": […]}`) and each
/// resource's `span`. Version 1 files still load; their findings point at resources.
pub const SCHEMA_VERSION: u32 = 2;

/// The oldest `inventory.json` version this build reads.
pub const OLDEST_SCHEMA_VERSION: u32 = 1;

/// Everything one scan knows about: resources, and what could not be read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Inventory {
    /// The format version this inventory is written in: [`SCHEMA_VERSION`] when this build writes it.
    pub schema_version: u32,
    /// Every resource the sources described, split kinds included.
    pub resources: Vec<Resource>,
    /// Parts of the estate that could not be read (a denied call, a failed region). The
    /// rules that depend on them report *unknown*; reports list them.
    pub gaps: Vec<Gap>,
    /// The slice of a sharded collection this inventory holds (`collect --shard`), which
    /// `merge` checks its slices against one another by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slice: Option<Slice>,
}

/// One slice of a collection split across runners.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Slice {
    /// This slice, from 0.
    pub index: u32,
    /// How many slices.
    pub count: u32,
    /// The saved scan whose unit sizes balanced the slices (`scan 12 (TIME)`, the same for
    /// every runner wherever it reaches the store from); absent when they went by hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balanced_by: Option<String>,
}

impl Inventory {
    /// An inventory of the current schema version holding `resources`, with no gaps.
    pub fn new(resources: Vec<Resource>) -> Self {
        Inventory { schema_version: SCHEMA_VERSION, resources, gaps: Vec::new(), slice: None }
    }

    /// Reads `inventory.json` (shown to users as `file`), refusing a schema this build does
    /// not understand.
    pub fn from_json(file: &str, text: &str) -> Result<Self, InputError> {
        let inv: Inventory = serde_json::from_str(text)
            .map_err(|e| InputError::at(file, e.line() as u32, e.column() as u32, strip_position(&e.to_string())))?;
        if !(OLDEST_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&inv.schema_version) {
            return Err(InputError::file(
                file,
                format!(
                    "schema_version {} is not supported (this encguard reads versions {OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION})",
                    inv.schema_version
                ),
            ));
        }
        Ok(inv)
    }

    /// The inventory as `inventory.json` text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the inventory is plain data")
    }

    /// Adds another source's resources and gaps to this inventory.
    pub fn extend(&mut self, mut other: Inventory) {
        // Taken as it is where it would only be copied.
        if self.resources.is_empty() && self.resources.capacity() < other.resources.len() {
            std::mem::swap(&mut self.resources, &mut other.resources);
        }
        self.resources.append(&mut other.resources);
        self.gaps.append(&mut other.gaps);
    }

    /// The inventories of several sources, or parts of one, as one: its list of resources
    /// allocated once at their sum (a resource is hundreds of bytes, and a scan may hold
    /// hundreds of thousands).
    pub fn concat(parts: impl IntoIterator<Item = Inventory>) -> Inventory {
        let parts: Vec<Inventory> = parts.into_iter().collect();
        let mut all = Inventory::new(Vec::with_capacity(parts.iter().map(|p| p.resources.len()).sum()));
        for part in parts {
            all.extend(part);
        }
        all
    }
}

fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(head, _)| head)
}

/// One thing that could not be read, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Gap {
    /// Where: `123456789012/eu-west-1`, a file, a module.
    pub scope: String,
    /// What was attempted: `kms:GetKeyPolicy`, `module "net" (git::…)`.
    pub what: String,
    /// The error, as the service or the reader reported it.
    pub error: String,
}

/// One resource, as its source described it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Resource {
    /// The source's own name for the resource: `module.app.aws_s3_bucket.logs`,
    /// `LogsBucket`, or an ARN.
    pub name: String,
    /// The source's type for it: `aws_s3_bucket`, `AWS::S3::Bucket`.
    pub source_type: String,
    /// Where the resource is described: a place in a file, or a live account and region.
    pub location: Location,
    /// The namespace in which other resources refer to this one by address: a Terraform
    /// module instance, a CloudFormation template, an account and region.
    #[serde(default)]
    pub scope: String,
    /// Other names that resolve to this resource: ARNs, ids, bucket names, alias names,
    /// source addresses. References between resources are matched against these.
    #[serde(default)]
    pub handles: Vec<String>,
    /// The region the resource lives in, when known.
    #[serde(default)]
    pub region: Option<String>,
    /// The resource's tags (`tags`, `Tags`), key to value.
    #[serde(default)]
    pub tags: Spanned<BTreeMap<String, String>>,
    /// Why the tags could not be read (a live call failed, a tag map known only after
    /// apply): what depends on them — whether the data is classified — is then unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags_unreadable: Option<String>,
    /// Tags whose value is unknown, with why: what depends on one of them is unknown.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unknown_tags: BTreeMap<String, String>,
    /// Suppressions written next to the resource in its source (`# encguard:ignore RULE reason`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<InlineSuppression>,
    /// The resource's place independent of where a scan runs from: its file relative to the
    /// repository root (else to the scanned path), and the root module it was read through.
    /// Fingerprints use it, so that a baseline matches from any directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Where the whole resource is written in its file, when a source file describes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// A file that describes the resource says it exists already: a plan leaves it in place
    /// or updates it. (Live resources exist; code is otherwise read as creating what it
    /// describes.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub existing: bool,
    /// What the resource may be when blocks generated over a collection that cannot be
    /// known (Terraform `dynamic` blocks) are none, one or two of the block each generates:
    /// a verdict every alternative agrees on is known, though `spec` leaves those blocks
    /// unknown. Empty for most resources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Spec>,
    /// What kind of resource it is, with its attributes. In JSON, `kind` and the attributes sit
    /// beside the fields above.
    #[serde(flatten)]
    pub spec: Spec,
}

/// A rule (encguard id, or another tool's equivalent id) suppressed in the source, with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InlineSuppression {
    /// The rule suppressed: an encguard id (`LB-001`) or another tool's (`CKV_AWS_2`).
    pub rule: String,
    /// Why it is suppressed, as written after the rule.
    pub reason: String,
}

impl Resource {
    /// A resource with no scope, handles, region, tags, suppressions, place or span yet.
    pub fn new(name: impl Into<String>, source_type: impl Into<String>, location: Location, spec: Spec) -> Self {
        Resource {
            name: name.into(),
            source_type: source_type.into(),
            location,
            scope: String::new(),
            handles: Vec::new(),
            region: None,
            tags: Spanned::default(),
            tags_unreadable: None,
            unknown_tags: BTreeMap::new(),
            suppressions: Vec::new(),
            place: None,
            span: None,
            existing: false,
            alternatives: Vec::new(),
            spec,
        }
    }

    /// Whether the described change creates the resource: code describes it, and no plan
    /// says it exists already. Settings that apply only to new resources (EBS encryption by
    /// default, S3's defaults for new buckets) then hold for it.
    pub fn is_created(&self) -> bool {
        matches!(self.location, Location::File { .. }) && !self.existing
    }

    /// Why the value of tag `key` cannot be known, if it cannot (the tags could not be read,
    /// or this tag's value is unknown).
    pub fn tag_unknown(&self, key: &str) -> Option<&str> {
        match self.tags.get(key) {
            Some(_) => None,
            None => self.unknown_tags.get(key).or(self.tags_unreadable.as_ref()).map(String::as_str),
        }
    }

    /// Where a finding should point: at `span` (an attribute of this resource) when its
    /// source gave one, at the resource otherwise. A span outside the resource's own text
    /// (an attribute of another resource, joined to this one) is not followed.
    pub fn location_at(&self, span: Option<Span>) -> Location {
        let within = |s: &Span| self.span.is_some_and(|own| own.start <= s.start && s.end <= own.end);
        match (&self.location, span.filter(within)) {
            (Location::File { format, file, .. }, Some(span)) => Location::File {
                format: format.clone(),
                file: file.clone(),
                line: span.start.line,
                column: span.start.column,
                end: Some(span.end),
            },
            (location, _) => location.clone(),
        }
    }
}

/// Where a resource came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Location {
    /// Code: a Terraform file, a plan, a CloudFormation template. Lines and columns are
    /// 1-based; `end`, when known, is just past the last character of what is pointed at.
    File {
        /// The source format: `terraform`, `terraform-plan`, `cloudformation`.
        format: String,
        /// The file as reports show it.
        file: String,
        /// The line of the resource (or of the attribute a finding points at).
        line: u32,
        /// The column on that line.
        column: u32,
        /// Just past the end of what is pointed at, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end: Option<Position>,
    },
    /// A live account.
    Aws {
        /// The account id.
        account: String,
        /// The region the resource was read in (`eu-west-1`).
        region: String,
        /// The resource's ARN.
        arn: String,
    },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File { file, line, column, .. } => write!(f, "{file}:{line}:{column}"),
            Location::Aws { account, region, .. } => write!(f, "{account}/{region}"),
        }
    }
}

/// A place in a source file: a line and a column, both 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Position {
    /// The line, counting from 1.
    pub line: u32,
    /// The column, counting from 1.
    pub column: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kind's attributes sit beside the resource's own fields in JSON: one of the same
    /// name would be written twice, and the inventory could not be read back.
    #[test]
    fn no_kind_has_an_attribute_named_as_a_field_of_every_resource() {
        let schema = serde_json::to_value(schemars::schema_for!(Inventory)).unwrap();
        let defs = &schema["$defs"];
        let resource = &defs["Resource"];
        let own: Vec<&String> = resource["properties"].as_object().unwrap().keys().collect();
        let kinds = resource["oneOf"].as_array().unwrap();
        assert!(kinds.len() > 30, "every kind is listed");
        let mut clashes = Vec::new();
        for kind in kinds {
            let name = kind["properties"]["kind"]["const"].as_str().unwrap();
            let Some(reference) = kind["$ref"].as_str() else { continue };
            let attributes = &defs[reference.trim_start_matches("#/$defs/")]["properties"];
            for attribute in attributes.as_object().into_iter().flat_map(|a| a.keys()) {
                if own.contains(&attribute) || attribute == "kind" {
                    clashes.push(format!("{name}.{attribute}"));
                }
            }
        }
        assert!(clashes.is_empty(), "attributes named as a resource's own fields: {clashes:?}");
    }
}
