#!/usr/bin/env bash
# The softmax's exp and sum in one loop (cascade-fuse-into-reductions), A/B
# at 1 thread side by side next to PyTorch, on the benchmark machine.
# Built on the build machine by `bash bench/cpu/build.sh`, with the
# libcascade_bench.so of a build before the fusion (ca8c173) copied to
# bench/out/libcascade_bench_base.so; then, from bench/out on the host,
#   OUT=DIR bash ab_fusion.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./microkernel_test | tail -1
  python3 side_by_side.py dense 5 3 pytorch,dense,base:dense
  python3 side_by_side.py causal 5 4 pytorch,causal,base:causal
} 2>&1 | tee "$out/ab_fusion.txt"
