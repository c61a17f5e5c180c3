# expect aws_dynamodb_table.t fail
resource "aws_dynamodb_table" "t" {
  name      = "t"
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
