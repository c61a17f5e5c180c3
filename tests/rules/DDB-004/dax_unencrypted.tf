# expect aws_dax_cluster.x fail
resource "aws_dax_cluster" "x" {
  cluster_name       = "x"
  iam_role_arn       = "arn:aws:iam::111122223333:role/dax"
  node_type          = "dax.t3.small"
  replication_factor = 1
}
