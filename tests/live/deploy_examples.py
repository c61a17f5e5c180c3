#!/usr/bin/env python3
"""Deploys what examples/terraform declares into a moto server, as Terraform would make it,
then drifts it: one setting changed, one resource no code declares added.

Usage: deploy_examples.py ENDPOINT_URL

Every resource of examples/terraform in eu-west-1 that moto can make is made with the
names and settings the code gives it (environment "prod"); the CloudFront distribution is
not — moto drops its ACM certificate — and the drift test asserts it as not deployed.
"""
import json
import sys

import boto3

URL = sys.argv[1]
REGION = "eu-west-1"
NAME = "acme-prod"


def client(service, region=REGION):
    return boto3.client(service, region_name=region, endpoint_url=URL, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def main():
    kms = client("kms")
    account = client("sts").get_caller_identity()["Account"]
    admin = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
             "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"]
    use = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "EnableRootAccess", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "KeyAdministrators", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/platform-admin"},
         "Action": admin, "Resource": "*"},
        {"Sid": "KeyUsers", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/orders-app"},
         "Action": use, "Resource": "*"}]})
    data = kms.create_key(Description=f"{NAME}-data data key", Policy=policy)["KeyMetadata"]
    kms.enable_key_rotation(KeyId=data["KeyId"])
    kms.create_alias(AliasName=f"alias/{NAME}-data", TargetKeyId=data["KeyId"])
    legacy = kms.create_key(Description=f"{NAME}-legacy data key", Policy=policy)["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{NAME}-legacy", TargetKeyId=legacy["KeyId"])
    key = data["Arn"]

    s3 = client("s3")
    for bucket in [f"{NAME}-orders", f"{NAME}-exports", f"{NAME}-access-logs"]:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for bucket in [f"{NAME}-orders", f"{NAME}-exports"]:
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}, "BucketKeyEnabled": True}]})
    arn = f"arn:aws:s3:::{NAME}-orders"
    s3.put_bucket_policy(Bucket=f"{NAME}-orders", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn, f"{arn}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyOldTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn, f"{arn}/*"],
         "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
        {"Sid": "DenyUnencryptedUploads", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"{arn}/*",
         "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}]}))
    # S3 asks the target to let the log delivery group write (moto still checks the ACL).
    s3.put_bucket_acl(Bucket=f"{NAME}-access-logs", GrantWrite="uri=http://acs.amazonaws.com/groups/s3/LogDelivery",
                      GrantReadACP="uri=http://acs.amazonaws.com/groups/s3/LogDelivery")
    s3.put_bucket_logging(Bucket=f"{NAME}-orders", BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": f"{NAME}-access-logs", "TargetPrefix": "orders/"}})

    sm = client("secretsmanager")
    sm.create_secret(Name=f"{NAME}/orders/db-password", KmsKeyId=key)
    sm.create_secret(Name=f"{NAME}/vendor/token", Tags=[{"Key": "data-classification", "Value": "confidential"}])

    rds = client("rds")
    rds.create_db_parameter_group(DBParameterGroupName=f"{NAME}-postgres16", DBParameterGroupFamily="postgres16",
                                  Description="postgres16")
    rds.modify_db_parameter_group(DBParameterGroupName=f"{NAME}-postgres16", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}])
    rds.create_db_instance(DBInstanceIdentifier=f"{NAME}-orders", Engine="postgres", EngineVersion="16.4",
                           DBInstanceClass="db.r6g.large", AllocatedStorage=100, StorageEncrypted=True, KmsKeyId=key,
                           DBParameterGroupName=f"{NAME}-postgres16", EnablePerformanceInsights=True,
                           PerformanceInsightsKMSKeyId=key, EnableCloudwatchLogsExports=["postgresql"],
                           MasterUsername="orders", ManageMasterUserPassword=True)
    rds.create_db_instance(DBInstanceIdentifier=f"{NAME}-reporting", Engine="mysql", EngineVersion="8.0.40",
                           DBInstanceClass="db.t4g.medium",
                           AllocatedStorage=50, MasterUsername="reporting", MasterUserPassword="change-me-in-secrets-manager")
    client("logs").create_log_group(logGroupName=f"/aws/rds/instance/{NAME}-orders/postgresql", kmsKeyId=key)

    client("dynamodb").create_table(
        TableName=f"{NAME}-sessions", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "session_id", "AttributeType": "S"}, {"AttributeName": "user_email", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "session_id", "KeyType": "HASH"}, {"AttributeName": "user_email", "KeyType": "RANGE"}],
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key})

    client("dax").create_cluster(ClusterName="prod-sessions", NodeType="dax.r5.large", ReplicationFactor=3,
                                 IamRoleArn="arn:aws:iam::111122223333:role/dax", SSESpecification={"Enabled": True},
                                 ClusterEndpointEncryptionType="TLS")

    ec2 = client("ec2")
    ec2.enable_ebs_encryption_by_default()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    client("elbv2").create_load_balancer(Name=f"{NAME}-web", Subnets=subnets, Type="application", Scheme="internet-facing")

    # The drift: the exports bucket's default encryption changed by hand, and a bucket made
    # outside the code.
    s3.put_bucket_encryption(Bucket=f"{NAME}-exports", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.create_bucket(Bucket=f"{NAME}-shadow", CreateBucketConfiguration={"LocationConstraint": REGION})


if __name__ == "__main__":
    main()
