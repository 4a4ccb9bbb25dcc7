#!/bin/bash
# compare_async.sh PREFIX MODEL.mlir WEIGHTS BATCH RANKS [ds-compile flags...]
# Compiles the model for the mesh of the flags, runs three steps in order
# and with --async-collectives=true (one thread per rank both times) and
# checks that losses, the first step's gradients and the saved parameters
# are the same bytes; PREFIX.profile.json is the async run's profile and
# PREFIX.memory.json its memory report. COMPILE_FLAG names a ds-compile
# flag to compare with instead (--overlap-updates: two plans, each run
# plainly); RUN_FLAGS adds ds-run flags to both runs (--nvme-path DIR).
set -euo pipefail
prefix=$1 mlir=$2 weights=$3 batch=$4 ranks=$5
shift 5
compile() {
  ds-compile "$mlir" --optimizer adamw --lr 1e-3 --eps 1e-2 "$@"
}
for async in false true; do
  if [[ -n ${COMPILE_FLAG:-} ]]; then
    plan=$prefix.$async.plan flag=()
    if [[ $async == true ]]; then
      compile -o "$plan" "$@" "$COMPILE_FLAG"
    else
      compile -o "$plan" "$@"
    fi
  else
    plan=$prefix.plan flag=("--async-collectives=$async")
    [[ $async == true ]] || compile -o "$plan" "$@"
  fi
  # shellcheck disable=SC2086
  ds-run "$plan" -n "$ranks" --weights "$weights" --inputs "$batch" \
    --steps 3 -q --threads 1 --timeout 60 "${flag[@]}" ${RUN_FLAGS:-} \
    --memory-report "$prefix.$async.memory.json" \
    --dump-loss "$prefix.$async.loss" --dump-grads "$prefix.$async.grads" \
    --save "$prefix.$async.final" --profile "$prefix.$async.profile.json"
done
cmp "$prefix.false.loss" "$prefix.true.loss"
cmp "$prefix.false.grads" "$prefix.true.grads"
cmp "$prefix.false.final" "$prefix.true.final"
cp "$prefix.true.profile.json" "$prefix.profile.json"
cp "$prefix.true.memory.json" "$prefix.memory.json"
