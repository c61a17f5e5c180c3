#!/usr/bin/env bash
# Runs every test of encguard, installing what the tests need first.
# Usage: scripts/test.sh            (from anywhere in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

echo "== formatting"
cargo fmt --all --check

echo "== tests"
cargo test --workspace --locked
