//! The live collector against moto's server — a real implementation of the AWS APIs —
//! behind a recording proxy (tests/live/proxy.py) that logs every call the scan makes.
//!
//! Every rule goes through the live collector here ([`LIVE_CASES`]) unless moto cannot
//! express what it reads ([`NOT_MODELLED`], with why). Also not asserted: KMS key managers
//! of AWS managed keys (moto says CUSTOMER), SSL negotiation policies of classic load
//! balancers, and expired certificates (moto refuses expired imports).

mod remediate;

use super::{encguard_in, stdout, temp_dir, tool};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// moto's server and the recording proxy in front of it; stopped when dropped.
struct Moto {
    server: Child,
    proxy: Child,
    direct: String,
    proxied: String,
    log: PathBuf,
    python: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.proxy.kill();
        let _ = self.server.kill();
        let _ = self.proxy.wait();
        let _ = self.server.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for(url: &str, python: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let probe = format!("import urllib.request; urllib.request.urlopen('{url}', timeout=2)");
    while Instant::now() < deadline {
        if Command::new(python).args(["-c", &probe]).stderr(Stdio::null()).status().is_ok_and(|s| s.success()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("{url} did not answer within 60 s");
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn start_moto() -> Option<Moto> {
    let python = tool("ENCGUARD_PYTHON")?;
    let bin = Path::new(&python).parent().unwrap().to_path_buf();
    let (port, proxy_port) = (free_port(), free_port());
    // One directory per server: tests start theirs side by side.
    let dir = temp_dir(&format!("moto-{port}"));
    let server = Command::new(bin.join("moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("moto.log")).unwrap())
        .spawn()
        .expect("moto_server starts (scripts/test.sh installs it)");
    let direct = format!("http://127.0.0.1:{port}");
    let log = dir.join("calls.jsonl");
    let proxy = start_proxy(&python, proxy_port, &direct, &log, None);
    let moto = Moto { server, proxy, proxied: format!("http://127.0.0.1:{proxy_port}"), direct, log, python };
    wait_for(&format!("{}/moto-api/", moto.direct), &moto.python);
    wait_for(&format!("{}/moto-api/", moto.proxied), &moto.python);
    Some(moto)
}

/// The recording proxy in front of `upstream`, injecting the faults of `faults` if given.
fn start_proxy(python: &str, port: u16, upstream: &str, log: &Path, faults: Option<&Path>) -> Child {
    Command::new(python)
        .arg(workspace().join("tests/live/proxy.py"))
        .args([&port.to_string(), upstream, log.to_str().unwrap()])
        .args(faults)
        .stdout(Stdio::null())
        .spawn()
        .expect("the recording proxy starts")
}

/// Stops a child process when dropped.
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn live_env(cmd: &mut Command) {
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("ENCGUARD_STORE")
        .env_remove("AWS_PROFILE");
}

/// Seeds moto with the account of `tests/live/seed.py`; what it printed (ids AWS chose).
fn seed_account(moto: &Moto) -> serde_json::Value {
    let mut seed = Command::new(&moto.python);
    seed.arg(workspace().join("tests/live/seed.py")).arg(&moto.direct);
    live_env(&mut seed);
    let seeded = seed.output().unwrap();
    assert!(seeded.status.success(), "seeding failed: {}", String::from_utf8_lossy(&seeded.stderr));
    serde_json::from_slice(&seeded.stdout).unwrap()
}

fn encguard_live(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_encguard"));
    cmd.args(args).current_dir(dir).env("ENCGUARD_TODAY", "2026-11-28").env("NO_COLOR", "1");
    live_env(&mut cmd);
    cmd.output().expect("encguard runs")
}

/// Verdicts of the live scan of the seeded account (tests/live/seed.py) under the strict
/// profile, per rule: (rule, resource, expected). The resource is a part of its ARN, or
/// `$path.to.id` in what the seed printed (ids AWS chooses). `clean`: no failing or unknown
/// verdict on it.
const LIVE_CASES: &[(&str, &str, &str)] = &[
    ("KMS-001", "$us-east-1.stale", "fail"),
    ("KMS-001", "$us-east-1.good", "clean"),
    ("KMS-002", "$rule.implicit", "fail"),
    ("KMS-002", "$us-east-1.good", "clean"),
    ("KMS-003", "$rule.public", "fail"),
    ("KMS-003", "$us-east-1.good", "clean"),
    ("KMS-004", "policy/decrypt-everything", "fail"),
    ("KMS-004", "inline-policy/decrypt-app-data", "clean"),
    ("KMS-005", "$us-east-1.off", "fail"),
    ("KMS-005", "$us-east-1.good", "clean"),
    ("KMS-006", "$rule.doomed", "fail"),
    ("KMS-006", "$us-east-1.good", "clean"),
    ("KMS-007", "snapshot:rds:rule-off-key-db-", "fail"),
    ("SM-001", "us-east-1:123456789012:secret:default-key-secret", "fail"),
    ("SM-001", "us-east-1:123456789012:secret:cmk-secret", "clean"),
    ("SM-002", "secret:rule-off-key-secret", "fail"),
    ("SM-002", "us-east-1:123456789012:secret:cmk-secret", "clean"),
    ("SM-003", "us-east-1:123456789012:secret:rule-replicated-secret", "fail"),
    ("SM-003", "us-east-1:123456789012:secret:cmk-secret", "clean"),
    ("SM-004", "secret:rule-off-key-secret", "fail"),
    ("S3-001", "rule-sse-s3-bucket", "clean"),
    ("S3-002", "rule-sse-s3-bucket", "fail"),
    ("S3-002", "secure-bucket", "clean"),
    ("S3-003", "rule-off-key-bucket", "fail"),
    ("S3-003", "secure-bucket", "clean"),
    ("S3-004", "plain-bucket", "fail"),
    ("S3-004", "secure-bucket", "clean"),
    ("S3-005", "secure-bucket", "fail"),
    ("S3-006", "secure-bucket", "fail"),
    ("S3-007", "secure-bucket", "fail"),
    ("S3-008", "rule-sse-s3-bucket", "fail"),
    ("S3-008", "rule-off-key-bucket", "clean"),
    ("EBS-001", "us-east-1:123456789012:ebs-encryption-by-default", "fail"),
    ("EBS-001", "eu-west-1:123456789012:ebs-encryption-by-default", "clean"),
    ("EBS-003", "us-east-1:123456789012:launch-template/", "fail"),
    ("EBS-003", "$rule.off_key_volume", "clean"),
    ("EBS-003", "launchConfigurationName/rule-plain-launch-configuration", "fail"),
    ("EBS-003", "launchConfigurationName/rule-encrypted-launch-configuration", "clean"),
    ("EBS-004", "$rule.off_key_volume", "fail"),
    ("EBS-005", "$rule.plain_snapshot", "fail"),
    ("EBS-006", "$rule.plain_image", "fail"),
    ("RDS-001", "db:plain-db-us-east-1", "fail"),
    ("RDS-001", "db:cmk-db-us-east-1", "clean"),
    ("RDS-002", "cluster:rule-plain-cluster", "fail"),
    ("RDS-003", "db:rule-aws-alias-db", "fail"),
    ("RDS-003", "db:cmk-db-us-east-1", "clean"),
    ("RDS-004", "db:rule-off-key-db", "fail"),
    ("RDS-004", "db:cmk-db-us-east-1", "clean"),
    ("RDS-005", "snapshot:rule-plain-db-snapshot", "fail"),
    ("RDS-008", "db:rule-off-key-db", "fail"),
    // The default group, read live: moto's PostgreSQL 9.3 does not force TLS.
    ("RDS-009", "db:plain-db-us-east-1", "fail"),
    ("RDS-010", "db:rule-aws-alias-db", "fail"),
    // moto reports the server CA as `rds-ca-default`, which AWS does not list.
    ("RDS-010", "db:cmk-db-us-east-1", "unknown"),
    ("DDB-001", "us-east-1:123456789012:table/owned-000", "fail"),
    ("DDB-001", "us-east-1:123456789012:table/cmk-table", "clean"),
    ("DDB-002", "table/rule-off-key-table", "fail"),
    ("DDB-002", "us-east-1:123456789012:table/cmk-table", "clean"),
    ("DDB-004", "cache/cache-us-east-1", "fail"),
    ("DDB-005", "cache/cache-us-east-1", "fail"),
    ("DDB-006", "table/rule-off-key-table", "fail"),
    ("DDB-006", "us-east-1:123456789012:table/cmk-table", "clean"),
    ("ACM-001", "$rule.weak_certificate", "fail"),
    ("ACM-001", "$eu-west-1.certificate", "clean"),
    ("ACM-002", "$rule.weak_certificate", "fail"),
    ("ACM-002", "$eu-west-1.certificate", "clean"),
    ("ACM-003", "$rule.weak_certificate", "fail"),
    ("ACM-004", "$rule.wildcard_certificate", "fail"),
    ("ACM-004", "$rule.weak_certificate", "clean"),
    ("ACM-005", "$rule.wildcard_certificate", "fail"),
    ("ACM-005", "$rule.weak_certificate", "clean"),
    ("ACM-006", "loadbalancer/rule-classic-https", "fail"),
    ("LB-001", "listener/app/web/", "fail"),
    ("LB-002", "listener/app/rule-nlb/", "fail"),
    ("LB-003", "listener/app/rule-alb/", "fail"),
    ("LB-004", "loadbalancer/legacy", "fail"),
    ("LB-004", "loadbalancer/rule-classic-https", "clean"),
    ("LB-005", "loadbalancer/rule-classic-https", "fail"),
    ("LB-006", "listener/app/rule-alb/", "fail"),
    ("LB-007", "targetgroup/rule-http/", "fail"),
    ("CF-001", "$distribution", "fail"),
    ("CF-001", "$rule.custom_distribution", "clean"),
    ("CF-002", "$rule.custom_distribution", "fail"),
    ("CF-003", "$rule.custom_distribution", "fail"),
    ("CF-004", "$distribution", "fail"),
    ("CF-004", "$rule.custom_distribution", "clean"),
    ("CF-005", "$rule.custom_distribution", "fail"),
    ("CF-005", "$distribution", "clean"),
];

/// Rules moto cannot take through the live collector, with why.
const NOT_MODELLED: &[(&str, &str)] = &[
    ("KMS-008", "moto cannot import key material: GetParametersForImport answers HTTP 500"),
    ("EBS-002", "GetEbsDefaultKmsKeyId answers HTTP 500 (the unknown it leaves is asserted)"),
    ("S3-009", "moto's ListBucketInventoryConfigurations answer cannot be read (OptionalFields garbled)"),
    ("RDS-006", "moto does not implement StartDBInstanceAutomatedBackupsReplication (HTTP 500)"),
    ("RDS-007", "moto does not report PerformanceInsightsEnabled or its key"),
    ("DDB-003", "moto accepts ReplicaUpdates but reports no replicas"),
];

/// Rules whose failure AWS itself prevents in a live account, with why.
const NEVER_FAILS_LIVE: &[(&str, &str)] =
    &[("S3-001", "S3 refuses a default encryption rule without a valid algorithm")];

#[test]
fn every_rule_goes_through_the_live_collector_unless_moto_cannot_express_it() {
    let mut missing = Vec::new();
    for rule in encguard_rules::CATALOG {
        let cases = LIVE_CASES.iter().filter(|(id, ..)| *id == rule.id).count();
        let excused = NOT_MODELLED.iter().any(|(id, _)| *id == rule.id);
        assert!(!(cases > 0 && excused), "{} has live cases but is said not to be modelled", rule.id);
        if cases == 0 && !excused {
            missing.push(rule.id);
        }
        let fails = LIVE_CASES.iter().any(|(id, _, s)| *id == rule.id && *s != "clean");
        let never_fails = NEVER_FAILS_LIVE.iter().any(|(id, _)| *id == rule.id);
        assert!(excused || fails || never_fails, "{}: no live case that fails or is unknown", rule.id);
    }
    assert!(missing.is_empty(), "no live case (LIVE_CASES) and no reason (NOT_MODELLED) for {missing:?}");
}

/// The seeded account's policy: the strict profile, with client-side encryption designated
/// for two buckets and re-encryption to targets required (S3-008, LB-007).
fn live_policy(dir: &Path) {
    assert!(encguard_in(dir, &["init", "--strict", "--force"]).status.success());
    let path = dir.join("encguard.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text
        .replace(
            "client_side_encryption_buckets = []",
            r#"client_side_encryption_buckets = ["rule-sse-s3-bucket", "rule-off-key-bucket"]"#,
        )
        .replace("require_backend_tls = false", "require_backend_tls = true");
    assert_eq!(edited.matches("rule-sse-s3-bucket").count(), 1, "the strict profile changed");
    assert!(edited.contains("require_backend_tls = true"), "the strict profile changed");
    std::fs::write(path, edited).unwrap();
}

/// Checks [`LIVE_CASES`] against a report's findings; `seeded` is what the seed printed.
fn check_live_cases(findings: &[serde_json::Value], seeded: &serde_json::Value) {
    let mut wrong = Vec::new();
    for (rule, resource, expected) in LIVE_CASES {
        let resource = match resource.strip_prefix('$') {
            Some(path) => path
                .split('.')
                .fold(seeded, |v, k| &v[k])
                .as_str()
                .unwrap_or_else(|| panic!("the seed printed no {path}"))
                .to_string(),
            None => resource.to_string(),
        };
        let statuses: Vec<&str> = findings
            .iter()
            .filter(|f| f["rule"] == *rule && f["resource"].as_str().unwrap().contains(&resource))
            .map(|f| f["status"].as_str().unwrap())
            .collect();
        let holds = match *expected {
            "clean" => statuses.is_empty(),
            status => statuses.contains(&status),
        };
        if !holds {
            wrong.push(format!("{rule} on {resource}: expected {expected}, got {statuses:?}"));
        }
    }
    assert!(wrong.is_empty(), "live verdicts:\n{}", wrong.join("\n"));
}

#[test]
fn live_scan_of_a_seeded_account_is_read_only_and_round_trips() {
    let Some(moto) = start_moto() else { return };
    let dir = temp_dir("live");
    let keys = seed_account(&moto);
    let _ = std::fs::remove_file(&moto.log);

    let aws = ["--aws", "--endpoint-url", &moto.proxied, "--region", "us-east-1", "--region", "eu-west-1"];
    let collect = encguard_live(&dir, &[&["collect", "-o", "inventory.json"][..], &aws[..]].concat());
    assert!(collect.status.success(), "{}", String::from_utf8_lossy(&collect.stderr));
    let inventory: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("inventory.json")).unwrap()).unwrap();
    let resources = inventory["resources"].as_array().unwrap();

    // Three shards, merged, are the one collection: every unit read once, globals included.
    for i in 0..3 {
        let out = format!("shard-{i}.json");
        let shard = format!("{i}/3");
        let o = encguard_live(&dir, &[&["collect", "-o", &out, "--shard", &shard][..], &aws[..]].concat());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let merged = encguard_in(&dir, &["merge", "shard-0.json", "shard-1.json", "shard-2.json", "-o", "merged.json"]);
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("merged.json")).unwrap()).unwrap();
    let names = |inv: &serde_json::Value| -> Vec<String> {
        inv["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names(&merged), names(&inventory), "the shards together read every resource once");
    let findings = |file: &str| {
        let report: serde_json::Value =
            serde_json::from_str(&stdout(&encguard_in(&dir, &["scan", file, "--format", "json"]))).unwrap();
        report["findings"].clone()
    };
    assert_eq!(findings("merged.json"), findings("inventory.json"), "the same findings as one run");
    let count =
        |kind: &str, region: &str| resources.iter().filter(|r| r["kind"] == kind && r["region"] == region).count();
    assert_eq!(
        count("dynamodb_table", "us-east-1"),
        107,
        "105 + 2 tables: ListTables was followed past its first page"
    );
    assert_eq!(count("dynamodb_table", "eu-west-1"), 3);
    assert_eq!(count("secret", "eu-west-1"), 3, "two secrets and a replica");
    assert!(resources.iter().any(|r| r["kind"] == "cloudfront_distribution"));
    assert_eq!(count("iam_policy", "global"), 2, "the local managed policy and the role's inline policy");
    // Tags come with the listings that carry them: classification reads them.
    let tagged_plain = |region: &str| {
        resources.iter().any(|r| r["kind"] == "ebs_volume" && r["region"] == region && r["tags"]["Name"] == "plain")
    };
    assert!(tagged_plain("us-east-1") && tagged_plain("eu-west-1"), "volume tags are collected");

    // The offline scan of the collected inventory, under the strict profile (customer
    // managed keys for every service), which the seeded account is built to exercise.
    live_policy(&dir);
    let report = encguard_in(&dir, &["scan", "inventory.json", "--format", "json"]);
    assert_eq!(report.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&report)).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let status = |rule: &str, resource: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["rule"] == rule && f["resource"].as_str().unwrap().contains(resource))
            .map(|f| f["status"].as_str().unwrap().to_string())
            .collect()
    };
    let fails = |rule: &str, resource: &str| status(rule, resource).iter().any(|s| s == "fail");
    check_live_cases(findings, &keys);
    // IAM identity policies: one allows decrypting with every key, one names its key.
    assert!(fails("KMS-004", "policy/decrypt-everything"), "{:?}", status("KMS-004", "decrypt"));
    assert!(status("KMS-004", "inline-policy/decrypt-app-data").is_empty());
    for region in ["us-east-1", "eu-west-1"] {
        assert!(fails("SM-001", &format!("{region}:123456789012:secret:default-key-secret")), "SM-001 in {region}");
        assert!(status("SM-001", &format!("{region}:123456789012:secret:cmk-secret")).is_empty());
        assert!(fails("RDS-001", &format!("plain-db-{region}")));
        assert!(status("RDS-001", &format!("cmk-db-{region}")).is_empty());
        assert!(fails("KMS-001", keys[region]["stale"].as_str().unwrap()));
        assert!(status("KMS-001", keys[region]["good"].as_str().unwrap()).is_empty());
        assert!(fails("KMS-005", keys[region]["off"].as_str().unwrap()));
        assert!(fails("DDB-004", &format!("cache-{region}")) && fails("DDB-005", &format!("cache-{region}")));
        assert!(fails("DDB-001", &format!("{region}:123456789012:table/owned-000")));
        assert!(status("DDB-001", &format!("{region}:123456789012:table/cmk-table")).is_empty());
        let ebs002 = findings
            .iter()
            .find(|f| f["rule"] == "EBS-002" && f["resource"].as_str().unwrap().contains(region))
            .unwrap();
        assert_eq!(ebs002["status"], "unknown");
        assert!(
            ebs002["message"].as_str().unwrap().contains("ec2:GetEbsDefaultKmsKeyId"),
            "the unknown names the failed call"
        );
    }
    assert!(fails("EBS-001", "us-east-1:123456789012:ebs-encryption-by-default"));
    assert!(status("EBS-001", "eu-west-1:123456789012:ebs-encryption-by-default").is_empty());
    // Encryption by default encrypts new volumes only: a live volume that reports
    // `Encrypted: false` is unencrypted in either region; a launch template's volumes are
    // new ones, encrypted where the region encrypts by default.
    let ebs003 = |resource: &str| status("EBS-003", resource);
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["rule"] == "EBS-003"
                && f["status"] == "fail"
                && f["resource"].as_str().unwrap().contains(":volume/"))
            .count(),
        3,
        "each region's unencrypted volume, and the root volume of the instance the image is made from"
    );
    let plain_template = |region: &str| {
        findings
            .iter()
            .find(|f| {
                f["rule"] == "EBS-003"
                    && f["resource"].as_str().unwrap().contains(&format!("{region}:123456789012:launch-template/"))
            })
            .map(|f| f["status"].as_str().unwrap().to_string())
    };
    assert_eq!(plain_template("us-east-1").as_deref(), Some("fail"), "{:?}", ebs003("launch-template"));
    assert_eq!(plain_template("eu-west-1"), None, "eu-west-1 encrypts the template's new volumes by default");
    assert!(fails("S3-002", "plain-bucket") && fails("S3-004", "plain-bucket"));
    assert!(status("S3-004", "secure-bucket").is_empty() && status("S3-002", "secure-bucket").is_empty());
    assert!(fails("LB-001", ":listener/app/web/"));
    assert!(fails("LB-004", "loadbalancer/legacy"));
    assert!(fails("CF-001", ":distribution/") && fails("CF-004", ":distribution/"));

    // A direct live scan finds exactly what the offline scan of its inventory finds.
    let empty = temp_dir("live-direct");
    live_policy(&empty);
    let direct =
        encguard_live(&empty, &[&["scan", "--format", "json", "--skip-rule", "EBS-002"][..], &aws[..]].concat());
    assert_eq!(direct.status.code(), Some(1));
    let direct: serde_json::Value = serde_json::from_str(&stdout(&direct)).unwrap();
    let offline = encguard_in(&dir, &["scan", "inventory.json", "--format", "json", "--skip-rule", "EBS-002"]);
    let offline: serde_json::Value = serde_json::from_str(&stdout(&offline)).unwrap();
    let key = |f: &serde_json::Value| {
        (
            f["rule"].as_str().unwrap().to_string(),
            f["resource"].as_str().unwrap().to_string(),
            f["status"].as_str().unwrap().to_string(),
        )
    };
    let mut a: Vec<_> = direct["findings"].as_array().unwrap().iter().map(key).collect();
    let mut b: Vec<_> = offline["findings"].as_array().unwrap().iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "collect + scan and scan --aws agree");

    // Every call was read-only and is in the IAM policy encguard prints.
    let policy: serde_json::Value = serde_json::from_str(&stdout(&encguard_in(&dir, &["iam-policy"]))).unwrap();
    let allowed: Vec<&str> =
        policy["Statement"][0]["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    let calls = std::fs::read_to_string(&moto.log).expect("the proxy logged the scan's calls");
    let mut seen = 0;
    for line in calls.lines() {
        let call: serde_json::Value = serde_json::from_str(line).unwrap();
        let (service, action) = (call["service"].as_str().unwrap(), call["action"].as_str().unwrap());
        if service == "?" && call["path"] == "/moto-api/" {
            continue;
        }
        seen += 1;
        assert!(
            ["Describe", "List", "Get"].iter().any(|p| action.starts_with(p)),
            "a mutating or unknown call: {line}"
        );
        assert!(
            allowed.contains(&format!("{service}:{action}").as_str()),
            "{service}:{action} is not in `encguard iam-policy`"
        );
    }
    assert!(seen > 200, "the proxy saw the scan ({seen} calls)");
    assert!(!calls.contains("GetSecretValue"));

    faults_leave_unknowns_naming_the_call_and_change_nothing_else(&moto, &direct, &calls);
}

/// The same account read through a proxy that fails chosen calls in every way a network and
/// AWS can: the scan completes, retries each failing call at most three times, every verdict
/// that differs from the clean scan is unknown naming a failed call, and no other changes.
fn faults_leave_unknowns_naming_the_call_and_change_nothing_else(
    moto: &Moto,
    clean: &serde_json::Value,
    clean_calls: &str,
) {
    let dir = temp_dir("live-faults");
    live_policy(&dir);
    let faults = [
        ("GetKeyRotationStatus", "denied"),
        ("DescribeTable", "throttle"),
        ("GetEbsEncryptionByDefault", "503"),
        ("GetEncryptionConfiguration", "reset"),
        ("DescribeSecret", "truncate"),
        ("ListCertificates", "429"),
        ("DescribeDBClusters", "500"),
        ("DescribeClusters", "slow"),
        ("DescribeRules", "denied"),
    ];
    let faults_file = dir.join("faults.json");
    let spec: serde_json::Map<String, serde_json::Value> =
        faults.iter().map(|(a, f)| (a.to_string(), serde_json::Value::from(*f))).collect();
    std::fs::write(&faults_file, serde_json::Value::Object(spec).to_string()).unwrap();
    let port = free_port();
    let log = dir.join("calls.jsonl");
    let _proxy = Stopped(start_proxy(&moto.python, port, &moto.direct, &log, Some(&faults_file)));
    let url = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{url}/moto-api/"), &moto.python);
    let aws = ["--aws", "--endpoint-url", &url, "--region", "us-east-1", "--region", "eu-west-1"];
    let start = Instant::now();
    let o = encguard_live(
        &dir,
        &[&["scan", "--format", "json", "--skip-rule", "EBS-002", "--call-timeout", "2"][..], &aws[..]].concat(),
    );
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(1), "the scan completes: {}", String::from_utf8_lossy(&o.stderr));
    assert!(took < Duration::from_secs(90), "took {took:?}");
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();

    // Each failed call is named among what could not be read.
    let gaps = report["gaps"].to_string();
    for (action, fault) in faults {
        assert!(gaps.contains(action), "{action} ({fault}) is not named in the gaps: {gaps}");
    }
    // At most three attempts of each failing call, against the clean scan's count of calls.
    let count =
        |calls: &str, action: &str| calls.lines().filter(|l| l.contains(&format!("\"action\": \"{action}\""))).count();
    let faulted_calls = std::fs::read_to_string(&log).unwrap();
    for (action, fault) in faults {
        // The clean log holds two collections: `collect`, then `scan --aws`.
        let (clean_n, faulted_n) = (count(clean_calls, action) / 2, count(&faulted_calls, action));
        assert!(clean_n > 0, "the clean scan calls {action}");
        assert!(faulted_n <= 3 * clean_n, "{action} ({fault}): {faulted_n} attempts for {clean_n} calls");
    }
    // Every verdict that changed is unknown and names a failed call; nothing else changed.
    let verdicts = |r: &serde_json::Value| -> std::collections::BTreeMap<(String, String), (String, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                ((text("rule"), text("resource")), (text("status"), text("message")))
            })
            .collect()
    };
    let (before, after) = (verdicts(clean), verdicts(&report));
    let mut changed = 0;
    for (key, (status, message)) in &after {
        if before.get(key).map(|(s, _)| s) == Some(status) {
            continue;
        }
        changed += 1;
        assert_eq!(status, "unknown", "{key:?} changed to {status}: {message}");
        assert!(
            faults.iter().any(|(action, _)| message.contains(action)),
            "{key:?} is unknown without naming a failed call: {message}"
        );
    }
    // A resource disappears only when the call that lists its kind failed (then nothing
    // names it, and the gap says which listing could not be read).
    let listed_by = [
        ("arn:aws:dax:", "DescribeClusters"),
        (":cluster:", "DescribeDBClusters"),
        ("arn:aws:acm:", "ListCertificates"),
    ];
    for (rule, resource) in before.keys().filter(|k| !after.contains_key(*k)) {
        let listing = listed_by.iter().find(|(part, _)| resource.contains(part));
        assert!(listing.is_some(), "{rule} on {resource} is no longer reported, though its listing was read");
    }
    assert!(changed > 0, "the faults changed no verdict");
}

/// The ASFF report is what Security Hub's `BatchImportFindings` takes: boto3 checks each
/// finding against the request's shape before sending it, and moto's Security Hub imports it.
#[test]
fn asff_findings_are_imported_by_security_hub() {
    let Some(moto) = start_moto() else { return };
    let dir = temp_dir("asff");
    let o = encguard_in(&workspace(), &["scan", "examples/inventory.json", "--format", "asff"]);
    let findings: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let count = findings.as_array().unwrap().len();
    assert!(count > 20, "every failure and unknown of the example account: {count}");
    std::fs::write(dir.join("asff.json"), &o.stdout).unwrap();
    let import = format!(
        "import boto3, json, sys\n\
         hub = boto3.client('securityhub', region_name='eu-west-1', endpoint_url='{}')\n\
         findings = json.load(open(sys.argv[1]))\n\
         done = 0\n\
         for i in range(0, len(findings), 100):\n    \
             r = hub.batch_import_findings(Findings=findings[i:i + 100])\n    \
             assert r['FailedCount'] == 0, r['FailedFindings']\n    \
             done += r['SuccessCount']\n\
         print(done)\n",
        moto.direct
    );
    let mut cmd = Command::new(&moto.python);
    cmd.args(["-c", &import]).arg(dir.join("asff.json"));
    live_env(&mut cmd);
    let imported = cmd.output().unwrap();
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    assert_eq!(String::from_utf8_lossy(&imported.stdout).trim(), count.to_string());

    // `encguard export securityhub` sends the same findings, through the recording proxy:
    // Security Hub takes all of them, and they update the ones imported above.
    let _ = std::fs::remove_file(&moto.log);
    let export = encguard_live(&dir, &["export", "securityhub", "asff.json", "--endpoint-url", &moto.proxied]);
    let stderr = String::from_utf8_lossy(&export.stderr);
    assert_eq!(export.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(&format!("Security Hub imported {count} of {count} findings")), "{stderr}");
    let calls = std::fs::read_to_string(&moto.log).unwrap();
    let actions: std::collections::BTreeSet<String> = calls
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|c| format!("{}:{}", c["service"].as_str().unwrap(), c["action"].as_str().unwrap()))
        .collect();
    assert_eq!(actions.into_iter().collect::<Vec<_>>(), ["securityhub:BatchImportFindings"], "its only call");
    // Each finding goes to its product's region, at most 100 a call.
    let mut per_region: std::collections::BTreeMap<String, usize> = Default::default();
    for f in findings.as_array().unwrap() {
        *per_region.entry(f["ProductArn"].as_str().unwrap().split(':').nth(3).unwrap().to_string()).or_default() += 1;
    }
    assert!(!per_region.contains_key("global"), "Security Hub has no global region: {per_region:?}");
    assert_eq!(calls.lines().count(), per_region.values().map(|n| n.div_ceil(100)).sum::<usize>());
    let policy: serde_json::Value =
        serde_json::from_str(&stdout(&encguard_in(&dir, &["iam-policy", "--export"]))).unwrap();
    assert_eq!(policy["Statement"][0]["Action"], serde_json::json!(["securityhub:BatchImportFindings"]));
    for (region, n) in per_region {
        let stored = format!(
            "import boto3\nhub = boto3.client('securityhub', region_name='{region}', endpoint_url='{}')\n\
             print(len(hub.get_findings(MaxResults=100)['Findings']))\n",
            moto.direct
        );
        let mut cmd = Command::new(&moto.python);
        cmd.args(["-c", &stored]);
        live_env(&mut cmd);
        let stored = String::from_utf8_lossy(&cmd.output().unwrap().stdout).trim().to_string();
        // eu-west-1 holds all of the boto3 import above; the export updated its findings
        // of that region rather than adding them again.
        let expected = if region == "eu-west-1" { count } else { n };
        assert_eq!(stored, expected.min(100).to_string(), "{region}");
    }
}

/// `examples/terraform` deployed into moto as Terraform would make it (tests/live/
/// deploy_examples.py), then one setting changed by hand and one bucket made outside the
/// code: drift reports exactly that setting and that bucket. What moto cannot express is
/// left out of the comparison, with why: it returns no `BlockedEncryptionTypes` (so its
/// buckets fail S3-007) and no Performance Insights settings, and cannot rotate a secret
/// without running a Lambda function (SM-004).
#[test]
fn drift_between_the_examples_and_their_deployment_is_the_one_change() {
    let Some(moto) = start_moto() else { return };
    let mut seed = Command::new(&moto.python);
    seed.arg(workspace().join("tests/live/deploy_examples.py")).arg(&moto.direct);
    live_env(&mut seed);
    let seeded = seed.output().unwrap();
    assert!(seeded.status.success(), "deploying failed: {}", String::from_utf8_lossy(&seeded.stderr));
    let drift = encguard_live(
        &workspace(),
        &[
            "drift",
            "--iac",
            "examples/terraform",
            "--aws",
            "--endpoint-url",
            &moto.proxied,
            "--region",
            "eu-west-1",
            "--format",
            "json",
        ],
    );
    let d: serde_json::Value = serde_json::from_slice(&drift.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&drift.stderr)));
    let not_modelled = ["S3-007", "SM-004"];
    let mut drifted = Vec::new();
    for pair in d["drifted"].as_array().unwrap() {
        let verdicts: Vec<&serde_json::Value> = pair["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| !not_modelled.contains(&v[0].as_str().unwrap()))
            .collect();
        let attributes: Vec<String> = pair["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| {
                let (name, mut code, mut live) = (a[0].as_str().unwrap(), a[1].clone(), a[2].clone());
                for side in [&mut code, &mut live] {
                    if let Some(o) = side.as_object_mut() {
                        o.remove("blocked_encryption_types");
                    }
                }
                // moto reports no Performance Insights settings.
                (code != live && name != "performance_insights_kms_key").then(|| format!("{name}: {code} -> {live}"))
            })
            .collect();
        if !verdicts.is_empty() || !attributes.is_empty() {
            drifted.push((pair["declared"].as_str().unwrap().to_string(), attributes, verdicts.len()));
        }
    }
    assert_eq!(drifted.len(), 1, "{drifted:#?}");
    let (declared, attributes, verdicts) = &drifted[0];
    assert_eq!(declared, "module.bucket[\"exports\"].aws_s3_bucket.this");
    assert_eq!(attributes.len(), 1, "{attributes:?}");
    assert!(
        attributes[0].contains("\"sse_algorithm\":\"aws:kms\"")
            && attributes[0].contains("\"sse_algorithm\":\"AES256\"")
    );
    assert_eq!(*verdicts, 0, "SSE-S3 meets the default policy's tier for unclassified data");
    let unmanaged: Vec<&str> = d["unmanaged"].as_array().unwrap().iter().map(|u| u[0].as_str().unwrap()).collect();
    assert_eq!(unmanaged, ["arn:aws:s3:::acme-prod-shadow"]);
    // moto drops a distribution's ACM certificate: the seed leaves CloudFront out.
    assert_eq!(d["not_deployed"], serde_json::json!(["aws_cloudfront_distribution.site"]));
    let pairs = d["matched"].as_u64().unwrap() as usize + d["drifted"].as_array().unwrap().len();
    assert_eq!(pairs, 18, "every resource deployed is matched with its code: {d:#}");
}

/// An organisation of four accounts in two regions, read through each account's role:
/// three shards, merged, find what one unsharded run finds (bench/scale.py is the large
/// version).
#[test]
fn a_sharded_organisation_scan_finds_what_one_run_finds() {
    let Some(moto) = start_moto() else { return };
    let dir = temp_dir("org");
    let mut seed = Command::new(&moto.python);
    seed.arg(workspace().join("tests/live/seed_org.py")).args([&moto.direct, "4", "us-east-1,eu-west-1", "2"]);
    live_env(&mut seed);
    let seeded = seed.output().unwrap();
    assert!(seeded.status.success(), "seeding failed: {}", String::from_utf8_lossy(&seeded.stderr));
    let accounts = String::from_utf8_lossy(&seeded.stdout).lines().count();
    assert_eq!(accounts, 4);
    let aws = [
        "--aws",
        "--org",
        "--role-name",
        "OrganizationAccountAccessRole",
        "--endpoint-url",
        &moto.direct,
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
    ];
    let collect = |out: &str, shard: Option<&str>| {
        let mut args = vec!["collect", "-o", out];
        args.extend(aws);
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let o = encguard_live(&dir, &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    collect("all.json", None);
    for i in 0..3 {
        collect(&format!("shard-{i}.json"), Some(&format!("{i}/3")));
    }
    let merged = encguard_in(&dir, &["merge", "shard-0.json", "shard-1.json", "shard-2.json", "-o", "merged.json"]);
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    let findings = |file: &str| -> Vec<(String, String, String)> {
        let report: serde_json::Value =
            serde_json::from_str(&stdout(&encguard_in(&dir, &["scan", file, "--format", "json"]))).unwrap();
        let mut out: Vec<_> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["rule"].to_string(), f["resource"].to_string(), f["status"].to_string()))
            .collect();
        out.sort();
        out
    };
    let (all, merged) = (findings("all.json"), findings("merged.json"));
    assert_eq!(all, merged, "three shards merged are one run");

    // Balanced by the sizes of a saved scan of the organisation, in the store the runners
    // share (PostgreSQL, when the test server is there): the same findings, and slices
    // within one unit of each other.
    let store = super::stores("org_balance").pop().unwrap();
    let o = encguard_in(&dir, &["scan", "all.json", "--save", "--store", &store, "--format", "json"]);
    assert_ne!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let mut sizes = Vec::new();
    for i in 0..3 {
        let out = format!("balanced-{i}.json");
        let mut args = vec!["collect", "-o", &out, "--store", &store];
        args.extend(aws);
        let shard = format!("{i}/3");
        args.extend(["--shard", &shard]);
        let o = encguard_live(&dir, &args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{stderr}");
        assert!(stderr.contains("balancing the slices by the sizes of saved scan 1"), "{stderr}");
        let inventory: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(&out)).unwrap()).unwrap();
        sizes.push(inventory["resources"].as_array().unwrap().len());
    }
    let o =
        encguard_in(&dir, &["merge", "balanced-0.json", "balanced-1.json", "balanced-2.json", "-o", "balanced.json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(findings("balanced.json"), all, "balanced shards merged are one run too");
    // Slices that are not one whole split are not merged.
    let refused = |files: &[&str], why: &str| {
        let o = encguard_in(&dir, &[&["merge"][..], files, &["-o", "refused.json"][..]].concat());
        assert_eq!(o.status.code(), Some(2), "{files:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(why), "{}", String::from_utf8_lossy(&o.stderr));
    };
    refused(&["balanced-0.json", "balanced-1.json"], "slices 2/3 are missing");
    refused(&["shard-0.json", "balanced-1.json", "balanced-2.json"], "not one split");
    refused(&["balanced-0.json", "balanced-0.json", "balanced-1.json", "balanced-2.json"], "are both slice 0/3");
    refused(&["all.json", "balanced-1.json"], "all.json is not a slice");
    let inventory: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("all.json")).unwrap()).unwrap();
    let mut units: std::collections::BTreeMap<String, usize> = Default::default();
    for r in inventory["resources"].as_array().unwrap() {
        let region = match r["location"]["region"].as_str().unwrap() {
            _ if r["kind"] == "s3_bucket" => "us-east-1",
            "global" => "us-east-1",
            region => region,
        };
        *units.entry(format!("{}/{region}", r["location"]["account"].as_str().unwrap())).or_default() += 1;
    }
    let largest = units.values().max().copied().unwrap_or(0);
    let (most, least) = (sizes.iter().max().unwrap(), sizes.iter().min().unwrap());
    assert!(most - least <= largest, "slices of {sizes:?} resources; the largest unit holds {largest}");
    // Every account was read: each holds a key without rotation in each region.
    let unrotated = all.iter().filter(|(rule, _, status)| rule == "\"KMS-001\"" && status == "\"fail\"").count();
    assert_eq!(unrotated, 4 * 2, "{all:#?}");
}

/// In the China partition the global services answer in cn-north-1, not us-east-1: a
/// collection of cn-north-1 reads its buckets there.
#[test]
fn another_partition_reads_its_global_services_in_its_own_home_region() {
    let Some(moto) = start_moto() else { return };
    let dir = temp_dir("partition");
    let seed = format!(
        "import boto3\nkw = dict(endpoint_url='{}', aws_access_key_id='testing', aws_secret_access_key='testing', region_name='cn-north-1')\n\
         boto3.client('s3', **kw).create_bucket(Bucket='china-bucket', CreateBucketConfiguration={{'LocationConstraint': 'cn-north-1'}})\n\
         boto3.client('kms', **kw).create_key()\n",
        moto.direct
    );
    let mut cmd = Command::new(&moto.python);
    cmd.args(["-c", &seed]);
    live_env(&mut cmd);
    let seeded = cmd.output().unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let o = encguard_live(
        &dir,
        &["collect", "--aws", "--endpoint-url", &moto.direct, "--region", "cn-north-1", "-o", "cn.json", "--verbose"],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("call s3:ListAllMyBuckets 123456789012/cn-north-1"), "{stderr}");
    assert!(!stderr.contains("us-east-1"), "nothing is asked of us-east-1:\n{stderr}");
    let inventory: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cn.json")).unwrap()).unwrap();
    let resources = inventory["resources"].as_array().unwrap();
    assert!(resources.iter().any(|r| r["name"] == "arn:aws-cn:s3:::china-bucket"), "{resources:#?}");
    assert!(resources
        .iter()
        .any(|r| r["kind"] == "kms_key" && r["name"].as_str().unwrap().starts_with("arn:aws-cn:kms:")));
}
