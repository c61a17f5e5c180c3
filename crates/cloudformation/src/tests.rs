use super::*;
use encguard_model::*;

fn scan(text: &str) -> Inventory {
    scan_with(text, &[])
}

fn scan_with(text: &str, params: &[(&str, &str)]) -> Inventory {
    let options = Options { parameters: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let scan = scan_template("stack.yaml", text, &options);
    assert_eq!(scan.errors, Vec::new());
    scan.inventory
}

fn spec<'a>(inv: &'a Inventory, name: &str) -> &'a Spec {
    &inv.resources.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no {name}")).spec
}

fn known<T>(v: T) -> Field<T> {
    Some(Value::Known(v)).into()
}

const YAML: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
    Default: prod
  KeyArn:
    Type: String
  UseCmk:
    Type: String
    Default: "true"
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  WantsCmk: !Equals [!Ref UseCmk, "true"]
Resources:
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"
            Action: "kms:*"
            Resource: "*"
  DataBucket:
    Type: AWS::S3::Bucket
    Metadata:
      cfn_nag:
        rules_to_suppress:
          - id: W35
            reason: access logging handled centrally
    Properties:
      BucketName: !Sub "acme-${Env}-data"
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: !If [WantsCmk, !GetAtt DataKey.Arn, !Ref AWS::NoValue]
            BucketKeyEnabled: true
  DataBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref DataBucket
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: "s3:*"
            Resource:
              - !GetAtt DataBucket.Arn
              - !Sub "${DataBucket.Arn}/*"
            Condition:
              Bool:
                aws:SecureTransport: false
  Imported:
    Type: AWS::EC2::Volume
    Properties:
      AvailabilityZone: eu-west-1a
      Encrypted: true
      KmsKeyId: !ImportValue shared-ebs-key
  ByParam:
    Type: AWS::SecretsManager::Secret
    Properties:
      KmsKeyId: !Ref KeyArn
  DevOnly:
    Type: AWS::DynamoDB::Table
    Condition: IsProd
    Properties:
      SSESpecification:
        SSEEnabled: true
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
        - AttributeName: email
          KeyType: RANGE
"#;

#[test]
fn yaml_short_tags_parameters_and_conditions() {
    let inv = scan(YAML);
    let Spec::S3Bucket(b) = spec(&inv, "DataBucket") else { panic!() };
    assert_eq!(b.bucket_name, known("acme-prod-data".into()));
    let enc = b.encryption.value.clone().unwrap().known().cloned().unwrap();
    assert_eq!(enc.kms_key, KeyRef::Customer { reference: "DataKey".into() }.into());
    let Spec::S3BucketPolicy(p) = spec(&inv, "DataBucketPolicy") else { panic!() };
    assert_eq!(p.bucket, known("acme-prod-data".into()));
    let doc = p.policy.known().unwrap();
    assert_eq!(doc.statements[0].resource, ["arn:aws:s3:::acme-prod-data", "arn:aws:s3:::acme-prod-data/*"]);
    let Spec::KmsKey(k) = spec(&inv, "DataKey") else { panic!() };
    assert_eq!(
        k.policy.value.clone().unwrap().known().unwrap().statements[0].principal.as_ref().unwrap()[0].id,
        "arn:aws:iam::⟨?⟩:root"
    );
    let Spec::EbsVolume(v) = spec(&inv, "Imported") else { panic!() };
    assert!(matches!(&*v.kms_key, KeyRef::Unresolved { reason } if reason.contains("Fn::ImportValue")));
    let Spec::Secret(s) = spec(&inv, "ByParam") else { panic!() };
    assert!(matches!(&*s.kms_key, KeyRef::Unresolved { reason } if reason.contains("KeyArn")));
    let Spec::DynamodbTable(t) = spec(&inv, "DevOnly") else { panic!() };
    assert_eq!(t.kms_key, KeyRef::AwsManaged { alias: "alias/aws/dynamodb".into() }.into());
    assert_eq!(*t.range_keys, Some(Value::Known(vec!["email".to_string()])));
    let bucket = inv.resources.iter().find(|r| r.name == "DataBucket").unwrap();
    assert_eq!(bucket.suppressions[0].rule, "W35");
    assert!(matches!(bucket.location, Location::File { line: 28, column: 3, .. }));
    let Spec::S3Bucket(spec) = &bucket.spec else { panic!("{bucket:?}") };
    let span = spec.encryption.span.expect("the encryption is written");
    assert_eq!(span.start, Position { line: 37, column: 7 });
    assert!(span.end.line > 37, "{span:?}");
}

#[test]
fn overrides_change_parameters_and_conditions() {
    let inv = scan_with(YAML, &[("Env", "dev"), ("UseCmk", "false"), ("KeyArn", "alias/secrets")]);
    assert!(inv.resources.iter().all(|r| r.name != "DevOnly"), "the condition is false: no table");
    let Spec::S3Bucket(b) = spec(&inv, "DataBucket") else { panic!() };
    assert_eq!(
        b.encryption.value.clone().unwrap().known().unwrap().kms_key,
        KeyRef::ServiceDefault.into(),
        "AWS::NoValue removes the key"
    );
    let Spec::Secret(s) = spec(&inv, "ByParam") else { panic!() };
    assert_eq!(s.kms_key, KeyRef::Customer { reference: "alias/secrets".into() }.into());
}

#[test]
fn cdk_style_json_with_get_att_everywhere() {
    let json = r#"{
  "Resources": {
    "AppKey1234ABCD": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{"Action": "kms:*", "Effect": "Allow", "Principal": {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]}}, "Resource": "*"}]}, "EnableKeyRotation": true}, "UpdateReplacePolicy": "Retain"},
    "TableCD117FA1": {"Type": "AWS::DynamoDB::Table", "Properties": {"SSESpecification": {"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": {"Fn::GetAtt": ["AppKey1234ABCD", "Arn"]}}, "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}},
    "Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"LoadBalancerArn": {"Ref": "LB"}, "Port": 443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "Certificates": [{"CertificateArn": {"Ref": "Cert"}}], "DefaultActions": [{"Type": "forward"}]}},
    "LB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Scheme": "internal", "Type": "application"}},
    "Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {"DomainName": "api.example.com", "ValidationMethod": "DNS"}}
  }
}"#;
    let inv = scan_template("cdk.out/App.template.json", json, &Options::default()).inventory;
    let Spec::DynamodbTable(t) = spec(&inv, "TableCD117FA1") else { panic!() };
    assert_eq!(t.kms_key, KeyRef::Customer { reference: "AppKey1234ABCD".into() }.into());
    let Spec::Listener(l) = spec(&inv, "Listener") else { panic!() };
    assert_eq!(l.load_balancer, known("LB".into()));
    assert_eq!(l.certificates, vec![Value::Known("Cert".to_string())].into());
    let Spec::KmsKey(k) = spec(&inv, "AppKey1234ABCD") else { panic!() };
    assert!(k.policy.value.clone().unwrap().known().is_some());
}

#[test]
fn templates_are_told_apart_from_other_yaml_and_errors_have_positions() {
    assert!(is_template("AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n"));
    assert!(is_template("Resources:\n  B:\n    Type: AWS::S3::Bucket\n"));
    assert!(!is_template("name: ci\non: [push]\njobs: {}\n"));
    let scan = scan_template(
        "bad.yaml",
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: [\n",
        &Options::default(),
    );
    let [err] = scan.errors.as_slice() else { panic!("{:?}", scan.errors) };
    assert_eq!(err.file, "bad.yaml");
    assert!(err.at.unwrap().line >= 4, "{err}");
    // JSON that merely holds a `Resources` key deeper down (a Lambda test event) is not a template.
    let event = r#"{"requestId": "1", "fragment": {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}}"#;
    let scan = scan_template("event.json", event, &Options::default());
    assert!(scan.errors.is_empty() && scan.not_templates == ["event.json"], "{:?}", scan.errors);
}

#[test]
fn nested_stacks_and_macros_are_gaps() {
    let inv = scan("Transform: [AWS::Serverless-2016-10-31, Acme::Magic]\nResources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://example.com/t.yaml\n");
    assert_eq!(inv.gaps.len(), 2, "{:?}", inv.gaps);
}

#[test]
fn parameter_files_in_both_formats() {
    let a = parameter_file(r#"[{"ParameterKey": "Env", "ParameterValue": "dev"}]"#).unwrap();
    let b = parameter_file(r#"{"Env": "dev"}"#).unwrap();
    assert_eq!(a, b);
    assert!(parameter_file("[1]").is_err());
}

#[test]
fn a_resource_that_refers_to_itself_is_a_cycle_at_its_position() {
    let text = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Bucket\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true\n";
    let scan = scan_template("loop.yaml", text, &Options::default());
    let [err] = scan.errors.as_slice() else { panic!("{:?}", scan.errors) };
    assert_eq!(err.to_string(), "loop.yaml:3:5: a reference cycle: Bucket → Bucket");
    assert_eq!(scan.inventory.resources.len(), 2, "the other resources are still read");

    let text = "Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Condition: A\n";
    let scan = scan_template("conditions.yaml", text, &Options::default());
    assert!(
        scan.errors.iter().any(|e| e.message.contains("condition A → condition B → condition A")),
        "{:?}",
        scan.errors
    );
}

#[test]
fn nesting_is_bounded_and_aliases_are_refused() {
    let deep = format!(
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags:\n        {}x\n",
        "- ".repeat(100_000)
    );
    let scan = scan_template("deep.yaml", &deep, &Options::default());
    assert!(scan.errors[0].message.contains("deeper than 256"), "{:?}", scan.errors);
    let alias = "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties: &p\n      BucketName: a\n  B:\n    Type: AWS::S3::Bucket\n    Properties: *p\n";
    let scan = scan_template("alias.yaml", alias, &Options::default());
    assert_eq!(scan.errors[0].at, Some(Position { line: 8, column: 17 }), "{:?}", scan.errors);
}

#[test]
fn for_each_loops_are_expanded_over_known_collections() {
    let text = "Transform: AWS::LanguageExtensions\nParameters:\n  Names:\n    Type: CommaDelimitedList\n    Default: a,b\n  Open:\n    Type: CommaDelimitedList\nResources:\n  Fn::ForEach::Keys:\n    - Name\n    - [Alpha, Beta-2]\n    - Key&{Name}:\n        Type: AWS::KMS::Key\n        Properties:\n          Description: !Sub 'key ${Name}'\n          EnableKeyRotation: false\n  Fn::ForEach::Buckets:\n    - N\n    - !Ref Names\n    - Bucket${N}:\n        Type: AWS::S3::Bucket\n        Properties:\n          BucketName: !Ref N\n  Fn::ForEach::Unknown:\n    - N\n    - !Ref Open\n    - Table${N}:\n        Type: AWS::DynamoDB::Table\n";
    let scan = scan_template("loops.yaml", text, &Options::default());
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    let mut names: Vec<&str> = scan.inventory.resources.iter().map(|r| r.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Bucketa", "Bucketb", "KeyAlpha", "KeyBeta2"]);
    assert!(
        scan.inventory.resources.iter().any(|r| r.handles.contains(&"a".to_string())),
        "{:?}",
        scan.inventory.resources
    );
    let [gap] = scan.inventory.gaps.as_slice() else { panic!("{:?}", scan.inventory.gaps) };
    assert!(gap.what == "Fn::ForEach::Unknown" && gap.error.contains("`Open`"), "{gap:?}");
}

#[test]
fn a_malformed_fn_if_is_unknown_not_a_loop() {
    let text =
        "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n    Properties:\n      StorageEncrypted: !If IsProd\n";
    let scan = scan_template("if.yaml", text, &Options::default());
    let Spec::RdsCluster(c) = spec(&scan.inventory, "Db") else { panic!() };
    assert!(matches!(c.storage_encrypted.value, Some(Value::Unknown { .. })), "{:?}", c.storage_encrypted);
}

#[test]
fn tags_known_only_at_deploy_time_are_unknown() {
    let inv = scan(
        r#"
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      Tags:
        - { Key: team, Value: data }
        - { Key: classification, Value: !ImportValue shared-classification }
  Other:
    Type: AWS::S3::Bucket
    Properties:
      Tags:
        - { Key: !ImportValue tag-name, Value: confidential }
"#,
    );
    let data = inv.resources.iter().find(|r| r.name == "Data").unwrap();
    assert_eq!(data.tags.value.get("team").map(String::as_str), Some("data"));
    assert!(data.unknown_tags.contains_key("classification"), "{:?}", data.unknown_tags);
    let other = inv.resources.iter().find(|r| r.name == "Other").unwrap();
    assert!(other.tags_unreadable.is_some());
}

#[test]
fn a_global_tables_key_is_its_own_regions_replicas() {
    let inv = scan(
        r#"
Resources:
  Orders:
    Type: AWS::DynamoDB::GlobalTable
    Properties:
      SSESpecification: { SSEEnabled: true, SSEType: KMS }
      Replicas:
        - Region: !Ref AWS::Region
          SSESpecification: { KMSMasterKeyId: alias/orders }
        - Region: us-west-2
          SSESpecification: { KMSMasterKeyId: alias/orders-west }
  Plain:
    Type: AWS::DynamoDB::GlobalTable
    Properties:
      Replicas:
        - Region: eu-west-1
        - Region: us-west-2
"#,
    );
    match spec(&inv, "Orders") {
        Spec::DynamodbTable(t) => {
            assert_eq!(t.kms_key.value, KeyRef::Customer { reference: "alias/orders".into() });
            assert_eq!(t.replicas.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    match spec(&inv, "Plain") {
        Spec::DynamodbTable(t) => assert_eq!(t.kms_key.value, KeyRef::AwsOwned),
        other => panic!("{other:?}"),
    }
}
