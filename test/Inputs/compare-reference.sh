#!/usr/bin/env bash
# compare-reference.sh BEFORE.mlir AFTER.mlir SEED ATOL RTOL ENTRY...
#
# For each entry: run BEFORE on the float64 reference with random inputs from
# SEED, then AFTER on the same inputs, and fail unless every result agrees
# within ATOL + RTOL * |expected|. Prints the seed with any failure.
# $CASCADE_AFTER_FLAGS go to the AFTER runs (e.g. "--target cpu").
set -euo pipefail
before=$1 after=$2 seed=$3 atol=$4 rtol=$5
shift 5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for entry in "$@"; do
  summary=$(cascade-run "$before" --entry "$entry" --random-inputs "$seed" --save-inputs "$work/in-")
  count=$(grep -c '^result[0-9]*:' <<<"$summary")
  outputs=() expects=()
  for ((i = 0; i < count; i++)); do
    outputs+=(--output "$work/out$i.npy")
    expects+=(--expect "$i=$work/out$i.npy")
  done
  cascade-run "$before" --entry "$entry" --random-inputs "$seed" "${outputs[@]}" >/dev/null
  # shellcheck disable=SC2086
  if ! cascade-run "$after" --entry "$entry" --random-inputs "$seed" "${expects[@]}" ${CASCADE_AFTER_FLAGS:-} \
      --atol "$atol" --rtol "$rtol" >"$work/log" 2>&1; then
    cat "$work/log"
    echo "compare-reference: $entry differs (seed $seed)" >&2
    exit 1
  fi
  echo "$entry: $(grep -c ', 0 mismatches' "$work/log")/$count results match"
done
