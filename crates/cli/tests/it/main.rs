//! End-to-end tests of the `encguard` binary: exit codes, reports, policy files, and the
//! live collector against moto.

mod diff;
mod fix;
mod fuzz_regressions;
mod hostile;
#[cfg(feature = "aws")]
mod live;
mod recipes;
mod sources;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Runs encguard in `dir` with a fixed date and no colour.
fn encguard_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_encguard"))
        .args(args)
        .current_dir(dir)
        .env("ENCGUARD_TODAY", "2026-11-28")
        .env("NO_COLOR", "1")
        .env_remove("ENCGUARD_POLICY")
        .env_remove("ENCGUARD_STORE")
        .output()
        .expect("encguard runs")
}

fn encguard(args: &[&str]) -> Output {
    encguard_in(&workspace(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The stores a test of saved scans runs against: a file in its directory, and a new
/// PostgreSQL database `name` when the test server is there (`scripts/test.sh` starts one).
fn stores(name: &str) -> Vec<String> {
    let file = "history.db".to_string();
    #[cfg(feature = "postgres")]
    if let Some(server) = encguard_store::saved::postgres_testing::server() {
        return vec![file, encguard_store::saved::postgres_testing::fresh_database(&server, name)];
    }
    let _ = name;
    vec![file]
}

/// Copies the tree at `from` to `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().map(Result::unwrap) {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("encguard-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ONE_BUCKET: &str = r#"{"schema_version": 1, "resources": [
  {"name": "aws_s3_bucket.logs", "source_type": "aws_s3_bucket", "kind": "s3_bucket",
   "location": {"source": "file", "format": "terraform", "file": "s3.tf", "line": 3, "column": 1}}]}"#;

#[test]
fn rules_lists_the_whole_catalog() {
    let o = encguard(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 62, "a header and 61 rules");
    assert!(text.contains("S3-004") && text.contains("CF-005"));
}

#[test]
fn explain_prints_the_documentation_held_in_the_code() {
    let o = encguard(&["explain", "s3-004"]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("explain_s3_004", stdout(&o));

    let o = encguard(&["explain", "S3-404"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no rule `S3-404`"));
}

#[test]
fn scanning_the_examples_reports_every_section_and_exits_1() {
    let o = encguard(&["scan", "examples/"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    for section in [
        "1. AWS KMS",
        "2. AWS Secrets Manager",
        "3. Amazon S3",
        "4. Amazon EBS",
        "5. Amazon RDS",
        "6. Amazon DynamoDB and DAX",
        "7a. ACM certificates",
        "7b. Load balancers",
        "7c. CloudFront",
    ] {
        assert!(text.lines().any(|l| l == section), "no findings in {section}");
    }
    insta::assert_snapshot!("scan_examples_text", text);
}

/// Every finding on code points at text that begins what it judges: the attribute (or
/// block) the verdict is about, or the resource's header where the attribute is not
/// written — never a blank line, a comment or the middle of a value.
#[test]
fn every_finding_on_the_examples_points_at_an_attribute_or_a_resource() {
    let o = encguard(&["scan", "examples/", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let mut checked = 0;
    let mut at_attributes = 0;
    for finding in report["findings"].as_array().unwrap() {
        let location = &finding["location"];
        if location["source"] != "file" || location["format"] == "terraform-plan" {
            continue;
        }
        let file = location["file"].as_str().unwrap();
        let text = std::fs::read_to_string(workspace().join(file)).unwrap();
        let (line, column) =
            (location["line"].as_u64().unwrap() as usize, location["column"].as_u64().unwrap() as usize);
        let at: String = text.lines().nth(line - 1).unwrap_or_default().chars().skip(column - 1).collect();
        let resource = finding["resource"].as_str().unwrap();
        let header = at.starts_with("resource \"")
            || at.starts_with(&format!("{resource}:"))
            || resource.ends_with(&format!(".{}", at.split('"').nth(3).unwrap_or("-")));
        let attribute = at
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .is_some_and(|name| !name.is_empty() && at[name.len()..].trim_start().starts_with(['=', ':', '{']));
        assert!(header || attribute, "{} at {file}:{line}:{column} points at `{at}`", finding["rule"]);
        if let Some(end) = location.get("end") {
            let (end_line, end_column) =
                (end["line"].as_u64().unwrap() as usize, end["column"].as_u64().unwrap() as usize);
            assert!((end_line, end_column) > (line, column), "{finding}");
            let last = text.lines().nth(end_line - 1).unwrap_or_default();
            assert!(end_column <= last.chars().count() + 1, "{} ends past its line: {finding}", finding["rule"]);
        }
        checked += 1;
        at_attributes += usize::from(attribute && !header);
    }
    assert!(checked >= 30 && at_attributes >= 6, "{checked} findings on code, {at_attributes} at attributes");
}

#[test]
fn json_report_of_the_examples() {
    let o = encguard(&["scan", "examples/inventory.json", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(report["schema_version"], 2);
    assert!(report["summary"]["fail"].as_u64().unwrap() > 0);
    insta::assert_snapshot!("scan_examples_json", stdout(&o));
}

#[test]
fn thresholds_and_rule_selection_decide_the_exit_code() {
    // Only passing checks selected: clean.
    let o = encguard(&["scan", "examples/", "--rule", "S3-001"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // The examples hold critical failures (a public key policy).
    assert_eq!(encguard(&["scan", "examples/", "--fail-on", "critical"]).status.code(), Some(1));
    // Without the critical rules, nothing is critical.
    let o = encguard(&[
        "scan",
        "examples/",
        "--fail-on",
        "critical",
        "--skip-rule",
        "KMS-003",
        "--skip-rule",
        "KMS-006",
        "--skip-rule",
        "DDB-002",
        "--skip-rule",
        "KMS-007",
        "--skip-rule",
        "EBS-004",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(encguard(&["scan", "examples/", "--rule", "NOPE-1"]).status.code(), Some(2));
}

#[test]
fn unknowns_and_gaps_fail_the_run_only_when_asked() {
    let dir = temp_dir("fail-on-unknown");
    std::fs::write(
        dir.join("main.tf"),
        "variable \"rotate\" {}\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.rotate\n}\n",
    )
    .unwrap();
    let only_rotation = ["scan", "main.tf", "--rule", "KMS-001"];
    assert_eq!(encguard_in(&dir, &only_rotation).status.code(), Some(0));
    let flagged: Vec<&str> = only_rotation.iter().copied().chain(["--fail-on-unknown"]).collect();
    assert_eq!(encguard_in(&dir, &flagged).status.code(), Some(1));
    std::fs::write(dir.join("encguard.toml"), "[gate]\nfail_on_unknown = true\n").unwrap();
    assert_eq!(encguard_in(&dir, &only_rotation).status.code(), Some(1));
    std::fs::remove_file(dir.join("encguard.toml")).unwrap();

    // An inventory with nothing failing, but a region that could not be read.
    let gap = ONE_BUCKET.replace(
        "]}",
        r#"], "gaps": [{"scope": "111122223333/eu-west-1", "what": "s3:ListBuckets", "error": "AccessDenied"}]}"#,
    );
    std::fs::write(dir.join("inv.json"), gap).unwrap();
    let bucket_only = ["scan", "inv.json", "--rule", "S3-001"];
    assert_eq!(encguard_in(&dir, &bucket_only).status.code(), Some(0));
    let flagged: Vec<&str> = bucket_only.iter().copied().chain(["--fail-on-unknown"]).collect();
    assert_eq!(encguard_in(&dir, &flagged).status.code(), Some(1));
}

#[test]
fn bad_input_is_an_error_that_loses_nothing() {
    let dir = temp_dir("bad-input");
    std::fs::write(dir.join("good.json"), ONE_BUCKET).unwrap();
    std::fs::write(dir.join("broken.json"), "{\"schema_version\": 1,\n \"resources\": [\n  {\"name\": }\n]}").unwrap();
    std::fs::write(dir.join("unrelated.json"), "{\"name\": \"package\"}").unwrap();
    let o = encguard_in(&dir, &["scan", "."]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("broken.json:3:"), "{err}");
    assert!(!err.contains("unrelated.json"), "{err}");
    // The good file was still scanned.
    assert!(stdout(&o).contains("aws_s3_bucket.logs"), "{}", stdout(&o));

    let o = encguard_in(&dir, &["scan", "missing.json"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn policy_file_errors_name_the_line() {
    let dir = temp_dir("policy-errors");
    std::fs::write(dir.join("encguard.toml"), "[tls]\nminimum_version = \"1.2\"\nmaximum_version = \"1.3\"\n").unwrap();
    std::fs::write(dir.join("inv.json"), ONE_BUCKET).unwrap();
    let o = encguard_in(&dir, &["scan", "inv.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("encguard.toml:3:"), "{}", stderr(&o));
    assert!(stderr(&o).contains("maximum_version"), "{}", stderr(&o));
}

#[test]
fn exceptions_suppress_and_are_counted_and_expired_ones_are_reported() {
    let dir = temp_dir("exceptions");
    std::fs::write(dir.join("inv.json"), ONE_BUCKET).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        "[[exceptions]]\nrule = \"S3-004\"\nresource = \"aws_s3_bucket.*\"\nreason = \"private VPC endpoint only\"\nexpires = \"2027-03-01\"\n\
         [[exceptions]]\nrule = \"S3-006\"\nresource = \"aws_s3_bucket.logs\"\nreason = \"log delivery\"\nexpires = \"2026-06-01\"\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["scan", "inv.json", "--policy", "policy.toml", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let s3_004 = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "S3-004").unwrap();
    assert_eq!(s3_004["suppression"]["reason"], "private VPC endpoint only");
    assert_eq!(report["summary"]["suppressed"], 1);
    assert!(report["notices"][0].as_str().unwrap().contains("expired on 2026-06-01"));
    let s3_006 = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "S3-006").unwrap();
    assert!(s3_006["suppression"].is_null(), "an expired exception does not suppress");
}

#[test]
fn init_writes_the_default_policy_once() {
    let dir = temp_dir("init");
    assert_eq!(encguard_in(&dir, &["init"]).status.code(), Some(0));
    let written = std::fs::read_to_string(dir.join("encguard.toml")).unwrap();
    assert!(written.contains("[key_tiers]"));
    assert_eq!(encguard_in(&dir, &["init"]).status.code(), Some(2), "does not overwrite");
    assert_eq!(encguard_in(&dir, &["init", "--force"]).status.code(), Some(0));
    // The written file is a valid policy.
    std::fs::write(dir.join("inv.json"), ONE_BUCKET).unwrap();
    assert_eq!(encguard_in(&dir, &["scan", "inv.json"]).status.code(), Some(1));
    // The strict profile asks customer managed keys of every service: an SSE-S3 bucket fails S3-002.
    let s3_002 = |dir: &Path| {
        let o = encguard_in(dir, &["scan", "inv.json", "--rule", "S3-002", "--format", "json"]);
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        if report["summary"]["fail"] == 1 {
            "fail"
        } else {
            "pass"
        }
    };
    assert_eq!(s3_002(&dir), "pass");
    assert_eq!(encguard_in(&dir, &["init", "--force", "--strict"]).status.code(), Some(0));
    let strict = std::fs::read_to_string(dir.join("encguard.toml")).unwrap();
    assert!(strict.contains("s3 = \"customer-managed\""), "{strict}");
    assert_eq!(s3_002(&dir), "fail");
}

#[test]
fn schema_describes_the_inventory() {
    let o = encguard(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(schema["title"], "Inventory");
    let text = stdout(&o);
    for kind in ["kms_key", "s3_bucket", "cloudfront_distribution", "dax_cluster"] {
        assert!(text.contains(kind), "schema lacks {kind}");
    }
}

#[test]
fn colour_only_on_request_of_a_terminal() {
    let o = encguard(&["scan", "examples/"]);
    assert!(!stdout(&o).contains('\x1b'), "no colour when piped");
}

#[test]
fn terraform_and_cloudformation_errors_name_the_place_and_lose_nothing() {
    let dir = temp_dir("iac-errors");
    std::fs::create_dir_all(dir.join("tf")).unwrap();
    std::fs::write(dir.join("tf/main.tf"), "resource \"aws_ebs_volume\" \"v\" {\n  encrypted = false\n}\n").unwrap();
    std::fs::write(dir.join("tf/broken.tf"), "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n}\n").unwrap();
    std::fs::write(
        dir.join("stack.yaml"),
        "Resources:\n  Table:\n    Type: AWS::DAX::Cluster\n    Properties: {NodeType: dax.r5.large\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("good.yaml"),
        "Resources:\n  Cache:\n    Type: AWS::DAX::Cluster\n    Properties:\n      NodeType: dax.r5.large\n",
    )
    .unwrap();
    std::fs::write(dir.join("workflow.yml"), "on: push\njobs: {}\n").unwrap();
    let o = encguard_in(&dir, &["scan", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("tf/broken.tf:2:"), "{err}");
    assert!(err.contains("stack.yaml:"), "{err}");
    assert!(!err.contains("workflow.yml"), "other YAML is skipped: {err}");
    let out = stdout(&o);
    assert!(out.contains("aws_ebs_volume.v") && out.contains("Cache"), "{out}");
}

#[test]
fn variables_and_parameters_come_from_the_command_line() {
    let dir = temp_dir("overrides");
    std::fs::write(
        dir.join("main.tf"),
        "variable \"encrypt\" {}\nresource \"aws_ebs_volume\" \"v\" {\n  encrypted = var.encrypt\n}\n",
    )
    .unwrap();
    let unknown = encguard_in(&dir, &["scan", ".", "--rule", "EBS-003", "--format", "json"]);
    assert!(stdout(&unknown).contains("\"status\": \"unknown\""), "{}", stdout(&unknown));
    let known = encguard_in(&dir, &["scan", ".", "--rule", "EBS-003", "--var", "encrypt=true"]);
    assert_eq!(known.status.code(), Some(0), "{}", stdout(&known));

    std::fs::write(dir.join("main.tf"), "").unwrap();
    std::fs::write(dir.join("t.yaml"), "Parameters:\n  Tls:\n    Type: String\nResources:\n  Cache:\n    Type: AWS::DAX::Cluster\n    Properties:\n      SSESpecification: {SSEEnabled: true}\n      ClusterEndpointEncryptionType: !Ref Tls\n").unwrap();
    std::fs::write(dir.join("params.json"), "[{\"ParameterKey\": \"Tls\", \"ParameterValue\": \"TLS\"}]").unwrap();
    let o = encguard_in(&dir, &["scan", "t.yaml", "--rule", "DDB-005", "--parameter-file", "params.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = encguard_in(&dir, &["scan", "t.yaml", "--rule", "DDB-005", "--parameter", "Tls=NONE"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

/// Runs a tool the test setup installs; under CI it must be there.
fn tool(env: &str) -> Option<String> {
    match std::env::var(env) {
        Ok(path) if !path.is_empty() => Some(path),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("{env} is not set: scripts/test.sh installs it"),
        _ => {
            eprintln!("skipping: {env} is not set (scripts/test.sh sets it)");
            None
        }
    }
}

#[test]
fn sarif_junit_and_markdown_reports_of_the_examples() {
    for (format, name) in
        [("sarif", "scan_examples_sarif"), ("junit", "scan_examples_junit"), ("markdown", "scan_examples_markdown")]
    {
        let o = encguard(&["scan", "examples/", "--format", format]);
        assert_eq!(o.status.code(), Some(1));
        insta::assert_snapshot!(name, stdout(&o));
    }
    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&encguard(&["scan", "examples/", "--format", "sarif"]))).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    for r in results {
        assert!(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string());
        if let Some(uri) = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str() {
            assert!(!uri.is_empty() && !uri.starts_with('/') && !uri.contains("://"), "{uri}");
        }
    }
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len(), 61);
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let Some(validator) = tool("ENCGUARD_SARIF_VALIDATOR") else { return };
    let dir = temp_dir("sarif");
    let sarif = dir.join("examples.sarif");
    let o = encguard(&["scan", "examples/", "--format", "sarif", "-o", sarif.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = Command::new(validator)
        .args(["validate", sarif.to_str().unwrap(), "--output", dir.join("validation.sarif").to_str().unwrap()])
        .output()
        .expect("the SARIF validator runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(!text.contains(": error "), "{text}");
}

#[test]
fn html_report_renders_in_chromium() {
    let Some(chromium) = tool("ENCGUARD_CHROMIUM") else { return };
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report");
    std::fs::create_dir_all(&artifacts).unwrap();
    let html = artifacts.join("examples.html");
    // Two saved scans of the examples give the report a trend.
    let store = artifacts.join("history.db");
    let _ = std::fs::remove_file(&store);
    for skip in ["S3-004", "S3-005"] {
        encguard(&["scan", "examples/", "--save", "--store", store.to_str().unwrap(), "--skip-rule", skip]);
    }
    assert_eq!(
        encguard(&[
            "scan",
            "examples/",
            "--format",
            "html",
            "--store",
            store.to_str().unwrap(),
            "-o",
            html.to_str().unwrap()
        ])
        .status
        .code(),
        Some(1)
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&encguard(&["scan", "examples/", "--format", "json"]))).unwrap();
    let open = json["findings"].as_array().unwrap().len();
    let url = format!("file://{}", html.display());
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let profile = artifacts.join("profile");
    let run = |extra: &[&str], fragment: &str| {
        Command::new(&chromium)
            .args(base)
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(["--enable-logging=stderr", "--v=0"])
            .args(extra)
            .arg(format!("{url}{fragment}"))
            .output()
            .expect("chromium runs")
    };
    let dom = run(&["--dump-dom", "--virtual-time-budget=3000"], "");
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(
        dom_text.contains(&format!("{open} of {open} findings shown")),
        "the script ran and counted every finding:\n{log}"
    );
    assert!(dom_text.contains(&format!("<b>{}</b><span>fail</span>", json["summary"]["fail"])), "summary counts");
    // The auditor's header: date, scope, policy and its hash, tool.
    let about = dom_text.split("id=\"about\"").nth(1).unwrap_or_default();
    for expected in ["2026-11-28 00:00 UTC", "examples", "the built-in default policy", "encguard 0.1.0"] {
        assert!(about.contains(expected), "no {expected} in the header");
    }
    assert!(dom_text.contains("Trend over 2 saved scans of these inputs"), "the trend of the saved scans");
    assert!(dom_text.contains("id=\"holds\"") && dom_text.contains(" passing</summary>"), "the controls that hold");
    // The search reads the details: a fingerprint is only there.
    let fingerprint = json["findings"][0]["fingerprint"].as_str().unwrap();
    let searched = run(&["--dump-dom", "--virtual-time-budget=3000"], &format!("#q={fingerprint}"));
    assert!(
        String::from_utf8_lossy(&searched.stdout).contains(&format!("1 of {open} findings shown")),
        "search over details"
    );
    // Printed, every detail is open: a PDF of more pages than the screen's one.
    let pdf = artifacts.join("examples.pdf");
    let _ = std::fs::remove_file(&pdf);
    run(&[&format!("--print-to-pdf={}", pdf.display()), "--no-pdf-header-footer"], "");
    let printed = std::fs::read(&pdf).expect("a PDF is printed");
    let page = |marker: &[u8]| {
        printed.windows(marker.len() + 1).filter(|w| w.starts_with(marker) && w[marker.len()] != b's').count()
    };
    let pages = page(b"/Type /Page") + page(b"/Type/Page");
    // Collapsed, the findings take a few pages; with every detail open, many more.
    assert!(pages >= 15, "the printed report has {pages} pages: its details did not open");
    let console_errors: Vec<&str> =
        log.lines().filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains("Error"))).collect();
    assert!(console_errors.is_empty(), "console errors: {console_errors:#?}");
    let shot = artifacts.join("examples.png");
    let _ = std::fs::remove_file(&shot);
    run(&[&format!("--screenshot={}", shot.display()), "--window-size=1400,1800", "--hide-scrollbars"], "");
    assert!(shot.metadata().map(|m| m.len() > 10_000).unwrap_or(false), "screenshot at {}", shot.display());
}

#[test]
fn baselines_report_only_new_findings() {
    let dir = temp_dir("baseline");
    std::fs::write(dir.join("main.tf"), "resource \"aws_dax_cluster\" \"old\" {\n  cluster_name = \"old\"\n}\n")
        .unwrap();
    assert_eq!(encguard_in(&dir, &["baseline", ".", "-o", "baseline.json"]).status.code(), Some(0));
    let o = encguard_in(&dir, &["scan", ".", "--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(report["summary"]["suppressed"].as_u64().unwrap() >= 2);
    assert_eq!(report["findings"][0]["suppression"]["kind"], "baseline");
    std::fs::write(dir.join("new.tf"), "resource \"aws_dax_cluster\" \"new\" {\n  cluster_name = \"new\"\n}\n")
        .unwrap();
    let o = encguard_in(&dir, &["scan", ".", "--baseline", "baseline.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("aws_dax_cluster.new") && !stdout(&o).contains("aws_dax_cluster.old  "),
        "{}",
        stdout(&o)
    );
    std::fs::write(dir.join("bad.json"), "{}").unwrap();
    assert_eq!(encguard_in(&dir, &["scan", ".", "--baseline", "bad.json"]).status.code(), Some(2));
    std::fs::write(dir.join("v1.json"), r#"{"encguard_baseline": 1, "findings": []}"#).unwrap();
    let o = encguard_in(&dir, &["scan", ".", "--baseline", "v1.json"]);
    assert!(o.status.code() == Some(2) && stderr(&o).contains("record it again"), "{}", stderr(&o));
}

#[test]
fn baselines_match_from_any_directory_of_the_repository() {
    let repo = temp_dir("baseline-repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("infra/app")).unwrap();
    std::fs::write(repo.join("infra/app/main.tf"), "resource \"aws_dax_cluster\" \"c\" {\n  cluster_name = \"c\"\n}\n")
        .unwrap();
    assert_eq!(encguard_in(&repo, &["baseline", "infra", "-o", "baseline.json"]).status.code(), Some(0));
    let baseline = repo.join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let absolute = repo.join("infra");
    for (cwd, path) in
        [(repo.join("infra"), "."), (repo.join("infra/app"), "."), (repo.clone(), absolute.to_str().unwrap())]
    {
        let o = encguard_in(&cwd, &["scan", path, "--baseline", baseline]);
        assert_eq!(o.status.code(), Some(0), "from {}: {}", cwd.display(), stdout(&o));
    }
}

#[test]
fn the_rules_reference_in_docs_is_current() {
    let o = encguard(&["rules", "--markdown"]);
    let committed = std::fs::read_to_string(workspace().join("docs/rules.md")).unwrap();
    assert!(stdout(&o) == committed, "docs/rules.md is stale: run `encguard rules --markdown > docs/rules.md`");
    assert_eq!(stdout(&o).matches("\n### ").count(), 61);
}
