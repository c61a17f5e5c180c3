//! Facts several rules read, established once by resolution: whether a key can encrypt
//! data at rest, how it rotates, and whether a bucket refuses plain HTTP. Rules turn
//! facts into verdicts; no rule asks another rule.

use crate::context::Res;
use crate::rule::FieldExt;
use encguard_model::{
    policy_wildcard_match, Effect, KeyManager, KeyOrigin, KeySpec, KeyState, KeyUsage, KmsKey, PlannedAction,
    PolicyDocument, S3Bucket, Statement, Unknown,
};
use std::fmt;

/// What keeps a key from encrypting a resource's data at rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyProblem {
    /// Not `SYMMETRIC_DEFAULT`: AWS services encrypt at rest only with symmetric keys.
    Spec(KeySpec),
    /// Not `ENCRYPT_DECRYPT`.
    Usage(KeyUsage),
    PendingDeletion,
    /// Another state than `Enabled` (`PendingImport`, `Unavailable`, `Disabled`, …).
    State(KeyState),
    Disabled,
    /// The plan destroys the key (the plan's action).
    Destroyed(PlannedAction),
    /// The key lives in another region than the data.
    Region {
        key: String,
        consumer: String,
    },
}

impl KeyProblem {
    /// Whether the key's life, not its kind, is the problem: disabled, not enabled,
    /// being deleted (KMS-005 and KMS-006 judge those).
    pub fn is_lifecycle(&self) -> bool {
        matches!(
            self,
            KeyProblem::PendingDeletion | KeyProblem::State(_) | KeyProblem::Disabled | KeyProblem::Destroyed(_)
        )
    }

    /// Whether the data becomes unreadable for good: the key is being deleted.
    pub fn is_critical(&self) -> bool {
        matches!(self, KeyProblem::PendingDeletion | KeyProblem::Destroyed(_))
    }
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::Spec(s) => write!(f, "key spec is {s}, but only symmetric keys encrypt data at rest"),
            KeyProblem::Usage(u) => write!(f, "key usage is {u}, not ENCRYPT_DECRYPT"),
            KeyProblem::PendingDeletion => f.write_str("key is pending deletion"),
            KeyProblem::State(s) => write!(f, "key state is {s}"),
            KeyProblem::Disabled => f.write_str("key is disabled"),
            KeyProblem::Destroyed(action) => write!(f, "the plan will {action} the key (destroy)"),
            KeyProblem::Region { key, consumer } => write!(f, "key is in {key} but the resource is in {consumer}"),
        }
    }
}

/// Whether the key a resource names can encrypt its data.
#[derive(Clone, Debug)]
pub enum KeyFitness<'a> {
    /// A key AWS manages or owns: symmetric and always usable.
    AwsManaged,
    /// A key of this scan, and what keeps it from serving (nothing, when it can).
    Customer { key: Res<'a>, problems: Vec<KeyProblem> },
}

/// The problems of a key that hold whoever uses it, and the reason any other is unknown.
pub(crate) fn key_conditions(k: &KmsKey) -> (Vec<KeyProblem>, Option<Unknown>) {
    let mut problems = Vec::new();
    let mut unknown = None;
    let mut note = |found: Result<Option<KeyProblem>, Unknown>| match found {
        Ok(p) => problems.extend(p),
        Err(why) => {
            unknown.get_or_insert(why);
        }
    };
    note(
        k.key_spec.value().map(|s| s.filter(|s| **s != KeySpec::SymmetricDefault).map(|s| KeyProblem::Spec(s.clone()))),
    );
    note(
        k.key_usage
            .value()
            .map(|u| u.filter(|u| **u != KeyUsage::EncryptDecrypt).map(|u| KeyProblem::Usage(u.clone()))),
    );
    note(lifecycle(k));
    (problems, unknown)
}

/// The one lifecycle problem that matters most: destroyed by the plan, then the live
/// state, then the configuration's `enabled`.
fn lifecycle(k: &KmsKey) -> Result<Option<KeyProblem>, Unknown> {
    if let Some(action) = &k.planned_action {
        return Ok(Some(KeyProblem::Destroyed(action.clone())));
    }
    match k.key_state.value()? {
        Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion) => {
            return Ok(Some(KeyProblem::PendingDeletion))
        }
        Some(state) if *state != KeyState::Enabled => return Ok(Some(KeyProblem::State(state.clone()))),
        _ => {}
    }
    Ok((!k.enabled.or_default_to(true)?).then_some(KeyProblem::Disabled))
}

/// How a key rotates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// An AWS managed key: AWS rotates it every year.
    ByAws,
    /// The key cannot rotate automatically (asymmetric, HMAC, imported, custom key store).
    Impossible,
    Off,
    /// Every so many days, as written.
    Every(u32),
    /// Every 365 days, the default period.
    Yearly,
}

impl fmt::Display for Rotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rotation::ByAws => f.write_str("AWS managed keys are rotated by AWS every year"),
            Rotation::Impossible => f.write_str("the key cannot rotate automatically"),
            Rotation::Off => f.write_str("automatic rotation is off"),
            Rotation::Every(days) => write!(f, "rotates every {days} days"),
            Rotation::Yearly => f.write_str("rotates every 365 days (the default period)"),
        }
    }
}

/// A key's rotation, with the key whose settings decide it: the key itself, or the
/// primary of a multi-Region replica.
#[derive(Clone, Debug)]
pub struct KeyRotation<'a> {
    pub decided_by: Res<'a>,
    pub rotation: Rotation,
    /// Why the key cannot rotate, when it cannot.
    pub why_impossible: Option<String>,
}

/// How a key rotates by its own settings.
pub(crate) fn own_rotation(key: &KmsKey, manager: KeyManager) -> Result<(Rotation, Option<String>), Unknown> {
    if manager == KeyManager::Aws {
        return Ok((Rotation::ByAws, None));
    }
    let spec = key.key_spec.or_default_to(KeySpec::SymmetricDefault)?;
    let usage = key.key_usage.or_default_to(KeyUsage::EncryptDecrypt)?;
    let origin = key.origin.or_default_to(KeyOrigin::AwsKms)?;
    if spec != KeySpec::SymmetricDefault || usage != KeyUsage::EncryptDecrypt {
        return Ok((Rotation::Impossible, Some(format!("{spec} keys for {usage} cannot rotate automatically"))));
    }
    if origin != KeyOrigin::AwsKms || key.custom_key_store_id.value()?.is_some() {
        let why = format!("keys with origin {origin} or in a custom key store cannot rotate automatically");
        return Ok((Rotation::Impossible, Some(why)));
    }
    if !key.rotation_enabled.or_default_to(false)? {
        return Ok((Rotation::Off, None));
    }
    Ok((key.rotation_period_days.value()?.map_or(Rotation::Yearly, |&days| Rotation::Every(days)), None))
}

/// Whether a bucket refuses requests that do not use TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// A bucket policy denies everyone everything when `aws:SecureTransport` is false.
    DeniesInsecure,
    /// Plain HTTP is accepted; `has_policy` says whether the bucket has a policy at all.
    AcceptsInsecure { has_policy: bool },
}

/// A bucket's transport stance from its known policies (`unknown`: why another policy
/// that may exist cannot be read).
pub(crate) fn transport(
    bucket: &S3Bucket,
    docs: &[&PolicyDocument],
    unknown: Option<&Unknown>,
) -> Result<Transport, Unknown> {
    let arn = bucket_arn(bucket);
    if docs.iter().any(|d| d.statements.iter().any(|s| is_tls_only_statement(s, arn.as_deref()))) {
        return Ok(Transport::DeniesInsecure);
    }
    match unknown {
        Some(why) => Err(why.clone()),
        None => Ok(Transport::AcceptsInsecure { has_policy: !docs.is_empty() }),
    }
}

/// `arn:aws:s3:::NAME` when the bucket's name is known.
pub(crate) fn bucket_arn(bucket: &S3Bucket) -> Option<String> {
    bucket.bucket_name.value().ok().flatten().map(|n| format!("arn:aws:s3:::{n}"))
}

/// A Deny for everyone of every S3 action on the bucket and its objects without TLS.
pub(crate) fn is_tls_only_statement(s: &Statement, arn: Option<&str>) -> bool {
    denies_everyone_everything(s, arn)
        && s.condition_values(&["Bool"], "aws:SecureTransport").any(|v| v.eq_ignore_ascii_case("false"))
}

/// A Deny for everyone, on every S3 action, covering the bucket and all its objects.
pub(crate) fn denies_everyone_everything(s: &Statement, arn: Option<&str>) -> bool {
    if s.effect != Effect::Deny || !s.has_public_principal() {
        return false;
    }
    let all_actions = s.action.iter().any(|a| a == "*" || a.eq_ignore_ascii_case("s3:*"));
    all_actions && covers_bucket_and_objects(s, arn)
}

/// Whether the statement's resources cover the bucket itself and every object in it.
pub(crate) fn covers_bucket_and_objects(s: &Statement, arn: Option<&str>) -> bool {
    match arn {
        Some(arn) => {
            let objects = format!("{arn}/*");
            s.resource.iter().any(|p| policy_wildcard_match(p, arn))
                && s.resource.iter().any(|p| policy_wildcard_match(p, &objects))
        }
        None => {
            s.resource.iter().any(|p| p == "*")
                || (s.resource.iter().any(|p| !p.contains('/')) && s.resource.iter().any(|p| p.ends_with("/*")))
        }
    }
}
