#!/usr/bin/env bash
# The GPU check (issue 17): ds-run --device cuda against PyTorch 2.11 on the
# same GPU. Two halves:
#
#   scripts/device-check.sh prepare   here, after scripts/install-deps.sh and
#                                     scripts/build.sh: builds the portable
#                                     ds-run (scripts/build-gpu-ds-run.sh)
#                                     and the plans (scripts/device_check.py
#                                     prepare) under build-gpu/
#   scripts/device-check.sh run       on the GPU machine (PyTorch 2.11 in its
#                                     python3, no network, no build tools)
#
# The device tool runs `run` in a copy of the working tree; build-gpu/ is
# ignored by git, so carry build-gpu/ds-run-gpu and build-gpu/device-check
# (about 32 MB). On the GPU, `run` first runs the unit tests that need one
# (DeviceTest.*, CommNcclTest.*: built into the bundle). Results:
# build-gpu/device-check/results.json, copied to $OUT when the tool sets
# it. Exit status 0 when the tests pass, every model matches PyTorch at
# rtol 1e-5 and the timing ran (CHECKS= picks parts: device_check.py).
# DEVICE=cpu runs `run` on this machine's CPU (a test of the script).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${DSC_DEVICE_CHECK_DIR:-$root/build-gpu/device-check}
case "${1:-}" in
  prepare)
    "$root/scripts/build-gpu-ds-run.sh"
    "${DSC_VENV:-$root/.venv}/bin/python" "$root/scripts/device_check.py" prepare "$dir"
    du -sh "$root/build-gpu/ds-run-gpu" "$dir"
    ;;
  run)
    py=${DSC_PYTHON:-python3}
    if [ "${DEVICE:-cuda}" = cuda ]; then
      nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
    fi
    status=0
    # The unit tests that skip themselves without a GPU.
    bundle=$(dirname "${DSC_DS_RUN:-$root/build-gpu/ds-run-gpu/ds-run}")
    if [ "${DEVICE:-cuda}" = cuda ] && [ -x "$bundle/bin/ExecutorTests" ]; then
      DSC_PYTHON=$py "$bundle/with-libs" "$bundle/bin/ExecutorTests" --gtest_filter='DeviceTest.*' \
        --gtest_brief=1 || status=$?
      DSC_PYTHON=$py "$bundle/with-libs" "$bundle/bin/CommTests" --gtest_filter='CommNcclTest.*' \
        --gtest_brief=1 || status=$?
    fi
    DSC_PYTHON=$py "$py" "$root/scripts/device_check.py" run "$dir" \
      --ds-run "${DSC_DS_RUN:-$root/build-gpu/ds-run-gpu/ds-run}" || status=$?
    if [ -n "${OUT:-}" ] && [ -f "$dir/results.json" ]; then
      cp "$dir/results.json" "$OUT/"
    fi
    exit $status
    ;;
  *)
    echo "usage: scripts/device-check.sh prepare|run" >&2
    exit 2
    ;;
esac
