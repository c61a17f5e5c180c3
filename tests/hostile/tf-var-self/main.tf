variable "x" {
  default = var.x
}

resource "aws_kms_key" "k" {
  enable_key_rotation = var.x
}
