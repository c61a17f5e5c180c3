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

        if region == "eu-west-1":
            body, key = certificate(365, 2048, "eu.example.com")
            out[region]["certificate"] = client("acm", region).import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]

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

    out["distribution"] = cf.create_distribution(DistributionConfig={
        "CallerReference": "encguard-test", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "web", "DomainName": "web.example.com",
                    "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "allow-all", "MinTTL": 0,
                                 "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}},
    })["Distribution"]["Id"]
    seed_rule_cases(out)
    print(json.dumps(out))


def certificate(days_valid, key_size, name):
    """A self-signed certificate for `name` and its key, PEM, valid from now for `days_valid` days."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=days_valid))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))


def seed_rule_cases(out):
    """Resources in us-east-1 for the rules the account above leaves out, named `rule-…` (or,
    where AWS names them, recorded under "rule" in the output): the test's LIVE_CASES judge
    every rule whose fields moto models."""
    region = "us-east-1"
    kms = client("kms", region)
    good, off = out[region]["good"], out[region]["off"]
    implicit = kms.create_key(Description="rule-implicit-policy")["KeyMetadata"]
    public = kms.create_key(Description="rule-public", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}))["KeyMetadata"]
    doomed = kms.create_key(Description="rule-doomed", Policy=key_policy())["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
    external = kms.create_key(Description="rule-external", Origin="EXTERNAL", Policy=key_policy())["KeyMetadata"]
    rule = out["rule"] = {"implicit": implicit["Arn"], "public": public["Arn"], "doomed": doomed["Arn"], "external": external["Arn"]}

    sm = client("secretsmanager", region)
    sm.create_secret(Name="rule-off-key-secret", SecretString="not-read", KmsKeyId=off)
    sm.create_secret(Name="rule-replicated-secret", SecretString="not-read", KmsKeyId=good,
                     AddReplicaRegions=[{"Region": "eu-west-1"}])

    s3 = client("s3", region)
    s3.create_bucket(Bucket="rule-sse-s3-bucket")
    s3.put_bucket_encryption(Bucket="rule-sse-s3-bucket", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.create_bucket(Bucket="rule-off-key-bucket")
    s3.put_bucket_tagging(Bucket="rule-off-key-bucket", Tagging={"TagSet": [{"Key": "encryption:client-side", "Value": "true"}]})
    s3.put_bucket_encryption(Bucket="rule-off-key-bucket", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": off}}]})

    ec2 = client("ec2", region)
    plain = ec2.describe_volumes(Filters=[{"Name": "tag:Name", "Values": ["plain"]}])["Volumes"][0]["VolumeId"]
    rule["plain_snapshot"] = ec2.create_snapshot(VolumeId=plain, Description="rule-plain-snapshot")["SnapshotId"]
    rule["off_key_volume"] = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True, KmsKeyId=off)["VolumeId"]
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]["InstanceId"]
    rule["plain_image"] = ec2.create_image(InstanceId=instance, Name="rule-plain-image")["ImageId"]
    autoscaling = client("autoscaling", region)
    autoscaling.create_launch_configuration(LaunchConfigurationName="rule-plain-launch-configuration", ImageId="ami-12c6146b",
                                            InstanceType="t3.micro",
                                            BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 8, "Encrypted": False}}])
    autoscaling.create_launch_configuration(LaunchConfigurationName="rule-encrypted-launch-configuration", ImageId="ami-12c6146b",
                                            InstanceType="t3.micro",
                                            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "Encrypted": True}}])

    rds = client("rds", region)
    rds.create_db_cluster(DBClusterIdentifier="rule-plain-cluster", Engine="aurora-postgresql", MasterUsername="u",
                          MasterUserPassword="password123", StorageEncrypted=False)
    rds.create_db_instance(DBInstanceIdentifier="rule-aws-key-db", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="u", MasterUserPassword="password123", StorageEncrypted=True)
    rds.create_db_instance(DBInstanceIdentifier="rule-aws-alias-db", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="u", MasterUserPassword="password123", StorageEncrypted=True, KmsKeyId="alias/aws/rds",
                           CACertificateIdentifier="rds-ca-2019")
    rds.create_db_instance(DBInstanceIdentifier="rule-off-key-db", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="u", MasterUserPassword="password123", StorageEncrypted=True, KmsKeyId=off,
                           EnablePerformanceInsights=True, EnableCloudwatchLogsExports=["postgresql"])
    rds.create_db_snapshot(DBInstanceIdentifier=f"plain-db-{region}", DBSnapshotIdentifier="rule-plain-db-snapshot")
    # A custom parameter group that lets clients connect without TLS (RDS-009, fixed in place).
    rds.create_db_parameter_group(DBParameterGroupName="rule-tls-off", DBParameterGroupFamily="postgres14", Description="no TLS")
    rds.modify_db_parameter_group(DBParameterGroupName="rule-tls-off",
                                  Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "0", "ApplyMethod": "immediate"}])
    rds.create_db_instance(DBInstanceIdentifier="rule-tls-off-db", Engine="postgres", EngineVersion="14.12", DBInstanceClass="db.t3.micro",
                           AllocatedStorage=20, MasterUsername="u", MasterUserPassword="password123", StorageEncrypted=True,
                           KmsKeyId=good, DBParameterGroupName="rule-tls-off")

    ddb = client("dynamodb", region)
    ddb.create_table(TableName="rule-off-key-table", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "email", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "email", "KeyType": "RANGE"}],
                     SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": off})

    acm = client("acm", region)
    body, key = certificate(10, 1024, "expiring.example.com")
    weak = acm.import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]
    rule["weak_certificate"] = weak
    rule["wildcard_certificate"] = acm.request_certificate(
        DomainName="*.example.com", Options={"CertificateTransparencyLoggingPreference": "DISABLED"})["CertificateArn"]

    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]]
    elbv2 = client("elbv2", region)
    nlb = elbv2.create_load_balancer(Name="rule-nlb", Subnets=subnets, Type="network", Scheme="internet-facing")["LoadBalancers"][0]["LoadBalancerArn"]
    tcp = elbv2.create_target_group(Name="rule-tcp", Protocol="TCP", Port=80, VpcId=vpc_id)["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=443, DefaultActions=[{"Type": "forward", "TargetGroupArn": tcp}])
    alb = elbv2.create_load_balancer(Name="rule-alb", Subnets=subnets, Type="application", Scheme="internet-facing")["LoadBalancers"][0]["LoadBalancerArn"]
    http = elbv2.create_target_group(Name="rule-http", Protocol="HTTP", Port=80, VpcId=vpc_id)["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTPS", Port=443, SslPolicy="ELBSecurityPolicy-2016-08",
                          Certificates=[{"CertificateArn": weak}], DefaultActions=[{"Type": "forward", "TargetGroupArn": http}])
    iam = client("iam")
    server = iam.upload_server_certificate(ServerCertificateName="rule-iam-certificate", CertificateBody=certificate(365, 2048, "iam.example.com")[0].decode(),
                                           PrivateKey=certificate(365, 2048, "iam.example.com")[1].decode())
    elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTPS", Port=8443, SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                          Certificates=[{"CertificateArn": server["ServerCertificateMetadata"]["Arn"]}],
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": http}])
    # Plain HTTP beside HTTPS: LB-001's fix redirects it to the HTTPS listener.
    elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": http}])
    elb = client("elb", region)
    elb.create_load_balancer(LoadBalancerName="rule-classic-https", Listeners=[{"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP",
                             "InstancePort": 8080, "SSLCertificateId": weak}], AvailabilityZones=["us-east-1a"])

    cf = client("cloudfront")
    rule["custom_distribution"] = cf.create_distribution(DistributionConfig={
        "CallerReference": "rule-custom-certificate", "Comment": "rule-custom-certificate", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "web", "DomainName": "web.example.com",
                    "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
                                           "OriginSslProtocols": {"Quantity": 2, "Items": ["TLSv1", "TLSv1.2"]}}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0,
                                 "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}},
        "ViewerCertificate": {"ACMCertificateArn": out["eu-west-1"]["certificate"], "SSLSupportMethod": "vip",
                              "MinimumProtocolVersion": "TLSv1"},
    })["Distribution"]["Id"]


if __name__ == "__main__":
    main()
