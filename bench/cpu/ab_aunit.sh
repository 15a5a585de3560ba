#!/usr/bin/env bash
# The microkernel's blocks with A's unit stride known at compile time
# (AUnit in runtime/lib/Microkernels.cpp) against the build before it: the
# runtime's own scores and P.V products timed next to the plain harness
# blocks, the dense and causal kernels side by side with PyTorch at 1
# thread, then alternated call by call in one process. Built on the build
# machine from the commit before the change by `bash bench/cpu/build.sh`,
# then with the change by `bash bench/cpu/build_variant.sh aunit`; from
# bench/out on the benchmark machine: OUT=DIR bash ab_aunit.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  python3 side_by_side.py dense 5 3 pytorch,dense,aunit:dense
  python3 side_by_side.py causal 5 4 pytorch,causal,aunit:causal
  ./microkernel_variants 9 "$PWD/libcascade_bench.so" "$PWD/libcascade_bench_aunit.so"
  for round in 1 2 3; do
    for v in "" _aunit; do
      ./bench_cpu$v 1 2 "peak,microkernel" | sed "s/^/bench_cpu$v: /" |
        grep -e "fma-peak" -e "step"
    done
  done
  # paired.py takes libcascade_bench.so and libcascade_bench_base.so.
  cp libcascade_bench.so libcascade_bench_base.so
  cp libcascade_bench_aunit.so libcascade_bench.so
  python3 paired.py 1 6 dense,base:dense,causal,base:causal
  for v in "" _aunit; do ./bench_cpu$v 1 3 "cascade S1000" | sed "s/^/bench_cpu$v: /"; done
} 2>&1 | tee "$out/ab_aunit.txt"
