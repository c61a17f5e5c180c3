#!/usr/bin/env bash
# Makes the plan fixtures of tests/rules: each Terraform fixture that needs no input is
# planned for real — Terraform with the AWS provider, against moto's server — and
# `terraform show -json` of the plan is kept beside it as NAME.plan.json. The test reads the
# plan with the expectations of the .tf it was made from.
#
# Usage: tests/rules/make_plans.sh PYTHON_WITH_MOTO [RULE/NAME.tf ...]
# Needs terraform on PATH and the AWS provider in a filesystem mirror (TF_PLUGIN_MIRROR,
# default /opt/tf-plugins).
set -euo pipefail
cd "$(dirname "$0")"
python=${1:?usage: make_plans.sh PYTHON_WITH_MOTO [RULE/NAME.tf ...]}
shift
fixtures=("$@")
[ ${#fixtures[@]} -gt 0 ] || mapfile -t fixtures < <(ls ./*/*.tf | sed 's|^\./||')

work=$(mktemp -d)
trap 'kill $moto 2>/dev/null || true; rm -rf "$work"' EXIT
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$(dirname "$python")/moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.5; done

cat >"$work/terraform.rc" <<EOF
provider_installation {
  filesystem_mirror {
    path = "${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
  }
}
EOF
export TF_CLI_CONFIG_FILE="$work/terraform.rc" TF_IN_AUTOMATION=1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
endpoint="http://127.0.0.1:$port"

for fixture in "${fixtures[@]}"; do
  if grep -q '^variable ' "$fixture"; then
    echo "skip $fixture: it needs an input the plan would have to be given"
    continue
  fi
  dir="$work/$(echo "$fixture" | tr '/' '_')"
  mkdir -p "$dir"
  cp "$fixture" "$dir/main.tf"
  cat >"$dir/provider.tf" <<EOF
provider "aws" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    acm            = "$endpoint"
    cloudfront     = "$endpoint"
    cloudwatchlogs = "$endpoint"
    dax            = "$endpoint"
    dynamodb       = "$endpoint"
    ec2            = "$endpoint"
    elb            = "$endpoint"
    elbv2          = "$endpoint"
    iam            = "$endpoint"
    kms            = "$endpoint"
    rds            = "$endpoint"
    s3             = "$endpoint"
    secretsmanager = "$endpoint"
    sts            = "$endpoint"
  }
}
EOF
  if (cd "$dir" && terraform init -input=false -no-color >init.log 2>&1 && terraform plan -input=false -no-color -refresh=false -out=plan >plan.log 2>&1); then
    (cd "$dir" && terraform show -json plan) | "$python" -c 'import json, sys; print(json.dumps(json.load(sys.stdin), indent=1, sort_keys=True))' >"${fixture%.tf}.plan.json"
    echo "planned $fixture"
  else
    echo "could not plan $fixture:"
    cat "$dir/init.log" "$dir/plan.log" | grep -i -A3 error | head -n 8 | sed 's/^/    /' || true
  fi
done
