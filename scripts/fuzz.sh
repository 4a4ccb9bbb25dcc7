#!/usr/bin/env bash
# Fuzzes one of dsc's readers with libFuzzer, under ASan and UBSan:
#   scripts/fuzz.sh TARGET SECONDS       TARGET: plan, safetensors, token-data,
#                                        input-spec, torchscript, pt2, mlir, or
#                                        all (SECONDS each)
# Builds the target first (scripts/sanitize-env.sh). The corpus grows in
# ${FUZZ_WORK:-<build>/fuzz}/TARGET, starting from test/Fuzz/corpus/TARGET;
# an input that crashes, hangs (over ${FUZZ_TIMEOUT:-30} s) or trips a
# sanitizer is saved under ${FUZZ_WORK}/artifacts/TARGET/ and the script
# fails. Its last line per target counts the executions.
# FUZZ_CLOCK=cpu counts SECONDS as the fuzzer's CPU time instead of wall time
# (for a CPU-hour on a shared machine, e.g. under nice -n 19): the fuzzer is
# interrupted once its user + system time reaches SECONDS. FUZZ_BATCH_RUNS=N
# restarts the fuzzer (same corpus) every N inputs (default: never, except
# for torchscript); executions are summed over the batches.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
targets=(plan safetensors token-data input-spec torchscript pt2 mlir)
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS   (TARGET: ${targets[*]} or all)" >&2
  exit 2
fi
if [ "$1" = all ]; then
  selected=("${targets[@]}")
elif [[ " ${targets[*]} " == *" $1 "* ]]; then
  selected=("$1")
else
  echo "fuzz.sh: unknown target '$1' (one of: ${targets[*]} all)" >&2
  exit 2
fi
seconds=$2
"$root/scripts/install-deps.sh" >/dev/null
source "$root/scripts/sanitize-env.sh"
ninja -C "$sanitize_build" "${selected[@]/#/fuzz-}" >/dev/null
work=${FUZZ_WORK:-$sanitize_build/fuzz}

failed=0
for t in "${selected[@]}"; do
  corpus=$work/$t
  artifacts=$work/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  log=$work/$t.log
  # Errors are the expected outcome of most inputs; -close_fd_mask=2 keeps
  # the readers' messages (not the fuzzer's) out of the log.
  status=0
  args=(-timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb="${FUZZ_RSS_MB:-4096}"
    -print_final_stats=1 -artifact_prefix="$artifacts/"
    "$corpus" "$root/test/Fuzz/corpus/$t")
  # LibTorch interns every name it parses, for the life of the process: the
  # TorchScript target grows ~90 KB per input and runs in batches.
  batch=${FUZZ_BATCH_RUNS:-$([ "$t" = torchscript ] && echo 20000 || echo -1)}
  if [ "${FUZZ_CLOCK:-wall}" = cpu ]; then
    : >"$log"
    spent=0
    ticks=$(getconf CLK_TCK)
    while [ "$status" -eq 0 ] && [ "$spent" -lt "$seconds" ]; do
      "$sanitize_build/bin/fuzz-$t" -max_total_time=0 -runs="$batch" \
        "${args[@]}" >>"$log" 2>&1 &
      pid=$!
      used=0
      # Fields 14 and 15 of /proc/PID/stat: user and system time of all
      # threads (the last reading before the batch ends is what counts).
      while sleep 2 && kill -0 "$pid" 2>/dev/null; do
        used=$(awk '{sub(/.*\) /, ""); print int(($12 + $13) / '"$ticks"')}' \
          "/proc/$pid/stat" 2>/dev/null || echo "$used")
        if [ $((spent + used)) -ge "$seconds" ]; then kill -INT "$pid"; break; fi
      done
      wait "$pid" || status=$?
      # libFuzzer exits 72 when interrupted, after its final statistics.
      [ "$status" -eq 72 ] && status=0
      spent=$((spent + used))
    done
  else
    "$sanitize_build/bin/fuzz-$t" -max_total_time="$seconds" "${args[@]}" \
      >"$log" 2>&1 || status=$?
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
    awk '{ n += $1 } END { if (NR) print n }')
  size=$(find "$corpus" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written' "$log" | head -5 >&2 || true
    echo "fuzz $t: FAILED after ${execs:-?} executions (log: $log, inputs: $artifacts)"
  else
    echo "fuzz $t: ${execs:-?} executions in $seconds s (${FUZZ_CLOCK:-wall} time), no crash, hang or sanitizer report (corpus $size inputs)"
  fi
done
echo "$((${#selected[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
