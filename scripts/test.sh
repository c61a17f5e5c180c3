#!/usr/bin/env bash
# Runs every test of encguard, installing what the tests need first:
# - the official SARIF validator (Microsoft's SARIF Multitool, from npm),
# - Chromium (Debian's package) for the HTML report test.
# Tools are kept under ~/.cache/encguard/tools; later runs reuse them.
# Usage: scripts/test.sh            (from anywhere in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
tools="${ENCGUARD_TOOLS:-$HOME/.cache/encguard/tools}"
mkdir -p "$tools"

echo "== tools"
validator="$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -x "$validator" ]; then
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error @microsoft/sarif-multitool@5.7.0 >/dev/null
fi
export ENCGUARD_SARIF_VALIDATOR="$validator"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing and this is not root: the HTML report test will be skipped (it runs under CI)"
  fi
fi
if command -v chromium >/dev/null 2>&1; then
  export ENCGUARD_CHROMIUM="$(command -v chromium)"
fi

echo "== formatting"
cargo fmt --all --check

echo "== tests"
cargo test --workspace --locked
