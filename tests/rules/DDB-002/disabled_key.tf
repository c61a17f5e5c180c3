# expect aws_dynamodb_table.t fail
resource "aws_kms_key" "k" {
  is_enabled = false
}
resource "aws_dynamodb_table" "t" {
  name     = "t"
  billing_mode = "PAY_PER_REQUEST"
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
