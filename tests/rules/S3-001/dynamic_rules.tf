# expect aws_s3_bucket.b fail
variable "rules" {
  type = list(string)
}

resource "aws_s3_bucket" "b" {
  bucket = "acme-dynamic-rules"
}

# No rule, or rules with an algorithm S3 does not have: either way no valid default encryption.
resource "aws_s3_bucket_server_side_encryption_configuration" "weak" {
  bucket = aws_s3_bucket.b.id
  dynamic "rule" {
    for_each = var.rules
    content {
      apply_server_side_encryption_by_default {
        sse_algorithm = "AES128"
      }
    }
  }
}
