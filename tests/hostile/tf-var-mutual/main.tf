variable "a" {
  default = var.b
}

variable "b" {
  default = var.a
}

resource "aws_kms_key" "k" {
  enable_key_rotation = var.a
}
