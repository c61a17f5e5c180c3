//! Resolution: the cross-resource facts the rules need, computed once per scan.
//!
//! References between resources are matched against resource handles, first within the
//! referring resource's scope (a module instance, a template, an account and region), then
//! across the inventory when the handle is unique there (ARNs, bucket names). Split
//! resources are joined to what they configure; a split resource whose target cannot be
//! resolved makes the affected facts of every resource in its scope *unknown*, never absent.

use crate::date::Date;
use crate::facts::{self, KeyFitness, KeyProblem, KeyRotation, Transport};
use crate::policy::{KeyTier, Policy};
use crate::rule::FieldExt;
use encguard_model::*;
use std::borrow::Cow;
use std::collections::{HashMap as StdHashMap, HashSet as StdHashSet};

// Resolution hashes every handle of every resource: a fast hasher, not a DoS-resistant one
// (the keys are the scanned code's own names).
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = StdHashSet<K, foldhash::fast::RandomState>;
use std::ops::Deref;

/// A resource's identity within one scan: its position in the inventory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId(u32);

impl ResourceId {
    /// The identity of the resource at `index` in the inventory.
    pub fn at(index: usize) -> Self {
        ResourceId(index as u32)
    }

    /// The resource's position in the inventory.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A resource of the scanned inventory together with its identity; reads as the resource.
#[derive(Clone, Copy, Debug)]
pub struct Res<'a> {
    /// The resource's identity in this scan.
    pub id: ResourceId,
    /// The resource itself.
    pub resource: &'a Resource,
}

impl Deref for Res<'_> {
    type Target = Resource;
    fn deref(&self) -> &Resource {
        self.resource
    }
}

/// A resource kind the rules can ask for by type: `ctx.all::<KmsKey>()`.
pub trait Kind {
    /// The resource's settings, when it is of this kind.
    fn of(spec: &Spec) -> Option<&Self>;
}

macro_rules! kinds {
    ($($ty:ident => $($variant:ident)|+;)*) => {$(
        impl Kind for $ty {
            fn of(spec: &Spec) -> Option<&Self> {
                match spec { $(Spec::$variant(v))|+ => Some(v), _ => None }
            }
        }
    )*};
}

kinds! {
    KmsKey => KmsKey; KmsAlias => KmsAlias; KmsKeyPolicy => KmsKeyPolicy; IamPolicy => IamPolicy;
    Secret => Secret; SecretRotation => SecretRotation;
    S3Bucket => S3Bucket; S3EncryptionConfig => S3EncryptionConfig; S3BucketPolicy => S3BucketPolicy;
    S3Logging => S3Logging; S3InventoryConfig => S3InventoryConfig; S3Object => S3Object;
    EbsEncryptionByDefault => EbsEncryptionByDefault; EbsDefaultKey => EbsDefaultKey; EbsVolume => EbsVolume;
    BlockDeviceHost => BlockDeviceHost; EbsSnapshot => EbsSnapshot; Ami => Ami;
    RdsDatabase => RdsInstance | RdsCluster; RdsGlobalCluster => RdsGlobalCluster; RdsSnapshot => RdsSnapshot;
    RdsBackupReplication => RdsBackupReplication; DbParameterGroup => DbParameterGroup; LogGroup => LogGroup;
    DynamodbTable => DynamodbTable; DynamodbReplica => DynamodbReplica; DaxCluster => DaxCluster;
    AcmCertificate => AcmCertificate; AcmValidation => AcmValidation;
    LoadBalancer => LoadBalancer; Listener => Listener; ListenerRule => ListenerRule;
    ListenerCertificate => ListenerCertificate; TargetGroup => TargetGroup;
    ClassicLoadBalancer => ClassicLoadBalancer; SslNegotiationPolicy => SslNegotiationPolicy;
    CloudfrontDistribution => CloudfrontDistribution;
}

/// What a reference points at.
#[derive(Debug)]
pub enum Target<'a> {
    /// The attribute was not written.
    Absent,
    Found(Res<'a>),
    /// A known name that no resource of this scan carries (managed elsewhere).
    Outside(&'a str),
    /// The reference cannot be followed: an unknown value, or a name several resources carry.
    Unknown(Cow<'a, str>),
}

/// Which key a resource really uses.
#[derive(Debug)]
pub enum KeyTarget<'a> {
    /// The service's own default key.
    ServiceDefault,
    /// A key AWS owns.
    AwsOwned,
    /// An AWS managed key, by alias.
    AwsManaged(&'a str),
    /// A key of this scan.
    Key(Res<'a>, &'a KmsKey),
    /// A customer reference to a key this scan does not describe.
    Outside(&'a str),
    /// The source cannot say which key, and why.
    Unresolved(Cow<'a, str>),
}

/// The resources a name may refer to.
enum Resolution {
    One(ResourceId),
    None,
    /// Several, none nearer than the others.
    Several(Vec<ResourceId>),
}

/// A bucket with everything that configures it, inline or split.
#[derive(Debug, Default)]
pub struct BucketFacts<'a> {
    pub encryption: Option<&'a Value<S3Encryption>>,
    /// The resource that configures `encryption`: the bucket itself or a split configuration.
    pub encryption_from: Option<ResourceId>,
    pub policies: Vec<&'a Value<PolicyDocument>>,
    /// Buckets that deliver their server access logs here.
    pub log_sources: Vec<Res<'a>>,
    /// For each S3 Inventory configuration: whether it reports `EncryptionStatus`.
    pub inventory_reports_encryption: Vec<Result<bool, Unknown>>,
    /// Split resources that may configure this bucket but cannot be placed (those in its
    /// scope whose bucket cannot be resolved, those whose bucket is this one or another):
    /// (what they configure, why unresolved).
    pub unattached: Vec<(Attachment, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attachment {
    Encryption,
    Policy,
    LogTarget,
    Inventory,
    KeyPolicy,
    Rotation,
    ListenerRule,
    ListenerCertificate,
    Replica,
}

impl<'a> BucketFacts<'a> {
    /// The reason an `attachment` of this bucket may exist but cannot be placed.
    pub fn unresolved(&self, attachment: Attachment) -> Option<&str> {
        unresolved_in(&self.unattached, attachment)
    }

    /// The known policy documents of the bucket, and the reason any other is unknown.
    pub fn readable_policies(&self) -> (Vec<&'a PolicyDocument>, Option<Unknown>) {
        let mut known = Vec::new();
        let mut unknown = self.unresolved(Attachment::Policy).map(Unknown::new);
        for p in &self.policies {
            match p.get() {
                Ok(doc) => known.push(doc),
                Err(why) => unknown = Some(why),
            }
        }
        (known, unknown)
    }
}

impl Attachment {
    /// Whether `spec` is of a kind this attachment configures.
    fn fits(self, spec: &Spec) -> bool {
        match self {
            Attachment::Encryption | Attachment::Policy | Attachment::LogTarget | Attachment::Inventory => {
                matches!(spec, Spec::S3Bucket(_))
            }
            Attachment::KeyPolicy => matches!(spec, Spec::KmsKey(_)),
            Attachment::Rotation => matches!(spec, Spec::Secret(_)),
            Attachment::ListenerRule | Attachment::ListenerCertificate => matches!(spec, Spec::Listener(_)),
            Attachment::Replica => matches!(spec, Spec::DynamodbTable(_)),
        }
    }
}

fn unresolved_in<'u>(
    unattached: impl IntoIterator<Item = &'u (Attachment, String)>,
    attachment: Attachment,
) -> Option<&'u str> {
    unattached.into_iter().find(|(a, _)| *a == attachment).map(|(_, why)| why.as_str())
}

/// The resolved inventory the rules read, with the policy and the date of the scan.
pub struct Context<'a> {
    /// The resources of the scan.
    pub inventory: &'a Inventory,
    /// The policy file in force.
    pub policy: &'a Policy,
    /// The date of the scan, for expiries and certificate lifetimes.
    pub today: Date,
    scoped: HashMap<(&'a str, &'a str), Vec<ResourceId>>,
    global: HashMap<&'a str, Vec<ResourceId>>,
    buckets: HashMap<ResourceId, BucketFacts<'a>>,
    key_policies: HashMap<ResourceId, Vec<&'a Value<PolicyDocument>>>,
    dependents: HashMap<ResourceId, Vec<ResourceId>>,
    rotations: HashMap<ResourceId, ResourceId>,
    validations: HashMap<ResourceId, ResourceId>,
    listener_rules: HashMap<ResourceId, Vec<ResourceId>>,
    listener_certificates: HashMap<ResourceId, Vec<&'a Field<String>>>,
    table_replicas: HashMap<ResourceId, Vec<ResourceId>>,
    /// Split resources whose target is unknown, per scope.
    unattached: HashMap<&'a str, Vec<(Attachment, String)>>,
    /// Split resources whose target is one of several resources, per candidate.
    unattached_to: HashMap<ResourceId, Vec<(Attachment, String)>>,
    ebs_defaults: HashMap<(Option<&'a str>, Option<&'a str>), ResourceId>,
    ebs_default_keys: HashMap<(Option<&'a str>, Option<&'a str>), ResourceId>,
    /// Each key's problems whoever uses it, and why any other is unknown.
    key_conditions: HashMap<ResourceId, (Vec<KeyProblem>, Option<Unknown>)>,
    key_rotations: HashMap<ResourceId, Result<KeyRotation<'a>, Unknown>>,
    transports: HashMap<ResourceId, Result<Transport, Unknown>>,
    /// Keys an `alias/aws/…` alias names: AWS managed, whatever else is reported.
    aws_aliased: HashSet<ResourceId>,
}

impl<'a> Context<'a> {
    /// Resolves an inventory: every reference, join and shared fact, once.
    pub fn new(inventory: &'a Inventory, policy: &'a Policy, today: Date) -> Self {
        let mut ctx = Context {
            inventory,
            policy,
            today,
            scoped: HashMap::default(),
            global: HashMap::default(),
            buckets: HashMap::default(),
            key_policies: HashMap::default(),
            dependents: HashMap::default(),
            rotations: HashMap::default(),
            validations: HashMap::default(),
            listener_rules: HashMap::default(),
            listener_certificates: HashMap::default(),
            table_replicas: HashMap::default(),
            unattached: HashMap::default(),
            unattached_to: HashMap::default(),
            ebs_defaults: HashMap::default(),
            ebs_default_keys: HashMap::default(),
            key_conditions: HashMap::default(),
            key_rotations: HashMap::default(),
            transports: HashMap::default(),
            aws_aliased: HashSet::default(),
        };
        for r in ctx.resources() {
            for handle in std::iter::once(&r.resource.name).chain(&r.resource.handles) {
                ctx.scoped.entry((r.resource.scope.as_str(), handle.as_str())).or_default().push(r.id);
                ctx.global.entry(handle.as_str()).or_default().push(r.id);
            }
        }
        for r in ctx.resources() {
            ctx.join(r);
        }
        // Each bucket's facts are complete once every split resource has been placed.
        for (&id, facts) in ctx.buckets.iter_mut() {
            let scope = inventory.resources[id.0 as usize].scope.as_str();
            facts.unattached = ctx.unattached.get(scope).cloned().unwrap_or_default();
            facts.unattached.extend(ctx.unattached_to.get(&id).into_iter().flatten().cloned());
        }
        // Only AWS creates `alias/aws/…` aliases, for the keys it manages.
        ctx.aws_aliased = ctx
            .all::<KmsAlias>()
            .filter(|(_, a)| a.alias_name.value().ok().flatten().is_some_and(|n| n.starts_with("alias/aws/")))
            .filter_map(|(r, a)| match a.target_key.value().ok().flatten() {
                Some(target) => {
                    ctx.lookup_where(r, target, |s| matches!(s, Spec::KmsKey(_))).ok().flatten().map(|k| k.id)
                }
                None => None,
            })
            .collect();
        ctx.key_conditions = ctx.all::<KmsKey>().map(|(r, k)| (r.id, facts::key_conditions(k))).collect();
        ctx.key_rotations = ctx.all::<KmsKey>().map(|(r, k)| (r.id, ctx.rotation_of_key(r, k))).collect();
        ctx.transports = ctx
            .all::<S3Bucket>()
            .map(|(r, b)| {
                let (docs, unknown) = ctx.bucket(r).readable_policies();
                (r.id, facts::transport(b, &docs, unknown.as_ref()))
            })
            .collect();
        ctx
    }

    fn rotation_of_key(&self, r: Res<'a>, key: &'a KmsKey) -> Result<KeyRotation<'a>, Unknown> {
        let (decided_by, settings) = match self.target_where(r, &key.replica_of, |s| matches!(s, Spec::KmsKey(_))) {
            _ if self.key_manager(r)? == KeyManager::Aws => (r, key),
            Target::Absent => (r, key),
            Target::Found(p) => match &p.resource.spec {
                Spec::KmsKey(primary) => (p, &**primary),
                _ => return Err(Unknown::new(format!("primary `{}` is not a KMS key", p.name))),
            },
            Target::Outside(name) => {
                return Err(Unknown::new(format!("replica of `{name}`, which this scan does not describe")))
            }
            Target::Unknown(why) => return Err(Unknown::new(why)),
        };
        let (rotation, why_impossible) = facts::own_rotation(settings, self.key_manager(decided_by)?)?;
        Ok(KeyRotation { decided_by, rotation, why_impossible })
    }

    /// Joins one resource to what it configures or depends on.
    fn join(&mut self, r: Res<'a>) {
        let i = r.id;
        let attach = |ctx: &mut Self, reference: &'a Ref, what: Attachment| -> Option<ResourceId> {
            let unresolved =
                |why: &str| (what, format!("`{}` configures a resource that cannot be resolved: {why}", r.name));
            match &**reference {
                None => None,
                // It may configure anything in its scope.
                Some(Value::Unknown { unknown }) => {
                    ctx.unattached.entry(r.resource.scope.as_str()).or_default().push(unresolved(unknown));
                    None
                }
                Some(Value::Known(name)) => match ctx.resolve(r, name, |s| what.fits(s)) {
                    Resolution::One(id) => Some(id),
                    Resolution::None => None,
                    // It configures one of these.
                    Resolution::Several(ids) => {
                        let why = ctx.ambiguous(name, &ids);
                        for id in ids {
                            ctx.unattached_to.entry(id).or_default().push(unresolved(&why.reason));
                        }
                        None
                    }
                },
            }
        };
        match &r.resource.spec {
            Spec::S3Bucket(b) => {
                let facts = self.buckets.entry(i).or_default();
                if facts.encryption.is_none() && b.encryption.is_some() {
                    facts.encryption = b.encryption.as_ref();
                    facts.encryption_from = Some(i);
                }
                facts.policies.extend(b.policy.as_ref());
                facts
                    .inventory_reports_encryption
                    .extend(b.inventory_encryption_status.value.as_ref().map(|v| v.get().copied()));
                if let Some(t) = attach(self, &b.logging_target, Attachment::LogTarget) {
                    self.buckets.entry(t).or_default().log_sources.push(r);
                }
            }
            Spec::S3EncryptionConfig(c) => {
                if let Some(t) = attach(self, &c.bucket, Attachment::Encryption) {
                    let facts = self.buckets.entry(t).or_default();
                    facts.encryption = Some(&c.encryption);
                    facts.encryption_from = Some(i);
                }
            }
            Spec::S3BucketPolicy(p) => {
                if let Some(t) = attach(self, &p.bucket, Attachment::Policy) {
                    self.buckets.entry(t).or_default().policies.push(&p.policy);
                }
            }
            Spec::S3Logging(l) => {
                if let Some(t) = attach(self, &l.target_bucket, Attachment::LogTarget) {
                    if let Target::Found(source) = self.target_where(r, &l.bucket, |s| matches!(s, Spec::S3Bucket(_))) {
                        self.buckets.entry(t).or_default().log_sources.push(source);
                    } else {
                        self.buckets.entry(t).or_default().log_sources.push(r);
                    }
                }
            }
            Spec::S3InventoryConfig(c) => {
                if let Some(t) = attach(self, &c.bucket, Attachment::Inventory) {
                    let reports =
                        c.optional_fields.or_default_to(Vec::new()).map(|f| f.iter().any(|f| f == "EncryptionStatus"));
                    self.buckets.entry(t).or_default().inventory_reports_encryption.push(reports);
                }
            }
            Spec::KmsKey(k) => {
                self.key_policies.entry(i).or_default().extend(k.policy.as_ref());
            }
            Spec::KmsKeyPolicy(p) => {
                if let Some(t) = attach(self, &p.key, Attachment::KeyPolicy) {
                    self.key_policies.entry(t).or_default().push(&p.policy);
                }
            }
            Spec::SecretRotation(s) => {
                if let Some(t) = attach(self, &s.secret, Attachment::Rotation) {
                    self.rotations.insert(t, i);
                }
            }
            Spec::AcmValidation(v) => {
                if let Target::Found(t) = self.target_where(r, &v.certificate, |s| matches!(s, Spec::AcmCertificate(_)))
                {
                    self.validations.insert(t.id, i);
                }
            }
            Spec::ListenerRule(rule) => {
                if let Some(t) = attach(self, &rule.listener, Attachment::ListenerRule) {
                    self.listener_rules.entry(t).or_default().push(i);
                }
            }
            Spec::ListenerCertificate(c) => {
                if let Some(t) = attach(self, &c.listener, Attachment::ListenerCertificate) {
                    self.listener_certificates.entry(t).or_default().push(&c.certificate);
                }
            }
            Spec::DynamodbReplica(rep) => {
                if let Some(t) = attach(self, &rep.table, Attachment::Replica) {
                    self.table_replicas.entry(t).or_default().push(i);
                }
            }
            Spec::EbsEncryptionByDefault(_) => {
                self.ebs_defaults.insert(region_key(r.resource), i);
            }
            Spec::EbsDefaultKey(_) => {
                self.ebs_default_keys.insert(region_key(r.resource), i);
            }
            _ => {}
        }
        for KeyUse { key, .. } in r.resource.spec.key_refs() {
            if let KeyTarget::Key(k, _) = self.key(r, key) {
                self.dependents.entry(k.id).or_default().push(i);
            }
        }
    }

    /// Why `action` (`acm:ListCertificates`) could not be read in the account of the live
    /// resource `r` and `region` (its own when `None`): "ACTION failed (ERROR)", if it failed.
    pub fn unread(&self, r: Res, region: Option<&str>, action: &str) -> Option<String> {
        let Location::Aws { account, region: own, .. } = &r.location else { return None };
        let scope = format!("{account}/{}", region.unwrap_or(own));
        let gap = self.inventory.gaps.iter().find(|g| g.scope == scope && g.what.starts_with(action))?;
        Some(format!("{} failed ({})", gap.what, gap.error))
    }

    /// Every resource of kind `T`.
    pub fn all<T: Kind + 'a>(&self) -> impl Iterator<Item = (Res<'a>, &'a T)> + 'a {
        self.resources().filter_map(|r| T::of(&r.resource.spec).map(|s| (r, s)))
    }

    /// Every resource of the scan.
    pub fn resources(&self) -> impl Iterator<Item = Res<'a>> + 'a {
        self.inventory.resources.iter().enumerate().map(|(i, resource)| Res { id: ResourceId(i as u32), resource })
    }

    fn get(&self, id: ResourceId) -> Res<'a> {
        Res { id, resource: &self.inventory.resources[id.0 as usize] }
    }

    /// The resource `reference` names, seen from `from`: `Ok(None)` when no resource of
    /// this scan carries the name, an unknown when several do.
    pub fn lookup(&self, from: Res, reference: &str) -> Result<Option<Res<'a>>, Unknown> {
        self.lookup_where(from, reference, |_| true)
    }

    /// The resource `reference` names among those that `fits` (a database's source is a
    /// database or a snapshot, whatever else shares its name); see [`Self::resolve`].
    pub fn lookup_where(
        &self,
        from: Res,
        reference: &str,
        fits: impl Fn(&Spec) -> bool,
    ) -> Result<Option<Res<'a>>, Unknown> {
        match self.resolve(from, reference, fits) {
            Resolution::One(id) => Ok(Some(self.get(id))),
            Resolution::None => Ok(None),
            Resolution::Several(ids) => Err(self.ambiguous(reference, &ids)),
        }
    }

    /// Why `reference`, which names each of `ids`, cannot be followed.
    fn ambiguous(&self, reference: &str, ids: &[ResourceId]) -> Unknown {
        let names: Vec<&str> = ids.iter().map(|&id| self.get(id).resource.name.as_str()).collect();
        Unknown::new(format!(
            "`{}` names {} resources of this scan ({}): which one is meant cannot be told",
            shown(reference),
            names.len(),
            names.join(", ")
        ))
    }

    /// The resources `reference` may name among those that `fits`: the one in `from`'s
    /// scope, else the one in its deployment (the same root module, template or account),
    /// else the one in the scan. Where the nearest of these holds several, the reference is
    /// ambiguous — never the first that happens to come. A key or alias ARN also names what
    /// its key id or alias name names.
    fn resolve(&self, from: Res, reference: &str, fits: impl Fn(&Spec) -> bool) -> Resolution {
        let here = deployment(&from);
        let candidates = |ids: Option<&Vec<ResourceId>>, near: bool| -> Vec<ResourceId> {
            let mut found: Vec<ResourceId> = ids
                .into_iter()
                .flatten()
                .copied()
                .filter(|&id| fits(&self.get(id).resource.spec))
                .filter(|&id| !near || deployment(self.get(id).resource) == here)
                .collect();
            found.dedup();
            found
        };
        let by_handle = |h: &str| {
            let everywhere = self.global.get(h);
            [
                candidates(self.scoped.get(&(from.scope.as_str(), h)), false),
                candidates(everywhere, true),
                candidates(everywhere, false),
            ]
            .into_iter()
            .find(|ids| !ids.is_empty())
            .map_or(Resolution::None, |mut ids| match ids.len() {
                1 => Resolution::One(ids[0]),
                _ => {
                    ids.sort();
                    ids.dedup();
                    Resolution::Several(ids)
                }
            })
        };
        let tail = reference.strip_prefix("arn:").and_then(|a| a.rsplit_once(':')).map(|(_, tail)| tail);
        let aliases = tail.into_iter().chain(tail.and_then(|t| t.strip_prefix("key/")));
        std::iter::once(reference)
            .chain(aliases)
            .map(by_handle)
            .find(|r| !matches!(r, Resolution::None))
            .unwrap_or(Resolution::None)
    }

    /// What a reference attribute points at.
    pub fn target(&self, from: Res, reference: &'a Ref) -> Target<'a> {
        self.target_where(from, reference, |_| true)
    }

    /// What a reference attribute points at, among the resources that `fits`.
    pub fn target_where(&self, from: Res, reference: &'a Ref, fits: impl Fn(&Spec) -> bool) -> Target<'a> {
        match &**reference {
            None => Target::Absent,
            Some(Value::Unknown { unknown }) => Target::Unknown(Cow::Borrowed(unknown)),
            Some(Value::Known(name)) => match self.lookup_where(from, name, fits) {
                Ok(Some(r)) => Target::Found(r),
                Ok(None) => Target::Outside(name),
                Err(why) => Target::Unknown(Cow::Owned(why.reason)),
            },
        }
    }

    /// The key a resource uses, following aliases to the key they name.
    pub fn key(&self, from: Res, key: &'a KeyRef) -> KeyTarget<'a> {
        match key {
            KeyRef::ServiceDefault => KeyTarget::ServiceDefault,
            KeyRef::AwsOwned => KeyTarget::AwsOwned,
            KeyRef::AwsManaged { alias } => KeyTarget::AwsManaged(alias),
            KeyRef::Unresolved { reason } => KeyTarget::Unresolved(Cow::Borrowed(reason)),
            KeyRef::Customer { reference } => self.key_by_name(from, reference, 0),
        }
    }

    fn key_by_name(&self, from: Res, reference: &'a str, depth: u8) -> KeyTarget<'a> {
        let is_key = |spec: &Spec| matches!(spec, Spec::KmsKey(_) | Spec::KmsAlias(_));
        let found = match self.lookup_where(from, reference, is_key) {
            Ok(Some(found)) => found,
            Ok(None) => return KeyTarget::Outside(reference),
            Err(why) => return KeyTarget::Unresolved(Cow::Owned(why.reason)),
        };
        match &found.resource.spec {
            Spec::KmsKey(k) => KeyTarget::Key(found, k),
            Spec::KmsAlias(a) if depth < 4 => match &*a.target_key {
                Some(Value::Known(target)) => self.key_by_name(found, target, depth + 1),
                Some(Value::Unknown { unknown }) => KeyTarget::Unresolved(Cow::Borrowed(unknown)),
                None => KeyTarget::Outside(reference),
            },
            _ => KeyTarget::Outside(reference),
        }
    }

    /// Who manages the key `key` (`default` is the tier of the service's own default).
    pub fn key_tier(&self, from: Res, key: &'a KeyRef, default: KeyTier) -> Result<KeyTier, Unknown> {
        match self.key(from, key) {
            KeyTarget::ServiceDefault => Ok(default),
            KeyTarget::AwsOwned => Ok(KeyTier::AwsOwned),
            KeyTarget::AwsManaged(_) => Ok(KeyTier::AwsManaged),
            KeyTarget::Key(k, _) => match self.key_manager(k)? {
                KeyManager::Aws => Ok(KeyTier::AwsManaged),
                _ => Ok(KeyTier::CustomerManaged),
            },
            // Only AWS names aliases `alias/aws/…`, and those are classified already.
            KeyTarget::Outside(name) if name.contains("alias/") => Ok(KeyTier::CustomerManaged),
            KeyTarget::Outside(name) => Err(Unknown::new(format!(
                "key `{}` is not described in this scan, so whether AWS or the customer manages it is unknown",
                shown(name)
            ))),
            KeyTarget::Unresolved(why) => Err(Unknown::new(why.to_string())),
        }
    }

    /// Whether the key `consumer` names for data at rest can encrypt it: what resolution
    /// knows about the key (computed once per key) and whether it lives in the consumer's
    /// region. Known problems are reported even when other attributes are unknown.
    /// `data_region` is where the data lives when not in the consumer's own region (a replica).
    pub fn key_fitness(
        &self,
        consumer: Res,
        key: &'a KeyRef,
        data_region: Option<&str>,
    ) -> Result<KeyFitness<'a>, Unknown> {
        let key_resource = match self.key(consumer, key) {
            KeyTarget::ServiceDefault | KeyTarget::AwsOwned | KeyTarget::AwsManaged(_) => {
                return Ok(KeyFitness::AwsManaged)
            }
            KeyTarget::Outside(name) => {
                return Err(Unknown::new(format!(
                    "key `{}` is not described in this scan: its spec and state cannot be checked",
                    shown(name)
                )))
            }
            KeyTarget::Unresolved(why) => return Err(Unknown::new(why.to_string())),
            KeyTarget::Key(r, _) => r,
        };
        let (own, unknown) = &self.key_conditions[&key_resource.id];
        let mut problems = own.clone();
        if let (Some(kr), Some(cr)) = (key_resource.region.as_deref(), data_region.or(consumer.region.as_deref())) {
            if kr != cr {
                problems.push(KeyProblem::Region { key: kr.to_string(), consumer: cr.to_string() });
            }
        }
        match unknown {
            Some(why) if problems.is_empty() => Err(why.clone()),
            _ => Ok(KeyFitness::Customer { key: key_resource, problems }),
        }
    }

    /// Whether a bucket refuses plain HTTP.
    pub fn transport(&self, bucket: Res) -> &Result<Transport, Unknown> {
        &self.transports[&bucket.id]
    }

    /// Who manages a key of this scan: AWS when an `alias/aws/…` alias names it, else what
    /// the key says (the customer, for every key written in code).
    pub fn key_manager(&self, key: Res) -> Result<KeyManager, Unknown> {
        if self.aws_aliased.contains(&key.id) {
            return Ok(KeyManager::Aws);
        }
        match &key.resource.spec {
            Spec::KmsKey(k) => k.key_manager.or_default_to(KeyManager::Customer),
            _ => Ok(KeyManager::Customer),
        }
    }

    /// What keeps a key of this scan from serving whoever uses it (its spec, usage, state).
    pub fn key_problems(&self, key: Res) -> &[KeyProblem] {
        self.key_conditions.get(&key.id).map_or(&[], |(problems, _)| problems.as_slice())
    }

    /// How a key of this scan rotates, following a multi-Region replica to its primary.
    pub fn rotation(&self, key: Res) -> &Result<KeyRotation<'a>, Unknown> {
        &self.key_rotations[&key.id]
    }

    /// A bucket's facts, gathered once when the context is built.
    pub fn bucket(&self, bucket: Res) -> &BucketFacts<'a> {
        static NONE: BucketFacts<'static> = BucketFacts {
            encryption: None,
            encryption_from: None,
            policies: Vec::new(),
            log_sources: Vec::new(),
            inventory_reports_encryption: Vec::new(),
            unattached: Vec::new(),
        };
        self.buckets.get(&bucket.id).unwrap_or(&NONE)
    }

    /// Split resources that may configure `r` but cannot be placed: those in its scope that
    /// configure something unresolvable, and those whose target is `r` or another.
    pub fn unattached(&self, r: Res) -> impl Iterator<Item = &(Attachment, String)> {
        let in_scope = self.unattached.get(r.scope.as_str()).into_iter().flatten();
        in_scope.chain(self.unattached_to.get(&r.id).into_iter().flatten())
    }

    /// The reason an `attachment` of `r` (a key policy, a rotation) may exist in its scope
    /// but cannot be placed.
    pub fn unresolved(&self, r: Res, attachment: Attachment) -> Option<&str> {
        unresolved_in(self.unattached(r), attachment)
    }

    /// Every policy document governing a key: inline and `aws_kms_key_policy`.
    pub fn key_policies(&self, key: Res) -> &[&'a Value<PolicyDocument>] {
        self.key_policies.get(&key.id).map_or(&[], Vec::as_slice)
    }

    /// Resources that encrypt data with this key.
    pub fn dependents(&self, key: Res) -> Vec<Res<'a>> {
        self.dependents.get(&key.id).into_iter().flatten().map(|&i| self.get(i)).collect()
    }

    /// The rotation configured for a secret by a resource of its own.
    pub fn rotation_of(&self, secret: Res) -> Option<Res<'a>> {
        self.rotations.get(&secret.id).map(|&i| self.get(i))
    }

    /// The validation resource of a certificate.
    pub fn validation_of(&self, certificate: Res) -> Option<Res<'a>> {
        self.validations.get(&certificate.id).map(|&i| self.get(i))
    }

    /// The rules of a load balancer listener.
    pub fn rules_of(&self, listener: Res) -> Vec<Res<'a>> {
        self.listener_rules.get(&listener.id).into_iter().flatten().map(|&i| self.get(i)).collect()
    }

    /// Certificates attached to a listener by separate resources.
    pub fn extra_certificates(&self, listener: Res) -> &[&'a Field<String>] {
        self.listener_certificates.get(&listener.id).map_or(&[], Vec::as_slice)
    }

    /// Replicas of a DynamoDB table written as resources of their own.
    pub fn replicas_of(&self, table: Res) -> Vec<Res<'a>> {
        self.table_replicas.get(&table.id).into_iter().flatten().map(|&i| self.get(i)).collect()
    }

    /// The default EBS key setting that governs `r`'s account and region, when the scan has it.
    pub fn ebs_default_key(&self, r: Res) -> Option<Res<'a>> {
        self.ebs_default_keys.get(&region_key(&r)).map(|&id| self.get(id))
    }

    /// The EBS encryption-by-default setting that governs `r`'s account and region.
    pub fn ebs_default(&self, r: Res) -> Option<Res<'a>> {
        self.ebs_defaults.get(&region_key(&r)).map(|&id| self.get(id))
    }
}

/// A reference as people read it: sources may qualify handles with their scope
/// (`root//module.kms|aws_kms_key.this`); the part after `|` is the address.
pub(crate) fn shown(reference: &str) -> &str {
    reference.rsplit_once('|').map_or(reference, |(_, address)| address)
}

/// The deployment a resource belongs to: its root module, template or account and region
/// (the part of its scope before `//`).
pub(crate) fn deployment(r: &Resource) -> &str {
    r.scope.split_once("//").map_or(r.scope.as_str(), |(root, _)| root)
}

/// The account × region an account setting governs: a live account, or for code, the
/// deployment a root module (or plan, or template) makes — the part of its scope before `//`.
fn region_key(r: &Resource) -> (Option<&str>, Option<&str>) {
    let account = match &r.location {
        Location::Aws { account, .. } => account.as_str(),
        Location::File { file, .. } => r.scope.split_once("//").map_or(file.as_str(), |(root, _)| root),
    };
    (Some(account), r.region.as_deref())
}

/// The region in an ARN (`arn:aws:acm:us-east-1:…`).
pub(crate) fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// How a key reference reads in evidence.
pub(crate) fn describe_key(key: &KeyRef) -> String {
    match key {
        KeyRef::ServiceDefault => "service default key".into(),
        KeyRef::AwsOwned => "AWS owned key".into(),
        KeyRef::AwsManaged { alias } => alias.clone(),
        KeyRef::Customer { reference } => shown(reference).to_string(),
        KeyRef::Unresolved { reason } => format!("unresolved: {reason}"),
    }
}
