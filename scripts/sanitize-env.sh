# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: configures the
# ASan + UBSan build (clang 19 from Debian, with libFuzzer's coverage) in
# ${DSC_SANITIZE_BUILD_DIR:-build-sanitize} when it is not there yet, and sets
# the sanitizers' options. Expects $root.
sanitize_build=${DSC_SANITIZE_BUILD_DIR:-$root/build-sanitize}
if [ ! -f "$sanitize_build/build.ninja" ]; then
  CC=clang-19 CXX=clang++-19 cmake -S "$root" -B "$sanitize_build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DDSC_SANITIZE=ON \
    -DDSC_PYTHON="${DSC_VENV:-$root/.venv}/bin/python" >/dev/null
fi
# Any report ends the process with an error; stacks are symbolised.
# allow_user_poisoning=0: dsc inlines LLVM's BumpPtrAllocator from its headers,
# which poisons the memory it hands out when ASan is on; Debian's libMLIR is not
# instrumented and writes to that memory without unpoisoning it (false
# use-after-poison reports in MLIR's own parser and uniquer).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:allow_user_poisoning=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-22/bin/llvm-symbolizer}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/test/Fuzz/lsan.supp:print_suppressions=0}
