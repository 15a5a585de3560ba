#!/usr/bin/env bash
# The microkernel's K loop prefetching B's row and A's column 4 or 12 steps
# ahead (CASCADE_MICROKERNEL_PREFETCH_ROWS) against none: the runtime's own
# products next to the plain harness blocks, the step rates, then the dense
# and causal kernels alternated call by call in one process (paired.py, the
# variant as libcascade_bench.so, the default as the base); and the
# microkernel's checks on this CPU's AVX-512 blocks. Built on the build
# machine by `bash bench/cpu/build.sh`, then
#   bash bench/cpu/build_variant.sh pf4 -DCASCADE_MICROKERNEL_PREFETCH_ROWS=4
#   bash bench/cpu/build_variant.sh pf12 -DCASCADE_MICROKERNEL_PREFETCH_ROWS=12
# and from bench/out on the benchmark machine: OUT=DIR bash ab_prefetch.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./microkernel_test | tail -1
  ./microkernel_variants 7 "$PWD/libcascade_bench.so" \
    "$PWD/libcascade_bench_pf4.so" "$PWD/libcascade_bench_pf12.so" |
    grep -e "6x64" -e "libcascade"
  for round in 1 2; do
    for v in "" _pf4 _pf12; do
      ./bench_cpu$v 1 2 "peak,microkernel" | sed "s/^/bench_cpu$v: /" |
        grep -e "fma-peak" -e "step"
    done
  done
  # paired.py takes libcascade_bench.so and libcascade_bench_base.so.
  cp libcascade_bench.so libcascade_bench_base.so
  for v in pf4 pf12; do
    echo "# paired: $v against the default (base)"
    cp "libcascade_bench_$v.so" libcascade_bench.so
    python3 paired.py 1 8 dense,base:dense,causal,base:causal
  done
  cp libcascade_bench_base.so libcascade_bench.so
} 2>&1 | tee "$out/ab_prefetch.txt"
