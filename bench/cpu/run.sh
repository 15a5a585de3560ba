#!/usr/bin/env bash
# On the benchmark machine, from bench/out: Cascade's kernels, the naive
# code and the FMA peak (bench_cpu), then PyTorch, at 16 threads and at 1.
# The loaned machine's speed drifts within a loan, so dense and causal are
# measured in ROUNDS alternating Cascade and PyTorch; summarize.py reports
# the ratio of each round and their median.
#   OUT=DIR bash run.sh [ROUNDS]
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
rounds=${1:-3}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  echo "# $(nproc) CPUs; torch $(python3 -c 'import torch; print(torch.__version__)' 2>/dev/null)"
  ./bench_cpu 1 2 "peak,microkernel"
  ./bench_cpu 16 5
  python3 torch_reference.py 16 5
  for r in $(seq "$rounds"); do
    echo "# round $r"
    ./bench_cpu 16 5 "cascade dense,cascade causal"
    python3 torch_reference.py 16 5 "sdpa dense,sdpa causal"
    ./bench_cpu 1 2 "peak,cascade dense,cascade causal"
    python3 torch_reference.py 1 2 "sdpa dense,sdpa causal"
  done
  echo "# 1 thread, other shapes"
  ./bench_cpu 1 2 "cascade window512,odd,cascade S1000"
  python3 torch_reference.py 1 2 "window512,S1000"
} 2>&1 | tee "$out/bench_cpu.txt"
python3 summarize.py "$out/bench_cpu.txt" | tee "$out/summary.txt"
