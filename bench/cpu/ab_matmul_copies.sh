#!/usr/bin/env bash
# The f32 microkernel's copies per instruction set: each copy the whole
# product, its block kind chosen inside ("dense", "causal" from
# libcascade_bench.so), against the panel loop alone per copy, the kind
# chosen outside ("split:", 0e857e4's runtime), and against the
# target_clones runtime of 51862e7 ("head:", whose kernels also lack
# f60ed98's degree-5 exp: compare the microkernel's rates inside, which
# time the runtime's calls only), alternated call by call with PyTorch in
# one process; first the microkernel's checks on this machine's AVX-512
# blocks. From bench/out on the benchmark machine:
#   OUT=DIR bash ab_matmul_copies.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
k=dense,head:dense,split:dense,causal,head:causal,split:causal
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./microkernel_test | tail -2
  python3 paired.py 1 8 "$k"
  python3 paired.py 16 4 "$k"
} 2>&1 | tee "$out/ab_matmul_copies.txt"
