#!/usr/bin/env bash
# Installs what dsc needs, builds it and runs every test (lit + gtest) under
# ctest. The last lines are ctest's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
cd "${DSC_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j "$(nproc)"
