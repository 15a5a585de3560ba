#!/usr/bin/env bash
# The softmax's exp with its -inf guard once per row and no upper clamps
# (c071538) against the kernels before it (63fb4e2's compiler, same
# runtime), alternated call by call with PyTorch in one process, at 1 and
# 16 threads. Built on the build machine by `bash bench/cpu/build.sh` at
# both commits, the earlier libcascade_bench.so copied to
# bench/out/libcascade_bench_prev.so; from bench/out on the benchmark
# machine: OUT=DIR bash ab_rowguard.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./bench_cpu 1 2 "peak" | grep fma-peak
  cp libcascade_bench_prev.so libcascade_bench_base.so
  python3 paired.py 1 8 dense,base:dense,causal,base:causal
  python3 paired.py 16 6 dense,base:dense,causal,base:causal
} 2>&1 | tee "$out/ab_rowguard.txt"
