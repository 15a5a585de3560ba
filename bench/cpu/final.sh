#!/usr/bin/env bash
# On the benchmark machine, from bench/out: the table of bench/RESULTS.md.
# Dense and causal alternated call by call with PyTorch (paired.py) at 1
# and 16 threads (at 1 thread also on one head, ten times the rounds), and
# at 1 thread side by side (side_by_side.py); the other shapes (window 512,
# S1000 D80, MoE, decode) from bench_cpu and torch_reference.py back to
# back.
#   OUT=DIR bash final.sh [ROUNDS]
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
rounds=${1:-10}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./bench_cpu 1 2 "peak,microkernel"
  python3 paired.py 1 "$rounds" dense,causal
  # One head per call (50-100 ms): many more rounds in the same minute.
  python3 paired.py 1 $((rounds * 10)) dense_h1,causal_h1
  # 1 thread again, each contender on cores of its own at the same time.
  python3 side_by_side.py dense 7 3 pytorch,dense
  python3 side_by_side.py causal 7 4 pytorch,causal
  python3 paired.py 16 "$rounds" dense,causal
  echo "# other shapes, 16 threads"
  ./bench_cpu 16 5 "cascade window512,odd,S1000,moe,decode"
  python3 torch_reference.py 16 5 "window512,S1000,moe,decode"
  echo "# other shapes, 1 thread"
  ./bench_cpu 1 2 "cascade window512,odd,S1000,decode"
  python3 torch_reference.py 1 2 "window512,S1000,decode"
  ./bench_cpu 16 5 "cascade window512,moe"
  python3 torch_reference.py 16 5 "window512,moe"
} 2>&1 | tee "$out/final.txt"
