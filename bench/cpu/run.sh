#!/usr/bin/env bash
# On the benchmark machine, from bench/out: Cascade's kernels, the naive
# code and the FMA peak (bench_cpu), then PyTorch, at 16 threads and at 1.
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  echo "# $(nproc) CPUs; torch $(python3 -c 'import torch; print(torch.__version__)' 2>/dev/null)"
  ./bench_cpu 1 2 "peak,microkernel"
  ./bench_cpu 16 5
  python3 torch_reference.py 16 5
  ./bench_cpu 1 2 "peak,cascade dense,cascade causal,cascade window512,odd,cascade S1000"
  python3 torch_reference.py 1 2 "sdpa"
} 2>&1 | tee "$out/bench_cpu.txt"
