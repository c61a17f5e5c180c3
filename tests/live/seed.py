#!/usr/bin/env python3
"""Seeds a moto server with resources whose findings the live-collector tests assert.

Usage: seed.py ENDPOINT_URL

Two regions (us-east-1, eu-west-1). Every name below appears in the Rust test's
expectations; 105 DynamoDB tables make ListTables return more than one page (DynamoDB
honours its page size in moto; S3, EC2, KMS, RDS and ACM ignore theirs).
"""
import json
import sys

import boto3

URL = sys.argv[1]


def client(service, region="us-east-1"):
    return boto3.client(service, region_name=region, endpoint_url=URL, aws_access_key_id="testing", aws_secret_access_key="testing")


def key_policy():
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Users", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}]})


def main():
    out = {}
    for region in ["us-east-1", "eu-west-1"]:
        kms = client("kms", region)
        good = kms.create_key(Description="good", KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT", Policy=key_policy())["KeyMetadata"]
        kms.enable_key_rotation(KeyId=good["KeyId"])
        kms.create_alias(AliasName="alias/app-data", TargetKeyId=good["KeyId"])
        stale = kms.create_key(Description="stale", KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT", Policy=key_policy())["KeyMetadata"]
        kms.create_key(Description="signing", KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048", Policy=key_policy())
        off = kms.create_key(Description="off", KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT", Policy=key_policy())["KeyMetadata"]
        kms.disable_key(KeyId=off["KeyId"])
        out[region] = {"good": good["Arn"], "stale": stale["Arn"], "off": off["Arn"]}

        sm = client("secretsmanager", region)
        sm.create_secret(Name="default-key-secret", SecretString="not-read")
        sm.create_secret(Name="cmk-secret", SecretString="not-read", KmsKeyId=good["Arn"])

        ec2 = client("ec2", region)
        az = region + "a"
        ec2.create_volume(AvailabilityZone=az, Size=8, Encrypted=False, TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "plain"}]}])
        ec2.create_volume(AvailabilityZone=az, Size=8, Encrypted=True, KmsKeyId=good["Arn"])
        ec2.create_launch_template(LaunchTemplateName="plain-template", LaunchTemplateData={
            "ImageId": "ami-12c6146b",
            "BlockDeviceMappings": [{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 8, "Encrypted": False}}]})
        ec2.create_launch_template(LaunchTemplateName="cmk-template", LaunchTemplateData={
            "ImageId": "ami-12c6146b",
            "BlockDeviceMappings": [{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 8, "Encrypted": True, "KmsKeyId": good["Arn"]}}]})

        rds = client("rds", region)
        rds.create_db_instance(DBInstanceIdentifier=f"plain-db-{region}", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                               MasterUsername="u", MasterUserPassword="password123", StorageEncrypted=False)
        rds.create_db_instance(DBInstanceIdentifier=f"cmk-db-{region}", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                               MasterUsername="u", MasterUserPassword="password123", StorageEncrypted=True, KmsKeyId=good["Arn"])

        ddb = client("dynamodb", region)
        ddb.create_table(TableName=f"cmk-table", BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": good["Arn"]})
        count = 105 if region == "us-east-1" else 2
        for i in range(count):
            ddb.create_table(TableName=f"owned-{i:03}", BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])

        dax = client("dax", region)
        dax.create_cluster(ClusterName=f"cache-{region}", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn="arn:aws:iam::123456789012:role/dax")

    ec2 = client("ec2", "eu-west-1")
    ec2.enable_ebs_encryption_by_default()

    s3 = client("s3")
    s3.create_bucket(Bucket="plain-bucket")
    s3.create_bucket(Bucket="secure-bucket")
    s3.put_bucket_encryption(Bucket="secure-bucket", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": out["us-east-1"]["good"]}, "BucketKeyEnabled": True}]})
    s3.put_bucket_policy(Bucket="secure-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::secure-bucket", "arn:aws:s3:::secure-bucket/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))

    vpc = ec2 = client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"] for i, z in enumerate("ab")]
    elbv2 = client("elbv2")
    lb = elbv2.create_load_balancer(Name="web", Subnets=subnets, Type="application", Scheme="internet-facing")["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc_id)["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])

    elb = client("elb")
    elb.create_load_balancer(LoadBalancerName="legacy", Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}],
                             AvailabilityZones=["us-east-1a"])

    cf = client("cloudfront")
    iam = client("iam")
    iam.create_policy(PolicyName="decrypt-everything", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}))
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="app", PolicyName="decrypt-app-data", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": out["us-east-1"]["good"]}]}))

    cf.create_distribution(DistributionConfig={
        "CallerReference": "encguard-test", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "web", "DomainName": "web.example.com",
                    "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "allow-all", "MinTTL": 0,
                                 "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}},
    })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
