# expect aws_db_instance.d fail
resource "aws_db_instance" "d" {
  identifier                      = "orders"
  engine                          = "postgres"
  instance_class                  = "db.t4g.micro"
  storage_encrypted               = true
  enabled_cloudwatch_logs_exports = ["postgresql"]
}
resource "aws_cloudwatch_log_group" "l" {
  name = "/aws/rds/instance/orders/postgresql"
}
