#!/usr/bin/env bash
# EXPERIMENT: V's blocks packed once per address (cached in the runtime) vs in place.
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./bench_cpu 1 2 "peak" | grep fma-peak
  cp libcascade_bench.so libcascade_bench_base.so
  cp libcascade_bench_cached.so libcascade_bench.so
  python3 paired.py 1 10 dense,base:dense,causal,base:causal
  python3 paired.py 16 8 dense,base:dense,causal,base:causal
  cp libcascade_bench_base.so libcascade_bench.so
} 2>&1 | tee "$out/ab_cached.txt"
