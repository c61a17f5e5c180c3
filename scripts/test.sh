#!/usr/bin/env bash
# Runs every test of encguard, installing what the tests need first:
# - the official SARIF validator (Microsoft's SARIF Multitool, from npm),
# - Chromium (Debian's package) for the HTML report test,
# - a Python virtualenv with moto's server (pinned) and boto3, for the live-collector tests,
#   which start moto themselves on a free port of 127.0.0.1, and check-jsonschema and
#   kubernetes-validate, which check the recipes of deploy/ offline,
# - a throwaway PostgreSQL server (scripts/postgres.sh) for the PostgreSQL history store,
#   stopped and removed when the tests end.
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

venv="$tools/venv"
if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/kubernetes-validate" ] \
  || [ ! -d "$(echo "$venv"/lib/python3*/site-packages/py_ocsf_models)" ]; then
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  # moto for the live tests; check-jsonschema and kubernetes-validate check deploy/ offline;
  # py-ocsf-models validates the OCSF report.
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5' 'boto3>=1.35' \
    'check-jsonschema==0.39.0' 'kubernetes-validate==1.37.0' 'py-ocsf-models==0.10.0'
fi
export ENCGUARD_PYTHON="$venv/bin/python"

# Terraform with the AWS provider in a local mirror, when the machine has them (neither is
# on a package registry): the test that validates fixed Terraform uses them.
if command -v terraform >/dev/null 2>&1; then
  provider="$(find /opt /usr/local /usr/share "$HOME" -maxdepth 8 -name 'terraform-provider-aws_*' -print -quit 2>/dev/null || true)"
  if [ -n "$provider" ]; then
    export ENCGUARD_TERRAFORM="$(command -v terraform)"
    # The mirror's root holds registry.terraform.io/hashicorp/aws/VERSION/PLATFORM/.
    export ENCGUARD_TERRAFORM_MIRROR="${provider%/registry.terraform.io/*}"
  fi
fi

echo "== PostgreSQL"
source scripts/postgres.sh
trap stop_postgres EXIT
start_postgres

echo "== formatting"
cargo fmt --all --check

echo "== lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
cargo test --workspace --locked
