#!/usr/bin/env bash
# P.V of head dim 80 with its last 16 columns in an 8 x 16 block over V read
# in place (d80) against a 6 x 32 block over a panel packed per call (the
# build before): S1000 D80 at 1 and 16 threads, the builds alternated, and
# PyTorch's SDPA on the same shape; and the microkernel's checks on this
# CPU's AVX-512 blocks. Built on the build machine by `bash
# bench/cpu/build.sh` before the change, then with it by
#   bash bench/cpu/build_variant.sh d80
#   g++ -O2 -std=c++17 -fopenmp -Wno-psabi -I runtime/include \
#     test/Runtime/microkernel-test.cpp runtime/lib/*.cpp \
#     /usr/lib/llvm-22/lib/libomp.so.5 -static-libstdc++ -static-libgcc \
#     -Wl,-rpath,'$ORIGIN' -o bench/out/microkernel_test_d80
# and from bench/out on the benchmark machine: OUT=DIR bash ab_d80.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  ./microkernel_test_d80 | tail -1
  # (bench_cpu's filter names the kernel's group, odd, and its name.)
  for run in "1 3" "16 10"; do
    for round in 1 2 3 4; do
      for v in "" _d80; do
        ./bench_cpu$v $run odd,S1000 | sed "s/^/bench_cpu$v: /"
      done
    done
    python3 torch_reference.py $run S1000
  done
} 2>&1 | tee "$out/ab_d80.txt"
