#!/usr/bin/env bash
# On the benchmark machine, from bench/out: the decode kernels of bench_cpu
# (a KV cache of run-time length, 4096 and 32768 keys, and the static-4096
# twin) against the same of bench_cpu_base (an older build, copied there by
# hand) and PyTorch's SDPA decode, alternated in ROUNDS at 16 threads and at
# 1; the read bandwidth (the ceiling of a decode step) at both; then one
# round of dense and causal prefill as a check that they did not move.
#   OUT=DIR bash ab_decode.sh [ROUNDS]
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
rounds=${1:-3}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  echo "# $(nproc) CPUs; torch $(python3 -c 'import torch; print(torch.__version__)' 2>/dev/null)"
  ./bench_cpu 16 5 bandwidth
  ./bench_cpu 1 5 bandwidth
  for r in $(seq "$rounds"); do
    for t in 16 1; do
      echo "# round $r, $t threads: base, cascade, torch"
      ./bench_cpu_base "$t" 20 decode
      ./bench_cpu "$t" 20 decode
      python3 torch_reference.py "$t" 20 decode
    done
  done
  echo "# prefill check, 16 threads: base, cascade"
  ./bench_cpu_base 16 5 "cascade dense,cascade causal"
  ./bench_cpu 16 5 "cascade dense,cascade causal"
} 2>&1 | tee "$out/decode.txt"
