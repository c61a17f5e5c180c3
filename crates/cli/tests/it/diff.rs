//! `encguard diff`: two JSON reports compared by fingerprint.

use super::fix::TERRAFORM;
use super::{encguard_in, stdout, temp_dir};

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
    assert!(text.starts_with("introduces 2, fixes 2,"), "{text}");
    assert!(text.contains("KMS-005 fail aws_kms_key.new"), "{text}");
    let markdown = stdout(&encguard_in(&dir, &["diff", "before.json", "after.json", "--format", "markdown"]));
    assert!(markdown.contains("### Fixed") && markdown.contains("`aws_kms_key.bare`"), "{markdown}");
    let o = encguard_in(&dir, &["diff", "before.json", "main.tf"]);
    assert_eq!(o.status.code(), Some(2), "a file that is not a report is an error");
}

#[test]
fn saved_scans_are_listed_and_the_last_two_compared() {
    let dir = temp_dir("saved-scans");
    std::fs::write(dir.join("main.tf"), TERRAFORM).unwrap();
    let o = encguard_in(&dir, &["scan", ".", "--save", "--format", "json"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("saved as scan 1"), "{}", String::from_utf8_lossy(&o.stderr));
    encguard_in(&dir, &["fix", ".", "--rule", "KMS-001", "--write"]);
    encguard_in(&dir, &["scan", ".", "--save"]);
    assert!(dir.join(".encguard/history.db").exists());
    let history = stdout(&encguard_in(&dir, &["history"]));
    assert_eq!(history.lines().count(), 3, "{history}");
    let text = stdout(&encguard_in(&dir, &["diff"]));
    assert!(text.starts_with("introduces 0, fixes 2,"), "{text}");
    assert_eq!(stdout(&encguard_in(&dir, &["diff", "1", "2"])), text);
    std::fs::write(dir.join("notes.db"), "not a store").unwrap();
    let o = encguard_in(&dir, &["history", "--store", "notes.db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an encguard history store"));
}
