#!/usr/bin/env bash
# A variant of the runtime next to bench/out's build, for A/B runs of the
# microkernel: bench_cpu_NAME and libcascade_bench_NAME.so (side_by_side.py's
# "NAME:dense"), the same kernels with the runtime compiled with FLAGS.
#   bash bench/cpu/build_variant.sh NAME [FLAGS...]   (after build.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/bench/out
name=$1
shift
g++ -O3 -std=c++17 -fopenmp -Wno-psabi "$@" -I "$out/kernels" \
  -I "$root/runtime/include" "$root/bench/cpu/bench_cpu.cpp" \
  "$out"/kernels/*.o "$root"/runtime/lib/*.cpp \
  /usr/lib/llvm-22/lib/libomp.so.5 -lm -lpthread \
  -static-libstdc++ -static-libgcc -Wl,-rpath,'$ORIGIN' -o "$out/bench_cpu_$name"
g++ -O3 -std=c++17 -shared -fPIC -fopenmp -Wno-psabi "$@" \
  -DCASCADE_MICROKERNEL_STATS -I "$out/kernels" -I "$root/runtime/include" \
  "$root/bench/cpu/bench_lib.cpp" "$out"/kernels/attention_dense*.o \
  "$out"/kernels/attention_causal*.o "$root"/runtime/lib/*.cpp \
  /usr/lib/llvm-22/lib/libomp.so.5 -static-libstdc++ -static-libgcc \
  -Wl,-rpath,'$ORIGIN' -o "$out/libcascade_bench_$name.so"
echo "built bench_cpu_$name and libcascade_bench_$name.so"
