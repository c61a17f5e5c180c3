# expect aws_load_balancer_policy.p fail
variable "elb" {}
resource "aws_load_balancer_policy" "p" {
  load_balancer_name = var.elb
  policy_name        = "p"
  policy_type_name   = "SSLNegotiationPolicyType"
  policy_attribute {
    name  = "Protocol-TLSv1"
    value = "true"
  }
}
