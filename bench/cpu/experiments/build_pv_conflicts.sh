#!/usr/bin/env bash
# Builds the variants that ab_pv_conflicts.sh runs, next to bench/out (after
# `bash bench/cpu/build.sh [CPU]`):
#   libcascade_bench_pad.so        dense and causal compiled with
#                                  --pad-column-major-rows
#   libcascade_bench_cached.so     runtime with cached-panels.patch
#   libcascade_bench_cachedpad.so  both
#   libcascade_bench_otf.so        runtime copying V's panel in the first
#                                  row block (COPY_IN_PLACE_PANEL)
#   libcascade_bench_chunk64.so    runtime summing V read in place in depth
#                                  chunks of 64 (ab_chunk64.sh)
#   libcascade_bench_chunk64pad.so the same with the pad build's kernels
#   bash bench/cpu/experiments/build_pv_conflicts.sh [CPU]   (default x86-64-v4)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cpu=${1:-x86-64-v4}
bench=$root/bench/out
here=$root/bench/cpu/experiments
. "$root/bench/cpu/link.sh"
# The pad build: bench/out's kernels with dense and causal recompiled.
pad=$(mktemp -d)
mkdir "$pad/kernels"
cp "$bench"/kernels/* "$pad/kernels/"
for k in dense causal; do
  "$root/build/bin/cascade-compile" "$root/bench/cpu/kernels/$k.mlir" \
    --target "cpu:$cpu" --triple x86_64-linux-gnu --prefix "attention_${k}_" \
    -o "$pad/kernels/attention_$k.o" --header "$pad/kernels/attention_$k.h" \
    --pad-column-major-rows
done
out=$bench link_bench_lib "$bench/libcascade_bench_otf.so" \
  -DCASCADE_MICROKERNEL_COPY_IN_PLACE_PANEL=1
out=$pad link_bench_lib "$bench/libcascade_bench_pad.so"
out=$bench link_bench_lib "$bench/libcascade_bench_chunk64.so" \
  -DCASCADE_MICROKERNEL_IN_PLACE_CHUNK=64
out=$pad link_bench_lib "$bench/libcascade_bench_chunk64pad.so" \
  -DCASCADE_MICROKERNEL_IN_PLACE_CHUNK=64
# The runtime with the patch applied for the two cached builds, then as it was.
git -C "$root" apply "$here/cached-panels.patch"
trap 'git -C "$root" apply -R "$here/cached-panels.patch"' EXIT
out=$bench link_bench_lib "$bench/libcascade_bench_cached.so" \
  -DCASCADE_EXPERIMENT_CACHED_PANELS
out=$pad link_bench_lib "$bench/libcascade_bench_cachedpad.so" \
  -DCASCADE_EXPERIMENT_CACHED_PANELS
rm -rf "$pad"
cp "$here/ab_pv_conflicts.sh" "$here/ab_chunk64.sh" "$bench/"
echo "built the pad, cached, cachedpad, otf, chunk64 and chunk64pad libraries in $bench"
