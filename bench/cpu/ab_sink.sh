#!/usr/bin/env bash
# Causal with cascade-sink-into-block-branches (the full blocks' scale and
# block max in the microkernel's epilogue, as in a dense step) against the
# build before it (presink), paired with PyTorch in one process. On the
# build machine, before pulling the change (or from its parent commit):
#   bash bench/cpu/build.sh && cp bench/out/libcascade_bench.so \
#     bench/out/libcascade_bench_presink.so
# then at the change: bash bench/cpu/build.sh && cp bench/cpu/ab_sink.sh
# bench/out/; from bench/out on the benchmark machine:
#   OUT=DIR bash ab_sink.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./bench_cpu 1 2 "peak" | grep fma-peak
  python3 paired.py 1 10 causal,presink:causal
  python3 paired.py 16 8 causal,presink:causal
  # Dense is unchanged by the pass (its object is byte-identical): a control.
  python3 paired.py 1 4 dense,presink:dense
} 2>&1 | tee "$out/ab_sink.txt"
