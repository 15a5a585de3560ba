#!/usr/bin/env bash
# P.V's values read in place, summed in depth chunks of 32 or 64 (a 64-column
# panel of a 128-float-stride V falls on half of L1's sets), against whole
# depth and against packing each call: the runtime's step products
# alternated, then the dense and causal kernels side by side with PyTorch
# at 1 thread; and copied to a panel by the first row block as it reads it
# (otf). Built on the build machine by `bash bench/cpu/build.sh`, then
#   bash bench/cpu/build_variant.sh otf -DCASCADE_MICROKERNEL_COPY_IN_PLACE_PANEL=1
#   bash bench/cpu/build_variant.sh kc32 -DCASCADE_MICROKERNEL_IN_PLACE_CHUNK=32
#   bash bench/cpu/build_variant.sh kc64 -DCASCADE_MICROKERNEL_IN_PLACE_CHUNK=64
#   bash bench/cpu/build_variant.sh packv -DCASCADE_MICROKERNEL_IN_PLACE_SPAN=0
# and P's rows padded to 144 floats by the compiler (pad) and with the copy
# as well (otfpad):
#   CASCADE_BENCH_OUT=/tmp/padout CASCADE_COMPILE_FLAGS=--pad-column-major-rows \
#     bash bench/cpu/build.sh
#   cp /tmp/padout/libcascade_bench.so bench/out/libcascade_bench_pad.so
#   (root=$PWD out=/tmp/padout; . bench/cpu/link.sh; link_bench_lib \
#     bench/out/libcascade_bench_otfpad.so -DCASCADE_MICROKERNEL_COPY_IN_PLACE_PANEL=1)
# and from bench/out on the benchmark machine: OUT=DIR bash ab_inplace.sh
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  # Side by side first (what decides), then the harness and the step rates.
  python3 side_by_side.py dense 3 3 pytorch,dense,otf:dense,pad:dense,otfpad:dense
  python3 side_by_side.py causal 3 4 pytorch,causal,otf:causal,pad:causal,otfpad:causal
  ./microkernel_variants 9
  for round in 1 2 3; do
    for v in "" _otf _kc32 _kc64 _packv; do
      ./bench_cpu$v 1 2 "peak,microkernel" | sed "s/^/bench_cpu$v: /" |
        grep -e "fma-peak" -e "step"
    done
  done
  python3 side_by_side.py dense 3 3 pytorch,dense,kc32:dense,packv:dense,otfpad:dense
  ./microkernel_test | tail -1
} 2>&1 | tee "$out/ab_inplace.txt"
