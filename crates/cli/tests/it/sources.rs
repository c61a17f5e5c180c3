//! Rules through each source: a Terraform or CloudFormation snippet, the rule, the resource
//! and the verdict expected. Verdicts are read from the JUnit report, which carries passes
//! too: a failure, a skipped case (unknown) or a plain case (pass).

use super::{encguard_in, stdout, temp_dir};

fn verdicts(file: &str, text: &str, rule: &str) -> Vec<(String, &'static str)> {
    verdicts_under(None, file, text, rule)
}

/// [`verdicts`] under a policy file (`encguard.toml` in the scanned directory).
fn verdicts_under(policy: Option<&str>, file: &str, text: &str, rule: &str) -> Vec<(String, &'static str)> {
    let dir = temp_dir(&format!("src-{rule}-{}", text.len()));
    std::fs::write(dir.join(file), text).unwrap();
    if let Some(policy) = policy {
        std::fs::write(dir.join("encguard.toml"), policy).unwrap();
    }
    let o = encguard_in(&dir, &["scan", ".", "--rule", rule, "--format", "junit"]);
    assert_ne!(o.status.code(), Some(2), "{file} for {rule} did not read: {}", String::from_utf8_lossy(&o.stderr));
    let xml = stdout(&o);
    xml.split("<testcase ")
        .skip(1)
        .map(|case| {
            let name = case.split(" name=\"").nth(1).and_then(|n| n.split('"').next()).unwrap_or_default().to_string();
            let body = case.split("</testcase>").next().unwrap_or(case);
            let status = if body.contains("<failure") {
                "fail"
            } else if body.contains("skipped message=\"unknown") {
                "unknown"
            } else {
                "pass"
            };
            (name, status)
        })
        .collect()
}

#[track_caller]
fn check(file: &str, cases: &[(&str, &str, &str, &str)]) {
    let mut wrong = Vec::new();
    for (rule, resource, expected, text) in cases {
        let got = verdicts(file, text, rule);
        let found = got.iter().find(|(n, _)| n == resource).map(|(_, s)| *s);
        if found != Some(*expected) {
            wrong.push(format!("{rule} on {resource} in {file}: expected {expected}, got {got:?}\n{text}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn imported_certificates_are_judged_by_their_body() {
    let dir = temp_dir("imported-certificates");
    for pem in ["rsa1024.pem", "rsa2048.pem"] {
        std::fs::copy(super::workspace().join("tests/certificates").join(pem), dir.join(pem)).unwrap();
    }
    let certificate = |name: &str, body: &str| {
        format!(
            "resource \"aws_acm_certificate\" \"{name}\" {{\n  certificate_body = {body}\n  private_key = \"k\"\n}}\n"
        )
    };
    let text = [
        certificate("weak", "file(\"rsa1024.pem\")"),
        certificate("strong", "file(\"rsa2048.pem\")"),
        "variable \"body\" {}\n".to_string() + &certificate("unread", "var.body"),
    ]
    .concat();
    std::fs::write(dir.join("main.tf"), text).unwrap();
    let o = encguard_in(&dir, &["scan", ".", "--rule", "ACM-002", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let status = |name: &str| {
        report["findings"].as_array().unwrap().iter().find(|f| f["resource"] == name).map(|f| f["status"].clone())
    };
    assert_eq!(status("aws_acm_certificate.weak"), Some("fail".into()), "{report:#}");
    assert_eq!(status("aws_acm_certificate.strong"), None, "passes are not listed: {report:#}");
    assert_eq!(status("aws_acm_certificate.unread"), Some("unknown".into()), "{report:#}");
}

#[test]
fn terraform_resources_reach_every_section_of_the_policy() {
    check("main.tf", TERRAFORM_CASES);
}

/// Terraform cases: rule, resource, verdict, module text.
const TERRAFORM_CASES: &[(&str, &str, &str, &str)] = &[
        ("KMS-001", "aws_kms_key.k", "fail", "resource \"aws_kms_key\" \"k\" {}\n"),
        ("KMS-001", "aws_kms_key.k", "pass", "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = true\n}\n"),
        ("KMS-001", "aws_kms_key.k", "unknown", "variable \"r\" {}\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.r\n}\n"),
        ("KMS-002", "aws_kms_key.k", "pass", "resource \"aws_kms_key\" \"k\" {}\nresource \"aws_kms_key_policy\" \"p\" {\n  key_id = aws_kms_key.k.id\n  policy = jsonencode({ Statement = [{ Effect = \"Allow\", Principal = { AWS = \"arn:aws:iam::1:root\" }, Action = \"kms:*\", Resource = \"*\" }] })\n}\n"),
        ("KMS-003", "aws_kms_key.k", "fail", "resource \"aws_kms_key\" \"k\" {\n  policy = jsonencode({ Statement = [{ Effect = \"Allow\", Principal = \"*\", Action = \"kms:Decrypt\", Resource = \"*\" }] })\n}\n"),
        ("KMS-006", "aws_kms_key.k", "fail", "resource \"aws_kms_key\" \"k\" {\n  deletion_window_in_days = 7\n}\n"),
        ("KMS-008", "aws_kms_external_key.k", "fail", "resource \"aws_kms_external_key\" \"k\" {\n  valid_to = \"2026-12-01T00:00:00Z\"\n}\n"),
        ("SM-001", "aws_secretsmanager_secret.s", "pass", "resource \"aws_secretsmanager_secret\" \"s\" {}\n"),
        ("SM-001", "aws_secretsmanager_secret.s", "fail", "resource \"aws_secretsmanager_secret\" \"s\" {\n  tags = {\n    data-classification = \"confidential\"\n  }\n}\n"),
        ("SM-002", "aws_secretsmanager_secret.s", "fail", "resource \"aws_kms_key\" \"k\" {\n  customer_master_key_spec = \"RSA_2048\"\n  key_usage = \"SIGN_VERIFY\"\n}\nresource \"aws_secretsmanager_secret\" \"s\" {\n  kms_key_id = aws_kms_key.k.arn\n}\n"),
        ("SM-004", "aws_secretsmanager_secret.s", "pass", "resource \"aws_secretsmanager_secret\" \"s\" {}\nresource \"aws_secretsmanager_secret_rotation\" \"r\" {\n  secret_id = aws_secretsmanager_secret.s.id\n  rotation_lambda_arn = \"arn:aws:lambda:eu-west-1:1:function:r\"\n}\n"),
        ("S3-002", "aws_s3_bucket.b", "pass", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n"),
        ("S3-002", "aws_s3_bucket.b", "fail", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n  tags = {\n    data-classification = \"confidential\"\n  }\n}\n"),
        ("S3-002", "aws_s3_bucket.b", "unknown", "variable \"key\" {}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\nresource \"aws_s3_bucket_server_side_encryption_configuration\" \"b\" {\n  bucket = aws_s3_bucket.b.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = \"aws:kms\"\n      kms_master_key_id = var.key\n    }\n  }\n}\n"),
        ("S3-004", "aws_s3_bucket.b", "pass", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\ndata \"aws_iam_policy_document\" \"tls\" {\n  statement {\n    effect = \"Deny\"\n    actions = [\"s3:*\"]\n    resources = [aws_s3_bucket.b.arn, \"${aws_s3_bucket.b.arn}/*\"]\n    principals {\n      type = \"*\"\n      identifiers = [\"*\"]\n    }\n    condition {\n      test = \"Bool\"\n      variable = \"aws:SecureTransport\"\n      values = [\"false\"]\n    }\n  }\n}\nresource \"aws_s3_bucket_policy\" \"b\" {\n  bucket = aws_s3_bucket.b.id\n  policy = data.aws_iam_policy_document.tls.json\n}\n"),
        ("S3-006", "aws_s3_object.o", "fail", "resource \"aws_s3_object\" \"o\" {\n  bucket = \"b\"\n  key = \"k\"\n}\n"),
        ("EBS-001", "aws_ebs_encryption_by_default.e", "fail", "resource \"aws_ebs_encryption_by_default\" \"e\" {\n  enabled = false\n}\n"),
        ("EBS-002", "aws_ebs_default_kms_key.k", "pass", "resource \"aws_ebs_default_kms_key\" \"k\" {\n  key_arn = \"arn:aws:kms:eu-west-1:1:alias/aws/ebs\"\n}\n"),
        ("EBS-002", "aws_ebs_default_kms_key.k", "fail", "resource \"aws_kms_key\" \"k\" {\n  is_enabled = false\n}\nresource \"aws_ebs_default_kms_key\" \"k\" {\n  key_arn = aws_kms_key.k.arn\n}\n"),
        ("EBS-003", "aws_instance.i", "fail", "resource \"aws_instance\" \"i\" {\n  ami = \"ami-1\"\n  root_block_device {\n    encrypted = false\n  }\n}\n"),
        ("EBS-003", "aws_launch_template.t", "pass", "resource \"aws_launch_template\" \"t\" {\n  block_device_mappings {\n    device_name = \"/dev/xvda\"\n    ebs {\n      encrypted = true\n    }\n  }\n}\n"),
        ("EBS-003", "aws_launch_template.t", "unknown", "resource \"aws_launch_template\" \"t\" {\n  image_id = \"ami-1\"\n}\n"),
        ("EBS-003", "aws_launch_template.t", "pass", "resource \"aws_ebs_encryption_by_default\" \"on\" {}\nresource \"aws_launch_template\" \"t\" {\n  image_id = \"ami-1\"\n}\n"),
        ("EBS-005", "aws_ebs_snapshot.s", "fail", "resource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"eu-west-1a\"\n}\nresource \"aws_ebs_snapshot\" \"s\" {\n  volume_id = aws_ebs_volume.v.id\n}\n"),
        ("EBS-006", "aws_ami_copy.c", "fail", "resource \"aws_ami_copy\" \"c\" {\n  name = \"c\"\n  source_ami_id = \"ami-1\"\n  source_ami_region = \"eu-west-1\"\n}\n"),
        ("RDS-001", "aws_db_instance.d", "fail", "resource \"aws_db_instance\" \"d\" {\n  engine = \"postgres\"\n}\n"),
        ("RDS-002", "aws_rds_cluster.c", "pass", "resource \"aws_rds_cluster\" \"c\" {\n  engine = \"aurora-postgresql\"\n  storage_encrypted = true\n}\n"),
        ("RDS-005", "aws_db_snapshot_copy.c", "fail", "resource \"aws_db_snapshot_copy\" \"c\" {\n  source_db_snapshot_identifier = \"s\"\n  kms_key_id = \"alias/aws/rds\"\n  target_db_snapshot_identifier = \"t\"\n  tags = {\n    data-classification = \"confidential\"\n  }\n}\n"),
        ("RDS-006", "aws_db_instance_automated_backups_replication.r", "fail", "resource \"aws_kms_key\" \"k\" {\n  customer_master_key_spec = \"RSA_2048\"\n  key_usage = \"SIGN_VERIFY\"\n}\nresource \"aws_db_instance_automated_backups_replication\" \"r\" {\n  source_db_instance_arn = \"arn:aws:rds:eu-west-1:1:db:d\"\n  kms_key_id = aws_kms_key.k.arn\n}\n"),
        ("RDS-009", "aws_db_instance.d", "pass", "resource \"aws_db_parameter_group\" \"p\" {\n  name = \"p\"\n  family = \"postgres16\"\n  parameter {\n    name = \"rds.force_ssl\"\n    value = \"1\"\n  }\n}\nresource \"aws_db_instance\" \"d\" {\n  engine = \"postgres\"\n  parameter_group_name = aws_db_parameter_group.p.name\n}\n"),
        ("RDS-010", "aws_db_instance.d", "fail", "resource \"aws_db_instance\" \"d\" {\n  engine = \"postgres\"\n  ca_cert_identifier = \"rds-ca-2019\"\n}\n"),
        ("DDB-001", "aws_dynamodb_table.t", "fail", "resource \"aws_dynamodb_table\" \"t\" {\n  name = \"t\"\n  hash_key = \"id\"\n  tags = {\n    data-classification = \"confidential\"\n  }\n}\n"),
        ("DDB-003", "aws_dynamodb_table.t", "fail", "resource \"aws_dynamodb_table\" \"t\" {\n  name = \"t\"\n  hash_key = \"id\"\n  replica {\n    region_name = \"eu-central-1\"\n  }\n  tags = {\n    data-classification = \"confidential\"\n  }\n}\n"),
        ("DDB-005", "aws_dax_cluster.c", "fail", "resource \"aws_dax_cluster\" \"c\" {\n  cluster_name = \"c\"\n}\n"),
        ("ACM-002", "aws_acm_certificate.c", "fail", "resource \"aws_acm_certificate\" \"c\" {\n  domain_name = \"a.example.com\"\n  key_algorithm = \"RSA_1024\"\n  validation_method = \"DNS\"\n}\n"),
        ("ACM-003", "aws_acm_certificate.c", "fail", "resource \"aws_acm_certificate\" \"c\" {\n  domain_name = \"a.example.com\"\n  validation_method = \"EMAIL\"\n}\n"),
        ("ACM-005", "aws_acm_certificate.c", "fail", "resource \"aws_acm_certificate\" \"c\" {\n  domain_name = \"*.example.com\"\n  validation_method = \"DNS\"\n}\n"),
        ("LB-001", "aws_lb_listener.l", "fail", "resource \"aws_lb_listener\" \"l\" {\n  load_balancer_arn = \"arn\"\n  port = 80\n  protocol = \"HTTP\"\n  default_action {\n    type = \"forward\"\n  }\n}\n"),
        ("LB-002", "aws_lb_listener.l", "fail", "resource \"aws_lb\" \"n\" {\n  load_balancer_type = \"network\"\n}\nresource \"aws_lb_listener\" \"l\" {\n  load_balancer_arn = aws_lb.n.arn\n  port = 443\n  protocol = \"TCP\"\n}\n"),
        ("LB-003", "aws_lb_listener.l", "pass", "resource \"aws_lb_listener\" \"l\" {\n  load_balancer_arn = \"arn\"\n  port = 443\n  protocol = \"HTTPS\"\n  ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"\n  certificate_arn = \"arn:aws:acm:eu-west-1:1:certificate/c\"\n  default_action {\n    type = \"forward\"\n  }\n}\n"),
        ("LB-004", "aws_elb.e", "fail", "resource \"aws_elb\" \"e\" {\n  listener {\n    lb_port = 80\n    lb_protocol = \"http\"\n    instance_port = 80\n    instance_protocol = \"http\"\n  }\n}\n"),
        ("LB-006", "aws_lb_listener.l", "fail", "resource \"aws_lb_listener\" \"l\" {\n  load_balancer_arn = \"arn\"\n  port = 443\n  protocol = \"HTTPS\"\n  certificate_arn = \"arn:aws:iam::1:server-certificate/c\"\n  default_action {\n    type = \"forward\"\n  }\n}\n"),
        ("CF-001", "aws_cloudfront_distribution.d", "fail", "resource \"aws_cloudfront_distribution\" \"d\" {\n  enabled = true\n  origin {\n    domain_name = \"b.s3.amazonaws.com\"\n    origin_id = \"s3\"\n  }\n  default_cache_behavior {\n    target_origin_id = \"s3\"\n    viewer_protocol_policy = \"allow-all\"\n  }\n  viewer_certificate {\n    cloudfront_default_certificate = true\n  }\n}\n"),
        ("CF-002", "aws_cloudfront_distribution.d", "fail", "resource \"aws_cloudfront_distribution\" \"d\" {\n  enabled = true\n  viewer_certificate {\n    cloudfront_default_certificate = true\n  }\n}\n"),
        ("CF-005", "aws_cloudfront_distribution.d", "fail", "resource \"aws_cloudfront_distribution\" \"d\" {\n  enabled = true\n  origin {\n    domain_name = \"app.example.com\"\n    origin_id = \"app\"\n    custom_origin_config {\n      origin_protocol_policy = \"https-only\"\n      origin_ssl_protocols = [\"TLSv1\", \"TLSv1.2\"]\n    }\n  }\n}\n"),
];

#[test]
fn cloudformation_resources_reach_every_section_of_the_policy() {
    for (rule, resource, expected, text) in &cloudformation_cases() {
        let got = verdicts("stack.yaml", text, rule);
        let found = got.iter().find(|(n, _)| n == resource).map(|(_, s)| *s);
        let expected = if *expected == "not_applicable" { None } else { Some(*expected) };
        assert_eq!(found, expected, "{rule} on {resource}:\n{text}\nverdicts: {got:?}");
    }
}

/// CloudFormation cases: rule, resource, verdict, template text.
fn cloudformation_cases() -> Vec<(&'static str, &'static str, &'static str, String)> {
    let t = |resources: &str| format!("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n{resources}");
    vec![
        ("KMS-001", "K", "fail", t("  K:\n    Type: AWS::KMS::Key\n")),
        ("KMS-001", "K", "not_applicable", t("  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeySpec: RSA_2048\n      KeyUsage: SIGN_VERIFY\n")),
        ("KMS-005", "K", "fail", t("  K:\n    Type: AWS::KMS::Key\n    Properties:\n      Enabled: false\n")),
        ("SM-001", "S", "pass", t("  K:\n    Type: AWS::KMS::Key\n  S:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      KmsKeyId: !GetAtt K.Arn\n")),
        ("SM-003", "S", "fail", t("  S:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      ReplicaRegions:\n        - Region: eu-central-1\n      Tags:\n        - Key: data-classification\n          Value: restricted\n")),
        ("S3-002", "B", "pass", t("  K:\n    Type: AWS::KMS::Key\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketEncryption:\n        ServerSideEncryptionConfiguration:\n          - ServerSideEncryptionByDefault:\n              SSEAlgorithm: aws:kms\n              KMSMasterKeyID: !Ref K\n")),
        ("S3-004", "B", "fail", t("  B:\n    Type: AWS::S3::Bucket\n")),
        ("S3-004", "B", "unknown", t("  B:\n    Type: AWS::S3::Bucket\n  P:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !ImportValue shared-bucket\n      PolicyDocument:\n        Statement: []\n")),
        ("S3-009", "B", "pass", t("  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      InventoryConfigurations:\n        - Id: i\n          Enabled: true\n          OptionalFields: [EncryptionStatus]\n")),
        ("EBS-003", "V", "fail", t("  V:\n    Type: AWS::EC2::Volume\n    Properties:\n      AvailabilityZone: eu-west-1a\n")),
        ("EBS-003", "L", "fail", t("  L:\n    Type: AWS::AutoScaling::LaunchConfiguration\n    Properties:\n      BlockDeviceMappings:\n        - DeviceName: /dev/xvda\n          Ebs:\n            Encrypted: false\n")),
        ("EBS-004", "V", "fail", t("  K:\n    Type: AWS::KMS::Key\n    Properties:\n      Enabled: false\n  V:\n    Type: AWS::EC2::Volume\n    Properties:\n      Encrypted: true\n      KmsKeyId: !Ref K\n")),
        ("RDS-001", "D", "unknown", "Parameters:\n  Enc:\n    Type: String\nResources:\n  D:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres\n      StorageEncrypted: !Ref Enc\n".to_string()),
        ("RDS-002", "C", "fail", t("  C:\n    Type: AWS::RDS::DBCluster\n    Properties:\n      Engine: aurora-mysql\n")),
        ("RDS-008", "D", "fail", t("  D:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      DBInstanceIdentifier: orders\n      Engine: postgres\n      StorageEncrypted: true\n      EnableCloudwatchLogsExports: [postgresql]\n")),
        ("RDS-009", "D", "fail", t("  D:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: mysql\n")),
        ("DDB-001", "T", "pass", t("  K:\n    Type: AWS::KMS::Key\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      SSESpecification:\n        SSEEnabled: true\n        KMSMasterKeyId: !GetAtt K.Arn\n")),
        ("DDB-004", "X", "fail", t("  X:\n    Type: AWS::DAX::Cluster\n    Properties:\n      SSESpecification:\n        SSEEnabled: false\n")),
        ("DDB-006", "T", "fail", t("  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema:\n        - AttributeName: id\n          KeyType: HASH\n        - AttributeName: email\n          KeyType: RANGE\n")),
        ("ACM-003", "C", "fail", t("  C:\n    Type: AWS::CertificateManager::Certificate\n    Properties:\n      DomainName: a.example.com\n")),
        ("ACM-004", "C", "fail", t("  C:\n    Type: AWS::CertificateManager::Certificate\n    Properties:\n      DomainName: a.example.com\n      CertificateTransparencyLoggingPreference: DISABLED\n")),
        ("LB-001", "L", "pass", t("  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      Protocol: HTTP\n      Port: 80\n      DefaultActions:\n        - Type: redirect\n          RedirectConfig:\n            Protocol: HTTPS\n            StatusCode: HTTP_301\n")),
        ("LB-003", "L", "fail", t("  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      Protocol: HTTPS\n      Port: 443\n      SslPolicy: ELBSecurityPolicy-TLS-1-1-2017-01\n")),
        ("LB-005", "E", "fail", t("  E:\n    Type: AWS::ElasticLoadBalancing::LoadBalancer\n    Properties:\n      Listeners:\n        - LoadBalancerPort: 443\n          InstancePort: 80\n          Protocol: HTTPS\n          SSLCertificateId: arn:aws:acm:eu-west-1:1:certificate/c\n")),
        ("LB-005", "E", "pass", t("  E:\n    Type: AWS::ElasticLoadBalancing::LoadBalancer\n    Properties:\n      Listeners:\n        - LoadBalancerPort: 443\n          InstancePort: 80\n          Protocol: HTTPS\n          SSLCertificateId: arn:aws:acm:eu-west-1:1:certificate/c\n      Policies:\n        - PolicyName: tls12\n          PolicyType: SSLNegotiationPolicyType\n          LoadBalancerPorts: [\"443\"]\n          Attributes:\n            - Name: Reference-Security-Policy\n              Value: ELBSecurityPolicy-TLS-1-2-2017-01\n")),
        ("CF-003", "D", "fail", t("  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n        ViewerCertificate:\n          AcmCertificateArn: arn:aws:acm:eu-west-1:1:certificate/c\n          SslSupportMethod: sni-only\n")),
        ("CF-004", "D", "fail", t("  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n        Origins:\n          - Id: web\n            DomainName: b.s3-website-eu-west-1.amazonaws.com\n            CustomOriginConfig:\n              OriginProtocolPolicy: http-only\n")),
    ]
}

/// Sources that cannot express a rule, with why (the Terraform and CloudFormation columns
/// of the policy's rule table).
const NOT_EXPRESSIBLE: &[(&str, &str, &str)] = &[
    ("EBS-001", "cloudformation", "CloudFormation has no resource for the account setting"),
    ("EBS-005", "cloudformation", "CloudFormation has no EBS snapshot resource"),
    ("EBS-006", "cloudformation", "CloudFormation has no AMI resource"),
    ("RDS-005", "cloudformation", "CloudFormation has no RDS snapshot resource"),
    ("RDS-006", "cloudformation", "CloudFormation has no automated-backups replication resource"),
    ("KMS-008", "cloudformation", "CloudFormation cannot import key material"),
    ("ACM-001", "cloudformation", "CloudFormation states no expiry and cannot import a certificate"),
];

/// The expected verdicts a fixture states on its first lines: `# expect RESOURCE STATUS`.
fn expectations(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map_while(|l| l.strip_prefix("# expect "))
        .filter_map(|l| l.split_once(' ').map(|(r, s)| (r.to_string(), s.trim().to_string())))
        .collect()
}

/// Runs every fixture under `tests/rules/RULE/` (`*.tf`, `*.yaml`, and `*.plan.json` — a
/// real plan of the `.tf` of its name, made by `tests/rules/make_plans.sh` and judged by that
/// file's expectations — each scanned alone, under the policy file of the same name `*.toml`
/// when there is one) and returns the rules × sources they cover.
fn fixture_cases() -> std::collections::BTreeSet<(String, &'static str)> {
    let mut covered = std::collections::BTreeSet::new();
    let mut wrong = Vec::new();
    let root = super::workspace().join("tests/rules");
    for rule_dir in std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()) {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().to_string();
        for file in std::fs::read_dir(&rule_dir).unwrap().map(|e| e.unwrap().path()) {
            let file_name = file.file_name().unwrap().to_string_lossy().to_string();
            let (source, name, stem) = if let Some(stem) = file_name.strip_suffix(".plan.json") {
                ("plan", "plan.json", stem.to_string())
            } else if let Some(stem) = file_name.strip_suffix(".tf") {
                ("terraform", "main.tf", stem.to_string())
            } else if let Some(stem) = file_name.strip_suffix(".yaml") {
                ("cloudformation", "stack.yaml", stem.to_string())
            } else {
                continue;
            };
            let text = std::fs::read_to_string(&file).unwrap();
            // A Terraform case that needs no input is planned for real too.
            if source == "terraform" && !text.contains("\nvariable ") {
                let plan = rule_dir.join(format!("{stem}.plan.json"));
                if !plan.exists() {
                    wrong.push(format!("{}: no plan; run tests/rules/make_plans.sh", plan.display()));
                }
            }
            let stated = if source == "plan" { rule_dir.join(format!("{stem}.tf")) } else { file.clone() };
            let expected = expectations(&std::fs::read_to_string(&stated).unwrap());
            assert!(!expected.is_empty(), "{}: no `# expect RESOURCE STATUS` line", file.display());
            let policy = std::fs::read_to_string(rule_dir.join(format!("{stem}.toml"))).ok();
            let got = verdicts_under(policy.as_deref(), name, &text, &rule);
            for (resource, status) in expected {
                let found = got.iter().find(|(n, _)| *n == resource).map(|(_, s)| *s).unwrap_or("not_applicable");
                if found != status {
                    wrong.push(format!("{}: {resource} expected {status}, got {got:?}", file.display()));
                }
            }
            covered.insert((rule.clone(), source));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    covered
}

#[test]
fn every_rule_goes_through_every_source_that_can_express_it() {
    let mut covered = fixture_cases();
    covered.extend(TERRAFORM_CASES.iter().map(|(rule, ..)| (rule.to_string(), "terraform")));
    covered.extend(cloudformation_cases().iter().map(|(rule, ..)| (rule.to_string(), "cloudformation")));
    let mut missing = Vec::new();
    for rule in encguard_rules::CATALOG {
        for source in ["terraform", "cloudformation"] {
            let excused = NOT_EXPRESSIBLE.iter().any(|(id, s, _)| *id == rule.id && *s == source);
            let has = covered.contains(&(rule.id.to_string(), source));
            if !has && !excused {
                missing.push(format!("{} through {source}", rule.id));
            }
            assert!(!(has && excused), "{} is said not to be expressible in {source}, but a case exists", rule.id);
        }
    }
    assert!(missing.is_empty(), "no case (tests/rules/RULE/*.tf|*.yaml) for:\n{}", missing.join("\n"));
}

/// A root module scanned as `.` takes its `*.auto.tfvars` as it does when named by its path.
#[test]
fn auto_tfvars_apply_when_the_module_is_the_current_directory() {
    let dir = temp_dir("auto-tfvars-here");
    std::fs::write(
        dir.join("main.tf"),
        "variable \"r\" {\n  default = true\n}\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.r\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("x.auto.tfvars"), "r = false\n").unwrap();
    let report = stdout(&encguard_in(&dir, &["scan", ".", "--rule", "KMS-001", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["summary"]["fail"], 1, "{report:#}");
}

/// A module at the root of the scanned directory, called by its examples (`../..`, as
/// published modules' examples call them), is read through each call: before, the current
/// directory named as the empty path was taken for a missing one, and none of its resources
/// were checked.
#[test]
fn a_module_in_the_current_directory_is_read_through_its_examples() {
    let dir = temp_dir("module-here");
    std::fs::create_dir_all(dir.join("examples/complete")).unwrap();
    std::fs::write(dir.join("main.tf"), "resource \"aws_kms_key\" \"this\" {}\n").unwrap();
    for source in ["../..", "../../"] {
        std::fs::write(
            dir.join("examples/complete/main.tf"),
            format!("module \"key\" {{\n  source = \"{source}\"\n}}\n"),
        )
        .unwrap();
        let o = encguard_in(&dir, &["scan", ".", "--rule", "KMS-001", "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(report["findings"][0]["resource"], "module.key.aws_kms_key.this", "{source}: {report:#}");
        assert_eq!(report["errors"], serde_json::json!([]), "{source}: {report:#}");
    }
}

/// `path.module` of a module at the root of the scanned directory is that directory: a
/// policy read with `file("${path.module}/…")` is found.
#[test]
fn path_module_of_the_current_directory_is_the_directory() {
    let dir = temp_dir("path-module-here");
    std::fs::create_dir_all(dir.join("examples/complete")).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_kms_key\" \"this\" {\n  policy = file(\"${path.module}/policy.json\")\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("policy.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("examples/complete/main.tf"), "module \"key\" {\n  source = \"../..\"\n}\n").unwrap();
    let o = encguard_in(&dir, &["scan", ".", "--rule", "KMS-003", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["findings"][0]["status"], "fail", "the policy was read: {report:#}");
}
