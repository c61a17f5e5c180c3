# expect aws_cloudfront_distribution.same pass
# expect aws_cloudfront_distribution.depends unknown
variable "behaviours" {
  type = list(object({ path = string, policy = string }))
}

resource "aws_cloudfront_distribution" "same" {
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
  # However many behaviours the variable lists, each redirects to HTTPS.
  dynamic "ordered_cache_behavior" {
    for_each = var.behaviours
    content {
      path_pattern           = ordered_cache_behavior.value.path
      target_origin_id       = "app"
      viewer_protocol_policy = "https-only"
      allowed_methods        = ["GET", "HEAD"]
      cached_methods         = ["GET", "HEAD"]
    }
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

resource "aws_cloudfront_distribution" "depends" {
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
  # Each behaviour's policy comes from the variable.
  dynamic "ordered_cache_behavior" {
    for_each = var.behaviours
    content {
      path_pattern           = ordered_cache_behavior.value.path
      target_origin_id       = "app"
      viewer_protocol_policy = ordered_cache_behavior.value.policy
      allowed_methods        = ["GET", "HEAD"]
      cached_methods         = ["GET", "HEAD"]
    }
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
