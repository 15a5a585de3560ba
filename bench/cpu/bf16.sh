#!/usr/bin/env bash
# On the benchmark machine, from bench/out: bf16 attention (B1 H16 S4096
# D128, dense and causal) against PyTorch SDPA on bf16 tensors, at 16 threads
# (paired.py: alternated call by call in one process) and at 1 thread (side
# by side, with the f32 kernels and PyTorch f32 in the same run); first one
# attention step's products alone (bf16_step).
#   OUT=DIR bash bf16.sh [ROUNDS]
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
rounds=${1:-5}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  grep -o -m1 'avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
  python3 -c "import torch; print('torch', torch.__version__, 'mkldnn bf16:', torch.backends.mkldnn.is_available())"
  LD_LIBRARY_PATH=$PWD ./bf16_step 200
  python3 paired.py 16 "$rounds" dense_bf16,causal_bf16
  python3 side_by_side.py dense 4 2 pytorch,pytorch_bf16,dense,dense_bf16
  python3 side_by_side.py causal 4 2 pytorch,pytorch_bf16,causal,causal_bf16
} 2>&1 | tee "$out/bf16.txt"
