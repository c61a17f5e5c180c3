#!/usr/bin/env python3
"""Times encguard on generated Terraform and CloudFormation trees, and optionally a
baseline tool on the same trees in the same session.

Usage:
  bench/bench.py [--sizes 1000,10000,100000] [--runs 3] [--work DIR]
                 [--baseline "checkov -d {dir} --framework {framework} -o json --quiet"]

Corpora come from shared/bench/gen_corpus.py (found beside the repository, or given with
--generator). encguard is built in release mode first. For every size and format the
script prints the median wall time, the peak resident memory, and, with a baseline, the
baseline's figures and the ratio. Timing is done with /usr/bin/time, outside any test.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(cmd, timeout):
    """Runs cmd; returns (wall seconds, peak RSS MiB) or None on time-out."""
    start = time.monotonic()
    try:
        p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout, text=True)
    except subprocess.TimeoutExpired:
        return None
    wall = time.monotonic() - start
    rss_kib = int(p.stderr.strip().splitlines()[-1])
    return wall, rss_kib / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(os.path.expanduser("~"), ".cache", "encguard", "bench"))
    ap.add_argument("--generator", default=os.path.join(ROOT, "..", "shared", "bench", "gen_corpus.py"))
    ap.add_argument("--baseline", default=None, help="command template with {dir} and {framework}")
    ap.add_argument("--baseline-max-size", type=int, default=10000)
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()

    # Live AWS support links the SDK but plays no part in scanning code: leave it out of
    # the benchmark build, which then takes a minute instead of a quarter of an hour.
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "encguard", "--no-default-features"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    encguard = os.path.join(target, "release", "encguard")
    print(f"{'size':>7} {'format':15} {'encguard s':>11} {'MiB':>6}" + (f" {'baseline s':>11} {'MiB':>6} {'ratio':>7}" if args.baseline else ""))
    for size in [int(s) for s in args.sizes.split(",")]:
        corpus = os.path.join(args.work, f"corpus-{size}")
        if not os.path.exists(os.path.join(corpus, "expected.json")):
            subprocess.run([sys.executable, args.generator, "--out", corpus, "--resources", str(size), "--seed", "7", "--format", "both"], check=True, stdout=subprocess.DEVNULL)
        for fmt in ["terraform", "cloudformation"]:
            tree = os.path.join(corpus, fmt)
            runs = [measure([encguard, "scan", tree, "--format", "json", "-o", os.devnull], args.timeout) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            line = f"{size:7} {fmt:15} {wall:11.2f} {rss:6.0f}"
            if args.baseline and size <= args.baseline_max_size:
                cmd = args.baseline.format(dir=tree, framework=fmt).split()
                base = measure(cmd, args.timeout)
                if base is None:
                    line += f" {'>' + str(args.timeout):>11} {'':>6} {'>' + format(args.timeout / wall, '.0f') + 'x':>7}"
                else:
                    line += f" {base[0]:11.2f} {base[1]:6.0f} {base[0] / wall:6.0f}x"
            print(line, flush=True)


if __name__ == "__main__":
    main()
