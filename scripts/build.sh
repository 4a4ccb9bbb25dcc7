#!/usr/bin/env bash
# Configures and builds dsc into ${DSC_BUILD_DIR:-build} (Release, Ninja).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DSC_BUILD_DIR:-$root/build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DDSC_PYTHON="${DSC_VENV:-$root/.venv}/bin/python" "$@"
fi
ninja -C "$build"
