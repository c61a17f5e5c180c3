//! `encguard fix`: the edits a rule's safe fix makes in Terraform and CloudFormation, as a
//! diff and written; a second run changes nothing and a rescan finds the violations gone.

use super::{encguard_in, stdout, temp_dir};

pub(super) const TERRAFORM: &str = r#"resource "aws_kms_key" "bare" {}

resource "aws_kms_key" "off" {
  description         = "orders"
  enable_key_rotation = false # reviewed
}

variable "rotate" {
  default = false
}

resource "aws_kms_key" "from_variable" {
  enable_key_rotation = var.rotate
}
"#;

const CLOUDFORMATION: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  NoProperties:
    Type: AWS::KMS::Key
  WithProperties:
    Type: AWS::KMS::Key
    Properties:
      Description: orders
  Off:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: false
"#;

#[test]
fn fixes_are_a_diff_then_edits_that_a_rescan_confirms() {
    let dir = temp_dir("fix");
    std::fs::write(dir.join("main.tf"), TERRAFORM).unwrap();
    std::fs::write(dir.join("stack.yaml"), CLOUDFORMATION).unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "KMS-001"]);
    let diff = stdout(&o);
    for expected in [
        "-resource \"aws_kms_key\" \"bare\" {}\n+resource \"aws_kms_key\" \"bare\" {\n+  enable_key_rotation = true\n+}",
        "-  enable_key_rotation = false # reviewed\n+  enable_key_rotation = true # reviewed",
        "     Type: AWS::KMS::Key\n+    Properties:\n+      EnableKeyRotation: true",
        "     Properties:\n+      EnableKeyRotation: true\n       Description: orders",
        "-      EnableKeyRotation: false\n+      EnableKeyRotation: true",
        // The variable read once, with no other value: its default.
        "-  default = false\n+  default = true",
    ] {
        assert!(diff.contains(expected), "no\n{expected}\nin\n{diff}");
    }
    assert_eq!(std::fs::read_to_string(dir.join("main.tf")).unwrap(), TERRAFORM, "a diff only");

    let o = encguard_in(&dir, &["fix", ".", "--rule", "KMS-001", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = encguard_in(&dir, &["scan", ".", "--rule", "KMS-001", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let failing: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| f["resource"].as_str().unwrap())
        .collect();
    assert!(failing.is_empty(), "{failing:?}");
    let o = encguard_in(&dir, &["fix", ".", "--rule", "KMS-001"]);
    assert_eq!(stdout(&o), "", "a second run changes nothing");
}

#[test]
fn a_missing_attribute_of_a_nested_block_is_added_in_that_block() {
    let dir = temp_dir("fix-nested");
    std::fs::copy(super::workspace().join("tests/rules/CF-003/iam_certificate.tf"), dir.join("main.tf")).unwrap();
    let terraform = std::fs::read_to_string(dir.join("main.tf"))
        .unwrap()
        .replace(
            "    iam_certificate_id       = \"ASCAEXAMPLE\"\n",
            "    acm_certificate_arn      = \"arn:aws:acm:us-east-1:111122223333:certificate/c\"\n",
        )
        .replace("    minimum_protocol_version = \"TLSv1.2_2021\"\n", "");
    std::fs::write(dir.join("main.tf"), &terraform).unwrap();
    std::fs::write(
        dir.join("stack.yaml"),
        "Resources:\n  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n        ViewerCertificate:\n          AcmCertificateArn: arn:aws:acm:us-east-1:111122223333:certificate/c\n          SslSupportMethod: sni-only\n",
    )
    .unwrap();
    let diff = stdout(&encguard_in(&dir, &["fix", ".", "--rule", "CF-002"]));
    assert!(diff.contains("   viewer_certificate {\n+    minimum_protocol_version = \"TLSv1.2_2021\"\n"), "{diff}");
    assert!(diff.contains("         ViewerCertificate:\n+          MinimumProtocolVersion: TLSv1.2_2021\n"), "{diff}");
    encguard_in(&dir, &["fix", ".", "--rule", "CF-002", "--write"]);
    assert_eq!(stdout(&encguard_in(&dir, &["fix", ".", "--rule", "CF-002"])), "");
}

#[test]
fn fixes_that_recreate_a_resource_are_made_only_when_asked() {
    let dir = temp_dir("fix-replacement");
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_db_instance\" \"d\" {\n  engine         = \"postgres\"\n  instance_class = \"db.t4g.micro\"\n}\n\nresource \"aws_acm_certificate\" \"c\" {\n  domain_name       = \"a.example.com\"\n  validation_method = \"DNS\"\n}\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "RDS-001"]);
    assert_eq!(stdout(&o), "");
    assert!(String::from_utf8_lossy(&o.stderr).contains("recreates the DB instance; run with --allow-replacement"));
    let diff = stdout(&encguard_in(&dir, &["fix", ".", "--rule", "RDS-001", "--allow-replacement"]));
    assert!(diff.starts_with("# applying this recreates the DB instance `aws_db_instance.d`"), "{diff}");
    assert!(diff.contains("+  storage_encrypted = true\n"), "{diff}");
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_acm_certificate\" \"c\" {\n  domain_name       = \"a.example.com\"\n  validation_method = \"DNS\"\n  options {\n    certificate_transparency_logging_preference = \"DISABLED\"\n  }\n}\n",
    )
    .unwrap();
    let diff = stdout(&encguard_in(&dir, &["fix", ".", "--rule", "ACM-004"]));
    assert!(diff.contains("+    certificate_transparency_logging_preference = \"ENABLED\"\n"), "{diff}");
    std::fs::remove_file(dir.join("main.tf")).unwrap();
    std::fs::write(
        dir.join("stack.yaml"),
        "Resources:\n  Cache:\n    Type: AWS::DAX::Cluster\n    Properties:\n      NodeType: dax.r5.large\n",
    )
    .unwrap();
    let diff = stdout(&encguard_in(&dir, &["fix", ".", "--rule", "DDB-004", "--allow-replacement"]));
    assert!(diff.contains("     Properties:\n+      SSESpecification:\n+        SSEEnabled: true\n"), "{diff}");
}

/// A bucket with no policy gets one, written after it, with one statement per rule that
/// asks for it; a bucket that a module makes is left to a person.
#[test]
fn a_bucket_without_a_policy_gets_one_that_the_rescan_accepts() {
    let dir = temp_dir("fix-bucket-policy");
    let terraform = "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"acme-logs\" # {braces} in a comment\n  /* a } in a\n  block comment */\n  tags = { team = \"data\" }\n}\n\nresource \"aws_s3_bucket\" \"many\" {\n  count  = 2\n  bucket = \"acme-many-${count.index}\"\n}\n";
    let cloudformation = "Conditions:\n    Reporting: !Equals [a, a]\nResources:\n    Reports:\n        Type: AWS::S3::Bucket\n        Condition: Reporting\n        Properties:\n            BucketName: acme-reports\n    Other:\n        Type: AWS::SNS::Topic\n";
    std::fs::write(dir.join("main.tf"), terraform).unwrap();
    std::fs::write(dir.join("stack.yaml"), cloudformation).unwrap();
    let rules = ["--rule", "S3-004", "--rule", "S3-005", "--rule", "S3-006"];
    let o = encguard_in(&dir, &[&["fix", ".", "--write"][..], &rules[..]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("aws_s3_bucket.many[0]: the bucket is made by a module, or with count or for_each"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    assert!(written.starts_with(&terraform[..terraform.find("\n\nresource \"aws_s3_bucket\" \"many\"").unwrap()]));
    assert!(written.contains("}\n\nresource \"aws_s3_bucket_policy\" \"logs\" {\n  bucket = aws_s3_bucket.logs.id\n"));
    let stack = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(
        stack.contains(
            "            BucketName: acme-reports\n\n    ReportsPolicy:\n        Type: AWS::S3::BucketPolicy\n        Condition: Reporting\n"
        ),
        "under the bucket's condition: {stack}"
    );
    assert!(stack.ends_with("    Other:\n        Type: AWS::SNS::Topic\n"), "{stack}");

    let o = encguard_in(&dir, &[&["scan", ".", "--format", "json"][..], &rules[..]].concat());
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(report["errors"].as_array().unwrap().is_empty(), "{}", report["errors"]);
    let open: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["resource"].as_str().unwrap()))
        .collect();
    let expected = ["aws_s3_bucket.many[0]", "aws_s3_bucket.many[1]"];
    assert!(open.iter().all(|f| expected.iter().any(|e| f.ends_with(e))), "{open:?}");
    assert_eq!(report["summary"]["pass"], 6, "the three rules pass on both fixed buckets");
    let again = encguard_in(&dir, &[&["fix", "."][..], &rules[..]].concat());
    assert_eq!(stdout(&again), "", "a second run changes nothing");

    // A policy of the name the fix would give, in another file of the module: left to a person.
    let other = temp_dir("fix-bucket-policy-taken");
    std::fs::write(other.join("main.tf"), "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"acme-logs\"\n}\n")
        .unwrap();
    std::fs::write(
        other.join("policies.tf"),
        "resource \"aws_s3_bucket_policy\" \"logs\" {\n  bucket = \"acme-elsewhere\"\n  policy = \"{}\"\n}\n",
    )
    .unwrap();
    let o = encguard_in(&other, &[&["fix", "."][..], &rules[..]].concat());
    assert_eq!(stdout(&o), "", "no edit");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("another file of the module declares"), "{stderr}");
}

/// Every behaviour that lets viewers use HTTP, and every origin reached over HTTP, is fixed
/// in one run: a fix at each failing part.
#[test]
fn cloudfront_behaviours_and_origins_are_fixed_together() {
    let dir = temp_dir("fix-cloudfront");
    let behaviour = |kind: &str, extra: &str| {
        format!(
            "  {kind} {{\n{extra}    target_origin_id       = \"app\"\n    viewer_protocol_policy = \"allow-all\"\n    allowed_methods        = [\"GET\", \"HEAD\"]\n    cached_methods         = [\"GET\", \"HEAD\"]\n  }}\n"
        )
    };
    let terraform = format!(
        "resource \"aws_cloudfront_distribution\" \"site\" {{\n  enabled = true\n  origin {{\n    domain_name = \"app.example.com\"\n    origin_id   = \"app\"\n    custom_origin_config {{\n      http_port              = 80\n      https_port             = 443\n      origin_protocol_policy = \"http-only\"\n      origin_ssl_protocols   = [\"TLSv1.2\"]\n    }}\n  }}\n{}{}{}  restrictions {{\n    geo_restriction {{\n      restriction_type = \"none\"\n    }}\n  }}\n  viewer_certificate {{\n    cloudfront_default_certificate = true\n  }}\n}}\n",
        behaviour("default_cache_behavior", ""),
        behaviour("ordered_cache_behavior", "    path_pattern           = \"/api/*\"\n"),
        behaviour("ordered_cache_behavior", "    path_pattern           = \"/img/*\"\n"),
    );
    std::fs::write(dir.join("main.tf"), &terraform).unwrap();
    let rules = ["--rule", "CF-001", "--rule", "CF-004"];
    let diff = stdout(&encguard_in(&dir, &[&["fix", "."][..], &rules[..]].concat()));
    assert_eq!(diff.matches("+    viewer_protocol_policy = \"redirect-to-https\"").count(), 3, "{diff}");
    assert_eq!(diff.matches("+      origin_protocol_policy = \"https-only\"").count(), 1, "{diff}");
    let o = encguard_in(&dir, &[&["fix", ".", "--write"][..], &rules[..]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = encguard_in(&dir, &[&["scan", ".", "--format", "json"][..], &rules[..]].concat());
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["findings"], serde_json::json!([]), "both rules pass");
    assert_eq!(report["summary"]["pass"], 2);
    let again = encguard_in(&dir, &[&["fix", "."][..], &rules[..]].concat());
    assert_eq!(stdout(&again), "", "a second run changes nothing");
}

/// A behaviour written in flow style, or one among blocks a `dynamic` block also generates,
/// has no line of its own to edit: the fix is left to a person, never made elsewhere.
#[test]
fn behaviours_without_a_line_of_their_own_are_not_edited() {
    let dir = temp_dir("fix-no-line");
    std::fs::write(
        dir.join("stack.yaml"),
        "Resources:\n  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n        DefaultCacheBehavior: {TargetOriginId: app, ViewerProtocolPolicy: allow-all}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_cloudfront_distribution\" \"d\" {\n  enabled = true\n  default_cache_behavior {\n    target_origin_id       = \"app\"\n    viewer_protocol_policy = \"https-only\"\n  }\n  dynamic \"ordered_cache_behavior\" {\n    for_each = [\"/a/*\"]\n    content {\n      path_pattern           = ordered_cache_behavior.value\n      target_origin_id       = \"app\"\n      viewer_protocol_policy = \"allow-all\"\n    }\n  }\n  ordered_cache_behavior {\n    path_pattern           = \"/b/*\"\n    target_origin_id       = \"app\"\n    viewer_protocol_policy = \"https-only\"\n  }\n}\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "CF-001"]);
    assert_eq!(stdout(&o), "", "no edit");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("flow style"), "{stderr}");
    // The generated behaviour fails, and the written one (https-only) was not touched.
    let report = stdout(&encguard_in(&dir, &["scan", "main.tf", "--rule", "CF-001", "--format", "json"]));
    assert!(report.contains("\"status\": \"fail\""), "{report}");
}

/// With `[fix] kms_keys`, a secret or the default EBS key below its key tier is given the
/// key the policy chooses.
#[test]
fn a_secret_gets_the_key_the_policy_chooses() {
    let dir = temp_dir("fix-chosen-key");
    std::fs::write(
        dir.join("encguard.toml"),
        "[key_tiers]\nsecretsmanager = \"customer-managed\"\nebs = \"customer-managed\"\n\n\
         [fix]\nkms_keys = { secretsmanager = \"alias/app-secrets\", ebs = \"arn:aws:kms:eu-west-1:111122223333:key/volumes\" }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_secretsmanager_secret\" \"token\" {\n  name = \"token\"\n}\n\n\
         resource \"aws_ebs_default_kms_key\" \"this\" {\n  key_arn = \"arn:aws:kms:eu-west-1:111122223333:alias/aws/ebs\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("stack.yaml"),
        "Resources:\n  Token:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      KmsKeyId: alias/aws/secretsmanager\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "SM-001", "--rule", "EBS-002", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    assert!(main.contains("  kms_key_id = \"alias/app-secrets\"\n"), "{main}");
    assert!(main.contains("  key_arn = \"arn:aws:kms:eu-west-1:111122223333:key/volumes\"\n"), "{main}");
    assert!(std::fs::read_to_string(dir.join("stack.yaml"))
        .unwrap()
        .contains("      KmsKeyId: \"alias/app-secrets\"\n"));
    let o = encguard_in(&dir, &["scan", ".", "--rule", "SM-001", "--rule", "EBS-002", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["summary"]["pass"], 2, "both secrets pass");
    // The default key no longer fails; whether the chosen key is usable, a scan that does
    // not describe it cannot tell.
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!((&findings[0]["rule"], &findings[0]["status"]), (&"EBS-002".into(), &"unknown".into()));
    assert!(findings[0]["message"]
        .as_str()
        .unwrap()
        .contains("`arn:aws:kms:eu-west-1:111122223333:key/volumes` is not described"));
    assert_eq!(stdout(&encguard_in(&dir, &["fix", ".", "--rule", "SM-001"])), "", "a second run changes nothing");
}

/// A value read with `!FindInMap` of literal keys is fixed in its `Mappings` entry, when
/// nothing else reads the map; otherwise a person is told where the value is set.
#[test]
fn a_value_from_the_mappings_is_fixed_in_its_entry_when_nothing_else_reads_it() {
    let dir = temp_dir("fix-mappings");
    let template = |readers: &str| {
        format!(
            "Mappings:\n  Tls:\n    Policies:\n      Legacy: ELBSecurityPolicy-TLS-1-0-2015-04 # old\n\
             Resources:\n  Listener:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      \
             Protocol: HTTPS\n      Port: 443\n      SslPolicy: !FindInMap [Tls, Policies, Legacy]\n{readers}"
        )
    };
    std::fs::write(dir.join("one.yaml"), template("")).unwrap();
    let o = encguard_in(&dir, &["fix", "one.yaml", "--rule", "LB-003", "--write"]);
    assert!(super::stderr(&o).contains("fixed 1 finding"), "{}", super::stderr(&o));
    let fixed = std::fs::read_to_string(dir.join("one.yaml")).unwrap();
    assert!(fixed.contains("      Legacy: ELBSecurityPolicy-TLS13-1-2-2021-06 # old\n"), "{fixed}");
    assert!(fixed.contains("SslPolicy: !FindInMap [Tls, Policies, Legacy]"), "the reader is as it was");
    let rescan = stdout(&encguard_in(&dir, &["scan", "one.yaml", "--rule", "LB-003", "--format", "json"]));
    assert!(!rescan.contains("\"status\": \"fail\""), "{rescan}");
    assert!(stdout(&encguard_in(&dir, &["fix", "one.yaml"])).is_empty(), "a second run changes nothing");

    let shared = template("  Other:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      Protocol: HTTPS\n      Port: 8443\n      SslPolicy: !FindInMap [Tls, Policies, Legacy]\n");
    std::fs::write(dir.join("two.yaml"), &shared).unwrap();
    let o = encguard_in(&dir, &["fix", "two.yaml", "--rule", "LB-003", "--write"]);
    assert!(super::stderr(&o).contains("might share the entry"), "{}", super::stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.join("two.yaml")).unwrap(), shared, "not edited");
}

/// The examples fixed with `--write` are as valid Terraform as they were: `terraform
/// validate` of the root module, against the AWS provider of the local mirror
/// (`ENCGUARD_TERRAFORM_MIRROR`, which `scripts/test.sh` finds), reports no diagnostic the
/// unfixed copy does not. The mirror's provider may be older than the one the examples ask
/// for: the constraint is relaxed to it in both copies, and what the older provider does
/// not know is the same in both.
#[test]
fn the_fixed_examples_pass_terraform_validate() {
    let (Ok(terraform), Ok(mirror)) = (std::env::var("ENCGUARD_TERRAFORM"), std::env::var("ENCGUARD_TERRAFORM_MIRROR"))
    else {
        eprintln!("skipped: no Terraform with a provider mirror here (ENCGUARD_TERRAFORM, ENCGUARD_TERRAFORM_MIRROR)");
        return;
    };
    let dir = temp_dir("fix-validate");
    let config = dir.join("terraformrc");
    std::fs::write(
        &config,
        format!("provider_installation {{\n  filesystem_mirror {{\n    path = \"{mirror}\"\n  }}\n}}\n"),
    )
    .unwrap();
    let diagnostics = |copy: &str, fix: bool| -> Vec<String> {
        let root = dir.join(copy);
        super::copy_tree(&super::workspace().join("examples"), &root);
        if fix {
            let o = encguard_in(&root, &["fix", ".", "--write"]);
            assert!(super::stderr(&o).contains("fixed"), "{}", super::stderr(&o));
        }
        let module = root.join("terraform/live/prod");
        let versions = std::fs::read_to_string(module.join("versions.tf")).unwrap();
        std::fs::write(module.join("versions.tf"), versions.replace("~> 6.0", ">= 5.0")).unwrap();
        let terraform = |args: &[&str]| {
            let o = std::process::Command::new(&terraform)
                .args(args)
                .current_dir(&module)
                .env("TF_CLI_CONFIG_FILE", &config)
                .env("TF_IN_AUTOMATION", "1")
                .output()
                .unwrap();
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        // The edits keep the files as `terraform fmt` writes them.
        let unformatted = std::process::Command::new(std::env::var("ENCGUARD_TERRAFORM").unwrap())
            .args(["fmt", "-check", "-recursive", "-no-color"])
            .current_dir(root.join("terraform"))
            .output()
            .unwrap();
        assert!(
            unformatted.status.success(),
            "not as terraform fmt writes: {}",
            String::from_utf8_lossy(&unformatted.stdout)
        );
        terraform(&["init", "-backend=false", "-input=false", "-no-color"]);
        let report: serde_json::Value = serde_json::from_str(&terraform(&["validate", "-json", "-no-color"])).unwrap();
        let mut found: Vec<String> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| format!("{}: {} {}", d["range"]["filename"], d["summary"], d["detail"]))
            .collect();
        found.sort();
        found
    };
    let (before, after) = (diagnostics("unfixed", false), diagnostics("fixed", true));
    assert!(
        !before.iter().any(|d| d.contains("Missing required provider")),
        "the mirror's provider was used: {before:#?}"
    );
    assert_eq!(after, before, "the fixes add no diagnostic");
}

/// A bucket with a policy of its own gets the statements added to it, after its last one:
/// in a Terraform `jsonencode` list (the last element given its comma) and in a template's
/// `Statement` list; a statement of the same Sid is the owner's, and stops the edit.
#[test]
fn statements_are_added_to_the_policy_a_bucket_has() {
    let dir = temp_dir("fix-add-statements");
    let terraform = r#"resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ReadOnly"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:role/reader" }
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.data.arn}/*"
      }
    ]
  })
}
"#;
    let template = "Resources:\n  Data:\n    Type: AWS::S3::Bucket\n  DataPolicy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Data\n      PolicyDocument:\n        Statement:\n        - Sid: ReadOnly\n          Effect: Allow\n          Principal:\n            AWS: arn:aws:iam::111122223333:role/reader\n          Action: s3:GetObject\n          Resource: !Sub \"${Data.Arn}/*\"\n  Topic:\n    Type: AWS::SNS::Topic\n";
    std::fs::write(dir.join("main.tf"), terraform).unwrap();
    std::fs::write(dir.join("stack.yaml"), template).unwrap();
    let rules = ["--rule", "S3-004", "--rule", "S3-005", "--rule", "S3-006"];
    let o = encguard_in(&dir, &[&["fix", ".", "--write"][..], &rules[..]].concat());
    assert!(super::stderr(&o).contains("fixed 6 findings in 2 files"), "{}", super::stderr(&o));
    let written = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    assert!(written.contains("        Resource  = \"${aws_s3_bucket.data.arn}/*\"\n      },\n      {\n        Sid       = \"DenyInsecureTransport\""), "{written}");
    let stack = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(stack.contains("          Resource: !Sub \"${Data.Arn}/*\"\n        - Sid: DenyInsecureTransport\n          Effect: Deny\n"), "{stack}");
    assert!(stack.ends_with("  Topic:\n    Type: AWS::SNS::Topic\n"), "{stack}");
    let report: serde_json::Value = serde_json::from_str(&stdout(&encguard_in(
        &dir,
        &[&["scan", ".", "--format", "json"][..], &rules[..]].concat(),
    )))
    .unwrap();
    assert!(report["errors"].as_array().unwrap().is_empty(), "{}", report["errors"]);
    assert_eq!(report["summary"]["fail"], 0, "{:#}", report["findings"]);
    assert_eq!(
        stdout(&encguard_in(&dir, &[&["fix", "."][..], &rules[..]].concat())),
        "",
        "a second run changes nothing"
    );

    // A statement of the same Sid that does something else is the owner's.
    let owned = template.replace("Sid: ReadOnly", "Sid: DenyInsecureTransport");
    std::fs::write(dir.join("stack.yaml"), &owned).unwrap();
    let o = encguard_in(&dir, &[&["fix", "stack.yaml", "--write"][..], &rules[..]].concat());
    assert!(
        super::stderr(&o).contains("the policy has a statement DenyInsecureTransport of its own"),
        "{}",
        super::stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(dir.join("stack.yaml")).unwrap(), owned);
}

/// A value read from a variable is fixed where it is set — the module call's argument, the
/// default — only when nothing else reads it there; otherwise a person is told where.
#[test]
fn a_variable_is_fixed_where_it_is_set_when_nothing_else_reads_it() {
    let dir = temp_dir("fix-variables");
    std::fs::create_dir_all(dir.join("modules/key")).unwrap();
    std::fs::create_dir_all(dir.join("live")).unwrap();
    std::fs::write(
        dir.join("modules/key/main.tf"),
        "variable \"rotation\" {\n  default = true\n}\n\nvariable \"shared\" {\n  default = false\n}\n\n\
         resource \"aws_kms_key\" \"this\" {\n  enable_key_rotation = var.rotation\n}\n\n\
         resource \"aws_kms_key\" \"twice\" {\n  enable_key_rotation = var.shared\n  description         = \"rotates: ${var.shared}\"\n}\n",
    )
    .unwrap();
    let live = "module \"legacy\" {\n  source   = \"../modules/key\"\n  rotation = false # until the migration\n}\n\n\
                module \"many\" {\n  source   = \"../modules/key\"\n  for_each = toset([\"a\"])\n  rotation = false\n}\n";
    std::fs::write(dir.join("live/main.tf"), live).unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "KMS-001", "--write"]);
    let stderr = super::stderr(&o);
    let written = std::fs::read_to_string(dir.join("live/main.tf")).unwrap();
    assert!(
        written.contains(
            "module \"legacy\" {\n  source   = \"../modules/key\"\n  rotation = true # until the migration\n"
        ),
        "{written}\n{stderr}"
    );
    assert!(
        written.ends_with("  for_each = toset([\"a\"])\n  rotation = false\n}\n"),
        "a call with for_each is not edited"
    );
    assert!(stderr.contains("module.many[\"a\"].aws_kms_key.this: `enable_key_rotation` is set from `var.rotation`: the module is called with count or for_each"), "{stderr}");
    assert!(
        stderr.contains("`enable_key_rotation` is set from `var.shared`: var.shared is read 2 times in its module"),
        "{stderr}"
    );
    assert!(std::fs::read_to_string(dir.join("modules/key/main.tf"))
        .unwrap()
        .contains("variable \"shared\" {\n  default = false\n}"));
    let again = encguard_in(&dir, &["fix", ".", "--rule", "KMS-001"]);
    assert_eq!(stdout(&again), "", "a second run changes nothing");
}

/// A key without a policy gets one to review (KMS-002), naming the policy file's
/// administrators and users: printed by `--review`, never written by `--write`; applied by
/// a person, it passes KMS-002, KMS-003 and KMS-004.
#[test]
fn a_key_policy_is_a_change_to_review_never_written() {
    let dir = temp_dir("fix-key-policy");
    // Keys without a policy (KMS-002), and keys whose policy grants everyone (KMS-003, KMS-004).
    let terraform = "resource \"aws_kms_key\" \"bare\" {\n  enable_key_rotation = true\n}\n\n\
        resource \"aws_kms_key\" \"open\" {\n  enable_key_rotation = true\n  policy = jsonencode({\n    Version = \"2012-10-17\"\n    // TODO (narrow the principals\n\
        \x20   Statement = [{\n      Effect    = \"Allow\"\n      Principal = \"*\" # \"}\" in a comment\n      Action    = \"kms:*\"\n\
        \x20     Resource  = \"*\"\n    }]\n  })\n  description = \"open\"\n}\n";
    let template = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true\n\
        \x20 Open:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true\n      KeyPolicy:\n\
        \x20       Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal: \"*\"\n\
        \x20           Action: \"kms:*\"\n            Resource: \"*\"\n      Description: open\n";
    std::fs::write(dir.join("main.tf"), terraform).unwrap();
    std::fs::write(dir.join("stack.yaml"), template).unwrap();
    std::fs::write(
        dir.join("encguard.toml"),
        "[kms]\nkey_administrators = [\"arn:aws:iam::*:role/platform-admin\"]\nkey_users = [\"arn:aws:iam::*:role/app-*\"]\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--write"]);
    assert!(super::stderr(&o).contains("2 files have key policies to review, never written"), "{}", super::stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.join("main.tf")).unwrap(), terraform, "not written");
    assert_eq!(std::fs::read_to_string(dir.join("stack.yaml")).unwrap(), template, "not written");
    let review = stdout(&encguard_in(&dir, &["fix", ".", "--review"]));
    for expected in [
        "+  policy = jsonencode({",
        "+        Condition = { ArnLike = { \"aws:PrincipalArn\" = [\"arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/app-*\"] } }",
        "+                  - !Sub \"arn:aws:iam::${AWS::AccountId}:role/platform-admin\"",
        "+data \"aws_caller_identity\" \"current\" {}",
        "+      KeyPolicy:\n",
        "+              AWS: !Sub \"arn:${AWS::Partition}:iam::${AWS::AccountId}:root\"",
        // The policy that grants everyone is replaced, every line of it.
        "-    Statement = [{\n-      Effect    = \"Allow\"\n-      Principal = \"*\" # \"}\" in a comment\n",
        "-          - Effect: Allow\n-            Principal: \"*\"\n",
    ] {
        assert!(review.contains(expected), "no {expected} in\n{review}");
    }
    std::fs::write(dir.join("review.diff"), &review).unwrap();
    let applied = std::process::Command::new("git").args(["apply", "review.diff"]).current_dir(&dir).output().unwrap();
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
    let rules = ["--rule", "KMS-002", "--rule", "KMS-003", "--rule", "KMS-004"];
    let report: serde_json::Value = serde_json::from_str(&stdout(&encguard_in(
        &dir,
        &[&["scan", ".", "--format", "json"][..], &rules[..]].concat(),
    )))
    .unwrap();
    assert_eq!(
        (report["summary"]["pass"].as_u64(), report["summary"]["fail"].as_u64()),
        (Some(12), Some(0)),
        "{report:#}"
    );
    assert_eq!(stdout(&encguard_in(&dir, &["fix", ".", "--review"])), "", "nothing more to review");
}

/// Where Terraform takes a variable from decides what is edited: the `.auto.tfvars` over
/// `terraform.tfvars`; a module call that does not set it gets the argument (its default is
/// every call's); a value given on the command line is left to a person.
#[test]
fn a_variable_is_edited_where_terraform_takes_it_from() {
    let dir = temp_dir("fix-variable-sources");
    std::fs::create_dir_all(dir.join("root")).unwrap();
    std::fs::create_dir_all(dir.join("modules/key")).unwrap();
    let root = "variable \"rotate\" {\n  default = false\n}\n\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.rotate\n}\n\n\
                module \"quiet\" {\n  source = \"../modules/key\"\n  tags = {\n    rotation = \"false\"\n  }\n}\n";
    std::fs::write(dir.join("root/main.tf"), root).unwrap();
    std::fs::write(dir.join("root/terraform.tfvars"), "rotate = false\n").unwrap();
    std::fs::write(dir.join("root/z.auto.tfvars"), "rotate = false\n").unwrap();
    std::fs::write(dir.join("root/dev.tfvars"), "rotate = false\n").unwrap();
    std::fs::write(
        dir.join("modules/key/main.tf"),
        "variable \"rotation\" {\n  default = false\n}\n\nvariable \"tags\" {\n  default = {}\n}\n\n\
         resource \"aws_kms_key\" \"this\" {\n  enable_key_rotation = var.rotation\n  tags = var.tags\n}\n",
    )
    .unwrap();
    let absolute = dir.join("root");
    let o = encguard_in(&dir, &["fix", absolute.to_str().unwrap(), "--rule", "KMS-001", "--write"]);
    let stderr = super::stderr(&o);
    assert!(stderr.contains("fixed 2 findings"), "{stderr}");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    assert_eq!(read("root/z.auto.tfvars"), "rotate = true\n", "the file Terraform takes it from last");
    assert_eq!(read("root/terraform.tfvars"), "rotate = false\n");
    assert_eq!(read("root/dev.tfvars"), "rotate = false\n", "a file Terraform does not load");
    let main = read("root/main.tf");
    assert!(
        main.contains("  source   = \"../modules/key\"\n  rotation = true\n  tags = {\n    rotation = \"false\"\n"),
        "{main}"
    );
    assert!(
        read("modules/key/main.tf").contains("variable \"rotation\" {\n  default = false\n}"),
        "the default is every call's"
    );
    assert_eq!(stdout(&encguard_in(&dir, &["fix", "root", "--rule", "KMS-001"])), "", "a second run changes nothing");

    // A value given with -var: the file already says what the fix would write.
    std::fs::write(dir.join("root/z.auto.tfvars"), "rotate = true\n").unwrap();
    std::fs::write(dir.join("root/terraform.tfvars"), "rotate = true\n").unwrap();
    let o = encguard_in(&dir, &["fix", "root", "--rule", "KMS-001", "--var", "rotate=false"]);
    assert_eq!(stdout(&o), "", "no edit");
    assert!(
        super::stderr(&o).contains("may be given on the command line (--var, --var-file)"),
        "{}",
        super::stderr(&o)
    );
}

/// A bucket whose policy lets a service deliver objects (load balancer logs, say) does not
/// get S3-006's deny, which would stop the deliveries that send no encryption header.
#[test]
fn a_bucket_that_a_service_delivers_to_is_left_to_a_person() {
    let dir = temp_dir("fix-service-deliveries");
    let template = "Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n  LogsPolicy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Logs\n      PolicyDocument:\n        Statement:\n          - Sid: Delivery\n            Effect: Allow\n            Principal:\n              Service: logdelivery.elasticloadbalancing.amazonaws.com\n            Action: s3:PutObject\n            Resource: !Sub \"${Logs.Arn}/*\"\n";
    std::fs::write(dir.join("stack.yaml"), template).unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "S3-006"]);
    assert_eq!(stdout(&o), "", "no edit");
    let report = stdout(&encguard_in(&dir, &["scan", ".", "--rule", "S3-006", "--format", "json"]));
    assert!(report.contains("the policy lets others deliver objects"), "{report}");
}

/// RDS-009: the TLS parameter is set in the custom group a database uses, wherever the
/// group is written; a database on its engine's default group gets a new group of its
/// family; without an engine version the family is unknown and a person is told why.
#[test]
fn databases_get_the_tls_parameter_in_their_group() {
    let dir = temp_dir("fix-parameter-group");
    std::fs::write(
        dir.join("groups.tf"),
        "resource \"aws_db_parameter_group\" \"pg\" {\n  family = \"postgres14\"\n\n  parameter {\n    name  = \"rds.force_ssl\"\n    value = \"0\" # legacy clients\n  }\n}\n\nresource \"aws_rds_cluster_parameter_group\" \"aurora\" {\n  family = \"aurora-mysql8.0\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_db_instance\" \"orders\" {\n  engine               = \"postgres\"\n  engine_version       = \"14.12\"\n  parameter_group_name = aws_db_parameter_group.pg.name\n}\n\nresource \"aws_rds_cluster\" \"analytics\" {\n  engine                          = \"aurora-mysql\"\n  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.aurora.name\n}\n\nresource \"aws_db_instance\" \"reporting\" {\n  engine         = \"mysql\"\n  engine_version = \"8.0.40\"\n}\n\nresource \"aws_db_instance\" \"unversioned\" {\n  engine = \"mariadb\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("stack.yaml"),
        "Resources:\n  Tuned:\n    Type: AWS::RDS::DBParameterGroup\n    Properties:\n      Family: postgres13\n      Description: tuned\n      Parameters:\n        work_mem: 65536\n  Orders:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres\n      EngineVersion: \"13.15\"\n      DBParameterGroupName: !Ref Tuned\n  Legacy:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: sqlserver-se\n      EngineVersion: 15.00.4345.5.v1\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "RDS-009"]);
    let diff = stdout(&o);
    for expected in [
        "-    value = \"0\" # legacy clients\n+    value = \"1\" # legacy clients",
        "   family = \"aurora-mysql8.0\"\n+\n+  parameter {\n+    name  = \"require_secure_transport\"\n+    value = \"1\"\n+  }\n }",
        "-  engine_version = \"8.0.40\"\n+  parameter_group_name = aws_db_parameter_group.reporting_tls.name\n+  engine               = \"mysql\"",
        "+resource \"aws_db_parameter_group\" \"reporting_tls\" {\n+  family = \"mysql8.0\"\n",
        "       Parameters:\n+        rds.force_ssl: 1\n         work_mem: 65536",
        "+      DBParameterGroupName: !Ref LegacyTlsParameters",
        "+  LegacyTlsParameters:\n+    Type: AWS::RDS::DBParameterGroup\n+    Properties:\n+      Family: sqlserver-se-15.0\n",
        "# `aws_db_instance.reporting` (main.tf:12) takes its new parameter group when the change is applied",
    ] {
        assert!(diff.contains(expected), "no\n{expected}\nin\n{diff}");
    }
    assert!(
        super::stderr(&o).contains("aws_db_instance.unversioned: the group's family follows the engine version"),
        "{}",
        super::stderr(&o)
    );
    let o = encguard_in(&dir, &["fix", ".", "--rule", "RDS-009", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", super::stderr(&o));
    let o = encguard_in(&dir, &["scan", ".", "--rule", "RDS-009", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let failing: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["resource"].as_str().unwrap()).collect();
    assert_eq!(failing, ["aws_db_instance.unversioned"], "{report:#}");
    assert_eq!(report["summary"]["pass"], 5);
    assert_eq!(stdout(&encguard_in(&dir, &["fix", ".", "--rule", "RDS-009"])), "", "a second run changes nothing");
}

/// The rules whose violations `../RULES.md` §12 says are fixed in place.
const FIXABLE_IN_PLACE: &[&str] = &[
    "KMS-001", "KMS-005", "KMS-006", "SM-001", "SM-003", "S3-002", "S3-004", "S3-005", "S3-006", "S3-007", "EBS-001",
    "EBS-002", "RDS-007", "RDS-009", "DDB-001", "DDB-003", "LB-001", "LB-002", "LB-003", "LB-004", "LB-005", "LB-006",
    "CF-001", "CF-002", "CF-003", "CF-004", "CF-005",
];

/// `fix --write` on a copy of the examples (with their policy file) leaves no open failure
/// of a rule fixed in place, makes no new failure and no input error; a second run changes
/// nothing.
#[test]
fn fixing_the_examples_leaves_only_what_a_person_decides() {
    let root = temp_dir("fix-examples");
    super::copy_tree(&super::workspace().join("examples"), &root);
    let failing = || -> (serde_json::Value, std::collections::BTreeSet<String>) {
        let o = encguard_in(&root, &["scan", ".", "--format", "json"]);
        assert_eq!(o.status.code(), Some(1), "violations, and no input error: {}", super::stderr(&o));
        let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let open = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"] == "fail" && f["suppression"].is_null());
        let open =
            open.map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["resource"].as_str().unwrap())).collect();
        (report, open)
    };
    let (_, before) = failing();
    let o = encguard_in(&root, &["fix", ".", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", super::stderr(&o));
    let (report, after) = failing();
    assert_eq!(after.difference(&before).collect::<Vec<_>>(), Vec::<&String>::new(), "no new failure");
    let left: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail" && f["suppression"].is_null() && f["location"]["source"] == "file")
        .filter(|f| FIXABLE_IN_PLACE.contains(&f["rule"].as_str().unwrap()))
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["resource"].as_str().unwrap()))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "{report:#}");
    assert_eq!(stdout(&encguard_in(&root, &["fix", "."])), "", "a second run changes nothing");
}

/// A bucket a module makes without a policy, whose module has one switched off by
/// `count = var.NAME ? 1 : 0`, gets it switched on where its instance's value is written:
/// the call's argument (added when absent) or the `for_each` entry `each.value` reads.
#[test]
fn a_module_s_own_bucket_policy_is_switched_on() {
    let dir = temp_dir("fix-policy-switch");
    std::fs::create_dir_all(dir.join("modules/bucket")).unwrap();
    std::fs::write(
        dir.join("modules/bucket/main.tf"),
        "variable \"deny_http\" {\n  default = false\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n\nresource \"aws_s3_bucket_policy\" \"b\" {\n  count  = var.deny_http ? 1 : 0\n  bucket = aws_s3_bucket.b.id\n  policy = jsonencode({\n    Statement = [{\n      Effect    = \"Deny\"\n      Principal = \"*\"\n      Action    = \"s3:*\"\n      Resource  = [aws_s3_bucket.b.arn, \"${aws_s3_bucket.b.arn}/*\"]\n      Condition = { Bool = { \"aws:SecureTransport\" = \"false\" } }\n    }]\n  })\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "locals {\n  http = {\n    a = true\n    b = false # legacy\n  }\n}\n\nmodule \"per_key\" {\n  source    = \"./modules/bucket\"\n  for_each  = local.http\n  deny_http = each.value\n}\n\nmodule \"defaulted\" {\n  source = \"./modules/bucket\"\n}\n\nmodule \"off\" {\n  source    = \"./modules/bucket\"\n  deny_http = false\n}\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "S3-004"]);
    let diff = stdout(&o);
    for expected in [
        "-    b = false # legacy\n+    b = true # legacy",
        "-  source = \"./modules/bucket\"\n+  source    = \"./modules/bucket\"\n+  deny_http = true\n",
        "-  deny_http = false\n+  deny_http = true",
    ] {
        assert!(diff.contains(expected), "no\n{expected}\nin\n{diff}\n{}", super::stderr(&o));
    }
    // S3-005 wants a statement the module's policy does not hold: a person adds it there.
    let o = encguard_in(&dir, &["fix", ".", "--rule", "S3-005"]);
    assert_eq!(stdout(&o), "");
    assert!(super::stderr(&o).contains("has no statement on s3:TlsVersion: add it there"), "{}", super::stderr(&o));
    encguard_in(&dir, &["fix", ".", "--rule", "S3-004", "--write"]);
    let o = encguard_in(&dir, &["scan", ".", "--rule", "S3-004", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["summary"]["pass"], 4);
}

/// LB-001: an HTTP listener's default action becomes a permanent redirect to the port of its
/// load balancer's HTTPS listener; a load balancer without one is left to a person.
#[test]
fn http_listeners_redirect_to_the_https_listener() {
    let dir = temp_dir("fix-redirect");
    let listener = |name: &str, lb: &str, protocol: &str, port: u32, action: &str| {
        format!(
            "resource \"aws_lb_listener\" \"{name}\" {{\n  load_balancer_arn = aws_lb.{lb}.arn\n  port              = {port}\n  protocol          = \"{protocol}\"\n{action}}}\n\n"
        )
    };
    let forward = "\n  default_action {\n    type             = \"forward\" # the app\n    target_group_arn = aws_lb_target_group.app.arn\n  }\n";
    let tls = "  ssl_policy        = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"\n  certificate_arn   = \"arn:aws:acm:eu-west-1:111122223333:certificate/c\"\n";
    let terraform = format!(
        "resource \"aws_lb\" \"web\" {{\n  name = \"web\"\n}}\n\nresource \"aws_lb\" \"plain\" {{\n  name = \"plain\"\n}}\n\nresource \"aws_lb_target_group\" \"app\" {{\n  name = \"app\"\n}}\n\n{}{}{}",
        listener("http", "web", "HTTP", 80, forward),
        listener("https", "web", "HTTPS", 8443, &format!("{tls}{forward}")),
        listener("lonely", "plain", "HTTP", 80, forward),
    );
    std::fs::write(dir.join("main.tf"), &terraform).unwrap();
    std::fs::write(
        dir.join("stack.yaml"),
        "Resources:\n  Lb:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n  Http:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      LoadBalancerArn: !Ref Lb\n      Port: 80\n      Protocol: HTTP\n      DefaultActions:\n        - Type: forward\n          TargetGroupArn: !Ref Group\n  Https:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      LoadBalancerArn: !Ref Lb\n      Port: 443\n      Protocol: HTTPS\n      SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06\n      Certificates:\n        - CertificateArn: arn:aws:acm:eu-west-1:111122223333:certificate/c\n      DefaultActions:\n        - Type: forward\n          TargetGroupArn: !Ref Group\n  Group:\n    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "LB-001"]);
    let diff = stdout(&o);
    for expected in [
        "   default_action {\n-    type             = \"forward\" # the app\n-    target_group_arn = aws_lb_target_group.app.arn\n+    type = \"redirect\"\n+\n+    redirect {\n+      port        = \"8443\"\n+      protocol    = \"HTTPS\"\n+      status_code = \"HTTP_301\"\n+    }\n   }\n",
        "       DefaultActions:\n-        - Type: forward\n-          TargetGroupArn: !Ref Group\n+        - Type: redirect\n+          RedirectConfig:\n+            Protocol: HTTPS\n+            Port: \"443\"\n+            StatusCode: HTTP_301\n   Https:",
    ] {
        assert!(diff.contains(expected), "no\n{expected}\nin\n{diff}");
    }
    assert_eq!(diff.matches("type = \"redirect\"").count(), 1, "the lonely listener is not redirected: {diff}");
    encguard_in(&dir, &["fix", ".", "--rule", "LB-001", "--write"]);
    let o = encguard_in(&dir, &["scan", ".", "--rule", "LB-001", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let failing: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["resource"].as_str().unwrap()).collect();
    assert_eq!(failing, ["aws_lb_listener.lonely"], "{report:#}");
    assert_eq!(stdout(&encguard_in(&dir, &["fix", ".", "--rule", "LB-001"])), "", "a second run changes nothing");
}

/// DDB-001: with `[fix] kms_keys.dynamodb`, a table below its key tier gets that key — its
/// encryption settings replaced where written, added where not.
#[test]
fn tables_get_the_key_the_policy_chooses() {
    let dir = temp_dir("fix-table-key");
    std::fs::write(
        dir.join("encguard.toml"),
        "[key_tiers]\ndynamodb = \"customer-managed\"\n\n[fix]\nkms_keys = { dynamodb = \"arn:aws:kms:eu-west-1:111122223333:key/tables\" }\n",
    )
    .unwrap();
    let table = |name: &str, extra: &str| {
        format!("resource \"aws_dynamodb_table\" \"{name}\" {{\n  name     = \"{name}\"\n  hash_key = \"id\"\n{extra}}}\n\n")
    };
    std::fs::write(
        dir.join("main.tf"),
        format!(
            "{}{}",
            table("owned", ""),
            table("managed", "\n  server_side_encryption {\n    enabled = true # the AWS managed key\n  }\n")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("stack.yaml"),
        "Resources:\n  Owned:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n  Managed:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      SSESpecification:\n        SSEEnabled: true\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "DDB-001"]);
    let diff = stdout(&o);
    for expected in [
        "   hash_key = \"id\"\n+\n+  server_side_encryption {\n+    enabled     = true\n+    kms_key_arn = \"arn:aws:kms:eu-west-1:111122223333:key/tables\"\n+  }\n }",
        "   server_side_encryption {\n-    enabled = true # the AWS managed key\n+    kms_key_arn = \"arn:aws:kms:eu-west-1:111122223333:key/tables\"\n+    enabled     = true # the AWS managed key\n   }",
        "     Properties:\n+      SSESpecification:\n+        SSEEnabled: true\n+        SSEType: KMS\n+        KMSMasterKeyId: \"arn:aws:kms:eu-west-1:111122223333:key/tables\"\n       BillingMode: PAY_PER_REQUEST",
        "       SSESpecification:\n+        KMSMasterKeyId: \"arn:aws:kms:eu-west-1:111122223333:key/tables\"\n+        SSEType: KMS\n         SSEEnabled: true\n",
    ] {
        assert!(diff.contains(expected), "no\n{expected}\nin\n{diff}\n{}", super::stderr(&o));
    }
    // Terraform wants the key's ARN: an alias is left to a person.
    std::fs::write(
        dir.join("alias.toml"),
        "[key_tiers]\ndynamodb = \"customer-managed\"\n\n[fix]\nkms_keys = { dynamodb = \"alias/tables\" }\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", "main.tf", "--rule", "DDB-001", "--policy", "alias.toml"]);
    assert_eq!(stdout(&o), "");
    assert!(super::stderr(&o).contains("Terraform wants the key's ARN here"), "{}", super::stderr(&o));
    encguard_in(&dir, &["fix", ".", "--rule", "DDB-001", "--write"]);
    let o = encguard_in(&dir, &["scan", ".", "--rule", "DDB-001", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // No table fails; whether a key named by an ARN the scan does not describe is the
    // customer's, it cannot tell.
    assert_eq!(
        (report["summary"]["fail"].as_u64(), report["summary"]["unknown"].as_u64()),
        (Some(0), Some(4)),
        "{report:#}"
    );
    assert_eq!(stdout(&encguard_in(&dir, &["fix", ".", "--rule", "DDB-001"])), "", "a second run changes nothing");
}

/// The redirect is written at the file's own indentation: four spaces here.
#[test]
fn a_redirect_keeps_the_file_s_indentation() {
    let dir = temp_dir("fix-redirect-indent");
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_lb\" \"web\" {\n    name = \"web\"\n}\n\nresource \"aws_lb_listener\" \"https\" {\n    load_balancer_arn = aws_lb.web.arn\n    port              = 443\n    protocol          = \"HTTPS\"\n    ssl_policy        = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"\n    certificate_arn   = \"arn:aws:acm:eu-west-1:111122223333:certificate/c\"\n\n    default_action {\n        type = \"fixed-response\"\n    }\n}\n\nresource \"aws_lb_listener\" \"http\" {\n    load_balancer_arn = aws_lb.web.arn\n    port              = 80\n    protocol          = \"HTTP\"\n\n    default_action {\n        type = \"fixed-response\"\n    }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("stack.yaml"),
        "Resources:\n    Lb:\n        Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Https:\n        Type: AWS::ElasticLoadBalancingV2::Listener\n        Properties:\n            LoadBalancerArn: !Ref Lb\n            Port: 443\n            Protocol: HTTPS\n            SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06\n            Certificates:\n                - CertificateArn: arn:aws:acm:eu-west-1:111122223333:certificate/c\n            DefaultActions:\n                - Type: fixed-response\n    Http:\n        Type: AWS::ElasticLoadBalancingV2::Listener\n        Properties:\n            LoadBalancerArn: !Ref Lb\n            Port: 80\n            Protocol: HTTP\n            DefaultActions:\n                - Type: fixed-response\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "LB-001", "--write"]);
    assert!(super::stderr(&o).contains("fixed 2 findings"), "{}", super::stderr(&o));
    let written = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    assert_eq!(written.matches("default_action {").count(), 2, "one default action each: {written}");
    let o = encguard_in(&dir, &["scan", ".", "--rule", "LB-001", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (report["summary"]["pass"].as_u64(), &report["errors"]),
        (Some(4), &serde_json::json!([])),
        "{report:#}"
    );
}

/// S3-002: with `[fix] kms_keys.s3`, a bucket below its key tier gets SSE-KMS under that key
/// with an S3 Bucket Key — in the configuration it has, or a new one.
#[test]
fn buckets_get_the_key_the_policy_chooses() {
    let dir = temp_dir("fix-bucket-key");
    let key = "arn:aws:kms:eu-west-1:111122223333:key/data";
    std::fs::write(
        dir.join("encguard.toml"),
        format!("[key_tiers]\ns3 = \"customer-managed\"\n\n[fix]\nkms_keys = {{ s3 = \"{key}\" }}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_s3_bucket\" \"split\" {\n  bucket = \"split\"\n}\n\nresource \"aws_s3_bucket\" \"bare\" {\n  bucket = \"bare\"\n}\n\n\
         resource \"aws_s3_bucket\" \"named\" {\n  bucket = \"named\"\n}\n\n\
         resource \"aws_s3_bucket_server_side_encryption_configuration\" \"by_name\" {\n  bucket = \"named\"\n\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = \"AES256\"\n    }\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("encryption.tf"),
        "resource \"aws_s3_bucket_server_side_encryption_configuration\" \"split\" {\n  bucket = aws_s3_bucket.split.id\n\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = \"AES256\" # SSE-S3\n    }\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("stack.yaml"),
        "Resources:\n  Sse:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketEncryption:\n        ServerSideEncryptionConfiguration:\n          - ServerSideEncryptionByDefault:\n              SSEAlgorithm: AES256\n  Plain:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: plain\n\
         \x20 Quoted: # uploads\n    Type: 'AWS::S3::Bucket'\n    Properties:\n      \"BucketEncryption\":\n        ServerSideEncryptionConfiguration:\n\
         \x20         - \"ServerSideEncryptionByDefault\":\n              \"SSEAlgorithm\": AES256\n",
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "S3-002"]);
    let diff = stdout(&o);
    for expected in [
        "   rule {\n+    bucket_key_enabled = true\n     apply_server_side_encryption_by_default {\n-      sse_algorithm = \"AES256\" # SSE-S3\n+      kms_master_key_id = \"arn:aws:kms:eu-west-1:111122223333:key/data\"\n+      sse_algorithm     = \"aws:kms\" # SSE-S3\n",
        "+resource \"aws_s3_bucket_server_side_encryption_configuration\" \"bare\" {\n+  bucket = aws_s3_bucket.bare.id\n",
        "-              SSEAlgorithm: AES256\n+              KMSMasterKeyID: \"arn:aws:kms:eu-west-1:111122223333:key/data\"\n+              SSEAlgorithm: aws:kms\n+            BucketKeyEnabled: true\n",
        "     Properties:\n+      BucketEncryption:\n+        ServerSideEncryptionConfiguration:\n+          - ServerSideEncryptionByDefault:\n+              SSEAlgorithm: aws:kms\n",
        // Quoted keys are the keys; the bucket edited is the one the finding names.
        "-              \"SSEAlgorithm\": AES256\n",
    ] {
        assert!(diff.contains(expected), "no\n{expected}\nin\n{diff}\n{}", super::stderr(&o));
    }
    // A configuration that names its bucket otherwise is for a person: never a second one.
    let stderr = super::stderr(&o);
    assert!(stderr.contains("aws_s3_bucket.named: its encryption configuration names it otherwise"), "{stderr}");
    assert_eq!(diff.matches("SSEAlgorithm: aws:kms").count(), 3, "{diff}");
    encguard_in(&dir, &["fix", ".", "--rule", "S3-002", "--write"]);
    let o = encguard_in(&dir, &["scan", ".", "--rule", "S3-002", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // Only the bucket left to a person fails; whether a key named by an ARN the scan does
    // not describe is the customer's, it cannot tell.
    assert_eq!(
        (report["summary"]["fail"].as_u64(), report["summary"]["unknown"].as_u64()),
        (Some(1), Some(5)),
        "{report:#}"
    );
    assert_eq!(stdout(&encguard_in(&dir, &["fix", ".", "--rule", "S3-002"])), "", "a second run changes nothing");
}

/// CF-005: every custom origin that allows old TLS gets `["TLSv1.2"]`, whether its list is
/// written on one line or as a YAML block list.
#[test]
fn origins_negotiate_only_tls_1_2() {
    let dir = temp_dir("fix-origin-tls");
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_cloudfront_distribution\" \"site\" {\n  enabled = true\n  origin {\n    domain_name = \"app.example.com\"\n    origin_id   = \"app\"\n    custom_origin_config {\n      http_port              = 80\n      https_port             = 443\n      origin_protocol_policy = \"https-only\"\n      origin_ssl_protocols   = [\"TLSv1\", \"TLSv1.1\", \"TLSv1.2\"] # legacy\n    }\n  }\n  default_cache_behavior {\n    target_origin_id       = \"app\"\n    viewer_protocol_policy = \"https-only\"\n    allowed_methods        = [\"GET\", \"HEAD\"]\n    cached_methods         = [\"GET\", \"HEAD\"]\n  }\n  restrictions {\n    geo_restriction {\n      restriction_type = \"none\"\n    }\n  }\n  viewer_certificate {\n    cloudfront_default_certificate = true\n  }\n}\n",
    )
    .unwrap();
    let origin = |id: &str, protocols: &str| {
        format!("          - Id: {id}\n            DomainName: {id}.example.com\n            CustomOriginConfig:\n              OriginProtocolPolicy: https-only\n              OriginSSLProtocols:{protocols}\n")
    };
    std::fs::write(
        dir.join("stack.yaml"),
        format!(
            "Resources:\n  Site:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n        Origins:\n{}{}        DefaultCacheBehavior:\n          TargetOriginId: block\n          ViewerProtocolPolicy: https-only\n",
            origin("block", "\n                - TLSv1\n                - TLSv1.2"),
            origin("flow", " [TLSv1.1, TLSv1.2]"),
        ),
    )
    .unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "CF-005"]);
    let diff = stdout(&o);
    for expected in [
        "-      origin_ssl_protocols   = [\"TLSv1\", \"TLSv1.1\", \"TLSv1.2\"] # legacy\n+      origin_ssl_protocols   = [\"TLSv1.2\"] # legacy",
        "-              OriginSSLProtocols:\n-                - TLSv1\n-                - TLSv1.2\n+              OriginSSLProtocols: [TLSv1.2]",
        "-              OriginSSLProtocols: [TLSv1.1, TLSv1.2]\n+              OriginSSLProtocols: [TLSv1.2]",
    ] {
        assert!(diff.contains(expected), "no\n{expected}\nin\n{diff}\n{}", super::stderr(&o));
    }
    encguard_in(&dir, &["fix", ".", "--rule", "CF-005", "--write"]);
    let o = encguard_in(&dir, &["scan", ".", "--rule", "CF-005", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (report["summary"]["pass"].as_u64(), &report["errors"]),
        (Some(2), &serde_json::json!([])),
        "{report:#}"
    );
    assert_eq!(stdout(&encguard_in(&dir, &["fix", ".", "--rule", "CF-005"])), "", "a second run changes nothing");
}

/// JSON templates: a property's value replaced on its line (the comma kept), or the property
/// added first in the resource's Properties; a resource without Properties is left to a
/// person, and the template stays JSON.
#[test]
fn json_templates_are_fixed_in_place() {
    let dir = temp_dir("fix-json");
    let template = r#"{
  "Resources": {
    "Bare": {
      "Type": "AWS::KMS::Key"
    },
    "Described": {
      "Type": "AWS::KMS::Key",
      "Properties": {
        "Description": "orders"
      }
    },
    "Off": {
      "Type": "AWS::KMS::Key",
      "Properties": {
        "EnableKeyRotation": false,
        "Description": "{not a brace}"
      }
    },
    "Listener": {
      "Type": "AWS::ElasticLoadBalancingV2::Listener",
      "Properties": {
        "Protocol": "HTTPS",
        "Port": 443,
        "SslPolicy": "ELBSecurityPolicy-2016-08",
        "DefaultActions": [{"Type": "fixed-response"}]
      }
    }
  }
}
"#;
    std::fs::write(dir.join("stack.json"), template).unwrap();
    let o = encguard_in(&dir, &["fix", ".", "--rule", "KMS-001", "--rule", "LB-003", "--write"]);
    assert!(super::stderr(&o).contains("fixed 3 findings"), "{}", super::stderr(&o));
    assert!(super::stderr(&o).contains("Bare: no \"Properties\" object to add"), "{}", super::stderr(&o));
    let written = std::fs::read_to_string(dir.join("stack.json")).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&written).expect("still JSON");
    let properties = |id: &str| &parsed["Resources"][id]["Properties"];
    assert_eq!(properties("Described")["EnableKeyRotation"], true, "{written}");
    assert_eq!(properties("Off")["EnableKeyRotation"], true, "{written}");
    assert_eq!(properties("Off")["Description"], "{not a brace}");
    assert_eq!(properties("Listener")["SslPolicy"], "ELBSecurityPolicy-TLS13-1-2-2021-06", "{written}");
    let o = encguard_in(&dir, &["scan", ".", "--rule", "KMS-001", "--rule", "LB-003", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let failing: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["resource"].as_str().unwrap()).collect();
    assert_eq!(failing, ["Bare"], "{report:#}");
    assert_eq!(stdout(&encguard_in(&dir, &["fix", ".", "--rule", "KMS-001", "--rule", "LB-003"])), "");
}
