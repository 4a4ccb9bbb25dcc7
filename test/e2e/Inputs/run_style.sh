#!/bin/bash
# run_style.sh MODEL.py DIR NAME OPTIMIZER-FLAGS [ds-compile flags...]
# Exports MODEL.py once into DIR, compiles and runs two steps (env RANKS for
# ds-run -n) and compares loss, gradients and parameters with PyTorch at a
# relative 1e-5. Tools come from PATH (lit puts the build's there). With
# REFEREE=float64 the eager model also runs in float64 (reference.py
# --float64), and compare.py referees with it where PyTorch's float32 run
# misses ours.
set -euo pipefail
model=$1 dir=$2 name=$3 optimizer=$4
shift 4
inputs=$(dirname "$0")
py=${PYTHON:-python3}
[ -f "$dir/model.pt2" ] || "$py" "$inputs/export_style.py" "$model" "$dir"
[ -f "$dir/model.mlir" ] || ds-import "$dir/model.pt2" -o "$dir/model.mlir" --weights-out "$dir/model.weights"
ds-compile "$dir/model.mlir" -o "$dir/$name.plan" $optimizer "$@"
ds-run -n "${RANKS:-1}" "$dir/$name.plan" --weights "$dir/model.weights" --inputs "$dir/batch.safetensors" \
  --steps 2 -q --dump-loss "$dir/$name.loss" --dump-grads "$dir/$name.grads" --save "$dir/$name.final"
"$py" "$inputs/reference.py" "$dir/model.pt2" --inputs "$dir/batch.safetensors" --steps 2 $optimizer \
  --dump-loss "$dir/$name.ref.loss" --dump-grads "$dir/$name.ref.grads" --save "$dir/$name.ref.final"
truth=()
if [ "${REFEREE:-}" = float64 ]; then
  "$py" "$inputs/reference.py" "$model" --float64 --inputs "$dir/batch.safetensors" --steps 2 $optimizer \
    --dump-loss "$dir/$name.f64.loss" --dump-grads "$dir/$name.f64.grads" --save "$dir/$name.f64.final"
  truth=(--truth "$dir/$name.f64.grads" --truth "$dir/$name.f64.final" --truth-losses "$dir/$name.f64.loss")
fi
"$py" "$inputs/compare.py" --rtol 1e-5 --losses "$dir/$name.loss" "$dir/$name.ref.loss" \
  --tensors "$dir/$name.grads" "$dir/$name.ref.grads" --tensors "$dir/$name.final" "$dir/$name.ref.final" \
  "${truth[@]}"
