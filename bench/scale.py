#!/usr/bin/env python3
"""An organisation at scale against moto: one unsharded collection against N shards merged,
with the time, peak memory and calls of each, and a projection to a large organisation.

Usage: bench/scale.py PYTHON_WITH_MOTO ENCGUARD_BINARY [--accounts 50] [--regions 2]
                      [--per 3] [--shards 4] [--project-accounts 5000]
                      [--project-regions 17] [--latency-ms 50] [--concurrency 16]

moto is seeded by tests/live/seed_org.py (an organisation, each account reached through
OrganizationAccountAccessRole, PER keys, secrets, tables per region and PER buckets). The
shards run one after another, as separate runners would; the findings of the merged
shards must equal the unsharded run's, or the script fails.

The projection assumes what moto cannot show: every call costs --latency-ms, a runner
keeps --concurrency calls in flight, and calls spread over accounts and regions, so AWS's
per-account, per-region request quotas (KMS DescribeKey 2,000/s, ListKeys 100/s, Secrets
Manager DescribeSecret 5,000/s, DynamoDB DescribeTable 2,500/s) are never the bound for a
runner — its own concurrency is.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from live import free_port, wait  # noqa: E402  (moto's port and readiness, as live.py finds them)
REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"]


def run(cmd, env):
    """Runs cmd; (seconds, peak resident MiB, calls it logged with --verbose)."""
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "peak %M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=env, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    lines = out.stderr.splitlines()
    peak = next(int(l.split()[1]) for l in reversed(lines) if l.startswith("peak "))
    return seconds, peak / 1024, sum(1 for l in lines if l.startswith("call "))


def findings(encguard, inventory):
    out = subprocess.run([encguard, "scan", inventory, "--format", "json"], capture_output=True, text=True)
    report = json.loads(out.stdout)
    return sorted((f["rule"], f["resource"], f["status"]) for f in report["findings"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("python")
    ap.add_argument("encguard")
    ap.add_argument("--accounts", type=int, default=50)
    ap.add_argument("--regions", type=int, default=2)
    ap.add_argument("--per", type=int, default=3)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--project-accounts", type=int, default=5000)
    ap.add_argument("--project-regions", type=int, default=17)
    ap.add_argument("--latency-ms", type=float, default=50)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
    regions = REGIONS[: args.regions]

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false", AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1", NO_COLOR="1")
    moto = subprocess.Popen([os.path.join(os.path.dirname(args.python), "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait(f"{url}/moto-api/")
        start = time.perf_counter()
        subprocess.run([args.python, os.path.join(ROOT, "tests/live/seed_org.py"), url, str(args.accounts),
                        ",".join(regions), str(args.per)], check=True, stdout=subprocess.DEVNULL, env=env)
        print(f"seeded {args.accounts} accounts x {len(regions)} regions in {time.perf_counter() - start:.1f} s", flush=True)
        work = tempfile.mkdtemp(prefix="encguard-scale-")
        base = [args.encguard, "collect", "--aws", "--org", "--role-name", "OrganizationAccountAccessRole",
                "--endpoint-url", url, "--verbose", "--concurrency", str(args.concurrency)] + \
            [a for r in regions for a in ("--region", r)]
        rows = []
        whole = os.path.join(work, "all.json")
        rows.append(("unsharded",) + run(base + ["-o", whole], env))
        shards = []
        for i in range(args.shards):
            out = os.path.join(work, f"shard-{i}.json")
            rows.append((f"shard {i}/{args.shards}",) + run(base + ["-o", out, "--shard", f"{i}/{args.shards}"], env))
            shards.append(out)
        merged = os.path.join(work, "merged.json")
        subprocess.run([args.encguard, "merge"] + shards + ["-o", merged], check=True, env=env, stderr=subprocess.DEVNULL)
        same = findings(args.encguard, whole) == findings(args.encguard, merged)
        resources = len(json.load(open(whole))["resources"])
        print(f"{'run':<14} {'seconds':>8} {'peak MiB':>9} {'calls':>7}")
        for name, seconds, peak, calls in rows:
            print(f"{name:<14} {seconds:8.1f} {peak:9.0f} {calls:7}")
        print(f"{resources} resources; the {args.shards} shards merged give "
              f"{'the same findings as' if same else 'OTHER FINDINGS THAN'} the unsharded run")
        units = args.accounts * len(regions)
        calls_per_unit = rows[0][3] / units
        project_units = args.project_accounts * args.project_regions
        project_calls = calls_per_unit * project_units
        per_runner = args.concurrency / (args.latency_ms / 1000)
        runner_hours = project_calls / per_runner / 3600
        print(f"projection: {args.project_accounts} accounts x {args.project_regions} regions = {project_units} units, "
              f"{calls_per_unit:.1f} calls a unit here -> {project_calls:,.0f} calls; at {args.latency_ms:.0f} ms a call "
              f"and {args.concurrency} in flight a runner makes {per_runner:.0f} calls/s: {runner_hours:.1f} runner-hours, "
              f"so {max(1, int(runner_hours + 0.999))} shards finish within the hour")
        if not same:
            sys.exit(1)
    finally:
        moto.terminate()


if __name__ == "__main__":
    main()
