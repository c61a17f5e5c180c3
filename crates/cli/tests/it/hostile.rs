//! Hostile, broken and adversarial inputs (`tests/hostile/`): each scanned alone and all
//! together under a memory limit, each ending in time with the exit code that says what
//! happened, naming every fault at its file, line and column — and every other file still
//! scanned.

use super::{stderr, stdout, workspace};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Memory the scan of one fixture, or of all, may use (address space, in KiB).
const MEMORY_KIB: u64 = 1 << 20;
const TIME: Duration = Duration::from_secs(10);

/// Every fixture: the exit code it must end with and what its report must say.
const FIXTURES: &[(&str, i32, &[&str])] = &[
    ("cdk-project", 1, &["\"resource\": \"Key961B73FD\""]),
    ("cfn-deep-yaml", 2, &["cfn-deep-yaml/template.yaml:7:", "nests deeper than 256 levels"]),
    ("cfn-deeper-yaml", 2, &["cfn-deeper-yaml/template.yaml:7:", "nests deeper than 256 levels"]),
    ("cfn-foreach", 1, &["\"resource\": \"KeyAlpha\"", "\"resource\": \"KeyBeta\""]),
    ("cfn-self-ref", 2, &["cfn-self-ref/template.yaml:4:5: a reference cycle: Bucket → Bucket"]),
    ("gitignored-templates", 1, &["1 input files excluded by .gitignore or .ignore"]),
    ("hostile-values", 1, &["S3-001"]),
    ("lambda-event", 0, &["1 JSON or YAML files that are not templates"]),
    ("plan-resource-changes-string", 2, &["plan.json:1:", "must be a list of resource changes, not a string"]),
    ("tf-broken-tfvars", 2, &["tf-broken-tfvars/terraform.tfvars:1:10: "]),
    ("tf-count-huge", 2, &["tf-count-huge/main.tf:2:25: count of `aws_kms_key.k` is 1e300, over the limit"]),
    ("tf-count-ten-million", 2, &["tf-count-ten-million/main.tf:2:25: count of `aws_kms_key.k` is 10000000"]),
    ("tf-deep-nesting", 2, &["tf-deep-nesting/main.tf:2:", "brackets nest deeper than 256 levels"]),
    ("tf-duplicate-object-keys", 1, &["\"resource\": \"aws_kms_key.k\""]),
    ("tf-file-dev-zero", 2, &["tf-file-dev-zero/main.tf:3:25: \"/dev/zero\" is not a regular file"]),
    ("tf-local-chain", 2, &["tf-local-chain/main.tf:", "references nest deeper than 400 levels"]),
    ("tf-module-recursive", 2, &["child/main.tf:1:1: module `again` calls a module that calls it"]),
    ("tf-modules-call-each-other", 2, &["calls a module that calls it", "\"resource\": \"aws_kms_key.a\""]),
    ("tf-range-ten-million", 2, &["tf-range-ten-million/main.tf:2:41: range() of more than 1000000 elements"]),
    ("tf-root-calls-itself", 2, &["tf-root-calls-itself/main.tf:1:1: module `self` calls a module that calls it"]),
    ("tf-symlink", 1, &["\"resource\": \"aws_kms_key.k\"", "linked/keys.tf"]),
    ("tf-symlink-escape", 1, &["outside.tf", "not followed"]),
    ("tf-templatefile-self", 2, &["templatefile(\"policy.tpl\") renders itself"]),
    ("tf-var-mutual", 2, &["tf-var-mutual/main.tf:1:1: a reference cycle: var.a → var.b → var.a"]),
    ("tf-var-self", 2, &["tf-var-self/main.tf:1:1: a reference cycle: var.x → var.x"]),
];

/// Runs encguard under the memory limit, from `tests/`, with the report on standard output.
fn limited(args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_encguard"))
        .args(args)
        .current_dir(workspace().join("tests"))
        .env("ENCGUARD_TODAY", "2026-11-28")
        .env("NO_COLOR", "1")
        .env_remove("ENCGUARD_POLICY")
        .env_remove("ENCGUARD_STORE")
        .output()
        .expect("encguard runs");
    (output, start.elapsed())
}

#[test]
fn every_fixture_is_listed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(workspace().join("tests/hostile"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = FIXTURES.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(on_disk, listed);
}

#[test]
fn each_hostile_input_alone_ends_in_time_with_its_verdict() {
    for (name, code, says) in FIXTURES {
        let path = format!("hostile/{name}");
        let (o, took) = limited(&["scan", &path, "--format", "json"]);
        // Findings in the report; errors, as people read them, on standard error.
        let report = stdout(&o) + &stderr(&o);
        assert_eq!(o.status.code(), Some(*code), "{name}: {}\n{report}", stderr(&o));
        assert!(took < TIME, "{name} took {took:?}");
        for said in *says {
            assert!(report.contains(said), "{name}: the report does not say {said}:\n{report}");
        }
    }
}

#[test]
fn all_hostile_inputs_together_lose_nothing() {
    let (o, took) = limited(&["scan", "hostile", "--format", "json"]);
    let report = stdout(&o) + &stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(took < TIME, "took {took:?}");
    for (name, _, says) in FIXTURES {
        for said in *says {
            assert!(report.contains(said), "{name}: the report does not say {said}:\n{report}");
        }
    }
}

#[test]
fn variable_files_given_must_be_read() {
    let (o, _) = limited(&["scan", "hostile/tf-duplicate-object-keys", "--var-file", "hostile/missing.tfvars"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("hostile/missing.tfvars: variable file: cannot read"), "{}", stdout(&o));
}

#[test]
fn every_report_format_carries_input_errors() {
    let dir = Path::new("hostile/cfn-self-ref");
    let dir = dir.to_str().unwrap();
    let (o, _) = limited(&["scan", dir, "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
    assert_eq!(note["message"]["text"], "a reference cycle: Bucket → Bucket");

    let (o, _) = limited(&["scan", dir, "--format", "junit"]);
    assert!(
        stdout(&o).contains("<error message=\"hostile/cfn-self-ref/template.yaml:4:5: a reference cycle"),
        "{}",
        stdout(&o)
    );

    let (o, _) = limited(&["scan", "hostile/tf-deep-nesting", "--format", "markdown"]);
    let markdown = stdout(&o);
    assert!(markdown.contains("### Inputs that could not be read"), "{markdown}");
    assert!(markdown.contains("No violations in what could be read; 1 inputs could not be read"), "{markdown}");

    for format in ["text", "html"] {
        let (o, _) = limited(&["scan", dir, "--format", format]);
        assert!(stdout(&o).contains("a reference cycle: Bucket → Bucket"), "{format}");
    }
}

#[test]
fn scanned_values_cannot_become_markup_or_terminal_codes() {
    let (o, _) = limited(&["scan", "hostile/hostile-values", "--format", "markdown"]);
    let markdown = stdout(&o);
    for raw in ["<script>", "<img", "\u{1b}"] {
        assert!(!markdown.contains(raw), "markdown holds {raw:?}:\n{markdown}");
    }
    assert!(!markdown.replace("\\]", "").contains(']'), "an unescaped link: {markdown}");
    assert!(markdown.contains("&lt;script&gt;") && markdown.contains("\\|"), "{markdown}");
    for line in markdown.lines().filter(|l| l.starts_with("| ") && l.contains("S3-001")) {
        assert_eq!(line.matches(" | ").count(), 4, "a value broke out of its cell: {line}");
    }
    let (o, _) = limited(&["scan", "hostile/hostile-values"]);
    assert!(!stdout(&o).contains('\u{1b}'), "{}", stdout(&o));
    assert!(stdout(&o).contains("\\u{1b}[31mred"), "{}", stdout(&o));
}
