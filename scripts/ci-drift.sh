#!/usr/bin/env bash
# Drift detection (.github/workflows/drift.yml): a refresh-only plan of
# every stack of cdktf.out/manifest.json, which compares the state with what
# really exists and changes nothing.
#
#   scripts/ci-drift.sh <work-dir>
#
# Per stack it writes <work-dir>/<stack>.drift: a first line `drift`,
# `clean` or `error`, then the plan's text (Terraform redacts sensitive
# values; write-only ones are never read). Placeholders stand for every
# secret (deploy.ts --placeholders); -detailed-exitcode tells the cases
# apart (0 clean, 2 drift, 1 error). Exits 0 unless it could not run at all:
# the workflow's next step reports what the files say.
set -euo pipefail
work="${1:-}"
[[ -n "$work" ]] || { echo "usage: scripts/ci-drift.sh <work-dir>" >&2; exit 2; }
cd "$(dirname "${BASH_SOURCE[0]}")/.."
manifest=cdktf.out/manifest.json
[[ -f "$manifest" ]] || { echo "ci-drift: $manifest does not exist: run npm run synth first" >&2; exit 2; }
mkdir -p "$work"
export TF_IN_AUTOMATION=1 TF_INPUT=0

tf() {
  local stack="$1"
  shift
  npx ts-node --transpile-only scripts/deploy.ts terraform "$stack" --allow-dirty --placeholders -- "$@"
}

mapfile -t stacks < <(jq -r '.stacks | keys[]' "$manifest")
for stack in "${stacks[@]}"; do
  echo "::group::drift $stack"
  out="$work/$stack.drift"
  if ! tf "$stack" init -input=false -no-color >"$work/$stack.log" 2>&1; then
    { echo error; echo 'terraform init failed:'; tail -n 20 "$work/$stack.log"; } >"$out"
  else
    set +e
    tf "$stack" plan -refresh-only -detailed-exitcode -lock=false -input=false -no-color >"$work/$stack.log" 2>&1
    rc=$?
    set -e
    case $rc in
      0) status=clean ;;
      2) status=drift ;;
      *) status=error ;;
    esac
    { echo "$status"; tail -n 200 "$work/$stack.log"; } >"$out"
  fi
  rm -f "$work/$stack.log"
  echo "ci-drift: $stack: $(head -n1 "$out")"
  echo "::endgroup::"
done
