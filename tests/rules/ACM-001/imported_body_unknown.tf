# expect aws_acm_certificate.c unknown
variable "body" {}
resource "aws_acm_certificate" "c" {
  certificate_body = var.body
  private_key      = "k"
}
