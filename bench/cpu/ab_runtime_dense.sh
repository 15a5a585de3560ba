#!/usr/bin/env bash
# On the benchmark machine, from bench/out: dense attention B1 H16 S4096
# D128 f32 compiled for static shapes and for run-time sequence lengths
# (bench/cpu/kernels/dense_dynamic.mlir), alternated in ROUNDS at 16
# threads and at 1.
#   OUT=DIR bash ab_runtime_dense.sh [ROUNDS]
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
rounds=${1:-3}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  for r in $(seq "$rounds"); do
    echo "# round $r"
    ./bench_cpu 16 5 "cascade dense,run-time dense"
    ./bench_cpu 1 2 "cascade dense,run-time dense"
  done
} 2>&1 | tee "$out/runtime_dense.txt"
