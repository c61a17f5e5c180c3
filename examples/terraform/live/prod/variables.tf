variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "environment" {
  type = string
}

variable "platform_admins" {
  type = list(string)
}

variable "app_roles" {
  type = list(string)
}

variable "db_password_rotation_lambda" {
  type = string
}
