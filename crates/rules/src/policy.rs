//! The policy file, `encguard.toml`. Its defaults are the company policy; a project's file
//! changes only what it names. An unknown key or a bad value is an error that names the
//! key and its line.

use crate::date::Date;
use crate::finding::{expired, Finding, Suppression, SuppressionKind};
use crate::rule::{Rule, Severity};
use encguard_model::{Resource, Unknown};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// The file `encguard init` writes: every setting at its default, with comments.
pub const DEFAULT_POLICY: &str = include_str!("default_policy.toml");

/// The strict profile (`encguard init --strict`): the default policy with customer managed
/// keys required for every service's data, classified or not.
pub fn strict_policy() -> String {
    let mut in_tiers = false;
    let mut out = String::new();
    for line in DEFAULT_POLICY.lines() {
        if line.starts_with('[') {
            in_tiers = line == "[key_tiers]";
        }
        match line.split_once(" = ") {
            Some((key, _)) if in_tiers && !key.starts_with('#') => {
                out.push_str(&format!("{key} = \"customer-managed\""))
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The policy file (`encguard.toml`): which rules run and how strictly.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Per-rule overrides, keyed by rule id.
    rules: BTreeMap<Spanned<String>, RuleSetting>,
    /// The least key tier each service's data must be encrypted with.
    pub key_tiers: KeyTiers,
    /// KMS settings: rotation period, deletion window, key material expiry.
    pub kms: KmsSettings,
    /// The least TLS version anything may negotiate.
    pub tls: TlsSettings,
    /// ACM certificate lifetimes and algorithms.
    pub certificates: CertificateSettings,
    /// S3 settings: SSE-C, client-side encryption, inventories.
    pub s3: S3Settings,
    /// Load balancer settings.
    pub load_balancers: LoadBalancerSettings,
    /// CloudFront settings.
    pub cloudfront: CloudfrontSettings,
    /// DynamoDB settings.
    pub dynamodb: DynamodbSettings,
    /// How data classification is read from tags.
    pub classification: ClassificationSettings,
    /// What fails the run.
    pub gate: GateSettings,
    /// What `encguard fix` writes where the policy chooses the value.
    pub fix: FixSettings,
    exceptions: Vec<Spanned<Exception>>,
}

/// A rule's entry in `[rules]`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSetting {
    /// Whether the rule runs (by default it does).
    pub enabled: Option<bool>,
    /// The severity its findings get instead of the rule's own.
    pub severity: Option<Severity>,
}

/// Who manages the key: ordered `AwsOwned < AwsManaged < CustomerManaged`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyTier {
    /// A key AWS owns and shares across accounts.
    AwsOwned,
    /// An AWS managed key (`alias/aws/<service>`) in the account.
    AwsManaged,
    /// A key the customer creates and controls.
    CustomerManaged,
}

impl fmt::Display for KeyTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyTier::AwsOwned => "an AWS owned key",
            KeyTier::AwsManaged => "an AWS managed key",
            KeyTier::CustomerManaged => "a customer managed key",
        })
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeyTiers {
    pub s3: KeyTier,
    pub secretsmanager: KeyTier,
    pub ebs: KeyTier,
    pub rds: KeyTier,
    pub dynamodb: KeyTier,
    /// The tier data marked classified (`[classification]`) needs, whatever the service.
    pub classified: KeyTier,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KmsSettings {
    /// Longest acceptable automatic-rotation period, in days (AWS allows 90–2560).
    pub max_rotation_days: u32,
    /// Shortest acceptable deletion waiting period, in days (AWS allows 7–30).
    pub min_deletion_window_days: u32,
    /// Every customer managed key must carry a key policy written for it.
    pub require_explicit_key_policy: bool,
    /// Principals (ARN patterns) that may administer keys (`kms:*`, `kms:Put*`, …).
    pub key_administrators: Vec<String>,
    /// Principals (ARN patterns) that may use keys (`kms:Decrypt`, `kms:CreateGrant`, …).
    pub key_users: Vec<String>,
    /// Imported key material must not expire within this many days.
    pub material_expiry_window_days: i64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsSettings {
    /// The oldest TLS version clients and origins may use: `1.2` or `1.3`.
    pub minimum_version: TlsVersion,
}

/// A TLS version. The policy may ask for 1.2 or 1.3 as its minimum; older versions exist
/// to name what a listener or origin allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    V1_0,
    V1_1,
    V1_2,
    V1_3,
}

/// `minimum_version = "1.2"` or `1.2`: the versions a policy may require.
impl<'de> Deserialize<'de> for TlsVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        const EXPECTED: &str = "tls.minimum_version: expected \"1.2\" or \"1.3\"";
        impl serde::de::Visitor<'_> for Visitor {
            type Value = TlsVersion;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TlsVersion, E> {
                match v {
                    "1.2" => Ok(TlsVersion::V1_2),
                    "1.3" => Ok(TlsVersion::V1_3),
                    other => Err(E::custom(format!("{EXPECTED}, not \"{other}\""))),
                }
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<TlsVersion, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<TlsVersion, E> {
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsVersion::V1_0 => "TLS 1.0",
            TlsVersion::V1_1 => "TLS 1.1",
            TlsVersion::V1_2 => "TLS 1.2",
            TlsVersion::V1_3 => "TLS 1.3",
        })
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CertificateSettings {
    /// A certificate expiring within this many days is a finding.
    pub expiry_window_days: i64,
    pub allow_wildcards: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Settings {
    /// Whether clients may send their own keys (SSE-C).
    pub allow_sse_c: bool,
    /// Buckets (name or resource patterns) whose data must be encrypted client-side.
    pub client_side_encryption_buckets: Vec<String>,
    /// The tag by which a bucket attests client-side encryption (value `true`).
    pub client_side_encryption_tag: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoadBalancerSettings {
    /// Traffic from load balancers to targets must be re-encrypted (HTTPS/TLS/SSL).
    pub require_backend_tls: bool,
    /// Ports on which an internet-facing NLB must terminate TLS.
    pub tls_ports: Vec<u32>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CloudfrontSettings {
    /// Accept distributions served only on `*.cloudfront.net` with the default certificate.
    pub allow_default_certificate: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DynamodbSettings {
    /// Sort-key attribute names (case-insensitive substrings) that suggest sensitive data.
    pub sensitive_sort_keys: Vec<String>,
}

/// What `encguard fix` writes where the value is the organisation's to choose.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FixSettings {
    /// The customer managed key (ARN or alias name) to encrypt each service's data with, by
    /// service (`secretsmanager`, `ebs`, `dynamodb`, `s3`): a resource below its key tier is
    /// given it. Where Terraform wants a key ARN (EBS, DynamoDB), only an ARN is written.
    pub kms_keys: BTreeMap<String, String>,
}

/// What fails a run besides failures at or above `--fail-on`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GateSettings {
    /// Fail also when a check at or above the threshold could not be judged, or a part of
    /// the estate could not be read (as `--fail-on-unknown`).
    pub fail_on_unknown: bool,
}

/// How resources are marked as holding classified data (which raises some findings).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassificationSettings {
    /// The tag that carries a resource's data classification.
    pub tag: String,
    /// Values of that tag (case-insensitive) that mark classified data.
    pub classified: Vec<String>,
}

impl Default for ClassificationSettings {
    fn default() -> Self {
        ClassificationSettings {
            tag: "data-classification".into(),
            classified: ["high", "restricted", "confidential"].map(String::from).to_vec(),
        }
    }
}

impl ClassificationSettings {
    /// The resource's classification when it marks classified data.
    pub fn classified<'r>(&self, tags: &'r std::collections::BTreeMap<String, String>) -> Option<&'r str> {
        tags.get(&self.tag).map(String::as_str).filter(|v| self.classified.iter().any(|c| c.eq_ignore_ascii_case(v)))
    }
}

/// An accepted violation: `rule` on resources matching `resource`, for `reason`, until
/// `expires` (`YYYY-MM-DD`). Once expired it stops suppressing and is reported.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// The rule id it applies to.
    pub rule: String,
    /// A glob over the resource's name (`module.legacy.*`, `arn:aws:s3:::old-*`).
    pub resource: String,
    /// Why the exception is granted; required.
    pub reason: String,
    /// The last day it applies (`YYYY-MM-DD`).
    pub expires: Option<String>,
}

/// A policy file that cannot be used, with the line and column at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyError {
    /// The line at fault, when there is one.
    pub line: Option<usize>,
    /// The column at fault.
    pub column: Option<usize>,
    /// What is wrong, or what was expected.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{line}:{column}: {}", self.message),
            (Some(line), None) => write!(f, "{line}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl Default for KeyTiers {
    fn default() -> Self {
        use KeyTier::*;
        // What the company policy accepts: SSE-S3, DynamoDB's AWS owned key, the default
        // EBS key, AWS managed keys for Secrets Manager and RDS; classified data needs more.
        KeyTiers {
            s3: AwsOwned,
            secretsmanager: AwsManaged,
            ebs: AwsManaged,
            rds: AwsManaged,
            dynamodb: AwsOwned,
            classified: CustomerManaged,
        }
    }
}

impl Default for KmsSettings {
    fn default() -> Self {
        KmsSettings {
            max_rotation_days: 365,
            min_deletion_window_days: 30,
            require_explicit_key_policy: true,
            key_administrators: Vec::new(),
            key_users: Vec::new(),
            material_expiry_window_days: 30,
        }
    }
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings { minimum_version: TlsVersion::V1_2 }
    }
}

impl Default for CertificateSettings {
    fn default() -> Self {
        CertificateSettings { expiry_window_days: 30, allow_wildcards: false }
    }
}

impl Default for S3Settings {
    fn default() -> Self {
        S3Settings {
            allow_sse_c: false,
            client_side_encryption_buckets: Vec::new(),
            client_side_encryption_tag: "encryption:client-side".into(),
        }
    }
}

impl Default for LoadBalancerSettings {
    fn default() -> Self {
        LoadBalancerSettings { require_backend_tls: false, tls_ports: vec![443, 465, 636, 993, 995, 5986, 8443] }
    }
}

impl Default for DynamodbSettings {
    fn default() -> Self {
        DynamodbSettings {
            sensitive_sort_keys: [
                "email",
                "ssn",
                "social_security",
                "phone",
                "passport",
                "card",
                "iban",
                "birth",
                "name",
                "address",
                "tax",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

impl Policy {
    /// Reads a policy file's text, checking every rule id, pattern and date it names.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| position(text, s.start)).unzip();
            PolicyError { line, column, message: e.message().trim_end().to_string() }
        })?;
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = position(text, span.start);
            PolicyError { line: Some(line), column: Some(column), message }
        };
        policy.check_ranges(text)?;
        for id in policy.rules.keys() {
            if crate::rule(id.get_ref()).is_none() {
                return Err(at(id.span(), format!("rules.{}: no such rule (see `encguard rules`)", id.get_ref())));
            }
        }
        for exception in &policy.exceptions {
            let e = exception.get_ref();
            if e.rule != "*" && crate::rule(&e.rule).is_none() {
                return Err(at(exception.span(), format!("exceptions: rule `{}` does not exist", e.rule)));
            }
            if e.reason.trim().is_empty() {
                return Err(at(exception.span(), "exceptions: a reason is required".into()));
            }
            if let Err(err) = globset::Glob::new(&e.resource) {
                return Err(at(exception.span(), format!("exceptions: resource pattern `{}`: {err}", e.resource)));
            }
            if let Some(expires) = &e.expires {
                if expires.len() != 10 || Date::parse(expires).is_none() {
                    return Err(at(
                        exception.span(),
                        format!("exceptions: expires `{expires}` is not a date (YYYY-MM-DD)"),
                    ));
                }
            }
        }
        Ok(policy)
    }

    /// The `[rules]` entry for a rule.
    pub fn setting(&self, rule: &Rule) -> Option<&RuleSetting> {
        self.rules.iter().find(|(id, _)| id.get_ref().eq_ignore_ascii_case(rule.id)).map(|(_, s)| s)
    }

    /// Whether the rule runs.
    pub fn enabled(&self, rule: &Rule) -> bool {
        self.setting(rule).and_then(|s| s.enabled).unwrap_or(true)
    }

    /// The severity the policy sets for the rule, if it sets one.
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        self.setting(rule).and_then(|s| s.severity)
    }

    /// The least key tier a resource's data needs: the service's tier, raised to
    /// `key_tiers.classified` when its tags mark it classified — unknown when that would
    /// raise it but the tags could not be read.
    pub fn required_tier(&self, service: KeyTier, r: &Resource) -> Result<KeyTier, Unknown> {
        let raised = service.max(self.key_tiers.classified);
        match (self.classification.classified(&r.tags), r.tag_unknown(&self.classification.tag)) {
            (Some(_), _) => Ok(raised),
            (None, Some(why)) if raised > service => Err(Unknown::new(format!(
                "whether the data is classified is unknown: its `{}` tag cannot be read ({why})",
                self.classification.tag
            ))),
            (None, _) => Ok(service),
        }
    }

    /// The exceptions, in file order.
    pub fn exceptions(&self) -> impl Iterator<Item = &Exception> {
        self.exceptions.iter().map(Spanned::get_ref)
    }

    /// Marks the findings an exception covers as suppressed; returns a notice for every
    /// expired exception, which suppresses nothing.
    pub fn apply_exceptions(&self, findings: &mut [Finding], today: Date) -> Vec<String> {
        let mut notices = Vec::new();
        for e in self.exceptions() {
            let expired = e.expires.as_deref().is_some_and(|d| expired(d, today));
            let matcher = globset::Glob::new(&e.resource).expect("checked when parsed").compile_matcher();
            let covers = |f: &Finding| {
                (e.rule == "*" || f.rule.eq_ignore_ascii_case(&e.rule))
                    && f.suppression.is_none()
                    && matcher.is_match(&f.resource)
            };
            if expired {
                let n = findings.iter().filter(|f| covers(f) && f.is_open()).count();
                notices.push(format!(
                    "exception for {} on `{}` expired on {} and no longer suppresses ({n} finding{} now reported): {}",
                    e.rule,
                    e.resource,
                    e.expires.as_deref().unwrap_or_default(),
                    if n == 1 { "" } else { "s" },
                    e.reason
                ));
                continue;
            }
            for f in findings.iter_mut().filter(|f| covers(f) && f.is_open()) {
                f.suppression = Some(Suppression {
                    kind: SuppressionKind::Policy,
                    reason: e.reason.clone(),
                    expires: e.expires.clone(),
                });
            }
        }
        notices
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

impl Policy {
    /// Settings outside what AWS allows, or what the company policy can mean, are errors
    /// naming the setting where it is written.
    fn check_ranges(&self, text: &str) -> Result<(), PolicyError> {
        let checks: [(&str, &str, i64, i64, i64); 4] = [
            ("kms", "max_rotation_days", self.kms.max_rotation_days.into(), 90, 2560),
            ("kms", "min_deletion_window_days", self.kms.min_deletion_window_days.into(), 7, 30),
            ("kms", "material_expiry_window_days", self.kms.material_expiry_window_days, 0, 3650),
            ("certificates", "expiry_window_days", self.certificates.expiry_window_days, 0, 3650),
        ];
        for (table, key, value, least, most) in checks {
            if !(least..=most).contains(&value) {
                let (line, column) = setting_position(text, table, key).unzip();
                return Err(PolicyError {
                    line,
                    column,
                    message: format!("{table}.{key} = {value} is out of range: expected {least} to {most}"),
                });
            }
        }
        Ok(())
    }
}

/// Where `key` is written inside `[table]`, if it is.
fn setting_position(text: &str, table: &str, key: &str) -> Option<(usize, usize)> {
    let mut in_table = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_table = trimmed.trim_start_matches('[').trim_end_matches(']').trim() == table;
        } else if in_table && trimmed.split('=').next().is_some_and(|k| k.trim() == key) {
            return Some(position(text, offset + (line.len() - line.trim_start().len())));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Status};
    use crate::rule::Section;
    use encguard_model::Location;

    #[test]
    fn the_default_file_is_the_default_policy() {
        let parsed = Policy::parse(DEFAULT_POLICY).unwrap();
        assert_eq!(format!("{parsed:?}"), format!("{:?}", Policy::default()));
    }

    #[test]
    fn values_outside_what_aws_allows_are_errors_at_their_place() {
        for (text, said) in [
            ("[kms]\nmax_rotation_days = 0\n", "2:1: kms.max_rotation_days = 0 is out of range: expected 90 to 2560"),
            ("[kms]\n  max_rotation_days = 99999\n", "2:3: kms.max_rotation_days = 99999 is out of range"),
            ("[certificates]\nexpiry_window_days = -400\n", "2:1: certificates.expiry_window_days = -400"),
            ("[tls]\nminimum_version = \"1.0\"\n", "2:19: tls.minimum_version: expected \"1.2\" or \"1.3\", not \"1.0\""),
            ("[[exceptions]]\nrule = \"S3-002\"\nresource = \"x\"\nreason = \"r\"\nexpires = \"2027-02-30\"\n", "is not a date"),
            ("[[exceptions]]\nrule = \"S3-002\"\nresource = \"x\"\nreason = \"r\"\nexpires = \"2027-06-30garbage\"\n", "is not a date"),
        ] {
            let err = Policy::parse(text).unwrap_err().to_string();
            assert!(err.contains(said), "{text}: {err}");
        }
        assert_eq!(Policy::parse("[tls]\nminimum_version = 1.3\n").unwrap().tls.minimum_version, TlsVersion::V1_3);
    }

    #[test]
    fn errors_name_the_key_and_its_line() {
        let err = Policy::parse("[kms]\nmax_rotation_days = 365\nrotate_often = true\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("rotate_often"), "{err}");

        let err = Policy::parse("[key_tiers]\ns3 = \"platinum\"\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("platinum") || err.message.contains("customer-managed"), "{err}");

        let err = Policy::parse("\n[rules.S3-999]\nenabled = false\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("S3-999"), "{err}");

        let err = Policy::parse("[rules.S3-001]\nseverity = \"urgent\"\n").unwrap_err();
        assert_eq!(err.line, Some(2));

        let err = Policy::parse("[[exceptions]]\nrule = \"S3-002\"\nresource = \"x\"\nreason = \"\"\n").unwrap_err();
        assert!(err.message.contains("reason"), "{err}");

        let err =
            Policy::parse("[[exceptions]]\nrule = \"S3-002\"\nresource = \"x\"\nreason = \"r\"\nexpires = \"soon\"\n")
                .unwrap_err();
        assert!(err.message.contains("soon"), "{err}");
    }

    fn finding(rule: &'static str, resource: &str) -> Finding {
        Finding {
            rule,
            section: Section::S3,
            severity: Severity::Medium,
            status: Status::Fail,
            resource: resource.into(),
            resource_type: "aws_s3_bucket".into(),
            location: Location::File {
                format: "terraform".into(),
                file: "main.tf".into(),
                line: 1,
                column: 1,
                end: None,
            },
            message: String::new(),
            evidence: None,
            remediation: "",
            fingerprint: String::new(),
            suppression: None,
            fix: None,
            resource_id: None,
        }
    }

    #[test]
    fn exceptions_suppress_until_they_expire() {
        let policy = Policy::parse(
            "[[exceptions]]\nrule = \"S3-002\"\nresource = \"aws_s3_bucket.legacy*\"\nreason = \"migrating\"\nexpires = \"2027-01-01\"\n\
             [[exceptions]]\nrule = \"S3-004\"\nresource = \"*\"\nreason = \"old\"\nexpires = \"2026-01-01\"\n",
        )
        .unwrap();
        let today = Date::parse("2026-11-28").unwrap();
        let mut findings = vec![
            finding("S3-002", "aws_s3_bucket.legacy_a"),
            finding("S3-002", "aws_s3_bucket.new"),
            finding("S3-004", "aws_s3_bucket.x"),
        ];
        let notices = policy.apply_exceptions(&mut findings, today);
        assert_eq!(findings[0].suppression.as_ref().map(|s| s.reason.as_str()), Some("migrating"));
        assert!(findings[1].suppression.is_none());
        assert!(findings[2].suppression.is_none(), "an expired exception must not suppress");
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("expired on 2026-01-01"), "{}", notices[0]);
    }

    #[test]
    fn rule_settings_enable_and_rate() {
        let policy = Policy::parse("[rules.ACM-005]\nenabled = false\n[rules.S3-001]\nseverity = \"high\"\n").unwrap();
        assert!(!policy.enabled(crate::rule("ACM-005").unwrap()));
        assert!(policy.enabled(crate::rule("ACM-004").unwrap()));
        assert_eq!(policy.severity(crate::rule("s3-001").unwrap()), Some(Severity::High));
    }
}
