#!/usr/bin/env bash
# CI (.github/workflows/plan.yml): plan every stack of cdktf.out/manifest.json
# and write the PR comment's markdown.
#
#   scripts/ci-plan.sh <work-dir> <summary.md>
#
# Per stack: `deploy.ts check` (preconditions), then terraform init, plan and
# show -json in cdktf.out/stacks/<stack>, each through scripts/deploy.ts
# --placeholders: CI holds no age identity and decrypts nothing; every secret
# variable is a placeholder (they are ephemeral and reach only write-only
# arguments, so the plan is the same), and deploy.ts refuses anything but
# read-only Terraform commands in that mode. Plans run with -refresh=false:
# the read-only kubeconfigs CI gets cannot read Kubernetes Secrets.
# A stack that is refused or fails is reported in the summary and the script
# exits 1 after the summary is written; the other stacks are still planned.
#
# Needs: `npx cdktf synth` done; jq; HCLOUD_TOKEN (a read-only token); the S3 backend's
# AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; kubeconfigs written by
# `deploy.ts write-kubeconfigs`. Optional PLAN_SUBTITLE: a line under the title.
#
# Per stack it leaves in <work-dir>: <stack>.tfplan (the saved plan),
# <stack>.json (its `terraform show -json`) and <stack>.meta.json (stack,
# commit, tree, the state's serial and lineage when planned): what the
# workflow uploads as artifacts and `npm run deploy -- <stack> --plan <dir>`
# applies after checking nothing moved (lib/operate/saved-plan.ts). Plans
# hold no secret: ephemeral variables and write-only arguments are not saved
# in a plan.
set -euo pipefail

die() {
  echo "ci-plan: $*" >&2
  exit 2
}

work="${1:-}"
summary="${2:-}"
[[ -n "$work" && -n "$summary" ]] || die "usage: scripts/ci-plan.sh <work-dir> <summary.md>"
command -v jq >/dev/null || die "jq is not installed"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$work" in /*) ;; *) work="$PWD/$work" ;; esac
case "$summary" in /*) ;; *) summary="$PWD/$summary" ;; esac
cd "$repo_root"

manifest=cdktf.out/manifest.json
[[ -f "$manifest" ]] || die "$manifest does not exist: run npx cdktf synth first"

mkdir -p "$work"
chmod 700 "$work"
trap 'rm -f "$work"/*.state' EXIT
# Until the real summary replaces it: the comment then says the run broke.
printf '## Terraform plan\n\nThe plan job did not finish: see the job log.\n' >"$summary"

export TF_IN_AUTOMATION=1 TF_INPUT=0
export TF_PLUGIN_CACHE_DIR="$work/plugin-cache"
mkdir -p "$TF_PLUGIN_CACHE_DIR"

# CI plans exactly the commit it checked out; the mgmt plan's nix evaluation
# may write nix/flake.lock when none is committed, which must not refuse the
# stacks planned after it.
deploy=(npx ts-node --transpile-only scripts/deploy.ts)
tf() {
  local stack="$1"
  shift
  "${deploy[@]}" terraform "$stack" --allow-dirty --placeholders -- "$@"
}

# What the saved plan was made from (lib/operate/saved-plan.ts, PlanMeta).
write_meta() {
  jq -n --arg stack "$1" --arg commit "$(git rev-parse HEAD)" --arg tree "$(git rev-parse 'HEAD^{tree}')" \
    --argjson state "$(if [[ -s "$2" ]]; then jq -c '{serial, lineage}' "$2"; else echo null; fi)" \
    '{stack: $stack, commit: $commit, tree: $tree, serial: ($state.serial // null), lineage: ($state.lineage // null)}'
}

mapfile -t stacks < <(jq -r '.stacks | keys[]' "$manifest")
[[ ${#stacks[@]} -gt 0 ]] || die "$manifest lists no stack"

failed=0
for stack in "${stacks[@]}"; do
  echo "::group::plan $stack"
  rm -f "$work/$stack.json" "$work/$stack.failed" "$work/$stack.tfplan" "$work/$stack.meta.json"
  if ! reason="$("${deploy[@]}" check "$stack" --allow-dirty --placeholders)"; then
    # deploy.ts check prints only secret-free problems on stdout.
    printf 'refused: %s\n' "${reason:-see the job log}" >"$work/$stack.failed"
  elif ! tf "$stack" init -input=false -no-color; then
    echo "terraform init failed (see the job log)" >"$work/$stack.failed"
  elif ! tf "$stack" state pull >"$work/$stack.state"; then
    echo "terraform state pull failed (see the job log)" >"$work/$stack.failed"
  elif ! write_meta "$stack" "$work/$stack.state" >"$work/$stack.meta.json"; then
    echo "could not record the plan's commit and state (see the job log)" >"$work/$stack.failed"
  elif ! tf "$stack" plan -input=false -lock=false -refresh=false -no-color -out="$work/$stack.tfplan"; then
    echo "terraform plan failed (see the job log)" >"$work/$stack.failed"
  elif ! tf "$stack" show -json "$work/$stack.tfplan" >"$work/$stack.json"; then
    echo "terraform show -json failed (see the job log)" >"$work/$stack.failed"
  fi
  rm -f "$work/$stack.state"
  if [[ -f "$work/$stack.failed" ]]; then
    failed=1
    echo "ci-plan: $stack: $(head -n1 "$work/$stack.failed")" >&2
  fi
  echo "::endgroup::"
done

rc=0
npx ts-node --transpile-only scripts/plan-summary.ts --plans "$work" --synth-dir cdktf.out --out "$summary" ${PLAN_SUBTITLE:+--subtitle "$PLAN_SUBTITLE"} ${PLAN_ARTIFACTS_URL:+--artifacts-url "$PLAN_ARTIFACTS_URL"} || rc=$?
# plan-summary exits 1 when a stack has no plan (already counted), 2 when it broke.
[[ $rc -le 1 ]] || failed=1
exit "$failed"
