#!/usr/bin/env bash
# A long run of the sharding-rule fuzzer (test/e2e/Inputs/sharding_fuzz.py):
#   scripts/fuzz-sharding.sh [CASES] [SEED]     (defaults: 500 cases, a new seed)
# CHAIN (default 0.5): the probability that an operand is an earlier op's
# result rather than a fresh input. The mesh runs take random ZeRO, activation
# checkpointing and offload options (--extras).
# Builds first. Failing cases stay in ${WORK:-fuzz-sharding}/caseN with their
# MLIR, data, logs and the line that reruns them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" >/dev/null
cases=${1:-500}
seed=${2:-$(date +%s)}
echo "fuzz-sharding: $cases cases, seed $seed"
PATH="${DSC_BUILD_DIR:-$root/build}/bin:$PATH" "${DSC_VENV:-$root/.venv}/bin/python" \
  "$root/test/e2e/Inputs/sharding_fuzz.py" --cases "$cases" --seed "$seed" --ops 4 \
  --chain "${CHAIN:-0.5}" --extras \
  --work "${WORK:-fuzz-sharding}"
