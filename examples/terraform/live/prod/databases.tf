resource "aws_db_parameter_group" "postgres" {
  name   = "${local.name}-postgres16"
  family = "postgres16"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
}

resource "aws_db_instance" "orders" {
  identifier                      = "${local.name}-orders"
  engine                          = "postgres"
  engine_version                  = "16.4"
  instance_class                  = "db.r6g.large"
  allocated_storage               = 100
  storage_encrypted               = true
  kms_key_id                      = module.data_key.key_arn
  parameter_group_name            = aws_db_parameter_group.postgres.name
  performance_insights_enabled    = true
  performance_insights_kms_key_id = module.data_key.key_arn
  enabled_cloudwatch_logs_exports = ["postgresql"]
  username                        = "orders"
  manage_master_user_password     = true
}

resource "aws_cloudwatch_log_group" "orders_postgres" {
  name              = "/aws/rds/instance/${local.name}-orders/postgresql"
  retention_in_days = 90
  kms_key_id        = module.data_key.key_arn
}

# Reporting replica: created before the encryption standard, still unencrypted.
resource "aws_db_instance" "reporting" {
  identifier        = "${local.name}-reporting"
  engine            = "mysql"
  engine_version    = "8.0.40"
  instance_class    = "db.t4g.medium"
  allocated_storage = 50
  username          = "reporting"
  password          = "change-me-in-secrets-manager"
}

resource "aws_dynamodb_table" "sessions" {
  name         = "${local.name}-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "session_id"
  range_key    = "user_email"

  attribute {
    name = "session_id"
    type = "S"
  }

  attribute {
    name = "user_email"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = module.data_key.key_arn
  }
}

resource "aws_dax_cluster" "sessions" {
  cluster_name                     = "${var.environment}-sessions"
  iam_role_arn                     = "arn:aws:iam::111122223333:role/dax"
  node_type                        = "dax.r5.large"
  replication_factor               = 3
  cluster_endpoint_encryption_type = "TLS"

  server_side_encryption {
    enabled = true
  }
}
