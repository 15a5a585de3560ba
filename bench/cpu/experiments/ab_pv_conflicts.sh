#!/usr/bin/env bash
# P.V's two L1 set conflicts at head dim 128, inside the kernels: P (its
# column-major A) at a row stride of 512 bytes puts a block's 128 lines on 8
# of L1's 64 sets; V read in place at the same stride puts a 64-column panel
# on half of them. Paired with PyTorch in one process (paired.py):
#   pad        P's rows padded to 144 floats (--pad-column-major-rows)
#   cached     V's blocks packed once per address into 64-byte aligned
#              panels (runtime experiment, CASCADE_EXPERIMENT_CACHED_PANELS:
#              an upper bound for a hoisted packing of V)
#   cachedpad  both
#   otf        V's panel copied by the first row block for the others
# Built on the build machine by `bash bench/cpu/build.sh` and then
# `bash bench/cpu/experiments/build_pv_conflicts.sh` (which copies this
# script to bench/out); from bench/out on the benchmark machine:
#   OUT=DIR bash ab_pv_conflicts.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./bench_cpu 1 2 "peak" | grep fma-peak
  python3 paired.py 1 10 dense,pad:dense,cached:dense,cachedpad:dense,otf:dense
  python3 paired.py 1 6 causal,pad:causal,cachedpad:causal
  python3 paired.py 16 6 dense,pad:dense,cachedpad:dense
  ./bench_cpu 1 2 "peak" | grep fma-peak
  ./microkernel_test | tail -1
} 2>&1 | tee "$out/ab_pv_conflicts.txt"
