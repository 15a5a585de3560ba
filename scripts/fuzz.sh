#!/usr/bin/env bash
# Hardening job: a clang-22 build with AddressSanitizer + UBSan of the tools
# and the libFuzzer targets, the whole lit suite on the sanitized tools, then
# each fuzzer for SECONDS (default 60) over a seed corpus made from test/ and
# examples/. Any crash, hang, sanitizer report or failed test fails the job;
# findings are kept under build-fuzz/findings/.
#
#   bash scripts/fuzz.sh [SECONDS]     fresh random seeds, SECONDS per fuzzer
#   CASCADE_FUZZ_RUNS=1 bash scripts/fuzz.sh
#                                      CI: fixed seed and run counts (about a
#                                      minute each), so a red run replays
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build=${CASCADE_FUZZ_BUILD_DIR:-$root/build-fuzz}
"$root/scripts/install-deps.sh" --fuzz
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/cascade-ccache}
export CCACHE_BASEDIR=$root
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCASCADE_SANITIZE=ON -DCASCADE_ENABLE_FUZZERS=ON
fi
ninja -C "$build" cascade-opt cascade-run cascade-compile cascade_runtime cascade-fuzz-ir \
  cascade-fuzz-npy cascade-microkernel-test cascade-check-indices-test \
  cascade-allocator-test cascade-microkernel-test-avx2 \
  CascadeDocGen

# libMLIR is not instrumented, but LLVM allocators inlined into our code
# poison memory that libMLIR then uses: turn manual poisoning off.
export ASAN_OPTIONS=detect_container_overflow=0:allow_user_poisoning=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== lit suite on the ASan+UBSan tools"
/usr/lib/llvm-22/bin/lit -sv "$build/test"

echo "== seed corpora"
corpus=$build/corpus
rm -rf "$corpus" && mkdir -p "$corpus/ir" "$corpus/npy" "$build/findings"
python3 - "$root" "$corpus/ir" <<'PY'
import glob, os, sys
root, out = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(root + "/test/**/*.mlir", recursive=True) +
               glob.glob(root + "/examples/*.mlir"))
n = 0
for f in files:
    for chunk in open(f).read().split("// -----"):
        with open(os.path.join(out, "seed%04d.mlir" % n), "w") as o:
            o.write(chunk)
        n += 1
print("ir seeds:", n)
PY
python3 "$root/test/tools/cascade-run/Inputs/write_npy_cases.py" "$corpus/npy"
"$build/bin/cascade-run" "$root/test/tools/cascade-run/Inputs/identity.mlir" \
  --random-inputs 1 --save-inputs "$corpus/npy/rand-" >/dev/null

declare -A ci_runs=([ir]=20000 [npy]=3000000)
for target in ir npy; do
  if [ -n "${CASCADE_FUZZ_RUNS:-}" ]; then
    budget=(-seed=1 -runs="${ci_runs[$target]}")
    echo "== cascade-fuzz-$target: ${ci_runs[$target]} runs from seed 1"
  else
    budget=(-max_total_time="$seconds")
    echo "== cascade-fuzz-$target for ${seconds}s"
  fi
  "$build/bin/cascade-fuzz-$target" "$corpus/$target" "${budget[@]}" \
    -timeout=25 -rss_limit_mb=4096 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$build/findings/$target-" >"$build/fuzz-$target.log" 2>&1 || {
    tail -n 60 "$build/fuzz-$target.log"
    echo "fuzz: cascade-fuzz-$target failed; the input is under $build/findings" >&2
    exit 1
  }
  tail -n 6 "$build/fuzz-$target.log"
done
echo "fuzz: OK"
