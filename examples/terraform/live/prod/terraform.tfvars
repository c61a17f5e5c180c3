environment                 = "prod"
platform_admins             = ["arn:aws:iam::111122223333:role/platform-admin"]
app_roles                   = ["arn:aws:iam::111122223333:role/orders-app"]
db_password_rotation_lambda = "arn:aws:lambda:eu-west-1:111122223333:function:rotate-db"
