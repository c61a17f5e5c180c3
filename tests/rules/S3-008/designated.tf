# expect aws_s3_bucket.b unknown
variable "name" {}
resource "aws_s3_bucket" "b" {
  bucket = var.name
}
