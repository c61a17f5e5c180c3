#!/usr/bin/env python3
"""Seeds a moto server with an organisation: the management account and ACCOUNTS - 1
member accounts, each reached through OrganizationAccountAccessRole, and in each account
and region of REGIONS, PER keys (one without rotation), secrets and tables, and PER buckets.

Usage: seed_org.py ENDPOINT_URL ACCOUNTS REGIONS PER     (REGIONS comma-separated)
Prints the account ids, one per line.
"""
import sys

import boto3

URL, ACCOUNTS, REGIONS, PER = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), int(sys.argv[4])
BASE = dict(endpoint_url=URL, aws_access_key_id="testing", aws_secret_access_key="testing")


def main():
    org = boto3.client("organizations", region_name="us-east-1", **BASE)
    org.create_organization(FeatureSet="ALL")
    for i in range(ACCOUNTS - 1):
        org.create_account(Email=f"member{i}@example.com", AccountName=f"member{i}")
    accounts = [a["Id"] for page in org.get_paginator("list_accounts").paginate() for a in page["Accounts"]]
    sts = boto3.client("sts", region_name="us-east-1", **BASE)
    for account in accounts:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                RoleSessionName="seed")["Credentials"]
        session = dict(endpoint_url=URL, aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
        s3 = boto3.client("s3", region_name="us-east-1", **session)
        for b in range(PER):
            s3.create_bucket(Bucket=f"org-{account}-{b}")
        for region in REGIONS:
            kms = boto3.client("kms", region_name=region, **session)
            sm = boto3.client("secretsmanager", region_name=region, **session)
            ddb = boto3.client("dynamodb", region_name=region, **session)
            for n in range(PER):
                key = kms.create_key(Description=f"key-{n}")["KeyMetadata"]["KeyId"]
                if n:
                    kms.enable_key_rotation(KeyId=key)
                sm.create_secret(Name=f"secret-{n}", SecretString="not-read")
                ddb.create_table(TableName=f"table-{n}", BillingMode="PAY_PER_REQUEST",
                                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    print("\n".join(accounts))


if __name__ == "__main__":
    main()
