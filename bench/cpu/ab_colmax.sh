#!/usr/bin/env bash
# The softmax's block max taken by the scores' microkernel from its
# registers (cascade_rt_matmul_scaled_colmax_*: "dense", "causal" from
# libcascade_bench.so) against the max as a generated pass with IEEE
# maximum ("main:", 96cd9e2's compiler), with the ordered compare-and-select
# of cascade.softmax_shift but no fusion ("select:"), and, for the causal
# kernel (whose block max is never fused: its scores come out of an scf.if
# of full and partial blocks), with arith.maxnumf instead ("maxnum:"),
# alternated call by call with PyTorch in one process, at 1 and 16 threads.
# Built on the build machine by bench/cpu/build.sh (or only the library) at
# each step, copied to bench/out/libcascade_bench_{main,select,maxnum}.so; from
# bench/out on the benchmark machine: OUT=DIR bash ab_colmax.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
k=dense,main:dense,select:dense,causal,main:causal,select:causal,maxnum:causal
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./bench_cpu 1 2 "peak" | grep fma-peak
  python3 paired.py 1 8 "$k"
  python3 paired.py 16 6 "$k"
} 2>&1 | tee "$out/ab_colmax.txt"
