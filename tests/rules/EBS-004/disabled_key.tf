# expect aws_ebs_volume.v fail
resource "aws_kms_key" "k" {
  is_enabled = false
}
resource "aws_ebs_volume" "v" {
  availability_zone = "eu-west-1a"
  size              = 8
  encrypted         = true
  kms_key_id        = aws_kms_key.k.arn
}
