#!/usr/bin/env bash
# A/B on the benchmark machine: bench_cpu_base (an earlier commit) vs
# bench_cpu (HEAD), PyTorch in the same rounds.
cd "$(dirname "$0")"
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./bench_cpu 1 2 "peak,microkernel"
  ./bench_cpu_base 1 2 "microkernel" | sed "s/^microkernel/base microkernel/"
  for r in 1 2 3 4; do
    echo "# round $r"
    ./bench_cpu_base 16 5 "cascade dense,cascade causal" | sed 's/^cascade/base/'
    ./bench_cpu 16 5 "cascade dense,cascade causal"
    python3 torch_reference.py 16 5 "sdpa dense,sdpa causal"
    ./bench_cpu_base 1 2 "cascade dense,cascade causal" | sed 's/^cascade/base/'
    ./bench_cpu 1 2 "cascade dense,cascade causal"
    python3 torch_reference.py 1 2 "sdpa dense,sdpa causal"
  done
  echo "# other shapes, 16 threads"
  ./bench_cpu_base 16 5 "cascade window512,odd,cascade S1000" | sed "s/^cascade/base/"
  ./bench_cpu 16 5 "cascade window512,odd,cascade S1000"
  python3 torch_reference.py 16 5 "window512,S1000"
  echo "# moe"
  ./bench_cpu_base 16 5 "moe" | sed 's/^cascade/base/'
  ./bench_cpu 16 5 "moe"
  python3 torch_reference.py 16 5 "moe"
} 2>&1 | tee "${OUT:-.}/ab.txt"
