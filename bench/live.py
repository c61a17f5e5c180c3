#!/usr/bin/env python3
"""Times a live collection against moto's server for seeded accounts of increasing size,
and counts the API calls it makes (through tests/live/proxy.py).

Usage: bench/live.py PYTHON_WITH_MOTO ENCGUARD_BINARY [--sizes 10,100,400]

Each size N seeds, in each of two regions, N KMS keys, N secrets, N EBS volumes and N
DynamoDB tables, then runs `encguard collect --aws` through the recording proxy.
"""
import collections
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait(url):
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.25)
    raise SystemExit(f"{url} did not answer")


def main():
    python, encguard = sys.argv[1], sys.argv[2]
    sizes = [int(s) for s in (sys.argv[sys.argv.index("--sizes") + 1] if "--sizes" in sys.argv else "10,100,400").split(",")]
    bindir = os.path.dirname(python)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true", MOTO_EC2_LOAD_DEFAULT_AMIS="false")
    print(f"{'N':>5} {'resources':>9} {'calls':>6} {'wall s':>7}")
    for n in sizes:
        port, proxy_port = free_port(), free_port()
        work = tempfile.mkdtemp()
        log = os.path.join(work, "calls.jsonl")
        moto = subprocess.Popen([os.path.join(bindir, "moto_server"), "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        proxy = subprocess.Popen([python, os.path.join(ROOT, "tests/live/proxy.py"), str(proxy_port), f"http://127.0.0.1:{port}", log])
        try:
            wait(f"http://127.0.0.1:{port}/moto-api/")
            wait(f"http://127.0.0.1:{proxy_port}/moto-api/")
            seed = f"""
import boto3
for region in ["us-east-1", "eu-west-1"]:
    c = lambda s: boto3.client(s, region_name=region, endpoint_url="http://127.0.0.1:{port}")
    kms, sm, ec2, ddb = c("kms"), c("secretsmanager"), c("ec2"), c("dynamodb")
    for i in range({n}):
        kms.create_key(Description=str(i))
        sm.create_secret(Name=f"s{{i}}", SecretString="x")
        ec2.create_volume(AvailabilityZone=region + "a", Size=1)
        ddb.create_table(TableName=f"t{{i}}", BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[{{"AttributeName": "k", "AttributeType": "S"}}], KeySchema=[{{"AttributeName": "k", "KeyType": "HASH"}}])
"""
            subprocess.run([python, "-c", seed], env=env, check=True)
            if os.path.exists(log):
                os.remove(log)
            out = os.path.join(work, "inventory.json")
            start = time.monotonic()
            subprocess.run([encguard, "collect", "--aws", "--endpoint-url", f"http://127.0.0.1:{proxy_port}", "--region", "us-east-1", "--region", "eu-west-1", "-o", out],
                           env=env, check=True, stderr=subprocess.DEVNULL)
            wall = time.monotonic() - start
            actions = collections.Counter(f"{c['service']}:{c['action']}" for c in map(json.loads, open(log)))
            kinds = collections.Counter(r["kind"] for r in json.load(open(out))["resources"])
            calls, resources = sum(actions.values()), sum(kinds.values())
            print(f"{n:5} {resources:9} {calls:6} {wall:7.1f}   {calls / max(resources, 1):.2f} calls per resource", flush=True)
            print("      calls by action: " + ", ".join(f"{a} {k}" for a, k in actions.most_common()))
            print("      resources by kind: " + ", ".join(f"{a} {k}" for a, k in kinds.most_common()), flush=True)
        finally:
            proxy.kill()
            moto.kill()


if __name__ == "__main__":
    main()
