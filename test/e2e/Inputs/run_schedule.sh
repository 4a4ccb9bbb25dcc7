#!/bin/bash
# run_schedule.sh PREFIX: compiles PREFIX.mlir for AdamW (lr 1e-2, eps
# 1e-2) with the ds-compile flags in $SCHEDULE and $MESH, runs six steps on
# $RANKS ranks (default 1) from PREFIX.weights and PREFIX.batch, trains
# PREFIX.pt with reference.py and $SCHEDULE (and $REF), and compares the
# losses, the first gradients and the final parameters at a relative 1e-5.
# Writes $OUT.*. Tools come from PATH (lit puts the build's there).
set -euo pipefail
prefix=$1
inputs=$(dirname "$0")
py=${PYTHON:-python3}
optimizer="--optimizer adamw --lr 1e-2 --eps 1e-2"
# shellcheck disable=SC2086 # the flag lists split into words
ds-compile "$prefix.mlir" -o "$OUT.plan" $optimizer $SCHEDULE ${MESH:-}
ds-run -n "${RANKS:-1}" "$OUT.plan" --weights "$prefix.weights" --inputs "$prefix.batch" \
  --threads 1 --steps 6 -q --timeout 60 \
  --dump-loss "$OUT.loss" --dump-grads "$OUT.grads" --save "$OUT.final"
# shellcheck disable=SC2086
"$py" "$inputs/reference.py" "$prefix.pt" --inputs "$prefix.batch" --steps 6 $optimizer $SCHEDULE ${REF:-} \
  --dump-loss "$OUT.ref.loss" --dump-grads "$OUT.ref.grads" --save "$OUT.ref.final"
"$py" "$inputs/compare.py" --rtol 1e-5 --losses "$OUT.loss" "$OUT.ref.loss" \
  --tensors "$OUT.grads" "$OUT.ref.grads" --tensors "$OUT.final" "$OUT.ref.final"
