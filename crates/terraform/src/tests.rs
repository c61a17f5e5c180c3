use crate::{scan_text, Scan};
use encguard_model::*;

fn find<'a>(inv: &'a Inventory, name: &str) -> &'a Resource {
    inv.resources
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no `{name}` among {:?}", inv.resources.iter().map(|r| &r.name).collect::<Vec<_>>()))
}

fn spec<T: Clone>(inv: &Inventory, name: &str, f: impl Fn(&Spec) -> Option<&T>) -> T {
    f(&find(inv, name).spec).cloned().unwrap_or_else(|| panic!("`{name}` has another kind"))
}

fn bucket(inv: &Inventory, name: &str) -> S3Bucket {
    spec(inv, name, |s| match s {
        Spec::S3Bucket(b) => Some(&**b),
        _ => None,
    })
}

fn known<T>(v: T) -> Field<T> {
    Some(Value::Known(v)).into()
}

#[test]
fn split_bucket_resources_reference_their_bucket() {
    let scan = scan_text(&[(
        "main.tf",
        r#"
resource "aws_kms_key" "data" { enable_key_rotation = true }
resource "aws_s3_bucket" "logs" { bucket = "acme-logs" }
resource "aws_s3_bucket" "anon" { bucket_prefix = "tmp-" }
resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
    bucket_key_enabled = true
  }
}
resource "aws_s3_bucket_policy" "anon" {
  bucket = aws_s3_bucket.anon.id
  policy = jsonencode({ Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:*",
    Resource = [aws_s3_bucket.anon.arn, "${aws_s3_bucket.anon.arn}/*"],
    Condition = { Bool = { "aws:SecureTransport" = "false" } } }] })
}
resource "aws_s3_bucket_logging" "by_name" {
  bucket        = "acme-app"
  target_bucket = "acme-logs"
}
"#,
    )]);
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    let inv = &scan.inventory;
    let logs = find(inv, "aws_s3_bucket.logs");
    assert!(logs.handles.contains(&"acme-logs".to_string()));
    let sse = spec(inv, "aws_s3_bucket_server_side_encryption_configuration.logs", |s| match s {
        Spec::S3EncryptionConfig(c) => Some(c),
        _ => None,
    });
    assert_eq!(sse.bucket, known("acme-logs".into()));
    let enc = sse.encryption.known().unwrap();
    assert_eq!(enc.sse_algorithm, known("aws:kms".into()));
    assert_eq!(enc.kms_key, KeyRef::Customer { reference: "//|aws_kms_key.data".into() }.into());
    let policy = spec(inv, "aws_s3_bucket_policy.anon", |s| match s {
        Spec::S3BucketPolicy(p) => Some(p),
        _ => None,
    });
    // The bucket's name is generated: the reference falls back to its address, and the
    // policy stays readable with the unknown name marked.
    assert_eq!(policy.bucket, known("//|aws_s3_bucket.anon".into()));
    let doc = policy.policy.known().expect("policy readable");
    assert_eq!(doc.statements[0].resource[1], "arn:aws:s3:::⟨?⟩/*");
    assert!(matches!(bucket(inv, "aws_s3_bucket.anon").bucket_name.value, Some(Value::Unknown { .. })));
}

#[test]
fn variables_locals_tfvars_and_conditionals() {
    let scan = scan_text(&[
        (
            "main.tf",
            r#"
variable "env" {}
variable "encrypt" { default = true }
variable "unset" {}
locals { name = "acme-${var.env}-data" }
resource "aws_ebs_volume" "a" { encrypted = var.encrypt }
resource "aws_ebs_volume" "b" { encrypted = var.unset ? true : false }
resource "aws_ebs_volume" "c" { encrypted = var.unset ? true : true }
resource "aws_s3_bucket" "d" { bucket = local.name }
"#,
        ),
        ("terraform.tfvars", "env = \"prod\"\n"),
    ]);
    let inv = &scan.inventory;
    let vol = |n: &str| {
        spec(inv, n, |s| match s {
            Spec::EbsVolume(v) => Some(v),
            _ => None,
        })
    };
    assert_eq!(vol("aws_ebs_volume.a").encrypted, known(true));
    match &*vol("aws_ebs_volume.b").encrypted {
        Some(Value::Unknown { unknown }) => assert!(unknown.contains("var.unset"), "{unknown}"),
        other => panic!("expected unknown, got {other:?}"),
    }
    assert_eq!(vol("aws_ebs_volume.c").encrypted, known(true), "both branches agree");
    assert_eq!(bucket(inv, "aws_s3_bucket.d").bucket_name, known("acme-prod-data".into()));
}

#[test]
fn count_for_each_and_dynamic_blocks() {
    let scan = scan_text(&[(
        "main.tf",
        r#"
variable "disks" { default = { data = true, scratch = false } }
variable "unknown_list" {}
resource "aws_s3_bucket" "b" {
  count  = 2
  bucket = "acme-${count.index}"
}
resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
  count  = 2
  bucket = aws_s3_bucket.b[count.index].id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "AES256" }
  }
}
resource "aws_ebs_volume" "v" {
  for_each          = var.disks
  availability_zone = "eu-west-1a"
  encrypted         = each.value
}
resource "aws_launch_template" "lt" {
  dynamic "block_device_mappings" {
    for_each = var.disks
    content {
      device_name = "/dev/${block_device_mappings.key}"
      ebs { encrypted = block_device_mappings.value }
    }
  }
}
resource "aws_launch_template" "unknowable" {
  dynamic "block_device_mappings" {
    for_each = var.unknown_list
    content {
      device_name = "/dev/sdf"
      ebs { encrypted = true }
    }
  }
}
resource "aws_dynamodb_table" "global" {
  name = "orders"
  dynamic "replica" {
    for_each = var.unknown_list
    content { region_name = replica.value }
  }
}
"#,
    )]);
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    let inv = &scan.inventory;
    assert!(find(inv, "aws_s3_bucket.b[1]").handles.contains(&"acme-1".to_string()));
    let sse = spec(inv, "aws_s3_bucket_server_side_encryption_configuration.b[1]", |s| match s {
        Spec::S3EncryptionConfig(c) => Some(c),
        _ => None,
    });
    assert_eq!(sse.bucket, known("acme-1".into()));
    let scratch = spec(inv, "aws_ebs_volume.v[\"scratch\"]", |s| match s {
        Spec::EbsVolume(v) => Some(v),
        _ => None,
    });
    assert_eq!(scratch.encrypted, known(false));
    let lt = spec(inv, "aws_launch_template.lt", |s| match s {
        Spec::BlockDeviceHost(h) => Some(h),
        _ => None,
    });
    let devices = lt.devices[0].known().unwrap();
    assert_eq!(devices.len(), 3, "data devices only: the image's root volume too");
    assert_eq!(devices[0].device_name, "root");
    assert_eq!(devices[1].device_name, "/dev/data");
    let unknowable = spec(inv, "aws_launch_template.unknowable", |s| match s {
        Spec::BlockDeviceHost(h) => Some(h),
        _ => None,
    });
    assert!(unknowable.devices[0].known().is_none());
    // What it may be: no device but the image's root, one or two encrypted devices.
    let alternatives: Vec<usize> = find(inv, "aws_launch_template.unknowable")
        .alternatives
        .iter()
        .map(|a| match a {
            Spec::BlockDeviceHost(h) => h.devices[0].known().unwrap().len(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(alternatives, [1, 2, 3]);
    assert!(find(inv, "aws_launch_template.lt").alternatives.is_empty(), "known blocks have no alternatives");
    // Replicas that cannot be listed are not "no replicas".
    let table = spec(inv, "aws_dynamodb_table.global", |s| match s {
        Spec::DynamodbTable(t) => Some(t),
        _ => None,
    });
    assert!(matches!(table.replicas[..], [Replica { region: Spanned { value: Some(Value::Unknown { .. }), .. }, .. }]));
}

#[test]
fn policy_documents_and_data_sources() {
    let scan = scan_text(&[(
        "main.tf",
        r#"
data "aws_caller_identity" "current" {}
data "aws_kms_alias" "s3" { name = "alias/aws/s3" }
data "aws_iam_policy_document" "key" {
  statement {
    sid       = "Root"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid     = "Public"
    actions = ["kms:Decrypt"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
resource "aws_kms_key" "k" { policy = data.aws_iam_policy_document.key.json }
resource "aws_secretsmanager_secret" "s" { kms_key_id = data.aws_kms_alias.s3.target_key_arn }
resource "aws_iam_policy" "heredoc" {
  policy = <<-EOT
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}
  EOT
}
"#,
    )]);
    let inv = &scan.inventory;
    let key = spec(inv, "aws_kms_key.k", |s| match s {
        Spec::KmsKey(k) => Some(k),
        _ => None,
    });
    let doc = key.policy.value.unwrap().known().cloned().expect("policy readable despite the unknown account id");
    assert_eq!(doc.statements.len(), 2);
    assert!(doc.statements[1].has_public_principal());
    assert_eq!(doc.statements[0].principal.as_ref().unwrap()[0].id, "arn:aws:iam::⟨?⟩:root");
    let secret = spec(inv, "aws_secretsmanager_secret.s", |s| match s {
        Spec::Secret(s) => Some(s),
        _ => None,
    });
    assert_eq!(secret.kms_key, KeyRef::AwsManaged { alias: "alias/aws/s3".into() }.into());
    let iam = spec(inv, "aws_iam_policy.heredoc", |s| match s {
        Spec::IamPolicy(p) => Some(p),
        _ => None,
    });
    assert!(iam.document.known().is_some());
}

#[test]
fn local_modules_with_inputs_and_outputs_and_remote_modules_as_gaps() {
    let scan = scan_text(&[
        (
            "live/main.tf",
            r#"
module "kms" {
  source = "../modules/kms"
  rotate = false
}
module "storage" {
  source  = "../modules/bucket"
  name    = "acme-reports"
  key_arn = module.kms.key_arn
}
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
resource "aws_secretsmanager_secret" "s" { kms_key_id = module.vpc.some_key }
"#,
        ),
        ("modules/kms/main.tf", "variable \"rotate\" {}\nresource \"aws_kms_key\" \"this\" { enable_key_rotation = var.rotate }\noutput \"key_arn\" { value = aws_kms_key.this.arn }\n"),
        (
            "modules/bucket/main.tf",
            r#"
variable "name" {}
variable "key_arn" {}
resource "aws_s3_bucket" "this" { bucket = var.name }
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.key_arn
    }
  }
}
"#,
        ),
    ]);
    let inv = &scan.inventory;
    let key = find(inv, "module.kms.aws_kms_key.this");
    assert_eq!(key.scope, "live//module.kms");
    match &key.spec {
        Spec::KmsKey(k) => assert_eq!(k.rotation_enabled, known(false)),
        _ => unreachable!(),
    }
    let sse = spec(inv, "module.storage.aws_s3_bucket_server_side_encryption_configuration.this", |s| match s {
        Spec::S3EncryptionConfig(c) => Some(c),
        _ => None,
    });
    // The key crosses two module boundaries and still names the key in its module.
    assert_eq!(
        sse.encryption.known().unwrap().kms_key,
        KeyRef::Customer { reference: "live//module.kms|aws_kms_key.this".into() }.into()
    );
    assert!(inv.gaps.iter().any(|g| g.what == "module.vpc" && g.error.contains("does not fetch")), "{:?}", inv.gaps);
    let secret = spec(inv, "aws_secretsmanager_secret.s", |s| match s {
        Spec::Secret(s) => Some(s),
        _ => None,
    });
    assert!(matches!(secret.kms_key.value, KeyRef::Unresolved { .. }));
    // Only the live directory is a root: the modules are scanned through it.
    assert!(inv.resources.iter().all(|r| r.scope.starts_with("live//")));
}

#[test]
fn syntax_errors_name_the_place_and_other_files_are_still_read() {
    let scan = scan_text(&[
        ("a/main.tf", "resource \"aws_s3_bucket\" \"ok\" { bucket = \"fine\" }\n"),
        ("b/broken.tf", "resource \"aws_s3_bucket\" \"bad\" {\n  bucket = \n}\n"),
    ]);
    assert_eq!(scan.errors.len(), 1);
    let e = &scan.errors[0];
    assert_eq!(e.to_string().split(": ").next(), Some("b/broken.tf:2:12"), "{e}");
    assert!(e.message.contains("expected"), "{e}");
    find(&scan.inventory, "aws_s3_bucket.ok");
}

#[test]
fn locations_and_suppressions() {
    let scan = scan_text(&[(
        "s3.tf",
        "\n# encguard:ignore S3-002 server access logs cannot use SSE-KMS\nresource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"acme-logs\"\n  policy = \"{}\"\n}\n",
    )]);
    let r = find(&scan.inventory, "aws_s3_bucket.logs");
    assert_eq!(
        r.location,
        Location::File { format: "terraform".into(), file: "s3.tf".into(), line: 3, column: 1, end: None }
    );
    let Spec::S3Bucket(bucket) = &r.spec else { panic!("{r:?}") };
    let policy = bucket.policy.span.expect("the policy is written");
    assert_eq!((policy.start, policy.end), (Position { line: 5, column: 3 }, Position { line: 5, column: 16 }));
    assert_eq!(
        r.suppressions,
        vec![InlineSuppression { rule: "S3-002".into(), reason: "server access logs cannot use SSE-KMS".into() }]
    );
}

#[test]
fn plans_resolve_unknown_values_through_configuration_references() {
    let plan = r#"{
  "format_version": "1.2", "terraform_version": "1.9.0",
  "resource_changes": [
    {"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key", "name": "k",
     "change": {"actions": ["create"], "after": {"enable_key_rotation": true, "is_enabled": true}, "after_unknown": {"arn": true, "key_id": true}}},
    {"address": "aws_kms_key.old", "mode": "managed", "type": "aws_kms_key", "name": "old",
     "change": {"actions": ["delete"], "before": {"arn": "arn:aws:kms:eu-west-1:1:key/old", "key_id": "old"}, "after": null}},
    {"address": "module.db.aws_db_instance.main", "module_address": "module.db", "mode": "managed", "type": "aws_db_instance", "name": "main",
     "change": {"actions": ["create"], "after": {"identifier": "orders", "storage_encrypted": true, "engine": "postgres"}, "after_unknown": {"kms_key_id": true}}},
    {"address": "aws_s3_bucket.gone", "mode": "managed", "type": "aws_s3_bucket", "name": "gone",
     "change": {"actions": ["delete"], "before": {"bucket": "gone"}, "after": null}}
  ],
  "configuration": {"root_module": {
    "resources": [{"address": "aws_kms_key.k", "type": "aws_kms_key", "name": "k", "expressions": {}}],
    "module_calls": {"db": {"module": {"resources": [
      {"address": "aws_db_instance.main", "type": "aws_db_instance", "name": "main",
       "expressions": {"kms_key_id": {"references": ["aws_kms_key.this.arn", "aws_kms_key.this"]}}}]}}}}}
}"#;
    let inv = crate::scan_plan("plan.json", plan).unwrap();
    assert_eq!(inv.resources.len(), 3, "the deleted bucket is gone; the deleted key stays for its dependents");
    let db = find(&inv, "module.db.aws_db_instance.main");
    assert_eq!(db.scope, "module.db");
    match &db.spec {
        Spec::RdsInstance(d) => assert_eq!(d.kms_key, KeyRef::Customer { reference: "aws_kms_key.this".into() }.into()),
        _ => unreachable!(),
    }
    match &find(&inv, "aws_kms_key.old").spec {
        Spec::KmsKey(k) => assert_eq!(k.planned_action, Some(PlannedAction::Delete)),
        _ => unreachable!(),
    }
    assert!(find(&inv, "aws_kms_key.old").handles.contains(&"arn:aws:kms:eu-west-1:1:key/old".to_string()));
    assert!(matches!(find(&inv, "aws_kms_key.k").location, Location::File { line: 4, .. }));
    assert!(crate::scan_plan("plan.json", "{\"format_version\": ").is_err());
}

#[test]
fn compact_plans_locate_each_resource_at_its_first_address() {
    // Compact plan JSON is one line: columns count characters (`é` is one).
    let plan = concat!(
        r#"{"format_version":"1.2","resource_changes":["#,
        r#"{"address":"aws_s3_bucket.a","mode":"managed","type":"aws_s3_bucket","name":"a","change":{"actions":["create"],"after":{"bucket":"é"}}},"#,
        r#"{"address":"aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","name":"b","change":{"actions":["create"],"after":{"bucket":"b"}}}"#,
        "],\n",
        r#""configuration":{"root_module":{"resources":[{"address": "aws_s3_bucket.b"}]}}}"#,
    );
    let inv = crate::scan_plan("plan.json", plan).unwrap();
    let at = |name: &str| match &find(&inv, name).location {
        Location::File { line, column, .. } => (*line, *column),
        other => panic!("{other:?}"),
    };
    assert_eq!(at("aws_s3_bucket.a"), (1, 46));
    assert_eq!(at("aws_s3_bucket.b"), (1, 182));
}

#[test]
fn terraform_json_syntax_reads_like_native_syntax() {
    let scan = scan_text(&[(
        "main.tf.json",
        r#"{
  "variable": {"name": {"default": "acme-json"}},
  "resource": {
    "aws_s3_bucket": {"b": {"bucket": "${var.name}"}},
    "aws_s3_bucket_server_side_encryption_configuration": {
      "b": {"bucket": "${aws_s3_bucket.b.id}",
            "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": "${aws_kms_key.k.arn}"}]}]}
    },
    "aws_kms_key": {"k": {"enable_key_rotation": true}}
  }
}"#,
    )]);
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    let inv = &scan.inventory;
    assert!(find(inv, "aws_s3_bucket.b").handles.contains(&"acme-json".to_string()));
    let sse = spec(inv, "aws_s3_bucket_server_side_encryption_configuration.b", |s| match s {
        Spec::S3EncryptionConfig(c) => Some(c),
        _ => None,
    });
    assert_eq!(sse.bucket, known("acme-json".into()));
    assert_eq!(
        sse.encryption.known().unwrap().kms_key,
        KeyRef::Customer { reference: "//|aws_kms_key.k".into() }.into()
    );
    assert!(matches!(find(inv, "aws_kms_key.k").location, Location::File { line: 9, .. }));
    let bad = scan_text(&[("bad.tf.json", "{\"resource\": }")]);
    assert_eq!(bad.errors.len(), 1);
}

#[test]
fn classic_load_balancer_policies_are_joined_to_their_load_balancer() {
    let scan = scan_text(&[(
        "elb.tf",
        r#"
resource "aws_elb" "web" {
  name = "web"
  listener {
    lb_port           = 443
    lb_protocol       = "https"
    instance_port     = 8080
    instance_protocol = "http"
  }
}
resource "aws_load_balancer_policy" "tls12" {
  load_balancer_name = aws_elb.web.name
  policy_name        = "tls12"
  policy_type_name   = "SSLNegotiationPolicyType"
  policy_attribute {
    name  = "Reference-Security-Policy"
    value = "ELBSecurityPolicy-TLS-1-2-2017-01"
  }
}
resource "aws_load_balancer_listener_policy" "web_443" {
  load_balancer_name = aws_elb.web.name
  load_balancer_port = 443
  policy_names       = [aws_load_balancer_policy.tls12.policy_name]
}
"#,
    )]);
    let elb = spec(&scan.inventory, "aws_elb.web", |s| match s {
        Spec::ClassicLoadBalancer(e) => Some(e),
        _ => None,
    });
    assert_eq!(elb.ssl_policies.len(), 1);
    assert_eq!(elb.ssl_policies[0].reference_policy, known("ELBSecurityPolicy-TLS-1-2-2017-01".into()));
    assert_eq!(elb.listeners.value.unwrap().known().unwrap()[0].policy_names, known(vec!["tls12".to_string()]));
}

fn errors(scan: &Scan) -> Vec<String> {
    scan.errors.iter().map(ToString::to_string).collect()
}

#[test]
fn reference_cycles_are_errors_naming_the_cycle() {
    let scan = scan_text(&[(
        "m/main.tf",
        "variable \"a\" {\n  default = var.b\n}\nvariable \"b\" {\n  default = var.a\n}\nlocals {\n  x = local.y\n  y = local.x\n}\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.a\n  description = local.x\n}\n",
    )]);
    assert_eq!(
        errors(&scan),
        [
            "m/main.tf:1:1: a reference cycle: var.a → var.b → var.a",
            "m/main.tf:8:3: a reference cycle: local.x → local.y → local.x"
        ]
    );
    let Spec::KmsKey(k) = &find(&scan.inventory, "aws_kms_key.k").spec else { panic!() };
    assert!(matches!(k.rotation_enabled.value, Some(Value::Unknown { .. })), "{:?}", k.rotation_enabled);
}

#[test]
fn a_resource_that_refers_to_itself_is_a_cycle() {
    let scan =
        scan_text(&[("m/main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = aws_s3_bucket.b.tags.name\n}\n")]);
    assert_eq!(errors(&scan), ["m/main.tf:1:1: a reference cycle: aws_s3_bucket.b → aws_s3_bucket.b"]);
}

#[test]
fn instance_counts_past_the_limit_are_unknown_and_errors() {
    for count in ["1e300", "10000000", "-1", "1.5"] {
        let scan = scan_text(&[(
            "m/main.tf",
            &format!("resource \"aws_kms_key\" \"k\" {{\n  count = {count}\n  enable_key_rotation = true\n}}\n"),
        )]);
        let names: Vec<&str> = scan.inventory.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["aws_kms_key.k[?]"], "count = {count}");
        if count.starts_with("1e") || count.starts_with("10") {
            assert!(
                scan.errors.len() == 1
                    && scan.errors[0].to_string().starts_with("m/main.tf:2:11: count of `aws_kms_key.k` is"),
                "{:?}",
                errors(&scan)
            );
        }
    }
    let scan = scan_text(&[(
        "m/main.tf",
        "resource \"aws_kms_key\" \"k\" {\n  for_each = toset([for i in range(10000000) : tostring(i)])\n}\n",
    )]);
    assert_eq!(errors(&scan), ["m/main.tf:2:30: range() of more than 1000000 elements"]);
    let scan = scan_text(&[(
        "m/main.tf",
        "locals {\n  n = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]\n}\nresource \"aws_kms_key\" \"k\" {\n  description = length(local.n)\n}\n",
    )]);
    assert!(errors(&scan).iter().any(|e| e.contains("iterate more than")), "{:?}", errors(&scan));
}

#[test]
fn values_that_double_through_locals_are_bounded() {
    let mut text = String::from("locals {\n  l0 = \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..40 {
        text.push_str(&format!("  l{i} = \"${{local.l{}}}${{local.l{}}}\"\n", i - 1, i - 1));
    }
    text.push_str("}\nresource \"aws_kms_key\" \"k\" {\n  description = local.l39\n}\n");
    let scan = scan_text(&[("m/main.tf", &text)]);
    assert!(errors(&scan).iter().any(|e| e.contains("grows larger than")), "{:?}", errors(&scan));
}

#[test]
fn modules_that_call_themselves_are_errors_and_their_resources_still_read() {
    let scan = scan_text(&[
        ("root/main.tf", "module \"self\" {\n  source = \"./\"\n}\nresource \"aws_kms_key\" \"k\" {}\n"),
        ("a/main.tf", "module \"b\" {\n  source = \"../b\"\n}\nresource \"aws_kms_key\" \"a\" {}\n"),
        ("b/main.tf", "module \"a\" {\n  source = \"../a\"\n}\nresource \"aws_kms_key\" \"b\" {}\n"),
    ]);
    let mut names: Vec<&str> = scan.inventory.resources.iter().map(|r| r.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["aws_kms_key.a", "aws_kms_key.k", "module.b.aws_kms_key.b"]);
    assert_eq!(
        errors(&scan),
        [
            "b/main.tf:1:1: module `a` calls a module that calls it: a → b → a",
            "root/main.tf:1:1: module `self` calls a module that calls it: root → root"
        ]
    );
}

#[test]
fn files_read_by_functions_are_regular_and_bounded() {
    let scan = scan_text(&[("m/main.tf", "resource \"aws_kms_key\" \"k\" {\n  policy = file(\"/dev/zero\")\n}\n")]);
    assert_eq!(errors(&scan), ["m/main.tf:2:12: \"/dev/zero\" is not a regular file"]);
    let scan = scan_text(&[
        ("m/main.tf", "resource \"aws_kms_key\" \"k\" {\n  policy = templatefile(\"${path.module}/p.tpl\", {})\n}\n"),
        ("m/p.tpl", "${templatefile(\"p.tpl\", {})}"),
    ]);
    assert_eq!(errors(&scan).len(), 1, "{:?}", errors(&scan));
    assert!(errors(&scan)[0].contains("renders itself"), "{:?}", errors(&scan));
}

#[test]
fn nesting_is_bounded_before_parsing() {
    let text = format!("locals {{\n  x = {}{}\n}}\n", "[".repeat(100_000), "]".repeat(100_000));
    let scan = scan_text(&[("m/main.tf", &text)]);
    assert_eq!(errors(&scan), ["m/main.tf:2:262: brackets nest deeper than 256 levels"]);
}

#[test]
fn objects_may_repeat_a_key_and_the_last_value_wins() {
    let scan = scan_text(&[(
        "m/main.tf",
        "locals {\n  o = { rotate = false, \"rotate\" = false, rotate = true }\n}\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = local.o.rotate\n}\n",
    )]);
    assert!(scan.errors.is_empty(), "{:?}", errors(&scan));
    let Spec::KmsKey(k) = &find(&scan.inventory, "aws_kms_key.k").spec else { panic!() };
    assert_eq!(k.rotation_enabled, Some(Value::Known(true)).into());
}

#[test]
fn module_calls_that_refer_to_each_other_are_not_errors() {
    // Valid Terraform (the s3-bucket module's examples do this): each call uses an output of
    // the other that does not depend on the input it feeds.
    let scan = scan_text(&[
        (
            "root/main.tf",
            "module \"a\" {\n  source = \"./bucket\"\n  peer = module.b.arn\n}\nmodule \"b\" {\n  source = \"./bucket\"\n  peer = module.a.arn\n}\n",
        ),
        ("root/bucket/main.tf", "variable \"peer\" {}\nresource \"aws_s3_bucket\" \"this\" {\n  bucket = \"b\"\n}\noutput \"arn\" {\n  value = aws_s3_bucket.this.arn\n}\n"),
    ]);
    assert_eq!(errors(&scan), Vec::<String>::new());
}

#[test]
fn variable_types_fill_optional_attributes_and_errors_are_what_try_catches() {
    let scan = scan_text(&[
        (
            "live/main.tf",
            r#"
module "lb" {
  source    = "../modules/lb"
  listeners = { http = { port = 80 }, https = { port = 443, protocol = "HTTPS", certificate_arn = "arn:aws:acm:eu-west-1:1:certificate/x" } }
  rotate    = null
}
"#,
        ),
        (
            "modules/lb/main.tf",
            r#"
variable "listeners" {
  type = map(object({
    port            = number
    protocol        = optional(string, "HTTP")
    certificate_arn = optional(string)
    tags            = optional(object({ team = optional(string, "platform") }), {})
  }))
}
variable "rotate" {
  type     = bool
  default  = true
  nullable = false
}
resource "aws_lb_listener" "this" {
  for_each        = var.listeners
  port            = each.value.port
  protocol        = each.value.protocol
  certificate_arn = each.value.certificate_arn
  ssl_policy      = try(each.value.no_such_attribute, "ELBSecurityPolicy-TLS13-1-2-2021-06")
  tags            = { team = each.value.tags.team, dir = basename("a/b/c") }
}
resource "aws_kms_key" "k" {
  enable_key_rotation = alltrue([var.rotate, anytrue([false, true])])
}
"#,
        ),
    ]);
    let inv = &scan.inventory;
    let listener = |name: &str| match &find(inv, name).spec {
        Spec::Listener(l) => l.clone(),
        other => panic!("{other:?}"),
    };
    let http = listener("module.lb.aws_lb_listener.this[\"http\"]");
    assert_eq!(http.protocol, known(LbProtocol::Http), "the optional attribute's default");
    assert_eq!(http.certificates.value, Vec::new(), "an optional attribute without a default is null");
    assert_eq!(
        http.ssl_policy,
        known("ELBSecurityPolicy-TLS13-1-2-2021-06".to_string()),
        "try() catches a missing attribute"
    );
    let https = listener("module.lb.aws_lb_listener.this[\"https\"]");
    assert_eq!(https.protocol, known(LbProtocol::Https));
    let tags = &find(inv, "module.lb.aws_lb_listener.this[\"http\"]").tags.value;
    assert_eq!(tags.get("team").map(String::as_str), Some("platform"), "defaults apply at every depth");
    assert_eq!(tags.get("dir").map(String::as_str), Some("c"));
    match &find(inv, "module.lb.aws_kms_key.k").spec {
        Spec::KmsKey(k) => {
            assert_eq!(k.rotation_enabled, known(true), "a non-nullable variable given null takes its default")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn plan_attributes_the_configuration_never_wrote_are_provider_defaults() {
    let plan = r#"{"format_version": "1.2", "resource_changes": [
      {"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key", "name": "k",
       "change": {"actions": ["create"], "after": {"enable_key_rotation": true}, "after_unknown": {"policy": true, "arn": true}}},
      {"address": "aws_db_instance.d", "mode": "managed", "type": "aws_db_instance", "name": "d",
       "change": {"actions": ["no-op"], "after": {"storage_encrypted": true}, "after_unknown": {"kms_key_id": true}}},
      {"address": "aws_db_instance.e", "mode": "managed", "type": "aws_db_instance", "name": "e",
       "change": {"actions": ["create"], "after": {"storage_encrypted": true}, "after_unknown": {"kms_key_id": true}}}
    ],
    "configuration": {"root_module": {"resources": [
      {"address": "aws_kms_key.k", "type": "aws_kms_key", "name": "k", "expressions": {"enable_key_rotation": {"constant_value": true}}},
      {"address": "aws_db_instance.d", "type": "aws_db_instance", "name": "d", "expressions": {"storage_encrypted": {"constant_value": true}}},
      {"address": "aws_db_instance.e", "type": "aws_db_instance", "name": "e",
       "expressions": {"kms_key_id": {"references": ["aws_kms_key.k.arn", "aws_kms_key.k"]}}}
    ]}}}"#;
    let inv = crate::scan_plan("plan.json", plan).unwrap();
    assert!(find(&inv, "aws_db_instance.d").existing, "a no-op leaves the resource in place");
    assert!(!find(&inv, "aws_db_instance.e").existing, "a create makes it");
    match &find(&inv, "aws_kms_key.k").spec {
        Spec::KmsKey(k) => assert_eq!(k.policy.value, None, "no policy written: the default key policy"),
        other => panic!("{other:?}"),
    }
    let db_key = |name: &str| match &find(&inv, name).spec {
        Spec::RdsInstance(d) => d.kms_key.value.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(db_key("aws_db_instance.d"), KeyRef::ServiceDefault, "no key written: the AWS managed key");
    assert_eq!(db_key("aws_db_instance.e"), KeyRef::Customer { reference: "aws_kms_key.k".into() });
}

#[test]
fn plan_module_instances_find_their_configuration() {
    let plan = r#"{"format_version": "1.2", "resource_changes": [
      {"address": "module.db[\"a.b\"].aws_db_instance.d", "module_address": "module.db[\"a.b\"]", "mode": "managed",
       "type": "aws_db_instance", "name": "d",
       "change": {"actions": ["create"], "after": {"storage_encrypted": true}, "after_unknown": {"kms_key_id": true}}}
    ],
    "configuration": {"root_module": {"module_calls": {"db": {"module": {"resources": [
      {"address": "aws_db_instance.d", "type": "aws_db_instance", "name": "d",
       "expressions": {"kms_key_id": {"references": ["aws_kms_key.k.arn", "aws_kms_key.k"]}}}]}}}}}}"#;
    let inv = crate::scan_plan("plan.json", plan).unwrap();
    match &find(&inv, "module.db[\"a.b\"].aws_db_instance.d").spec {
        Spec::RdsInstance(d) => assert_eq!(d.kms_key.value, KeyRef::Customer { reference: "aws_kms_key.k".into() }),
        other => panic!("{other:?}"),
    }
}

#[test]
fn plan_keys_passed_into_modules_are_followed() {
    let plan = r#"{"format_version": "1.2", "resource_changes": [
      {"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key", "name": "k",
       "change": {"actions": ["create"], "after": {}, "after_unknown": {"arn": true}}},
      {"address": "module.app.module.db.aws_db_instance.d", "module_address": "module.app.module.db", "mode": "managed",
       "type": "aws_db_instance", "name": "d",
       "change": {"actions": ["create"], "after": {"storage_encrypted": true}, "after_unknown": {"kms_key_id": true}}}
    ],
    "configuration": {"root_module": {
      "resources": [{"address": "aws_kms_key.k", "type": "aws_kms_key", "name": "k", "expressions": {}}],
      "module_calls": {"app": {
        "expressions": {"key": {"references": ["aws_kms_key.k.arn", "aws_kms_key.k"]}},
        "module": {"module_calls": {"db": {
          "expressions": {"kms_key_id": {"references": ["var.key"]}},
          "module": {"resources": [{"address": "aws_db_instance.d", "type": "aws_db_instance", "name": "d",
            "expressions": {"kms_key_id": {"references": ["var.kms_key_id"]}}}]}}}}}}}}}"#;
    let inv = crate::scan_plan("plan.json", plan).unwrap();
    match &find(&inv, "module.app.module.db.aws_db_instance.d").spec {
        // Named with its module (the root), so that a key of the same name in the
        // database's own module is not taken for it.
        Spec::RdsInstance(d) => assert_eq!(d.kms_key.value, KeyRef::Customer { reference: "|aws_kms_key.k".into() }),
        other => panic!("{other:?}"),
    }
    assert!(find(&inv, "aws_kms_key.k").handles.contains(&"|aws_kms_key.k".to_string()));
}

#[test]
fn plan_classic_negotiation_policies_join_their_load_balancers() {
    let plan = r#"{"format_version": "1.2", "resource_changes": [
      {"address": "aws_elb.web", "mode": "managed", "type": "aws_elb", "name": "web",
       "change": {"actions": ["create"], "after": {"name": "web", "listener": [
         {"lb_port": 443, "lb_protocol": "https", "instance_port": 80, "instance_protocol": "http", "ssl_certificate_id": "arn:aws:acm:eu-west-1:1:certificate/c"}]},
        "after_unknown": {}}},
      {"address": "aws_load_balancer_policy.tls", "mode": "managed", "type": "aws_load_balancer_policy", "name": "tls",
       "change": {"actions": ["create"], "after": {"load_balancer_name": "web", "policy_name": "tls", "policy_type_name": "SSLNegotiationPolicyType",
         "policy_attribute": [{"name": "Reference-Security-Policy", "value": "ELBSecurityPolicy-TLS-1-2-2017-01"}]}, "after_unknown": {}}},
      {"address": "aws_load_balancer_listener_policy.tls", "mode": "managed", "type": "aws_load_balancer_listener_policy", "name": "tls",
       "change": {"actions": ["create"], "after": {"load_balancer_name": "web", "load_balancer_port": 443, "policy_names": ["tls"]}, "after_unknown": {}}},
      {"address": "module.eu.aws_elb.web", "module_address": "module.eu", "mode": "managed", "type": "aws_elb", "name": "web",
       "change": {"actions": ["create"], "after": {"name": "web", "listener": [
         {"lb_port": 443, "lb_protocol": "https", "instance_port": 80, "instance_protocol": "http", "ssl_certificate_id": "arn:aws:acm:eu-west-1:1:certificate/c"}]},
        "after_unknown": {}}}
    ]}"#;
    let inv = crate::scan_plan("plan.json", plan).unwrap();
    match &find(&inv, "aws_elb.web").spec {
        Spec::ClassicLoadBalancer(elb) => {
            assert_eq!(elb.ssl_policies.len(), 1);
            let listeners = elb.listeners.value.as_ref().and_then(|v| v.known()).unwrap();
            assert_eq!(listeners[0].policy_names, known(vec!["tls".to_string()]));
        }
        other => panic!("{other:?}"),
    }
    match &find(&inv, "module.eu.aws_elb.web").spec {
        Spec::ClassicLoadBalancer(elb) => assert!(elb.ssl_policies.is_empty(), "another module's namesake"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn provider_default_tags_and_unknown_tags() {
    let scan = scan_text(&[(
        "main.tf",
        r#"
variable "cls" {}
provider "aws" {
  default_tags {
    tags = { data-classification = "high", team = "data" }
  }
}
resource "aws_s3_bucket" "b" {
  bucket = "b"
  tags   = { team = "payments" }
}
resource "aws_s3_bucket" "u" {
  bucket = "u"
  tags   = { data-classification = var.cls }
}
"#,
    )]);
    let inv = &scan.inventory;
    let b = find(inv, "aws_s3_bucket.b");
    assert_eq!(b.tags.get("data-classification").map(String::as_str), Some("high"), "the provider's default tags");
    assert_eq!(b.tags.get("team").map(String::as_str), Some("payments"), "the resource's own tags win");
    assert!(b.tags_unreadable.is_none() && b.unknown_tags.is_empty());
    let u = find(inv, "aws_s3_bucket.u");
    assert!(u.tag_unknown("data-classification").is_some_and(|why| why.contains("var.cls")), "{:?}", u.unknown_tags);
    assert!(u.tag_unknown("team").is_none());
}

#[test]
fn attributes_a_provider_computes_inside_blocks_are_unknown_not_errors() {
    let scan = scan_text(&[(
        "main.tf",
        r#"
resource "aws_instance" "i" {
  root_block_device {
    encrypted = true
  }
}
resource "aws_ebs_volume" "v" {
  availability_zone = "eu-west-1a"
  encrypted         = can(aws_instance.i.root_block_device[0].kms_key_id)
  kms_key_id        = try(aws_instance.i.root_block_device[0].kms_key_id, "alias/aws/ebs")
}
"#,
    )]);
    match &find(&scan.inventory, "aws_ebs_volume.v").spec {
        Spec::EbsVolume(v) => {
            assert!(matches!(v.encrypted.value, Some(Value::Unknown { .. })), "{:?}", v.encrypted);
            assert!(!matches!(v.kms_key.value, KeyRef::AwsManaged { .. }), "try() took its fallback: {:?}", v.kms_key);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn negotiation_policies_whose_load_balancer_is_elsewhere_stay_resources() {
    let scan = scan_text(&[(
        "main.tf",
        r#"
variable "elb_name" {}
resource "aws_elb" "web" {
  name = "web"
  listener {
    lb_port           = 443
    lb_protocol       = "https"
    instance_port     = 80
    instance_protocol = "http"
  }
}
resource "aws_load_balancer_policy" "joined" {
  load_balancer_name = aws_elb.web.name
  policy_name        = "joined"
  policy_type_name   = "SSLNegotiationPolicyType"
  policy_attribute {
    name  = "Reference-Security-Policy"
    value = "ELBSecurityPolicy-TLS-1-2-2017-01"
  }
}
resource "aws_load_balancer_policy" "orphan" {
  load_balancer_name = var.elb_name
  policy_name        = "orphan"
  policy_type_name   = "SSLNegotiationPolicyType"
  policy_attribute {
    name  = "Protocol-TLSv1"
    value = "true"
  }
}
resource "aws_load_balancer_policy" "stickiness" {
  load_balancer_name = var.elb_name
  policy_name        = "sticky"
  policy_type_name   = "LBCookieStickinessPolicyType"
}
"#,
    )]);
    let inv = &scan.inventory;
    assert!(inv.resources.iter().all(|r| r.name != "aws_load_balancer_policy.joined"), "joined to its load balancer");
    assert!(inv.resources.iter().all(|r| r.name != "aws_load_balancer_policy.stickiness"), "not a negotiation policy");
    match &find(inv, "aws_load_balancer_policy.orphan").spec {
        Spec::SslNegotiationPolicy(p) => assert_eq!(p.enabled_attributes, known(vec!["Protocol-TLSv1".to_string()])),
        other => panic!("{other:?}"),
    }
    match &find(inv, "aws_elb.web").spec {
        Spec::ClassicLoadBalancer(elb) => assert_eq!(elb.ssl_policies.len(), 1),
        other => panic!("{other:?}"),
    }
}
