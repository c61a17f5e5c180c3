resource "aws_kms_key" "k" {
  count               = 1e300
  enable_key_rotation = true
}
