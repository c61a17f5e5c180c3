# expect aws_lb_listener.l fail
resource "aws_acm_certificate" "c" {
  domain_name       = "a.example.com"
  validation_method = "DNS"
  key_algorithm     = "RSA_1024"
}
resource "aws_lb_listener" "l" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/a/1"
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate.c.arn
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/t/1"
  }
}
