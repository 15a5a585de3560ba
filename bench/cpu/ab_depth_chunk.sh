#!/usr/bin/env bash
# The microkernel's depth chunks for deep products (runtime/lib/
# Microkernels.cpp, kChunkFloats: a MoE's expert GEMMs) and the softmax's
# fused exp + sum (cascade-fuse-into-reductions), A/B on the benchmark
# machine, next to PyTorch. Built on the build machine by
#   bash bench/cpu/build.sh
#   bash bench/cpu/build_variant.sh nochunk -DCASCADE_MICROKERNEL_CHUNK_FLOATS=0
# with an earlier build's libcascade_bench.so (before the fusion) copied to
# bench/out/libcascade_bench_base.so; then, from bench/out on the host,
#   OUT=DIR bash ab_depth_chunk.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./microkernel_test | tail -1
  ./bench_cpu 1 2 "peak"
  # The MoE layer (expert GEMMs 1024 and 2816 deep), alternated.
  for r in 1 2 3 4; do
    ./bench_cpu 16 5 "moe"
    ./bench_cpu_nochunk 16 5 "moe"
  done
  python3 torch_reference.py 16 5 "moe"
  for r in 1 2; do
    ./bench_cpu 1 2 "moe 4096"
    ./bench_cpu_nochunk 1 2 "moe 4096"
  done
  python3 torch_reference.py 1 2 "moe"
  # 1 thread, side by side: PyTorch, this build, the build before the fusion.
  python3 side_by_side.py dense 5 3 pytorch,dense,base:dense
  python3 side_by_side.py causal 5 4 pytorch,causal,base:causal
} 2>&1 | tee "$out/ab_depth_chunk.txt"
