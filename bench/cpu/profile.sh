#!/usr/bin/env bash
# On the benchmark machine, from bench/out: where the dense and causal
# kernels spend their time (sampling_profiler.h; symbolize with
# `python3 profile_report.py FILE bench_cpu` on the build machine), the
# microkernel's attention-step rates, its register-block variants, and
# PyTorch in the same run.
#   OUT=DIR bash profile.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E 'avx512|amx' | tr '\n' ' '; echo
  lscpu | grep -E 'Model:|MHz|L1d|L2|L3|Thread|Socket'
  ./bench_cpu 1 2 "peak,microkernel"
  ./microkernel_variants 9
  CASCADE_BENCH_PROFILE=$out/prof_dense1.txt ./bench_cpu 1 2 "cascade dense$"
  python3 torch_reference.py 1 2 "sdpa dense"
  CASCADE_BENCH_PROFILE=$out/prof_causal1.txt ./bench_cpu 1 2 "cascade causal$"
  python3 torch_reference.py 1 2 "sdpa causal"
  CASCADE_BENCH_PROFILE=$out/prof_dense16.txt ./bench_cpu 16 5 "cascade dense$"
  python3 torch_reference.py 16 5 "sdpa dense"
  ./bench_cpu 1 2 "peak,microkernel"
} 2>&1 | tee "$out/profile.txt"
