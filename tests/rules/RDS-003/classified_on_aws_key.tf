# expect aws_db_instance.d fail
resource "aws_db_instance" "d" {
  engine            = "postgres"
  instance_class    = "db.t4g.micro"
  storage_encrypted = true
  tags              = { data-classification = "restricted" }
}
