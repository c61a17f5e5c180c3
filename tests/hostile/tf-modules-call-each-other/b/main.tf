module "a" {
  source = "../a"
}

resource "aws_kms_key" "b" {
  enable_key_rotation = false
}
