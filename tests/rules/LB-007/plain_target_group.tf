# expect aws_lb_target_group.t fail
resource "aws_lb_target_group" "t" {
  name     = "t"
  port     = 80
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}
