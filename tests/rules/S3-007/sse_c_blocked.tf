# expect aws_s3_bucket.b pass
resource "aws_s3_bucket" "b" {
  bucket = "b"
}
