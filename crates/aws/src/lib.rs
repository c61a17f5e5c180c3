//! Live AWS accounts into encguard's inventory, with read-only calls only.
//!
//! The collector makes the calls listed in [`READ_ONLY_ACTIONS`] and no other: it never
//! mutates anything and never reads a secret's value. Accounts × regions × services are
//! collected concurrently, under a bound; the SDK retries throttled calls with backoff.
//! A call that is denied or fails becomes a [`Gap`](encguard_model::Gap) naming the call
//! and the error, and the attributes it would have filled are *unknown* — never a pass.

#![deny(missing_docs)]

mod acm;
mod cloudfront;
mod common;
mod dynamodb;
mod ec2;
pub mod export;
mod iam;
mod kms;
mod lb;
mod listener_action;
mod rds;
pub mod remediate;
mod s3;
mod secrets;

pub use common::{CallFailed, Progress};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use common::Collector;
use encguard_model::{Gap, Inventory};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Every AWS API action the collector may call. `encguard iam-policy` prints them as the
/// least-privilege policy for a scan; a test checks every call made is among them.
pub const READ_ONLY_ACTIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "sts:AssumeRole",
    "organizations:ListAccounts",
    "iam:GetAccountAuthorizationDetails",
    "ec2:DescribeRegions",
    "ec2:GetEbsEncryptionByDefault",
    "ec2:GetEbsDefaultKmsKeyId",
    "ec2:DescribeVolumes",
    "ec2:DescribeSnapshots",
    "ec2:DescribeImages",
    "ec2:DescribeLaunchTemplateVersions",
    "autoscaling:DescribeLaunchConfigurations",
    "kms:ListKeys",
    "kms:ListAliases",
    "kms:DescribeKey",
    "kms:GetKeyRotationStatus",
    "kms:GetKeyPolicy",
    "secretsmanager:ListSecrets",
    "secretsmanager:DescribeSecret",
    "s3:ListAllMyBuckets",
    "s3:GetBucketLocation",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketPolicy",
    "s3:GetBucketLogging",
    "s3:GetBucketTagging",
    "s3:GetInventoryConfiguration",
    "rds:DescribeDBInstances",
    "rds:DescribeDBClusters",
    "rds:DescribeGlobalClusters",
    "rds:DescribeDBSnapshots",
    "rds:DescribeDBClusterSnapshots",
    "rds:DescribeDBInstanceAutomatedBackups",
    "rds:DescribeDBParameters",
    "rds:DescribeDBClusterParameters",
    "logs:DescribeLogGroups",
    "dynamodb:ListTables",
    "dynamodb:DescribeTable",
    "dynamodb:ListTagsOfResource",
    "dax:DescribeClusters",
    "acm:ListCertificates",
    "acm:DescribeCertificate",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeLoadBalancerPolicies",
    "cloudfront:ListDistributions",
];

/// The least-privilege IAM policy for a scan, as JSON.
pub fn iam_policy() -> String {
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "EncguardReadOnlyScan",
            "Effect": "Allow",
            "Action": READ_ONLY_ACTIONS,
            "Resource": "*",
        }],
    });
    serde_json::to_string_pretty(&policy).expect("JSON") + "\n"
}

/// What to collect, and how to reach it.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The shared-config profile to start from (`--profile`).
    pub profile: Option<String>,
    /// Regions to read; empty means every enabled region (`ec2:DescribeRegions`).
    pub regions: Vec<String>,
    /// A role to assume first (`--role-arn`), with its external id.
    pub role_arn: Option<String>,
    /// The external id the role to assume requires.
    pub external_id: Option<String>,
    /// Accounts to read through `role_name` in each (`--accounts`, `--role-name`).
    pub accounts: Vec<String>,
    /// The role assumed in each of `accounts`.
    pub role_name: Option<String>,
    /// Every active account of the organisation (`--org`).
    pub organization: bool,
    /// Another endpoint for every service (tests, VPC endpoints).
    pub endpoint_url: Option<String>,
    /// How many calls may run at once.
    pub concurrency: usize,
    /// Log each call on stderr.
    pub verbose: bool,
    /// How long one attempt of a call may take before it is abandoned (and retried).
    pub call_timeout: Duration,
    /// This run's slice of the (account, region) units, when the collection is split
    /// across runners.
    pub shard: Option<Shard>,
}

/// One slice of a collection split across `count` runners: the (account, region) units
/// whose stable hash falls to `index`. An account's global services (S3, CloudFront, IAM,
/// the certificates CloudFront serves) belong to the shard of (account, us-east-1), so that
/// the shards together read every unit exactly once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This runner's slice, from 0.
    pub index: u32,
    /// How many slices.
    pub count: u32,
    /// Units placed by their sizes in an earlier collection (`account/region` → slice);
    /// the others go by their hash.
    pub placed: BTreeMap<String, u32>,
}

impl Shard {
    /// Slice `index` of `count`, each unit by its hash.
    pub fn hashed(index: u32, count: u32) -> Self {
        Shard { index, count, placed: BTreeMap::new() }
    }

    /// Slice `index` of `count`, balanced by the units' sizes (resources, `account/region`
    /// → count) an earlier collection found: the largest first, each to the slice holding
    /// the fewest resources so far (the lowest on ties). The same sizes and count always
    /// give the same slices; a unit not among them goes by its hash.
    pub fn balanced(index: u32, count: u32, sizes: &BTreeMap<String, usize>) -> Self {
        let mut units: Vec<(&String, &usize)> = sizes.iter().collect();
        units.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let mut load = vec![0usize; count.max(1) as usize];
        let mut placed = BTreeMap::new();
        for (unit, size) in units {
            let lightest = (0..load.len()).min_by_key(|&i| (load[i], i)).unwrap_or(0);
            load[lightest] += size;
            placed.insert(unit.clone(), lightest as u32);
        }
        Shard { index, count, placed }
    }

    /// Whether the unit (account, region) is this shard's.
    pub fn owns(&self, account: &str, region: &str) -> bool {
        let unit = format!("{account}/{region}");
        if let Some(&slice) = self.placed.get(&unit) {
            return slice == self.index;
        }
        // FNV-1a: the same on every machine and in every version.
        let hash =
            unit.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        hash % u64::from(self.count.max(1)) == u64::from(self.index)
    }
}

/// The sizes of an inventory's units (`account/region` → resources), for balancing shards:
/// an account's global resources and its buckets (listed once, whatever their region)
/// count in its us-east-1 unit, where they are collected.
pub fn unit_sizes(inventory: &Inventory) -> BTreeMap<String, usize> {
    let mut sizes = BTreeMap::new();
    for r in &inventory.resources {
        if let encguard_model::Location::Aws { account, region, .. } = &r.location {
            let global = region == "global" || matches!(r.spec, encguard_model::Spec::S3Bucket(_));
            let partition = r.name.strip_prefix("arn:").and_then(|a| a.split(':').next()).unwrap_or("aws");
            let region = if global { home_of_partition(partition) } else { region.as_str() };
            *sizes.entry(format!("{account}/{region}")).or_insert(0) += 1;
        }
    }
    sizes
}

/// Attempts per call: the first and two retries. A call that fails them all is a gap, and
/// the verdicts that needed it are unknown.
pub const MAX_ATTEMPTS: u32 = 3;

/// Why a live collection could not be made at all. Calls that fail once collection has
/// started are gaps in the inventory instead, and the verdicts that needed them unknown.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The machine refused the threads the collection runs on.
    #[error("cannot start the asynchronous runtime: {0}")]
    Runtime(#[from] std::io::Error),
    /// A call every later one depends on failed: who the caller is, or which accounts exist.
    #[error(transparent)]
    Call(#[from] CallFailed),
    /// A collector panicked or was cancelled.
    #[error("a collector stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Collects the inventory of every account × region the options name.
pub fn collect(options: &Options) -> Result<Inventory, CollectError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(collect_async(options))
}

async fn base_config(options: &Options, region: &str) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        // Backoff of at most 0.5 s and then 1 s (jittered): a call that keeps failing costs
        // about a second and a half of waiting, not the SDK's default of up to 20 s a retry.
        .retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(500))
                .with_max_backoff(Duration::from_secs(1)),
        )
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(options.call_timeout)
                .operation_attempt_timeout(options.call_timeout)
                .operation_timeout(options.call_timeout * MAX_ATTEMPTS + Duration::from_secs(5))
                .build(),
        );
    if let Some(p) = &options.profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// `base` with the credentials of `role_arn` assumed, in a session named `session` (what
/// CloudTrail shows the calls made under: `encguard-scan`, `encguard-remediate`, …).
async fn assume(base: &SdkConfig, role_arn: &str, external_id: Option<&str>, region: &str, session: &str) -> SdkConfig {
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name(session)
        .region(Region::new(region.to_string()));
    if let Some(id) = external_id {
        builder = builder.external_id(id);
    }
    let provider = builder.configure(base).build().await;
    base.to_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
        .build()
}

/// The region a partition's global services (S3's listing, CloudFront, IAM, STS) answer
/// in, for the partition `region` belongs to: us-east-1, or cn-north-1 in China, or
/// us-gov-west-1 in GovCloud.
pub fn home_region(region: &str) -> &'static str {
    home_of_partition(partition_of(region))
}

/// The partition a region is in.
pub(crate) fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The home region of a partition (`aws`, `aws-cn`, `aws-us-gov`).
fn home_of_partition(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-north-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => "us-east-1",
    }
}

/// Who the credentials are: the configuration of `--profile` and `--role-arn` in the home
/// region of the regions asked for, its account and its partition.
pub(crate) struct Caller {
    pub base: SdkConfig,
    pub account: String,
    pub partition: String,
    pub home: &'static str,
    /// The session name of every role assumed.
    pub session: &'static str,
}

impl Caller {
    pub async fn new(options: &Options, session: &'static str) -> Result<Caller, CallFailed> {
        // The partition is the one of the regions asked for (all of one partition).
        let home = home_region(options.regions.first().map_or("us-east-1", String::as_str));
        let mut base = base_config(options, home).await;
        if let Some(role) = &options.role_arn {
            base = assume(&base, role, options.external_id.as_deref(), home, session).await;
        }
        let sts = aws_sdk_sts::Client::new(&base);
        let me = sts.get_caller_identity().send().await.map_err(|e| CallFailed::new("sts:GetCallerIdentity", &e))?;
        let account = me.account().unwrap_or_default().to_string();
        let partition = me.arn().and_then(|arn| arn.split(':').nth(1)).unwrap_or("aws").to_string();
        Ok(Caller { base, account, partition, home, session })
    }

    /// The configuration that reaches `account`: the caller's own credentials there (unless
    /// `--role-name` names a role for every account), else `--role-name` (by default
    /// `OrganizationAccountAccessRole`) assumed in it.
    pub async fn account(&self, options: &Options, account: &str) -> SdkConfig {
        if account == self.account && options.role_name.is_none() {
            return self.base.clone();
        }
        let role_name = options.role_name.as_deref().unwrap_or("OrganizationAccountAccessRole");
        let role = format!("arn:{}:iam::{account}:role/{role_name}", self.partition);
        assume(&self.base, &role, options.external_id.as_deref(), self.home, self.session).await
    }
}

async fn collect_async(options: &Options) -> Result<Inventory, CollectError> {
    let caller = Caller::new(options, "encguard-scan").await?;
    let (base, own_account, home) = (&caller.base, &caller.account, caller.home);
    let mut gaps = Vec::new();
    let mut accounts: Vec<(String, SdkConfig)> = Vec::new();
    let mut targets: Vec<String> = options.accounts.clone();
    if options.organization {
        let org = aws_sdk_organizations::Client::new(base);
        let mut pages = org.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => targets.extend(
                    p.accounts()
                        .iter()
                        .filter(|a| a.status().is_some_and(|s| s.as_str() == "ACTIVE"))
                        .filter_map(|a| a.id().map(str::to_string)),
                ),
                Err(e) => return Err(CallFailed::new("organizations:ListAccounts", &e).into()),
            }
        }
    }
    if targets.is_empty() {
        accounts.push((own_account.clone(), base.clone()));
    } else {
        targets.sort();
        targets.dedup();
        for account in targets {
            let conf = caller.account(options, &account).await;
            accounts.push((account, conf));
        }
    }
    let limit = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let progress = Progress::new(options.verbose);
    let mut tasks = tokio::task::JoinSet::new();
    for (account, conf) in accounts {
        let regions = if options.regions.is_empty() {
            match ec2::regions(&conf).await {
                Ok(r) => r,
                Err(e) => {
                    gaps.push(Gap { scope: account.clone(), what: e.action.into(), error: e.message });
                    continue;
                }
            }
        } else {
            options.regions.clone()
        };
        // Global services once per account: S3 lists every bucket, CloudFront lives in the
        // partition's home region (us-east-1), and so do the certificates it serves, whatever
        // regions were asked for; IAM is global.
        let global = conf.to_builder().region(Region::new(home)).build();
        // A sharded run reads only its units; the globals go with (account, home region).
        let owns = |region: &str| options.shard.as_ref().is_none_or(|s| s.owns(&account, region));
        let mut globals = vec![
            ("s3", home.to_string(), global.clone()),
            ("cloudfront", home.to_string(), global.clone()),
            ("iam", home.to_string(), global.clone()),
        ];
        if !regions.iter().any(|r| r == home) {
            globals.push(("acm", home.to_string(), global.clone()));
        }
        if !owns(home) {
            globals.clear();
        }
        for (service, region, conf) in globals.into_iter().chain(regions.iter().filter(|r| owns(r)).flat_map(|r| {
            let conf = conf.to_builder().region(Region::new(r.clone())).build();
            ["kms", "secretsmanager", "ec2", "rds", "dynamodb", "acm", "elbv2", "elb"]
                .map(move |s| (s, r.clone(), conf.clone()))
        })) {
            let collector =
                Collector::new(&account, &region, limit.clone(), progress.clone(), options.endpoint_url.is_some());
            progress.add();
            tasks.spawn(async move {
                match service {
                    "s3" => s3::collect(&conf, &collector).await,
                    "cloudfront" => cloudfront::collect(&conf, &collector).await,
                    "iam" => iam::collect(&conf, &collector).await,
                    "kms" => kms::collect(&conf, &collector).await,
                    "secretsmanager" => secrets::collect(&conf, &collector).await,
                    "ec2" => ec2::collect(&conf, &collector).await,
                    "rds" => rds::collect(&conf, &collector).await,
                    "dynamodb" => dynamodb::collect(&conf, &collector).await,
                    "acm" => acm::collect(&conf, &collector).await,
                    "elbv2" => lb::collect_v2(&conf, &collector).await,
                    "elb" => lb::collect_classic(&conf, &collector).await,
                    _ => {}
                }
                collector.progress.done(service, &collector.account, &collector.region);
                collector.finish()
            });
        }
    }
    let mut inventory = Inventory::new(Vec::new());
    inventory.gaps = gaps;
    while let Some(part) = tasks.join_next().await {
        let (resources, gaps) = part?;
        inventory.resources.extend(resources);
        inventory.gaps.extend(gaps);
    }
    progress.finish();
    inventory.resources.sort_by(|a, b| a.name.cmp(&b.name));
    inventory.gaps.sort_by(|a, b| (&a.scope, &a.what).cmp(&(&b.scope, &b.what)));
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_partition_has_its_home_region() {
        assert_eq!(home_region("eu-west-1"), "us-east-1");
        assert_eq!(home_region("cn-northwest-1"), "cn-north-1");
        assert_eq!(home_region("us-gov-east-1"), "us-gov-west-1");
    }

    #[test]
    fn balanced_shards_place_the_largest_units_first_and_always_alike() {
        let sizes: BTreeMap<String, usize> =
            [("a/us-east-1", 100), ("b/us-east-1", 60), ("c/eu-west-1", 50), ("d/eu-west-1", 40), ("e/eu-west-1", 10)]
                .into_iter()
                .map(|(u, n)| (u.to_string(), n))
                .collect();
        let shards: Vec<Shard> = (0..2).map(|i| Shard::balanced(i, 2, &sizes)).collect();
        let load = |i: usize| -> usize {
            sizes.iter().filter(|(u, _)| shards[i].placed[u.as_str()] == i as u32).map(|(_, n)| n).sum()
        };
        // 100 → 0; 60 → 1; 50 → 1 (60 < 100); 40 → 0 (100 < 110); 10 → 1 (110 < 140).
        assert_eq!((load(0), load(1)), (140, 120));
        assert_eq!(Shard::balanced(1, 2, &sizes), shards[1], "the same sizes give the same slices");
        for unit in sizes.keys() {
            let (account, region) = unit.split_once('/').unwrap();
            assert_eq!(shards.iter().filter(|s| s.owns(account, region)).count(), 1, "{unit}");
        }
        // A unit the sizes do not know goes by its hash, to exactly one slice.
        assert_eq!(shards.iter().filter(|s| s.owns("new", "us-east-1")).count(), 1);
    }

    #[test]
    fn shards_partition_the_units() {
        let shards: Vec<Shard> = (0..4).map(|index| Shard::hashed(index, 4)).collect();
        let mut per_shard = [0; 4];
        for account in (0..10).map(|a| format!("1111222233{a:02}")) {
            for region in ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-west-2"] {
                let owners: Vec<usize> = (0..4).filter(|&i| shards[i].owns(&account, region)).collect();
                assert_eq!(owners.len(), 1, "{account}/{region} belongs to exactly one shard");
                per_shard[owners[0]] += 1;
            }
        }
        assert!(per_shard.iter().all(|&n| n >= 5), "every shard gets a share: {per_shard:?}");
    }

    #[test]
    fn the_iam_policy_is_a_read_only_policy_listing_each_action_once() {
        let doc = encguard_model::PolicyDocument::parse(&iam_policy()).unwrap();
        let actions = &doc.statements[0].action;
        assert_eq!(actions.len(), READ_ONLY_ACTIONS.len());
        let mut unique = actions.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), actions.len(), "an action is listed twice");
        for a in actions {
            let name = a.split(':').nth(1).unwrap();
            assert!(
                ["Describe", "List", "Get"].iter().any(|p| name.starts_with(p)) || a == "sts:AssumeRole",
                "{a} is not read-only"
            );
        }
        assert!(!actions.iter().any(|a| a.contains("GetSecretValue")));
    }
}
