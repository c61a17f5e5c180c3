#!/usr/bin/env python3
"""Compares an encguard JSON report with a generated corpus's ground truth.

Usage: accuracy.py CORPUS_DIR REPORT.json [terraform|cloudformation]

The corpus generator (shared/bench/gen_corpus.py) labels each resource with violation
kinds; this maps each kind to the encguard rules that judge the same property and prints
recall and precision per kind. Kinds stricter than the policy (s3-no-sse, ebs-no-cmk,
key-not-rotated) are listed but not scored.
"""
import json
import sys
from collections import defaultdict

KINDS = {
    "s3-no-cmk": ["S3-002"],
    "s3-no-tls-policy": ["S3-004"],
    "kms-no-rotation": ["KMS-001"],
    "ebs-default-encryption-off": ["EBS-001"],
    "ebs-unencrypted": ["EBS-003"],
    "rds-unencrypted": ["RDS-001", "RDS-002"],
    "rds-no-cmk": ["RDS-001", "RDS-002", "RDS-003"],
    "dynamodb-no-cmk": ["DDB-001"],
    "dax-unencrypted": ["DDB-004"],
    "dax-no-tls": ["DDB-005"],
    "secret-no-cmk": ["SM-001"],
    "lb-listener-http": ["LB-001"],
    "lb-listener-weak-tls": ["LB-003"],
    "elb-no-tls": ["LB-004"],
    "cloudfront-no-https": ["CF-001"],
    "cloudfront-weak-tls": ["CF-002"],
    "cloudfront-origin-insecure": ["CF-004", "CF-005"],
    "acm-no-ct-logging": ["ACM-004"],
}


def short_name(resource, fmt):
    # Terraform: type.name (modules and indexes stripped); CloudFormation: logical id.
    if fmt == "terraform":
        return resource.split("[")[0].split(".module.")[-1].split("module.")[-1]
    return resource


def main():
    corpus, report, fmt = sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else "terraform")
    expected = json.load(open(f"{corpus}/expected.json"))
    findings = json.load(open(report))["findings"]
    status = defaultdict(dict)  # (rule) -> name -> status
    for f in findings:
        name = short_name(f["resource"], fmt)
        status[f["rule"]][name] = f["status"]
    entries = [e for e in expected["entries"] if e["format"] == fmt and e["role"] == "subject"]
    print(f"{'kind':28} {'expected':>8} {'found':>6} {'unknown':>7} {'missed':>6} {'extra':>6}")
    total_exp = total_found = 0
    for kind, rules in KINDS.items():
        names = {e["resource"].split(".", 1)[1] if fmt == "cloudformation" else e["resource"] for e in entries if kind in e["violations"]}
        candidates = {e["resource"].split(".", 1)[1] if fmt == "cloudformation" else e["resource"] for e in entries if e["type"] in types_of(kind, entries)}
        fails = {n for r in rules for n, s in status[r].items() if s == "fail"}
        unknown = {n for r in rules for n, s in status[r].items() if s == "unknown"}
        found = names & fails
        missed = names - fails - unknown
        extra = (fails & candidates) - names
        total_exp += len(names)
        total_found += len(found)
        print(f"{kind:28} {len(names):8} {len(found):6} {len(names & unknown - fails):7} {len(missed):6} {len(extra):6}")
        if "-v" in sys.argv:
            for n in sorted(missed)[:5]:
                print("    missed", n)
            for n in sorted(extra)[:5]:
                print("    extra ", n)
    print(f"recall {total_found}/{total_exp}")


def types_of(kind, entries):
    return {e["type"] for e in entries if kind in e["violations"]}


if __name__ == "__main__":
    main()
