#!/usr/bin/env bash
# Checks that the pre-commit hook installs and judges: `pre-commit try-repo` of this
# repository in a small fixture repository — a violation at high severity fails the commit,
# its fix passes it — and prints how long the first run (the build) took.
# Usage: scripts/check-pre-commit.sh        (not part of CI: the hook's build is a cold one)
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root=$(pwd)
tools="${ENCGUARD_TOOLS:-$HOME/.cache/encguard/tools}"
venv="$tools/pre-commit-venv"
[ -x "$venv/bin/pre-commit" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet 'pre-commit>=3.7'; }
export PRE_COMMIT_HOME="$(mktemp -d)"
fixture=$(mktemp -d)
trap 'rm -rf "$fixture" "$PRE_COMMIT_HOME"' EXIT
cd "$fixture"
git init -q .
git config user.email check@example.com
git config user.name check
printf 'resource "aws_ebs_volume" "data" {\n  availability_zone = "eu-west-1a"\n  size              = 10\n  encrypted         = false\n}\n' > main.tf
git add main.tf
start=$(date +%s)
if "$venv/bin/pre-commit" try-repo "$repo_root" encguard --all-files >out.txt 2>&1; then
  cat out.txt; echo "FAIL: an unencrypted volume passed the hook"; exit 1
fi
echo "first run (build included): $(( $(date +%s) - start )) s"
grep -q "EBS-003" out.txt || { cat out.txt; echo "FAIL: the hook did not report EBS-003"; exit 1; }
sed -i 's/encrypted         = false/encrypted         = true/' main.tf
git add main.tf
"$venv/bin/pre-commit" try-repo "$repo_root" encguard --all-files >out.txt 2>&1 || { cat out.txt; echo "FAIL: the fixed volume did not pass"; exit 1; }
echo "OK: the hook fails the violation and passes its fix"
