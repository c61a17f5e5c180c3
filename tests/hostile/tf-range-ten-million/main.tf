resource "aws_kms_key" "k" {
  for_each            = toset([for i in range(10000000) : tostring(i)])
  enable_key_rotation = true
}
