#!/usr/bin/env bash
# Scans each repository under DIR (e.g. clones of terraform-aws-modules) and prints, per
# repository: resources, failures, unknowns by reason class, input errors and time.
# An unknown whose reason falls in no class is a likely evaluator gap: the last column
# counts them and `--other` lists them.
#
# Usage: bench/realworld.sh DIR [--other] [ENCGUARD]   (default binary: the release build)
set -euo pipefail
dir=${1:?usage: bench/realworld.sh DIR [--other] [ENCGUARD]}
shift
show_other=0
if [ "${1:-}" = "--other" ]; then show_other=1; shift; fi
bin=${1:-${CARGO_TARGET_DIR:-target}/release/encguard}
[ -x "$bin" ] || { echo "no encguard binary at $bin (cargo build --release -p encguard --no-default-features)"; exit 2; }

printf '%-22s %9s %6s %7s %7s %7s %7s %7s %7s %6s %7s %7s\n' repository resources fail remote novalue apply deploy outside denied other errors seconds
for repo in "$dir"/*/; do
  name=$(basename "$repo")
  start=$(date +%s.%N)
  set +e
  "$bin" scan "$repo" --format json > /tmp/realworld-$$.json 2>/dev/null
  set -e
  end=$(date +%s.%N)
  python3 - "$name" "$(echo "$end - $start" | bc)" "$show_other" /tmp/realworld-$$.json <<'PY'
import json, re, sys
name, seconds, show_other, path = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
report = json.load(open(path))
# Reasons that truly cannot be known from the code, by class.
classes = [
    ("remote", r"encguard does not fetch|not read"),
    ("novalue", r"has no value|no default|without a value|is not set"),
    ("apply", r"known only after apply|known at plan time|known only when planning|new on every plan|generated from"),
    ("deploy", r"deploy time|ImportValue|resolve:ssm|parameter `.*` has no value|macro"),
    ("outside", r"not managed here|follows the AMI|not described in this scan|scan the account"),
    ("denied", r"AccessDenied|failed: "),
]
counts = {c: 0 for c, _ in classes}
other = []
for f in report["findings"]:
    if f["status"] != "unknown" or f.get("suppression"):
        continue
    for c, pattern in classes:
        if re.search(pattern, f["message"]):
            counts[c] += 1
            break
    else:
        other.append(f"{f['rule']} {f['resource']}: {f['message']}")
s = report["summary"]
print(f"{name:<22} {s['resources']:>9} {s['fail']:>6} " + " ".join(f"{counts[c]:>7}" for c, _ in classes)
      + f" {len(other):>6} {len(report.get('errors', [])):>7} {seconds:>7.2f}")
if show_other:
    for line in other:
        print("    " + line)
PY
done
rm -f /tmp/realworld-$$.json
