resource "aws_kms_key" "k" {
  enable_key_rotation = true
  policy              = file("/dev/zero")
}
