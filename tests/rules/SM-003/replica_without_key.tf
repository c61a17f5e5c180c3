# expect aws_secretsmanager_secret.s fail
resource "aws_secretsmanager_secret" "s" {
  tags = { data-classification = "confidential" }
  replica {
    region = "eu-central-1"
  }
}
