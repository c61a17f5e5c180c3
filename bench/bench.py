#!/usr/bin/env python3
"""Times encguard on generated corpora and plans, with the baselines in the same run.

Usage:
  bench/bench.py [--sizes 1000,10000,100000] [--runs 3] [--work DIR]
                 [--checkov PATH] [--cfn-guard PATH] [--baseline-sizes 1000,10000]

Corpora come from shared/bench/gen_corpus.py and plans from shared/bench/gen_plan.py
(found beside the repository, or given with --shared), generated once into --work.
encguard is built in release mode first, without the AWS SDK. Each case runs --runs times,
the tools taking turns so that a noisy machine slows them alike; the table gives the median
wall time, the peak resident memory and each baseline's time as a multiple of encguard's.

Baselines run where found (on PATH, or given) and only at --baseline-sizes: Checkov on
each tree, cfn-guard on the CloudFormation tree with bench/guard/encryption.guard, the
CloudFormation checks written as Guard rules. A run past --timeout counts as the timeout.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(cmd, timeout):
    """Runs cmd with its output discarded; (wall seconds, peak resident MiB), or None on time-out."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, stdout=null, stderr=null)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                return time.perf_counter() - start, usage.ru_maxrss / 1024
            if time.perf_counter() > deadline:
                proc.kill()
                proc.wait()
                return None
            time.sleep(0.005)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--baseline-sizes", default="1000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--work", default=os.path.join(os.path.expanduser("~"), ".cache", "encguard", "bench"))
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "bench"))
    ap.add_argument("--checkov", default=shutil.which("checkov"))
    ap.add_argument("--cfn-guard", default=shutil.which("cfn-guard"))
    args = ap.parse_args()

    # Live AWS support links the SDK but plays no part in scanning code: leave it out of
    # the benchmark build, which then takes a minute instead of a quarter of an hour.
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "encguard", "--no-default-features"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    encguard = os.path.join(target, "release", "encguard")
    guard_rules = os.path.join(ROOT, "bench", "guard", "encryption.guard")
    baseline_sizes = {int(s) for s in args.baseline_sizes.split(",") if s}
    os.makedirs(args.work, exist_ok=True)

    print(f"{'size':>7} {'case':<15} {'tool':<10} {'median s':>9} {'peak MiB':>9} {'vs encguard':>12}", flush=True)
    for size in [int(s) for s in args.sizes.split(",")]:
        corpus = os.path.join(args.work, f"corpus-{size}")
        if not os.path.exists(os.path.join(corpus, "expected.json")):
            subprocess.run([sys.executable, os.path.join(args.shared, "gen_corpus.py"), "--out", corpus,
                            "--resources", str(size), "--seed", "7", "--format", "both"],
                           check=True, stdout=subprocess.DEVNULL)
        plan = os.path.join(args.work, f"plan-{size}.json")
        if not os.path.exists(plan):
            subprocess.run([sys.executable, os.path.join(args.shared, "gen_plan.py"), str(size), plan], check=True)
        cases = [("terraform", os.path.join(corpus, "terraform")),
                 ("cloudformation", os.path.join(corpus, "cloudformation")),
                 ("both trees", corpus),
                 ("plan JSON", plan)]
        for case, path in cases:
            tools = [("encguard", [encguard, "scan", path, "--format", "json", "-o", os.devnull])]
            if size in baseline_sizes and case in ("terraform", "cloudformation") and args.checkov:
                tools.append(("checkov", [args.checkov, "-d", path, "--framework", case, "--quiet", "--compact",
                                          "-o", "json"]))
            if size in baseline_sizes and case == "cloudformation" and args.cfn_guard:
                tools.append(("cfn-guard", [args.cfn_guard, "validate", "-r", guard_rules, "-d", path,
                                            "--show-summary", "none", "-o", "json"]))
            results = {tool: [] for tool, _ in tools}
            for _ in range(args.runs):
                for tool, cmd in tools:
                    results[tool].append(measure(cmd, args.timeout) or (float(args.timeout), 0.0))
            ours = statistics.median(r[0] for r in results["encguard"])
            for tool, _ in tools:
                wall = statistics.median(r[0] for r in results[tool])
                peak = max(r[1] for r in results[tool])
                ratio = "" if tool == "encguard" else f"{wall / ours:11.0f}×"
                print(f"{size:7} {case:<15} {tool:<10} {wall:9.2f} {peak:9.0f} {ratio:>12}", flush=True)


if __name__ == "__main__":
    main()
