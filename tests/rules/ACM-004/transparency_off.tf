# expect aws_acm_certificate.c fail
resource "aws_acm_certificate" "c" {
  domain_name       = "a.example.com"
  validation_method = "DNS"
  options {
    certificate_transparency_logging_preference = "DISABLED"
  }
}
