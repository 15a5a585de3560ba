#!/usr/bin/env bash
# A/B of the MoE kernels on the benchmark machine: bench_cpu_base (an
# earlier commit) vs bench_cpu (HEAD), PyTorch eager in the same rounds.
cd "$(dirname "$0")"
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  for r in 1 2 3 4; do
    echo "# round $r, 16 threads"
    ./bench_cpu_base 16 5 "moe" | sed 's/^cascade/base/'
    ./bench_cpu 16 5 "moe"
    python3 torch_reference.py 16 5 "moe"
  done
  echo "# 1 thread"
  for r in 1 2; do
    ./bench_cpu_base 1 2 "moe" | sed 's/^cascade/base/'
    ./bench_cpu 1 2 "moe"
    python3 torch_reference.py 1 2 "moe"
  done
} 2>&1 | tee "${OUT:-.}/ab_moe.txt"
