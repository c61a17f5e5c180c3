# expect aws_kms_key.k fail
resource "aws_kms_key" "k" {
  is_enabled = false
}
