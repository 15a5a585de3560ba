#!/usr/bin/env bash
# The softmax's exp with a degree-5 polynomial (cascade.nonpositive_argument;
# "dense", "causal" from libcascade_bench.so) against the HEAD before it
# ("head:", 51862e7: Cephes' degree 7, and the runtime's target_clones) and
# against 51862e7's kernels linked with the new runtime ("split:", its f32
# panel loop one function per instruction set), alternated call by call with
# PyTorch in one process, at 1 and 16 threads; first the microkernel's
# checks on this machine's AVX-512 blocks. Built on the build machine by
# bench/cpu/build.sh at each step, copied to
# bench/out/libcascade_bench_{head,split}.so; from bench/out on the benchmark
# machine: OUT=DIR bash ab_exp5.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
k=dense,head:dense,split:dense,causal,head:causal,split:causal
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./microkernel_test | tail -3
  ./bench_cpu 1 2 "peak" | grep fma-peak
  python3 paired.py 1 10 "$k"
  python3 paired.py 16 6 "$k"
} 2>&1 | tee "$out/ab_exp5.txt"
