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
. "$root/bench/cpu/link.sh"
link_bench_cpu "$out/bench_cpu_$name" "$@"
link_bench_lib "$out/libcascade_bench_$name.so" "$@"
echo "built bench_cpu_$name and libcascade_bench_$name.so"
