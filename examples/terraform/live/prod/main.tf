locals {
  name = "acme-${var.environment}"
  buckets = {
    orders  = true
    exports = false
  }
}

module "data_key" {
  source         = "../../modules/kms-key"
  name           = "${local.name}-data"
  administrators = var.platform_admins
  users          = var.app_roles
}

module "legacy_key" {
  source         = "../../modules/kms-key"
  name           = "${local.name}-legacy"
  rotation       = false
  administrators = var.platform_admins
  users          = var.app_roles
}

# One secure bucket per entry; the exports bucket was created without its TLS policy.
module "bucket" {
  source      = "../../modules/secure-bucket"
  for_each    = local.buckets
  name        = "${local.name}-${each.key}"
  kms_key_arn = module.data_key.key_arn
  tls_only    = each.value
}

# encguard:ignore S3-006 written only by S3 server access log delivery
resource "aws_s3_bucket" "access_logs" {
  bucket = "${local.name}-access-logs"
}

resource "aws_s3_bucket_logging" "orders" {
  bucket        = module.bucket["orders"].bucket
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "orders/"
}

resource "aws_ebs_encryption_by_default" "this" {
  enabled = true
}

resource "aws_ebs_default_kms_key" "this" {
  key_arn = module.data_key.key_arn
}

resource "aws_secretsmanager_secret" "db_password" {
  name       = "${local.name}/orders/db-password"
  kms_key_id = module.data_key.key_arn
}

resource "aws_secretsmanager_secret_rotation" "db_password" {
  secret_id           = aws_secretsmanager_secret.db_password.id
  rotation_lambda_arn = var.db_password_rotation_lambda
  rotation_rules {
    automatically_after_days = 30
  }
}

# encguard:ignore SM-004 vendor API token, rotated by the vendor's portal (SEC-2211)
resource "aws_secretsmanager_secret" "vendor_token" {
  name = "${local.name}/vendor/token"
  # Classified data needs a customer managed key (key_tiers.classified).
  tags = {
    data-classification = "confidential"
  }
}
