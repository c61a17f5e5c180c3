# expect aws_dynamodb_table.t fail
resource "aws_kms_key" "k" {
  is_enabled = false
}
resource "aws_dynamodb_table" "t" {
  name     = "t"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.k.arn
  }
}
