resource "aws_s3_bucket" "b" {
  bucket = "evil"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
  bucket = aws_s3_bucket.b.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "<script>alert(1)</script> | ](https://evil.example) <img src=x onerror=alert(1)> \u001b[31mred\u001b[0m"
    }
  }
}
