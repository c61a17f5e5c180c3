//! What other systems ingest is valid for them: the recipes of `deploy/` — GitHub workflows
//! against GitHub's workflow schema (check-jsonschema's vendored copy), Kubernetes
//! manifests against the Kubernetes API schema (kubernetes-validate), the AWS Batch job
//! definition as JSON naming the shard index AWS Batch sets — and the OCSF report, as
//! Detection Findings of py-ocsf-models. The validators work offline; `scripts/test.sh`
//! installs them beside moto.

use super::workspace;
use std::process::Command;

/// The validators' virtualenv, from the Python the tests were given; `None` (and a skip,
/// except under CI) when it is not there.
fn venv_bin() -> Option<std::path::PathBuf> {
    let python = std::env::var("ENCGUARD_PYTHON").ok();
    let bin = python.as_deref().map(std::path::Path::new).and_then(|p| p.parent()).map(|d| d.to_path_buf());
    match bin.filter(|b| b.join("kubernetes-validate").exists()) {
        Some(bin) => Some(bin),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but the validators are not installed: run scripts/test.sh")
        }
        None => {
            eprintln!("skipped: ENCGUARD_PYTHON's virtualenv has no kubernetes-validate (scripts/test.sh installs it)");
            None
        }
    }
}

fn files(dir: &str, extension: &str) -> Vec<String> {
    let dir = workspace().join("deploy").join(dir);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .{extension} recipe under {}", dir.display());
    files
}

#[test]
fn deployment_recipes_are_valid() {
    let Some(bin) = venv_bin() else { return };
    let workflows = Command::new(bin.join("python"))
        .args(["-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"])
        .args(files("github", "yml"))
        .output()
        .unwrap();
    assert!(
        workflows.status.success(),
        "{}{}",
        String::from_utf8_lossy(&workflows.stdout),
        String::from_utf8_lossy(&workflows.stderr)
    );
    let manifests = Command::new(bin.join("kubernetes-validate"))
        .arg("--strict")
        .args(files("kubernetes", "yaml"))
        .output()
        .unwrap();
    assert!(
        manifests.status.success(),
        "{}{}",
        String::from_utf8_lossy(&manifests.stdout),
        String::from_utf8_lossy(&manifests.stderr)
    );
    for file in files("aws-batch", "json") {
        let definition: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let command = definition["containerProperties"]["command"].to_string();
        assert!(command.contains("--shard 4") && command.contains("AWS_BATCH_JOB_ARRAY_INDEX"), "{file}: {command}");
    }
}

#[test]
fn ocsf_findings_are_detection_findings() {
    let Some(bin) = venv_bin() else { return };
    let dir = super::temp_dir("ocsf");
    let o = super::encguard_in(&workspace(), &["scan", "examples", "--format", "ocsf"]);
    let report = dir.join("ocsf.json");
    std::fs::write(&report, &o.stdout).unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(findings.as_array().unwrap().len() > 50, "every failure and unknown of the examples");
    let check = "import json, sys\n\
                 from py_ocsf_models.events.findings.detection_finding import DetectionFinding\n\
                 for f in json.load(open(sys.argv[1])):\n    DetectionFinding(**f)\n";
    let validated = Command::new(bin.join("python")).args(["-c", check]).arg(&report).output().unwrap();
    assert!(validated.status.success(), "{}", String::from_utf8_lossy(&validated.stderr));
}
