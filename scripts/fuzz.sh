#!/usr/bin/env bash
# Fuzzes encguard's input readers with cargo fuzz (libFuzzer, nightly Rust): the HCL
# evaluator, plan JSON, CloudFormation JSON/YAML, inventory JSON and the policy file, each
# followed by every rule. Resumable: each target's corpus is kept under fuzz/corpus/ and
# grows run after run; it is seeded from the project's own fixtures the first time.
# A crash is left under fuzz/artifacts/TARGET/; once fixed, copy the input to
# fuzz/regressions/TARGET/ — `cargo test` replays every file there.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#        scripts/fuzz.sh --stats                               (executions per target so far)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
targets_all=(hcl plan cloudformation inventory policy)
log=fuzz/runs.log

if [ "${1:-}" = "--stats" ]; then
  for t in "${targets_all[@]}"; do
    awk -v t="$t" '$1 == t { runs += $2; secs += $3 } END { printf "%-15s %12d executions %8d s", t, runs, secs }' "$log" 2>/dev/null || true
    echo "  $(ls "fuzz/artifacts/$t" 2>/dev/null | wc -l) crashing inputs left in fuzz/artifacts/$t"
  done
  exit 0
fi

seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${targets_all[@]}")

command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
rustup toolchain list | grep -q nightly || { echo "cargo fuzz needs the nightly toolchain (rustup toolchain install nightly)"; exit 1; }

# Copies files into a corpus under names of their content, so that files of the same name
# from different fixtures are all kept.
add() {
  local dir=$1; shift
  for f in "$@"; do cp "$f" "$dir/$(sha1sum "$f" | cut -c1-16)"; done
}

seed() {
  local target=$1 dir=fuzz/corpus/$1
  mkdir -p "$dir"
  [ -n "$(ls -A "$dir")" ] && return
  case $target in
    hcl) add "$dir" $(find examples tests -name '*.tf' -size -64k) ;;
    plan) add "$dir" $(find tests -name '*.json' -size -256k -exec grep -l '"format_version"' {} +)
          printf '{"format_version":"1.2","terraform_version":"1.11.0","resource_changes":[]}' > "$dir/empty" ;;
    cloudformation) add "$dir" $(find examples tests -name '*.yaml' -size -64k) $(find tests -name '*.template.json') ;;
    inventory) add "$dir" examples/inventory.json ;;
    policy) cargo run -q -p encguard --no-default-features -- init "$dir/default" --force 2>/dev/null ;;
  esac
}

for t in "${targets[@]}"; do
  seed "$t"
  mkdir -p "fuzz/artifacts/$t"
  out=$(mktemp)
  echo "== $t for ${seconds}s"
  # -rss_limit_mb: a report exhausting memory is a crash; -timeout: so is one input taking 10 s.
  (cd fuzz && cargo +nightly fuzz run "$t" "corpus/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -artifact_prefix="artifacts/$t/" \
      -print_final_stats=1) >"$out" 2>&1 || true
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out" | grep -o '[0-9]*$' | tail -1)
  crashes=$(ls "fuzz/artifacts/$t" | wc -l)
  echo "$t ${runs:-0} $seconds" >> "$log"
  tail -3 "$out"
  echo "$t: ${runs:-0} executions; artifacts in fuzz/artifacts/$t: $crashes"
  rm -f "$out"
done
