# expect aws_cloudwatch_log_group.l fail
resource "aws_kms_key" "k" {
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
}
resource "aws_cloudwatch_log_group" "l" {
  name       = "app"
  kms_key_id = aws_kms_key.k.arn
}
