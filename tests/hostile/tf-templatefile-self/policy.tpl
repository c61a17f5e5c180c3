${templatefile("${path.module}/policy.tpl", {})}
