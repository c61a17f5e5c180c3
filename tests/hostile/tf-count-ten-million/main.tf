resource "aws_kms_key" "k" {
  count               = 10000000
  enable_key_rotation = true
}
