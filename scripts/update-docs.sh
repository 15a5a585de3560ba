#!/usr/bin/env bash
# Regenerates docs/reference from ODS (the suite fails while they differ).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CASCADE_BUILD_DIR:-$root/build}
"$root/scripts/build.sh" CascadeDocGen
mkdir -p "$root/docs/reference"
cp "$build/docs/CascadeDialect.md" "$build/docs/CascadePasses.md" \
  "$build/docs/TileDialect.md" \
  "$root/docs/reference/"
echo "docs/reference updated"
