# expect aws_s3_bucket.b fail
resource "aws_s3_bucket" "b" {
  bucket = "b"
}
