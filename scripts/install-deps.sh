#!/usr/bin/env bash
# Installs what dsc builds and tests with. Idempotent: does nothing when every
# Debian package is present and the Python environment matches its pins; uses
# sudo when not root.
#
#  - Debian packages: the compiler, LLVM/MLIR 22, Gloo, liburing, GoogleTest,
#    clang 19 with its sanitizer and libFuzzer runtimes (scripts/fuzz.sh).
#  - A Python virtual environment at ${DSC_VENV:-<repo>/.venv} with the exact
#    pins of scripts/python-requirements.txt (torch 2.11.0, transformers
#    5.17.0). The C++ build links the LibTorch inside that torch wheel; every
#    Python script runs with its interpreter.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${DSC_VENV:-$root/.venv}
requirements=$root/scripts/python-requirements.txt

packages=(
  cmake ninja-build g++ ccache clang-format-14
  clang-19 libclang-rt-19-dev
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libgloo-dev liburing-dev zlib1g-dev
  googletest libgtest-dev
  python3 python3-venv
  librsvg2-bin  # bench/memory.py's PNG plot
  fio  # bench/swap.py compares the swap engine with it
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} Debian packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian's LibTorch 1.13 must not be installed beside the wheel's: CMake's
# find_library would pick its libc10.so and the programs abort at start-up.
stale=()
for p in libtorch-dev libtorch1.13 libtorch-test python3-torch; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    stale+=("$p")
  fi
done
if [ ${#stale[@]} -ne 0 ]; then
  echo "install-deps: removing Debian's ${stale[*]} (dsc uses torch 2.11 from $venv)"
  $sudo apt-get purge -y -qq "${stale[@]}"
fi

# The Python environment. The stamp holds the hash of the requirements it was
# made from; a changed file or a broken environment makes it anew.
stamp=$venv/.dsc-requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] &&
   "$venv/bin/python" -c 'import torch, transformers' 2>/dev/null; then
  echo "install-deps: Python environment $venv is current"
  exit 0
fi
echo "install-deps: creating the Python environment $venv (torch 2.11.0, transformers 5.17.0)"
rm -rf "$venv"
/usr/bin/python3 -m venv "$venv"
pip=("$venv/bin/pip" install --no-cache-dir --disable-pip-version-check -q)
if ls /usr/local/cuda/lib64/libcudart.so.13 >/dev/null 2>&1; then
  # CUDA 13 with cuDNN and NCCL is installed: take the pinned list alone and
  # let torch find the rest of its CUDA libraries there (~2 GB, not ~5).
  "${pip[@]}" --no-deps -r "$requirements"
else
  "${pip[@]}" -r "$requirements"
fi
"$venv/bin/python" -c 'import torch, transformers; print("install-deps: torch", torch.__version__, "transformers", transformers.__version__)'
echo "$want" > "$stamp"
