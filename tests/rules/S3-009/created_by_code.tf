# expect aws_s3_bucket.b not_applicable
resource "aws_s3_bucket" "b" {
  bucket = "b"
}
