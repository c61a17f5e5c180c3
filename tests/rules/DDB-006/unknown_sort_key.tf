# expect aws_dynamodb_table.t unknown
variable "sort_key" {
  type = string
}

# Which attribute is the sort key is known only when the variable is given.
resource "aws_dynamodb_table" "t" {
  name         = "events"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  range_key    = var.sort_key

  attribute {
    name = "id"
    type = "S"
  }
  attribute {
    name = var.sort_key
    type = "S"
  }
}
