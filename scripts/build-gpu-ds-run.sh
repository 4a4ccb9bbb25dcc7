#!/usr/bin/env bash
# Builds a ds-run for a GPU machine that has PyTorch 2.11 (torch 2.11.0 from
# PyPI, CUDA 13) in its Python but not dsc's build dependencies: CUDA and
# NCCL on, LLVM Support linked statically, Debian's Gloo carried beside it.
# The result is a folder to copy there (docs/gpu-ds-run.md):
#
#   ${DSC_GPU_BUILD_DIR:-build-gpu}/ds-run-gpu/
#     ds-run        a wrapper: finds that machine's torch and CUDA libraries
#     with-libs     runs any program so (with-libs bin/ExecutorTests ...)
#     bin/ds-run    the program; ExecutorTests and CommTests, for the
#                   tests that need a GPU
#     lib/          what the program needs that such a machine lacks
#
# Usage: scripts/build-gpu-ds-run.sh   (after scripts/install-deps.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DSC_GPU_BUILD_DIR:-$root/build-gpu}
venv=${DSC_VENV:-$root/.venv}
if [ ! -x /usr/local/cuda/bin/nvcc ]; then
  echo "build-gpu-ds-run: no CUDA toolkit at /usr/local/cuda" >&2
  exit 1
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DDSC_PYTHON="$venv/bin/python" -DDSC_ENABLE_CUDA=ON -DDSC_STATIC_LLVM_RUNTIME=ON \
    -DCMAKE_SKIP_BUILD_RPATH=ON
fi
# The tests that need a GPU (DeviceTest.*, CommNcclTest.*) ride along;
# gtest discovery runs them at link time, so LibTorch must be found here.
torch_lib=$("$venv/bin/python" -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")
LD_LIBRARY_PATH="$torch_lib:/usr/local/cuda/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  ninja -C "$build" ds-run ExecutorTests CommTests

bundle=$build/ds-run-gpu
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib"
cp "$build/bin/ds-run" "$build/bin/ExecutorTests" "$build/bin/CommTests" "$bundle/bin/"
# Carry every library that is neither the C/C++ runtime, nor torch's, nor
# CUDA's (the GPU machine's own PyTorch provides those).
ldd "$build/bin/ds-run" | awk '/=> \// {print $1, $3}' | while read -r name path; do
  case "$name" in
    libc.so*|libm.so*|libdl.so*|librt.so*|libpthread.so*|libutil.so*|libgcc_s.so*|libstdc++.so*|ld-linux*) ;;
    libtorch*|libc10*|libgomp*|libcud*|libnccl*|libcupti*|libnv*|libcublas*|libcusparse*|libcufft*|libcurand*|libcusolver*) ;;
    *) cp -L "$path" "$bundle/lib/$name" ;;
  esac
done
cat > "$bundle/with-libs" <<'WRAP'
#!/usr/bin/env bash
# with-libs PROGRAM ARGS...: runs PROGRAM with this machine's PyTorch 2.11
# libraries (torch's own, and the CUDA libraries its nvidia-* wheels
# installed) and the ones carried in lib/.
here=$(cd "$(dirname "$0")" && pwd)
py=${DSC_PYTHON:-python3}
paths=$("$py" - <<'PY'
import glob, os, torch
lib = os.path.join(os.path.dirname(torch.__file__), "lib")
site = os.path.dirname(os.path.dirname(torch.__file__))
print(":".join([lib] + sorted(glob.glob(os.path.join(site, "nvidia", "*", "lib")))))
PY
) || { echo "$(basename "$1"): $py cannot import torch; set DSC_PYTHON to a Python with torch 2.11" >&2; exit 1; }
export LD_LIBRARY_PATH="$here/lib:$paths${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$@"
WRAP
cat > "$bundle/ds-run" <<'WRAP'
#!/usr/bin/env bash
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/with-libs" "$here/bin/ds-run" "$@"
WRAP
chmod +x "$bundle/with-libs"
chmod +x "$bundle/ds-run"
echo "build-gpu-ds-run: $bundle ($(du -sh "$bundle" | cut -f1)); carried: $(ls "$bundle/lib" | tr '\n' ' ')"
