# expect aws_cloudfront_distribution.d unknown
variable "behaviours" {
  type = list(string)
}

# Behaviours generated from a variable, then one written out: which of them there are is
# unknown, so the verdict is too (the written one must not be lost among the generated).
resource "aws_cloudfront_distribution" "d" {
  enabled = true
  origin {
    domain_name = "app.example.com"
    origin_id   = "app"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }
  default_cache_behavior {
    target_origin_id       = "app"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
  }
  dynamic "ordered_cache_behavior" {
    for_each = var.behaviours
    content {
      path_pattern           = ordered_cache_behavior.value
      target_origin_id       = "app"
      viewer_protocol_policy = "https-only"
      allowed_methods        = ["GET", "HEAD"]
      cached_methods         = ["GET", "HEAD"]
    }
  }
  ordered_cache_behavior {
    path_pattern           = "/legacy/*"
    target_origin_id       = "app"
    viewer_protocol_policy = "allow-all"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
