# expect aws_instance.encrypted pass
# expect aws_instance.mixed unknown
variable "volumes" {
  type = map(object({ size = number, encrypted = bool }))
}

resource "aws_instance" "encrypted" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  root_block_device {
    encrypted = true
  }
  dynamic "ebs_block_device" {
    for_each = var.volumes
    content {
      device_name = ebs_block_device.key
      volume_size = ebs_block_device.value.size
      encrypted   = true
    }
  }
}

resource "aws_instance" "mixed" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  root_block_device {
    encrypted = true
  }
  dynamic "ebs_block_device" {
    for_each = var.volumes
    content {
      device_name = ebs_block_device.key
      volume_size = ebs_block_device.value.size
      encrypted   = ebs_block_device.value.encrypted
    }
  }
}
