#!/usr/bin/env bash
# encguard as a pre-commit hook (`language: script`): the first run builds encguard inside
# the hook's checkout — without live AWS support, which a hook does not need, so it takes
# about a minute — and every run then scans with it. Arguments go to encguard.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
target="$here/target/pre-commit"
bin="$target/release/encguard"
if [ ! -x "$bin" ]; then
  echo "encguard: building the hook once (about a minute)…" >&2
  cargo build --release --locked --quiet -p encguard --no-default-features \
    --manifest-path "$here/Cargo.toml" --target-dir "$target" >&2
fi
exec "$bin" "$@"
