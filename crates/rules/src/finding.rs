use crate::context::ResourceId;
use crate::date::Date;
use crate::rule::{Rule, Section, Severity};
use encguard_model::{Location, Resource};
use serde::{Deserialize, Serialize};

/// The result of one rule on one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The resource violates the rule.
    Fail,
    /// The scan cannot know; the message says why.
    Unknown,
    /// The resource complies.
    Pass,
    /// The rule does not concern this resource.
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Status {
    /// How reports print the status: `FAIL`, `UNKNOWN`, `PASS`, `N/A`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Fail => "FAIL",
            Status::Unknown => "UNKNOWN",
            Status::Pass => "PASS",
            Status::NotApplicable => "N/A",
        }
    }
}

/// The safe fix a rule knows for a violation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fix {
    /// Set one attribute of the judged resource.
    Set(AttributeFix),
    /// Set the attribute at each of these places of the judged resource: its failing parts
    /// (cache behaviours, origins), each written with the attribute.
    SetEach(AttributeFix, Vec<encguard_model::Span>),
    /// Give a bucket that has no bucket policy one holding this statement. The statements
    /// of one bucket's fixes go into one policy: a bucket has one.
    BucketPolicy(PolicyStatement),
    /// Add this statement to the bucket policy the bucket has: a person's edit in code,
    /// merged into the live policy by `remediate`.
    AddToBucketPolicy(PolicyStatement),
    /// Cancel a live key's scheduled deletion (code has no such state to edit).
    CancelKeyDeletion,
    /// Block SSE-C in every rule of a bucket's default encryption, keeping the rest of it.
    BlockSseC,
    /// Make SSE-KMS under this customer managed key (the policy file's choice) a bucket's
    /// default encryption, with an S3 Bucket Key, keeping the rest of it.
    BucketKey {
        /// The key, as the policy file names it.
        key: String,
        /// Whether an encryption configuration of the scan configures the bucket (its own
        /// block or a resource of its own): only one that has none gets a new one.
        configured: bool,
    },
    /// Encrypt a DynamoDB table with this customer managed key (the policy file's choice,
    /// an alias, id or ARN): an in-place change.
    TableKey(String),
    /// Make an HTTP listener's default action a permanent redirect to HTTPS on this port,
    /// where the load balancer has an HTTPS listener.
    RedirectToHttps {
        /// The port of the load balancer's HTTPS listener.
        port: u32,
    },
    /// Give a key without a policy one that names these administrators and users (ARN
    /// patterns): a change to review, never written by `fix --write` — a wrong key policy
    /// locks everyone out of the key.
    ProposeKeyPolicy {
        /// Who may administer the key.
        administrators: Vec<String>,
        /// Who may use it.
        users: Vec<String>,
    },
    /// Make a database refuse connections without TLS: set the engine's parameter to `1`
    /// in the parameter group the database uses, or give it a group that does.
    TlsParameter(TlsParameter),
}

/// The parameter that makes a database refuse connections without TLS, and its group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsParameter {
    /// `rds.force_ssl` or `require_secure_transport`.
    pub name: &'static str,
    /// Whether the database is a cluster, whose group is a cluster parameter group.
    pub cluster: bool,
    /// Whether the engine applies the parameter only at a reboot (SQL Server's is static).
    pub pending_reboot: bool,
    /// Where the parameter is set.
    pub group: ParameterGroup,
}

/// The parameter group a [`TlsParameter`] is set in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParameterGroup {
    /// The custom group the database uses, where the scan describes it: every database
    /// using the group fails alike, and is fixed alike.
    Custom(Location),
    /// The engine's default group, which cannot change: a new group of the engine's
    /// family, given to the database. The family follows the engine version; `None` when
    /// the code leaves the version to RDS.
    New {
        /// The group's family: `postgres14`, `mysql8.0`, `aurora-mysql8.0`, …
        family: Option<String>,
        /// Where the database itself is written, to write the group after it.
        database: Location,
    },
}

impl From<AttributeFix> for Fix {
    fn from(fix: AttributeFix) -> Self {
        Fix::Set(fix)
    }
}

/// A statement a bucket policy fix writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyStatement {
    /// Deny every request made without TLS (S3-004).
    DenyInsecureTransport,
    /// Deny requests made with TLS older than this version, `1.2` or `1.3` (S3-005).
    DenyTlsBelow(&'static str),
    /// Deny uploads that do not ask for server-side encryption (S3-006).
    DenyUnencryptedUploads,
}

/// A fix a rule knows to be safe: set one attribute of the judged resource to a value.
/// Each source names the attribute its own way; `None` where the source cannot set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeFix {
    /// The attribute in a Terraform resource block.
    pub terraform: Option<&'static str>,
    /// The property in a CloudFormation resource's `Properties`.
    pub cloudformation: Option<&'static str>,
    /// The value to set.
    pub value: FixValue,
    /// What AWS recreates when the attribute changes (`the DB instance`), for fixes that
    /// force a replacement: those are made only when asked.
    pub replaces: Option<&'static str>,
}

impl AttributeFix {
    /// Sets the attribute, named as Terraform and as CloudFormation name it, in place.
    pub const fn set(terraform: Option<&'static str>, cloudformation: Option<&'static str>, value: FixValue) -> Self {
        AttributeFix { terraform, cloudformation, value, replaces: None }
    }

    /// The same fix, which makes AWS recreate `what`.
    pub fn replacing(self, what: &'static str) -> Self {
        AttributeFix { replaces: Some(what), ..self }
    }
}

/// The value an [`AttributeFix`] sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FixValue {
    /// `true` or `false`.
    Bool(bool),
    /// A string.
    Text(&'static str),
    /// A whole number.
    Number(u32),
    /// A string the policy file chooses (`[fix] kms_keys`).
    Chosen(String),
    /// A list of strings.
    List(&'static [&'static str]),
    /// An expression naming another resource, written as is (`aws_db_parameter_group.x.name`,
    /// `!Ref X`).
    Reference(String),
}

impl FixValue {
    /// As Terraform writes it.
    pub fn hcl(&self) -> String {
        match self {
            FixValue::Bool(b) => b.to_string(),
            FixValue::Text(t) => format!("{t:?}"),
            FixValue::Chosen(t) => format!("{t:?}"),
            FixValue::Number(n) => n.to_string(),
            FixValue::Reference(r) => r.clone(),
            FixValue::List(items) => {
                format!("[{}]", items.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>().join(", "))
            }
        }
    }

    /// As a YAML scalar (a list in flow style).
    pub fn yaml(&self) -> String {
        match self {
            FixValue::Bool(b) => b.to_string(),
            FixValue::Text(t) => t.to_string(),
            FixValue::Chosen(t) => format!("{t:?}"),
            FixValue::Number(n) => n.to_string(),
            FixValue::Reference(r) => r.clone(),
            FixValue::List(items) => format!("[{}]", items.join(", ")),
        }
    }
}

/// One verdict of one rule on one resource.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The rule's id.
    pub rule: &'static str,
    /// The policy section of the rule.
    pub section: Section,
    /// The severity, after the policy file's overrides.
    pub severity: Severity,
    /// The verdict.
    pub status: Status,
    /// The source's own name for the resource.
    pub resource: String,
    /// The source's type for the resource.
    pub resource_type: String,
    /// Where the finding points: the judged attribute, else the resource.
    pub location: Location,
    /// Why: what the rule found.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The value the verdict rests on, as read.
    pub evidence: Option<String>,
    /// What to do about a violation.
    pub remediation: &'static str,
    /// Stable across line shifts and reformatting: rule, resource name and file or ARN.
    pub fingerprint: String,
    /// The exception or inline comment that suppresses the finding, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// The edit that fixes a violation, where the rule knows a safe one.
    #[serde(skip)]
    pub fix: Option<Box<Fix>>,
    /// The judged resource's identity in the scan, when it is one of its resources.
    #[serde(skip)]
    pub resource_id: Option<ResourceId>,
}

impl Finding {
    /// A violation or an unknown that nothing suppresses: what a reader must act on.
    pub fn is_open(&self) -> bool {
        matches!(self.status, Status::Fail | Status::Unknown) && self.suppression.is_none()
    }
}

/// Why a finding does not count against the gate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suppression {
    /// Where the suppression is written.
    pub kind: SuppressionKind,
    /// Why the finding is accepted.
    pub reason: String,
    /// The date it stops suppressing (`YYYY-MM-DD`), for policy exceptions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// Where a suppression is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionKind {
    /// An exception in the policy file.
    Policy,
    /// A comment or metadata entry next to the resource.
    Inline,
    /// A baseline of accepted findings.
    Baseline,
}

/// The version of [`fingerprint`]: baselines record it, and one of another version is
/// refused rather than matched wrongly.
pub const FINGERPRINT_VERSION: u32 = 2;

/// A stable identifier of a rule × resource, independent of line numbers and of the
/// directory a scan runs from: rule, resource name, and its place (or ARN).
pub fn fingerprint(rule: &str, resource: &Resource) -> String {
    let place = match (&resource.place, &resource.location) {
        (Some(place), _) => place.as_str(),
        (None, Location::File { file, .. }) => file.as_str(),
        (None, Location::Aws { arn, .. }) => arn.as_str(),
    };
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in [rule, "\0", &resource.name, "\0", place, "\0v2"].concat().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Resources scanned.
    pub resources: usize,
    /// Passing verdicts.
    pub pass: usize,
    /// Open failures.
    pub fail: usize,
    /// Open unknowns.
    pub unknown: usize,
    /// Verdicts of rules that do not concern the resource.
    pub not_applicable: usize,
    /// Failures and unknowns that a suppression covers.
    pub suppressed: usize,
}

/// One section's verdicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SectionCounts {
    /// Passing verdicts.
    pub pass: usize,
    /// Open failures.
    pub fail: usize,
    /// Open unknowns.
    pub unknown: usize,
    /// Failures and unknowns a suppression covers.
    pub suppressed: usize,
}

/// A verdict that asks nothing of anyone — a pass, or a rule that does not concern the
/// resource — kept as which rule judged which resource, not as a finding: they are most
/// verdicts of a scan, and reports only count or list them.
#[derive(Clone, Copy, Debug)]
pub struct Settled {
    /// The rule.
    pub rule: &'static Rule,
    /// The resource, by its position in the scanned inventory.
    pub resource: ResourceId,
    /// [`Status::Pass`] or [`Status::NotApplicable`].
    pub status: Status,
    /// The attribute the verdict rests on, when it names one.
    pub span: Option<encguard_model::Span>,
}

/// Every verdict of a scan, with the notices the policy raised (expired exceptions).
#[derive(Clone, Debug, Default)]
pub struct Evaluation {
    /// Every finding that asks for attention — failures and unknowns, suppressed or not —
    /// in report order (and, from tests that keep every verdict in full, the rest).
    pub findings: Vec<Finding>,
    /// Passes and verdicts of rules that do not concern the resource, in catalogue order.
    pub settled: Vec<Settled>,
    /// The counts.
    pub summary: Summary,
    /// What the scan wants its reader to know beside the findings.
    pub notices: Vec<String>,
}

impl Evaluation {
    /// Sorts findings into report order and counts them.
    pub fn new(mut findings: Vec<Finding>, settled: Vec<Settled>, resources: usize, notices: Vec<String>) -> Self {
        findings.sort_by(|a, b| {
            (a.section, a.rule, &a.resource, a.status).cmp(&(b.section, b.rule, &b.resource, b.status))
        });
        let mut evaluation = Evaluation { findings, settled, summary: Summary::default(), notices };
        evaluation.summary = evaluation.count(resources);
        evaluation
    }

    /// The verdicts of each section that judged anything, counted as the summary counts
    /// them (not-applicable ones left out).
    pub fn by_section(&self) -> std::collections::BTreeMap<Section, SectionCounts> {
        let mut counts: std::collections::BTreeMap<Section, SectionCounts> = Default::default();
        for s in &self.settled {
            counts.entry(s.rule.section).or_default().pass += usize::from(s.status == Status::Pass);
        }
        for f in &self.findings {
            let c = counts.entry(f.section).or_default();
            match (f.suppression.is_some(), f.status) {
                (true, _) => c.suppressed += 1,
                (false, Status::Pass) => c.pass += 1,
                (false, Status::Fail) => c.fail += 1,
                (false, Status::Unknown) => c.unknown += 1,
                (false, Status::NotApplicable) => {}
            }
        }
        counts
    }

    /// Marks as suppressed every open finding whose fingerprint a baseline accepted.
    pub fn apply_baseline(&mut self, accepted: &std::collections::HashSet<String>, reason: &str) {
        for f in self.findings.iter_mut().filter(|f| f.is_open() && accepted.contains(&f.fingerprint)) {
            f.suppression =
                Some(Suppression { kind: SuppressionKind::Baseline, reason: reason.to_string(), expires: None });
        }
        self.summary = self.count(self.summary.resources);
    }

    fn count(&self, resources: usize) -> Summary {
        let mut summary = Summary { resources, ..Summary::default() };
        for s in &self.settled {
            match s.status {
                Status::Pass => summary.pass += 1,
                _ => summary.not_applicable += 1,
            }
        }
        for f in &self.findings {
            if f.suppression.is_some() {
                summary.suppressed += 1;
                continue;
            }
            match f.status {
                Status::Pass => summary.pass += 1,
                Status::Fail => summary.fail += 1,
                Status::Unknown => summary.unknown += 1,
                Status::NotApplicable => summary.not_applicable += 1,
            }
        }
        summary
    }

    /// Whether an open failure is at or above `threshold`.
    pub fn fails_at(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.status == Status::Fail && f.suppression.is_none() && f.severity >= threshold)
    }

    /// Whether a check at or above `threshold` could not be judged and is not suppressed.
    pub fn unknown_at(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.status == Status::Unknown && f.suppression.is_none() && f.severity >= threshold)
    }
}

/// Whether an exception's expiry (`YYYY-MM-DD`) has passed.
pub(crate) fn expired(expires: &str, today: Date) -> bool {
    Date::parse(expires).is_some_and(|d| d < today)
}
