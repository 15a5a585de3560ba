#!/usr/bin/env bash
# Configures (once) and builds Cascade into build/ with Ninja and ccache.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CASCADE_BUILD_DIR:-$root/build}
# ccache lives outside the clone so fresh clones reuse it.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/cascade-ccache}
export CCACHE_BASEDIR=$root
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
ninja -C "$build" "$@"
