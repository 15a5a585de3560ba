#!/usr/bin/env bash
# A/B on the benchmark machine: bench_cpu_base (before the epilogues) vs
# bench_cpu (HEAD), PyTorch in the same rounds.
cd "$(dirname "$0")"
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./bench_cpu 1 2 "peak,microkernel"
  for r in 1 2 3; do
    echo "# round $r"
    ./bench_cpu_base 16 5 "cascade dense,cascade causal" | sed 's/^cascade/base/'
    ./bench_cpu 16 5 "cascade dense,cascade causal"
    python3 torch_reference.py 16 5 "sdpa dense,sdpa causal"
    ./bench_cpu_base 1 2 "cascade dense,cascade causal" | sed 's/^cascade/base/'
    ./bench_cpu 1 2 "cascade dense,cascade causal"
    python3 torch_reference.py 1 2 "sdpa dense,sdpa causal"
  done
  echo "# moe"
  ./bench_cpu_base 16 5 "moe" | sed 's/^cascade/base/'
  ./bench_cpu 16 5 "moe"
  python3 torch_reference.py 16 5 "moe"
} 2>&1 | tee "${OUT:-.}/ab.txt"
