# expect aws_db_instance.d fail
resource "aws_kms_key" "k" {
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
}
resource "aws_db_instance" "d" {
  engine            = "postgres"
  instance_class    = "db.t4g.micro"
  storage_encrypted = true
  kms_key_id        = aws_kms_key.k.arn
}
