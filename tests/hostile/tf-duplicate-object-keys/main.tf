locals {
  listener = { port = 80, protocol = "HTTP", port = 443 }
}

resource "aws_kms_key" "k" {
  enable_key_rotation = local.listener.port == 443
}
