#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole lit suite. The output
# ends with lit's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/scripts/build.sh" check-cascade
