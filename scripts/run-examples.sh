#!/usr/bin/env bash
# The main job: for each example, make random .npy inputs, run the composite
# through the float64 reference, compile it with cascade-decompose, run the
# compiled cascade on the same .npy inputs and check it against the reference.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BUILD_DIR:-$root/build}/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${CASCADE_SEED:-$RANDOM}

for example in attention moe; do
  src=$root/examples/$example.mlir
  echo "== examples/$example.mlir (input seed $seed)"
  # Inputs as .npy files, named after the arguments' cascade.name.
  "$bin/cascade-run" "$src" --random-inputs "$seed" --save-inputs "$work/$example-" >/dev/null
  inputs=()
  for f in "$work/$example-"*.npy; do
    name=$(basename "$f" .npy)
    inputs+=(--input "${name#"$example"-}=$f")
  done
  echo "-- reference (composite op, float64)"
  "$bin/cascade-run" "$src" "${inputs[@]}" --output "$work/$example.out0.npy" \
    $( [ $example = attention ] && echo --output "$work/$example.out1.npy" )
  echo "-- compiled: cascade-opt --cascade-decompose, run on the reference target"
  "$bin/cascade-opt" "$src" --cascade-decompose -o "$work/$example.decomposed.mlir"
  expects=(--expect "0=$work/$example.out0.npy")
  [ $example = attention ] && expects+=(--expect "1=$work/$example.out1.npy")
  # Outputs are stored as float32, so compare at float32 precision.
  "$bin/cascade-run" "$work/$example.decomposed.mlir" "${inputs[@]}" "${expects[@]}" \
    --atol 1e-4 --rtol 1e-5
done
echo "examples: OK (the cpu, cuda, hip and spatial targets are not built yet)"
