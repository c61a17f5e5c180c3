//! `encguard remediate` against moto: a plan of the calls that fix the seeded account's
//! failures in place, each with the state it changes from; applied through the recording
//! proxy (the planned writes and no other); a rescan without those failures and with no
//! new one; a second apply that makes no call; a rollback that restores every state it can
//! restore without deleting, and says which it cannot. What moto lacks — the EBS default
//! key calls, which it answers with HTTP 500, and the SSE-C block of a bucket's default
//! encryption, which it drops — the proxy's stand-in makes up.

use super::{encguard_live, free_port, seed_account, start_moto, start_proxy, wait_for, Stopped};
use crate::temp_dir;
use serde_json::Value;
use std::collections::BTreeSet;

/// The resources of the plan's manual steps for `rule`.
fn by_hand_resources(plan: &Value, rule: &str) -> Vec<String> {
    let manual = plan["manual"].as_array().unwrap().iter().filter(|m| m["fixes"][0]["rule"] == rule);
    manual.map(|m| m["resource"].as_str().unwrap().to_string()).collect()
}

#[test]
fn live_fixes_are_planned_applied_once_and_rolled_back() {
    let Some(moto) = start_moto() else { return };
    let dir = temp_dir("remediate");
    seed_account(&moto);
    let faults = dir.join("faults.json");
    let stand_in = [
        "GetEbsDefaultKmsKeyId",
        "ModifyEbsDefaultKmsKeyId",
        "ResetEbsDefaultKmsKeyId",
        "GetEncryptionConfiguration",
        "PutEncryptionConfiguration",
        "UpdateTable",
        "DescribeTable",
    ];
    let spec: serde_json::Map<String, Value> = stand_in.iter().map(|a| (a.to_string(), "stand-in".into())).collect();
    std::fs::write(&faults, Value::Object(spec).to_string()).unwrap();
    let (port, log) = (free_port(), dir.join("calls.jsonl"));
    let _proxy = Stopped(start_proxy(&moto.python, port, &moto.direct, &log, Some(&faults)));
    let url = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{url}/moto-api/"), &moto.python);
    // The strict profile (customer managed keys for every service's data), and the key the
    // organisation chose for secrets, volumes, tables and buckets, which SM-001, EBS-002,
    // DDB-001 and S3-002 give.
    let init = encguard_live(&dir, &["init", "policy.toml", "--strict"]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let strict = std::fs::read_to_string(dir.join("policy.toml")).unwrap();
    let chosen = strict.replace(
        "# kms_keys = { secretsmanager = \"alias/app-secrets\", ebs = \"alias/app-volumes\", dynamodb = \"alias/app-tables\", s3 = \"alias/app-buckets\" }",
        "kms_keys = { secretsmanager = \"alias/app-data\", ebs = \"alias/app-data\", dynamodb = \"alias/app-data\", s3 = \"alias/app-data\" }",
    );
    assert_ne!(chosen, strict, "the strict profile shows where the key is chosen");
    std::fs::write(dir.join("policy.toml"), chosen).unwrap();
    let aws = [
        "--aws",
        "--endpoint-url",
        url.as_str(),
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--policy",
        "policy.toml",
    ];
    let run = |args: &[&str]| {
        let o = encguard_live(&dir, &[args, &aws[..]].concat());
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let json =
        |file: &str| -> Value { serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap() };
    let failing = || -> BTreeSet<(String, String)> {
        let o = encguard_live(&dir, &[&["scan", "--format", "json"][..], &aws[..]].concat());
        let report: Value = serde_json::from_slice(&o.stdout).unwrap();
        let findings = report["findings"].as_array().unwrap().iter().filter(|f| f["status"] == "fail");
        findings.map(|f| (f["fingerprint"].as_str().unwrap().into(), f["resource"].as_str().unwrap().into())).collect()
    };
    // The writes the proxy saw, as `service:Action`.
    let writes = || -> Vec<String> {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        let mut calls: Vec<String> = log
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|c| format!("{}:{}", c["service"].as_str().unwrap(), c["action"].as_str().unwrap()))
            .filter(|a| !["Get", "Describe", "List"].iter().any(|read| a.split(':').nth(1).unwrap().starts_with(read)))
            .collect();
        calls.sort();
        calls
    };
    let before = failing();

    let (code, stderr) = run(&["remediate", "--plan", "plan.json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let plan = json("plan.json");
    let steps = plan["steps"].as_array().unwrap();
    let mut planned: Vec<String> = steps.iter().map(|s| s["call"]["Action"].as_str().unwrap().to_string()).collect();
    planned.sort();
    let kinds: BTreeSet<&str> = planned.iter().map(String::as_str).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "cloudfront:UpdateDistribution",
            "dynamodb:UpdateTable",
            "ec2:EnableEbsEncryptionByDefault",
            "ec2:ModifyEbsDefaultKmsKeyId",
            "elasticloadbalancing:ModifyListener",
            "kms:CancelKeyDeletion",
            "kms:EnableKey",
            "kms:EnableKeyRotation",
            "rds:ModifyDBInstance",
            "rds:ModifyDBParameterGroup",
            "s3:PutBucketPolicy",
            "s3:PutEncryptionConfiguration",
            "secretsmanager:UpdateSecret"
        ],
        "{plan:#}"
    );
    // Each step says the state it changes from, and the one it leaves.
    let step = |action: &str| steps.iter().find(|s| s["call"]["Action"] == action).unwrap();
    assert_eq!(
        (&step("kms:EnableKeyRotation")["before"], &step("kms:EnableKeyRotation")["after"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    let listener = |setting: &str| {
        steps
            .iter()
            .find(|s| s["call"]["Action"] == "elasticloadbalancing:ModifyListener" && !s["call"][setting].is_null())
    };
    assert_eq!(listener("SslPolicy").expect("LB-003 planned")["before"], "ELBSecurityPolicy-2016-08");
    // The HTTP listener beside an HTTPS one redirects to it; the one without is left.
    let redirect = listener("DefaultActions").expect("LB-001 planned");
    assert_eq!(redirect["before"][0]["Type"], "forward", "{redirect:#}");
    assert_eq!(redirect["after"][0]["RedirectConfig"]["Port"], "443", "{redirect:#}");
    assert!(by_hand_resources(&plan, "LB-001").iter().any(|r| r.contains("listener/app/web/")), "{plan:#}");
    assert_eq!(step("kms:CancelKeyDeletion")["before"], "PendingDeletion");
    assert_eq!(step("rds:ModifyDBInstance")["after"], "rds-ca-rsa2048-g1");
    // CloudFront: one setting on every part that fails, from the configuration read with
    // its ETag.
    let viewers = steps.iter().find(|s| s["call"]["Setting"] == "ViewerProtocolPolicy").expect("CF-001 planned");
    assert!(viewers["before"].as_array().unwrap().contains(&Value::from("allow-all")), "{viewers:#}");
    assert!(!viewers["after"].as_array().unwrap().contains(&Value::from("allow-all")), "{viewers:#}");
    let secret = step("secretsmanager:UpdateSecret");
    assert!(secret["before"].is_null(), "the AWS managed key: {secret:#}");
    assert!(secret["call"]["KmsKeyId"].as_str().unwrap().contains(":key/"), "the chosen key by its ARN: {secret:#}");
    // The TLS parameter set in the custom group; a database on a default group is for a person.
    let group = step("rds:ModifyDBParameterGroup");
    assert_eq!((&group["before"], &group["after"]), (&"0".into(), &"1".into()), "{group:#}");
    assert_eq!(group["call"]["DBParameterGroupName"], "rule-tls-off");
    assert!(by_hand_resources(&plan, "RDS-009").iter().any(|r| r.contains("db:plain-db-")), "{plan:#}");
    let table = step("dynamodb:UpdateTable");
    assert_eq!((&table["before"], &table["after"]), (&"AWS_OWNED".into(), &table["call"]["Key"]), "{table:#}");
    // SSE-C blocked and the chosen key, in one change of the default encryption the bucket has.
    let encryption = step("s3:PutEncryptionConfiguration");
    assert_eq!(encryption["before"][0]["BlockedEncryptionTypes"], serde_json::json!([]), "{encryption:#}");
    assert_eq!(encryption["after"][0]["BlockedEncryptionTypes"], serde_json::json!(["SSE-C"]));
    assert_eq!(encryption["after"][0]["SSEAlgorithm"], "aws:kms", "{encryption:#}");
    assert!(encryption["after"][0]["KMSMasterKeyID"].as_str().unwrap().contains(":key/"), "{encryption:#}");
    assert_eq!(encryption["fixes"].as_array().unwrap().len(), 2, "S3-002 and S3-007: {encryption:#}");
    let volumes = step("ec2:ModifyEbsDefaultKmsKeyId");
    assert!(volumes["before"].is_null(), "the AWS managed key: {volumes:#}");
    assert_eq!(volumes["after"], volumes["call"]["KmsKeyId"]);
    // What only a replacement or a person can fix is listed, not planned.
    let manual = plan["manual"].as_array().unwrap();
    let by_hand =
        |rule: &str| manual.iter().find(|m| m["fixes"][0]["rule"] == rule).map(|m| m["what"].as_str().unwrap());
    assert!(by_hand("RDS-001").unwrap().contains("only by recreating the DB instance"), "{manual:#?}");
    assert!(by_hand("KMS-002").unwrap().contains("never applied by encguard"));
    let fixed: BTreeSet<&str> =
        steps.iter().flat_map(|s| s["fixes"].as_array().unwrap()).map(|f| f["finding"].as_str().unwrap()).collect();
    assert!(fixed.iter().all(|f| before.iter().any(|(b, _)| b == f)), "every step fixes an open failure");

    // Applied: the planned writes, each once, and no other.
    let _ = std::fs::remove_file(&log);
    let (code, stderr) = run(&["remediate", "--apply", "plan.json", "--journal", "journal.json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(writes(), planned, "{stderr}");
    let journal = json("journal.json");
    let outcomes = |journal: &Value| -> BTreeSet<String> {
        journal["entries"].as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(outcomes(&journal).into_iter().collect::<Vec<_>>(), ["applied"]);
    let after = failing();
    assert!(after.iter().all(|(f, _)| !fixed.contains(f.as_str())), "the planned failures are fixed");
    // None is new, but on keys back in use (enabled, or no longer pending deletion), which
    // rules judge now (a disabled key cannot rotate): a second plan fixes what they find on
    // those keys, and nothing else.
    let back_in_use: BTreeSet<&str> = steps
        .iter()
        .filter(|s| s["call"]["Action"] == "kms:CancelKeyDeletion" || s["call"]["Action"] == "kms:EnableKey")
        .map(|s| s["resource"].as_str().unwrap())
        .collect();
    let new: Vec<_> = after.difference(&before).collect();
    assert!(new.iter().all(|(_, resource)| back_in_use.contains(resource.as_str())), "new failures: {new:?}");
    let (code, stderr) = run(&["remediate", "--plan", "second.json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let second = json("second.json");
    let second: BTreeSet<&str> =
        second["steps"].as_array().unwrap().iter().map(|s| s["resource"].as_str().unwrap()).collect();
    assert!(!second.is_empty() && second.is_subset(&back_in_use), "{stderr}");

    // A journal is never written over: it is what a rollback reads.
    let (code, stderr) = run(&["remediate", "--apply", "plan.json", "--journal", "journal.json"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("never written over"), "{stderr}");
    assert_eq!(json("journal.json"), journal);

    // Applied again: every resource is already so, and no call is made.
    let _ = std::fs::remove_file(&log);
    let (code, stderr) = run(&["remediate", "--apply", "plan.json", "--journal", "again.json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(writes().is_empty(), "{stderr}");
    assert_eq!(outcomes(&json("again.json")).into_iter().collect::<Vec<_>>(), ["already_done"]);

    // Rolled back: every state restored but a cancelled deletion and a policy given to a
    // bucket that had none, which are said to be for a person.
    let (code, stderr) = run(&["remediate", "--rollback", "journal.json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let kept: Vec<&Value> = steps
        .iter()
        .filter(|s| {
            s["call"]["Action"] == "kms:CancelKeyDeletion"
                || (s["call"]["Action"] == "s3:PutBucketPolicy" && s["before"].is_null())
        })
        .collect();
    assert!(!kept.is_empty());
    for step in &kept {
        let resource = step["resource"].as_str().unwrap();
        assert!(
            stderr.contains(&format!("by hand: {} {resource}", step["call"]["Action"].as_str().unwrap())),
            "{stderr}"
        );
    }
    let kept: BTreeSet<&str> = kept.iter().map(|s| s["resource"].as_str().unwrap()).collect();
    let restored = failing();
    for (fingerprint, resource) in &before {
        let as_it_was = restored.contains(&(fingerprint.clone(), resource.clone()));
        assert!(as_it_was || kept.contains(resource.as_str()), "{resource} is as it was");
    }
}
