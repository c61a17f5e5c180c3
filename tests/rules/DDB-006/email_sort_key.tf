# expect aws_dynamodb_table.t fail
resource "aws_dynamodb_table" "t" {
  name      = "t"
  billing_mode = "PAY_PER_REQUEST"
  hash_key  = "id"
  range_key = "email"
  attribute {
    name = "id"
    type = "S"
  }
  attribute {
    name = "email"
    type = "S"
  }
}
