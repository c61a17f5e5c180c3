//! `encguard diff`: two JSON reports compared by fingerprint.

use super::fix::TERRAFORM;
use super::{copy_tree, encguard_in, stderr, stdout, stores, temp_dir};

#[test]
fn a_diff_of_two_scans_says_what_changed_between_them() {
    let dir = temp_dir("diff");
    std::fs::write(dir.join("main.tf"), TERRAFORM).unwrap();
    let report = |name: &str| {
        let o = encguard_in(&dir, &["scan", ".", "--format", "json", "--output", name]);
        assert_ne!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    };
    report("before.json");
    encguard_in(&dir, &["fix", ".", "--rule", "KMS-001", "--write"]);
    std::fs::write(
        dir.join("extra.tf"),
        "resource \"aws_kms_key\" \"new\" {\n  enable_key_rotation = true\n  is_enabled          = false\n}\n",
    )
    .unwrap();
    report("after.json");
    let text = stdout(&encguard_in(&dir, &["diff", "before.json", "after.json"]));
    assert!(text.starts_with("introduces 2, fixes 3,"), "{text}");
    assert!(text.contains("KMS-005 fail aws_kms_key.new"), "{text}");
    let markdown = stdout(&encguard_in(&dir, &["diff", "before.json", "after.json", "--format", "markdown"]));
    assert!(markdown.contains("### Fixed") && markdown.contains("`aws_kms_key.bare`"), "{markdown}");
    let o = encguard_in(&dir, &["diff", "before.json", "main.tf"]);
    assert_eq!(o.status.code(), Some(2), "a file that is not a report is an error");
}

#[test]
fn saved_scans_are_listed_and_the_last_two_compared() {
    for store in [None].into_iter().chain(stores("cli_saved_scans").into_iter().skip(1).map(Some)) {
        let dir = temp_dir("saved-scans");
        std::fs::write(dir.join("main.tf"), TERRAFORM).unwrap();
        // Without --store, the default file under the work tree.
        let with = |args: &[&str]| -> Vec<String> {
            let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            args.extend(store.iter().flat_map(|s| ["--store".to_string(), s.clone()]));
            args
        };
        let run = |args: &[&str]| {
            let args = with(args);
            encguard_in(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let o = run(&["scan", ".", "--save", "--format", "json"]);
        assert!(stderr(&o).contains("saved as scan 1"), "{}", stderr(&o));
        encguard_in(&dir, &["fix", ".", "--rule", "KMS-001", "--write"]);
        run(&["scan", ".", "--save"]);
        assert_eq!(dir.join(".encguard/history.db").exists(), store.is_none());
        let history = stdout(&run(&["history"]));
        assert_eq!(history.lines().count(), 3, "{history}");
        let text = stdout(&run(&["diff"]));
        assert!(text.starts_with("introduces 0, fixes 3,"), "{text}");
        assert_eq!(stdout(&run(&["diff", "1", "2"])), text);
    }
    let dir = temp_dir("saved-scans-foreign");
    std::fs::write(dir.join("notes.db"), "not a store").unwrap();
    let o = encguard_in(&dir, &["history", "--store", "notes.db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an encguard history store"));
}

#[test]
fn drift_matches_declared_and_deployed_resources_by_name() {
    let dir = temp_dir("drift");
    std::fs::write(
        dir.join("main.tf"),
        r#"resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}
resource "aws_s3_bucket" "gone" {
  bucket = "acme-gone"
}
resource "aws_db_instance" "orders" {
  identifier        = "orders"
  engine            = "postgres"
  instance_class    = "db.t4g.micro"
  storage_encrypted = true
}
"#,
    )
    .unwrap();
    let live = |kind: &str, arn: &str, name: &str, extra: serde_json::Value| {
        let mut r = serde_json::json!({"kind": kind, "name": arn, "source_type": kind, "handles": [name],
            "region": "eu-west-1", "scope": "111122223333/eu-west-1",
            "location": {"source": "aws", "account": "111122223333", "region": "eu-west-1", "arn": arn}});
        r.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        r
    };
    let inventory = serde_json::json!({"schema_version": 2, "resources": [
        live("s3_bucket", "arn:aws:s3:::acme-logs", "acme-logs", serde_json::json!({"bucket_name": "acme-logs"})),
        live("s3_bucket", "arn:aws:s3:::shadow", "shadow", serde_json::json!({"bucket_name": "shadow"})),
        live("rds_instance", "arn:aws:rds:eu-west-1:111122223333:db:orders", "orders",
            serde_json::json!({"engine": "postgres", "storage_encrypted": false})),
    ]});
    std::fs::write(dir.join("deployed.json"), inventory.to_string()).unwrap();
    let o = encguard_in(&dir, &["drift", "--iac", "main.tf", "--deployed", "deployed.json"]);
    let text = stdout(&o);
    assert!(
        text.starts_with("2 drifted, 0 match, 1 unmanaged, 1 not deployed, 0 unmatchable"),
        "{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A bucket the code creates blocks SSE-C by default; the deployed one, older, does not.
    assert!(text.contains("S3-007: code pass, deployed fail"), "{text}");
    assert!(text.contains("storage_encrypted: code true, deployed false"), "{text}");
    assert!(text.contains("RDS-001: code pass, deployed fail"), "{text}");
    assert!(text.contains("  aws_s3_bucket.gone"), "{text}");
    assert!(text.contains("  arn:aws:s3:::shadow"), "{text}");

    // The same from saved scans: the deployed inventory saved, then the code.
    for store in stores("cli_drift") {
        for input in ["deployed.json", "main.tf"] {
            let o = encguard_in(&dir, &["scan", input, "--save", "--store", &store, "--format", "json"]);
            assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
        }
        let saved = stdout(&encguard_in(&dir, &["drift", "--iac", "2", "--deployed", "1", "--store", &store]));
        assert_eq!(saved, text, "{store}: saved scans give the same drift");
    }
}

#[test]
fn two_saved_scans_of_the_examples_with_one_fix_between_differ_by_that_fix() {
    for store in stores("cli_examples_history") {
        let dir = temp_dir("examples-history");
        copy_tree(&super::workspace().join("examples"), &dir.join("examples"));
        let save = || {
            let o = encguard_in(&dir, &["scan", "examples", "--save", "--store", &store, "--format", "json"]);
            assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
        };
        save();
        // One fix: the HTTPS listener's TLS policy.
        let o = encguard_in(&dir, &["fix", "examples/terraform", "--rule", "LB-003", "--write"]);
        assert!(stderr(&o).contains("fixed 1 finding"), "{}", stderr(&o));
        save();
        let json: serde_json::Value =
            serde_json::from_str(&stdout(&encguard_in(&dir, &["diff", "--store", &store, "--format", "json"])))
                .unwrap();
        let rules = |list: &str| -> Vec<String> {
            json[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["resource"].as_str().unwrap()))
                .collect()
        };
        assert_eq!(rules("fixed"), ["LB-003 aws_lb_listener.https"], "{store}: {json}");
        assert!(rules("introduced").is_empty(), "{json}");
        assert!(json["changed"].as_array().is_none_or(Vec::is_empty), "{json}");
    }
}
