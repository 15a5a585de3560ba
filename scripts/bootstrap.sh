#!/usr/bin/env bash
# From a fresh Debian 12 clone: install what is missing, build, run the examples.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/scripts/run-examples.sh"
