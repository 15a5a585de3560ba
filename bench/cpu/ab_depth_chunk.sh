#!/usr/bin/env bash
# The microkernel's depth chunks (runtime/lib/Microkernels.cpp, kDepthChunk)
# and the softmax's fused exp + sum (cascade-fuse-into-reductions), A/B on
# the benchmark machine. Built on the build machine by
#   bash bench/cpu/build.sh && bash bench/cpu/build_variant.sh nokc \
#       -DCASCADE_MICROKERNEL_DEPTH_CHUNK=0
# with an earlier build's libcascade_bench.so copied to
# bench/out/libcascade_bench_base.so; then, from bench/out on the host,
#   OUT=DIR bash ab_depth_chunk.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./microkernel_test | tail -1
  ./bench_cpu 1 2 "peak"
  ./microkernel_variants 15
  # 1 thread, side by side: PyTorch, this build, without depth chunks, the
  # base build (4 copies of each on the 16 cores).
  python3 side_by_side.py dense 4 3 pytorch,dense,nokc:dense,base:dense
  python3 side_by_side.py causal 4 4 pytorch,causal,nokc:causal,base:causal
  # The MoE's expert GEMMs (deep: 1024 and 2816) and S1000 D80, alternated.
  for r in 1 2 3; do
    ./bench_cpu 16 5 "moe"
    ./bench_cpu_nokc 16 5 "moe"
  done
  python3 torch_reference.py 16 5 "moe"
  for r in 1 2; do
    ./bench_cpu 1 3 "odd"
    ./bench_cpu_nokc 1 3 "odd"
  done
} 2>&1 | tee "$out/ab_depth_chunk.txt"
