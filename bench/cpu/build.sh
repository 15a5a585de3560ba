#!/usr/bin/env bash
# Builds bench/out/bench_cpu: the kernels of bench/cpu/kernels (and the MoE
# example) compiled ahead of time by cascade-compile, the benchmark driver,
# the static runtime; libstdc++ static, libomp carried next to it (rpath
# $ORIGIN), so that it runs on the benchmark machine without MLIR.
#   bash bench/cpu/build.sh [CPU]     CPU: an LLVM CPU name (default x86-64-v4)
# CASCADE_COMPILE_FLAGS adds options to every cascade-compile (A/B builds);
# CASCADE_BENCH_OUT puts the build elsewhere than bench/out.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cpu=${1:-x86-64-v4}
out=${CASCADE_BENCH_OUT:-$root/bench/out}
bin=$root/build/bin
. "$root/bench/cpu/link.sh"
# Objects of an earlier build would be linked below with this one's runtime.
rm -rf "$out/kernels"
mkdir -p "$out/kernels"
compile() { # name source [cascade-compile options]
  "$bin/cascade-compile" "$2" --target "cpu:$cpu" --triple x86_64-linux-gnu \
    --prefix "$1_" -o "$out/kernels/$1.o" --header "$out/kernels/$1.h" "${@:3}" \
    ${CASCADE_COMPILE_FLAGS:-}
}
for k in dense causal dense_h1 causal_h1 window512 odd decode decode4096 \
  dense_dynamic dense_bf16 causal_bf16; do
  compile "attention_$k" "$root/bench/cpu/kernels/$k.mlir"
done
# The decode over a run-time cache with split-KV: 4 scans per head group.
compile attention_decode_split4 "$root/bench/cpu/kernels/decode.mlir" --splits 4
compile moe_example "$root/examples/moe.mlir"
compile moe_large "$root/bench/cpu/kernels/moe_large.mlir"
g++ -O3 -std=c++17 -I "$out/kernels" -I "$root/runtime/include" \
  "$root/bench/cpu/bench_cpu.cpp" "$out"/kernels/*.o \
  "$root/build/lib/libcascade_runtime_static.a" \
  /usr/lib/llvm-22/lib/libomp.so.5 -lm -lpthread \
  -static-libstdc++ -static-libgcc -Wl,-rpath,'$ORIGIN' -o "$out/bench_cpu"
# bench_cpu_stats: the same with a copy of the runtime that times its
# microkernel calls (CASCADE_MICROKERNEL_STATS): the microkernel's rate
# inside the kernels.
link_bench_cpu "$out/bench_cpu_stats" -DCASCADE_MICROKERNEL_STATS
# The dense and causal kernels, and tile-size variants of them, as a shared
# library for paired.py (Cascade and PyTorch alternated call by call in one
# process).
kernels=$root/bench/cpu/kernels
compile attention_dense_q256 "$kernels/dense.mlir" --query-block 256
compile attention_dense_q128k64 "$kernels/dense.mlir" --block-size 64
compile attention_dense_q256k64 "$kernels/dense.mlir" --query-block 256 --block-size 64
compile attention_causal_q256 "$kernels/causal.mlir" --query-block 256
compile attention_dense_k256_bf16 "$kernels/dense_bf16.mlir" --block-size 256
for kb in 256 512; do
  compile attention_dense_q128k$kb "$kernels/dense.mlir" --block-size $kb
  compile attention_causal_q128k$kb "$kernels/causal.mlir" --block-size $kb
done
link_bench_lib "$out/libcascade_bench.so"
# Register-block variants of the microkernel (run by hand, see its header).
g++ -O3 -std=gnu++17 -march=x86-64-v4 "$root/bench/cpu/microkernel_variants.cpp" \
  -ldl -static-libstdc++ -static-libgcc -o "$out/microkernel_variants"
# One attention step's bf16 products (AVX512-BF16 and widened) next to f32.
g++ -O3 -std=c++17 -I "$root/runtime/include" "$root/bench/cpu/bf16_step.cpp" \
  "$root/build/lib/libcascade_runtime_static.a" /usr/lib/llvm-22/lib/libomp.so.5 \
  -static-libstdc++ -static-libgcc -Wl,-rpath,'$ORIGIN' -o "$out/bf16_step"
# The runtime's microkernel checks (test/Runtime/microkernel-test.cpp), to
# run them on the benchmark machine's AMX tiles too.
g++ -O2 -std=c++17 -I "$root/runtime/include" \
  "$root/test/Runtime/microkernel-test.cpp" \
  "$root/build/lib/libcascade_runtime_static.a" /usr/lib/llvm-22/lib/libomp.so.5 \
  -static-libstdc++ -static-libgcc -Wl,-rpath,'$ORIGIN' -o "$out/microkernel_test"
cp -L /usr/lib/llvm-22/lib/libomp.so.5 "$out/libomp.so.5"
cp "$root/bench/cpu/torch_reference.py" "$root/bench/cpu/run.sh" \
  "$root/bench/cpu/paired.py" "$root/bench/cpu/paired_gemm.py" \
  "$root/bench/cpu/paired_local.py" "$root/bench/cpu/side_by_side.py" \
  "$root/bench/cpu/profile_report.py" "$root/bench/cpu/final.sh" \
  "$root/bench/cpu/profile.sh" "$root/bench/cpu/bf16.sh" \
  "$root/bench/cpu/summarize.py" "$root/bench/cpu/ab_fusion.sh" \
  "$root/bench/cpu/ab_inplace.sh" "$root/bench/cpu/ab_colmax.sh" \
  "$root/bench/cpu/ab_exp5.sh" "$root/bench/cpu/ab_matmul_copies.sh" "$out/"
echo "built $out/bench_cpu for cpu:$cpu"
