#!/usr/bin/env bash
# EXPERIMENTS (twelfth session): the next step's key/value tile prefetched
# into L2 during the products (libcascade_bench_pfnext.so) against the
# default (base), then the tile sizes, 1 thread, paired with PyTorch.
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./bench_cpu 1 2 "peak" | grep fma-peak
  cp libcascade_bench.so libcascade_bench_base.so
  cp libcascade_bench_pfnext.so libcascade_bench.so
  python3 paired.py 1 8 dense,base:dense,causal,base:causal
  cp libcascade_bench_base.so libcascade_bench.so
  python3 paired.py 1 5 dense,dense_q128k64,dense_q128k256,dense_q256,dense_q256k64
  python3 paired.py 1 5 causal,causal_q128k256,causal_q256
} 2>&1 | tee "$out/ab_next.txt"
