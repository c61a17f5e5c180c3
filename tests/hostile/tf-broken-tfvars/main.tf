variable "rotate" {
  type = bool
}

resource "aws_kms_key" "k" {
  enable_key_rotation = var.rotate
}
