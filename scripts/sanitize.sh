#!/usr/bin/env bash
# Builds all of dsc with AddressSanitizer and UndefinedBehaviorSanitizer
# (clang 19, in ${DSC_SANITIZE_BUILD_DIR:-build-sanitize}) and runs the whole
# suite under them with ctest: the unit tests, lit (dialects, passes, import,
# end-to-end runs on local ranks) and every fuzz target over its seeds. Any
# sanitizer report fails the test it happens in. The last lines are ctest's
# summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
source "$root/scripts/sanitize-env.sh"
ninja -C "$sanitize_build"
cd "$sanitize_build"
ctest --output-on-failure -j "$(nproc)"
