use crate::context::{Context, Res, ResourceId};
use crate::finding::{fingerprint, AttributeFix, Finding, Fix, Settled, Status};
use encguard_model::{Resource, Span, Spanned, Unknown};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Deref;

/// How bad a violation is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no risk by itself.
    Info,
    /// A weakness with little exposure.
    Low,
    /// A weakness to fix in the normal course.
    Medium,
    /// Data exposed or at risk of loss; fix soon.
    High,
    /// Data exposed or about to become unreadable; fix now.
    Critical,
}

impl Severity {
    /// Every severity, least first.
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    /// The lowercase name, as the policy file and reports write it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// A severity by name, in any case.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.name().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The sections of the policy, in the order reports present them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Section {
    /// §1 AWS KMS.
    #[serde(rename = "1 KMS")]
    Kms,
    /// §2 AWS Secrets Manager.
    #[serde(rename = "2 Secrets Manager")]
    SecretsManager,
    /// §3 Amazon S3.
    #[serde(rename = "3 S3")]
    S3,
    /// §4 Amazon EBS.
    #[serde(rename = "4 EBS")]
    Ebs,
    /// §5 Amazon RDS.
    #[serde(rename = "5 RDS")]
    Rds,
    /// §6 Amazon DynamoDB and DAX.
    #[serde(rename = "6 DynamoDB and DAX")]
    Dynamodb,
    /// §7a ACM certificates.
    #[serde(rename = "7a ACM certificates")]
    Acm,
    /// §7b Load balancers.
    #[serde(rename = "7b Load balancers")]
    LoadBalancers,
    /// §7c CloudFront.
    #[serde(rename = "7c CloudFront")]
    Cloudfront,
}

impl Section {
    /// The section's heading in reports.
    pub fn title(self) -> &'static str {
        match self {
            Section::Kms => "1. AWS KMS",
            Section::SecretsManager => "2. AWS Secrets Manager",
            Section::S3 => "3. Amazon S3",
            Section::Ebs => "4. Amazon EBS",
            Section::Rds => "5. Amazon RDS",
            Section::Dynamodb => "6. Amazon DynamoDB and DAX",
            Section::Acm => "7a. ACM certificates",
            Section::LoadBalancers => "7b. Load balancers",
            Section::Cloudfront => "7c. CloudFront",
        }
    }
}

/// One rule of the policy.
pub struct Rule {
    /// Stable id, never reused: `KMS-001`.
    pub id: &'static str,
    /// What the rule requires, in a few words.
    pub title: &'static str,
    /// Default severity; the policy file may change it, and some rules raise or lower it
    /// per finding (a key pending deletion that is still used is critical).
    pub severity: Severity,
    /// The policy section it enforces.
    pub section: Section,
    /// The same check in other tools, for users migrating from them: (tool, id).
    pub equivalents: &'static [(&'static str, &'static str)],
    /// One line: what to do about a violation.
    pub fix: &'static str,
    /// Markdown: what it checks, why, an example, the fix per source.
    pub doc: &'static str,
    pub(crate) check: fn(&Context, &mut Out),
}

impl Rule {
    /// The ids of the equivalent checks of tools whose suppressions encguard honours:
    /// Checkov (`CKV_AWS_7`) and cfn-nag (`F19`, `W41`).
    pub fn suppressible_ids(&self) -> impl Iterator<Item = &'static str> {
        self.equivalents
            .iter()
            .filter(|(tool, _)| *tool == "Checkov" || *tool == "cfn-nag")
            .flat_map(|(_, ids)| ids.split(',').filter_map(|id| id.split_whitespace().next()))
            .filter(|id| id.starts_with("CKV") || id.starts_with('W') || id.starts_with('F'))
    }

    /// The documentation, without the one-space indent doc comments carry.
    pub fn documentation(&self) -> String {
        self.doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n")
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

/// Declares a rule; its `///` comment is its documentation, for rustdoc and `encguard explain` alike.
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])* $name:ident { $($field:ident : $value:expr),* $(,)? }) => {
        $(#[doc = $doc])*
        pub static $name: $crate::rule::Rule = $crate::rule::Rule {
            doc: concat!($($doc, "\n"),*),
            check,
            $($field: $value),*
        };
    };
}
pub(crate) use declare_rule;

/// A rule's judgement of one resource. An unknown is the `Err` of an [`Eval`], so that
/// `?` on an unknown value ends the judgement with the reason.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Pass, fail or not applicable (unknown is the `Err` of an `Eval`).
    pub status: Status,
    /// What the rule found, as reports say it.
    pub message: String,
    /// Where, within the judged resource, the verdict's cause is written.
    pub span: Option<Span>,
    /// The value the verdict rests on.
    pub evidence: Option<String>,
    /// A severity for this verdict instead of the rule's (a key being deleted that is still in use is critical).
    pub severity: Option<Severity>,
    /// The safe edit that fixes a violation, where there is one.
    pub fix: Option<Fix>,
}

/// `Ok(verdict)`, or `Err(reason)` when the rule cannot know.
pub type Eval = Result<Verdict, Unknown>;

impl Verdict {
    fn new(status: Status, message: impl Into<String>) -> Self {
        Verdict { status, message: message.into(), span: None, evidence: None, severity: None, fix: None }
    }
    /// The resource complies.
    pub fn pass(message: impl Into<String>) -> Self {
        Self::new(Status::Pass, message)
    }
    /// The resource violates the rule.
    pub fn fail(message: impl Into<String>) -> Self {
        Self::new(Status::Fail, message)
    }
    /// The rule does not concern the resource.
    pub fn not_applicable(message: impl Into<String>) -> Self {
        Self::new(Status::NotApplicable, message)
    }
    /// The rule cannot know; `message` says why.
    pub fn unknown(message: impl Into<String>) -> Self {
        Self::new(Status::Unknown, message)
    }
    /// The attribute of the judged resource that the verdict is about: the finding points
    /// where the source wrote it. An attribute that was not written leaves the place as it
    /// was — the resource, or an enclosing block named by an earlier `at`.
    pub fn at<T>(mut self, attribute: &Spanned<T>) -> Self {
        self.span = attribute.span.or(self.span);
        self
    }
    /// The value the verdict rests on.
    pub fn evidence(mut self, evidence: impl fmt::Display) -> Self {
        self.evidence = Some(evidence.to_string());
        self
    }
    /// A severity for this verdict instead of the rule's.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
    /// The safe edit that fixes the violation: an attribute set, a bucket policy written.
    pub fn fix(mut self, fix: impl Into<Fix>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// Collects one rule's verdicts: failures and unknowns as findings, and — when settling —
/// passes and verdicts of no concern as [`Settled`] records.
pub struct Out<'a> {
    rule: &'static Rule,
    ctx: &'a Context<'a>,
    findings: Vec<Finding>,
    /// Where passes and not-applicable verdicts go; `None`: they are findings too.
    settled: Option<Vec<Settled>>,
}

/// What a rule judges: a resource of the scan ([`Res`], whose identity settled verdicts
/// keep) or one the rule makes up (an account setting no code manages).
pub trait Judged: Deref<Target = Resource> {
    /// The resource's identity in the scan, if it is one of its resources.
    fn id(&self) -> Option<ResourceId>;
}

impl Judged for Res<'_> {
    fn id(&self) -> Option<ResourceId> {
        Some(self.id)
    }
}

impl Judged for &Resource {
    fn id(&self) -> Option<ResourceId> {
        None
    }
}

impl<'a> Out<'a> {
    /// Keeps every verdict as a finding (rule tests read each one's message).
    pub(crate) fn new(rule: &'static Rule, ctx: &'a Context<'a>) -> Self {
        Out { rule, ctx, findings: Vec::new(), settled: None }
    }

    /// Keeps passes and verdicts of no concern as [`Settled`] records.
    pub(crate) fn settling(rule: &'static Rule, ctx: &'a Context<'a>) -> Self {
        Out { rule, ctx, findings: Vec::new(), settled: Some(Vec::new()) }
    }

    /// Records the verdict on `resource`.
    pub fn judge(&mut self, resource: impl Judged, eval: Eval) {
        let verdict = eval.unwrap_or_else(|u| Verdict::unknown(u.reason));
        if let (Some(settled), Some(id), Status::Pass | Status::NotApplicable) =
            (&mut self.settled, resource.id(), verdict.status)
        {
            settled.push(Settled { rule: self.rule, resource: id, status: verdict.status, span: verdict.span });
            return;
        }
        let severity = self.ctx.policy.severity(self.rule).or(verdict.severity).unwrap_or(self.rule.severity);
        self.findings.push(Finding {
            rule: self.rule.id,
            section: self.rule.section,
            severity,
            status: verdict.status,
            fingerprint: fingerprint(self.rule.id, &resource),
            resource: resource.name.clone(),
            resource_type: resource.source_type.clone(),
            location: resource.location_at(verdict.span),
            message: verdict.message,
            evidence: verdict.evidence,
            remediation: self.rule.fix,
            suppression: inline_suppression(self.rule, &resource),
            fix: verdict.fix.map(Box::new),
            resource_id: resource.id(),
        });
    }

    pub(crate) fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// The findings, and the settled verdicts.
    pub(crate) fn into_parts(self) -> (Vec<Finding>, Vec<Settled>) {
        (self.findings, self.settled.unwrap_or_default())
    }
}

/// A suppression written next to the resource for this rule — by its id, or by the id of
/// an equivalent Checkov or cfn-nag check — with the reason it gives. One without a reason
/// is ignored.
fn inline_suppression(rule: &Rule, resource: &Resource) -> Option<crate::Suppression> {
    resource
        .suppressions
        .iter()
        .filter(|s| !s.reason.trim().is_empty())
        .find(|s| s.rule.eq_ignore_ascii_case(rule.id) || rule.suppressible_ids().any(|id| id == s.rule))
        .map(|s| crate::Suppression { kind: crate::SuppressionKind::Inline, reason: s.reason.clone(), expires: None })
}

/// Reads an attribute: its value, `default` when it was not written, or the reason it is
/// unknown.
pub trait FieldExt<T> {
    fn or_default_to(&self, default: T) -> Result<T, Unknown>;
    /// `None` when not written.
    fn value(&self) -> Result<Option<&T>, Unknown>;
}

impl<T: Clone> FieldExt<T> for encguard_model::Field<T> {
    fn or_default_to(&self, default: T) -> Result<T, Unknown> {
        match &self.value {
            None => Ok(default),
            Some(v) => v.get().cloned(),
        }
    }
    fn value(&self) -> Result<Option<&T>, Unknown> {
        match &self.value {
            None => Ok(None),
            Some(v) => v.get().map(Some),
        }
    }
}

/// A pass made unknown when something that may change it (a rule of the listener, a
/// replica of the table) exists but could not be placed — `why` it could not.
pub(crate) fn unless_unresolved(eval: Eval, why: Option<&str>) -> Eval {
    match (eval, why) {
        (Ok(v), Some(why)) if matches!(v.status, Status::Pass | Status::NotApplicable) => {
            Err(Unknown::new(why.to_string()))
        }
        (eval, _) => eval,
    }
}

/// Combines the verdicts on the parts of one resource (devices, behaviours, listeners):
/// any failure fails the resource, listing every failing part; otherwise any unknown makes
/// it unknown; otherwise it passes (or is not applicable when every part is).
pub fn combine(parts: impl IntoIterator<Item = Eval>, pass_message: &str) -> Eval {
    let mut fails: Vec<Verdict> = Vec::new();
    let mut unknown: Option<Unknown> = None;
    let mut any_applicable = false;
    let mut last_na = None;
    for part in parts {
        match part {
            Ok(v) if v.status == Status::Fail => fails.push(v),
            Ok(v) if v.status == Status::NotApplicable => last_na = Some(v),
            Ok(_) => any_applicable = true,
            Err(reason) => {
                unknown.get_or_insert(reason);
            }
        }
    }
    if let Some(first) = fails.first() {
        let mut verdict = Verdict::fail(fails.iter().map(|v| v.message.as_str()).collect::<Vec<_>>().join("; "));
        verdict.span = first.span;
        verdict.evidence = first.evidence.clone();
        verdict.severity = fails.iter().filter_map(|v| v.severity).max();
        // Parts that fail for the same reason are fixed together, or not at all: in code at
        // each part's place.
        let fixes: Vec<(AttributeFix, Option<Span>)> = fails
            .iter()
            .filter_map(|v| match &v.fix {
                Some(Fix::Set(fix)) => Some((fix.clone(), v.span)),
                _ => None,
            })
            .collect();
        let spans: Option<Vec<Span>> = fixes.iter().map(|(_, span)| *span).collect();
        let placed_alike = spans.is_some() || fixes.iter().all(|(_, span)| span.is_none());
        if fixes.len() == fails.len() && placed_alike && fixes.iter().all(|(fix, _)| *fix == fixes[0].0) {
            verdict.fix = Some(match (fixes.as_slice(), spans) {
                ([(fix, Some(_))], _) => Fix::Set(fix.clone()),
                ([(fix, _), ..], Some(spans)) => Fix::SetEach(fix.clone(), spans),
                // No part has a place of its own (live, or generated by `dynamic`): only a
                // call that sets every part can fix them.
                ([(fix, _), ..], None) => Fix::SetEach(fix.clone(), Vec::new()),
                ([], _) => unreachable!("a failing part exists"),
            });
        }
        return Ok(verdict);
    }
    if let Some(reason) = unknown {
        return Err(reason);
    }
    match (any_applicable, last_na) {
        (false, Some(na)) => Ok(na),
        _ => Ok(Verdict::pass(pass_message)),
    }
}
