#!/usr/bin/env bash
# P.V's B (V read in place at a row stride of 512 bytes) summed in depth
# chunks of 64 (CASCADE_MICROKERNEL_IN_PLACE_CHUNK=64): a 64-column panel's
# 64 rows take 256 lines on 32 of L1's sets, which 12 ways hold (the whole
# depth's 512 do not). Variants, built on the build machine after
# `bash bench/cpu/build.sh` and `build_pv_conflicts.sh`:
#   chunk64     the runtime with chunks of 64
#   chunk64pad  the same, dense and causal with --pad-column-major-rows
# (the link lines are in build_pv_conflicts.sh's style:
#  link_bench_lib OUT -DCASCADE_MICROKERNEL_IN_PLACE_CHUNK=64).
# From bench/out on the benchmark machine: OUT=DIR bash ab_chunk64.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./bench_cpu 1 2 "peak" | grep fma-peak
  python3 paired.py 1 8 dense,chunk64:dense,chunk64pad:dense,cachedpad:dense
  python3 paired.py 1 5 causal,chunk64:causal
  python3 paired.py 16 5 dense,chunk64:dense
} 2>&1 | tee "$out/ab_chunk64.txt"
