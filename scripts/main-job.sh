#!/usr/bin/env bash
# The main job: export the example GPT (torch.export), import it, compile a training step and
# train it for 50 steps on a text file (bytes as tokens) on local CPU ranks.
# Installs what dsc needs and builds it first. Outputs go to ${OUT:-out/}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
bin=${DSC_BUILD_DIR:-$root/build}/bin
out=${OUT:-$root/out}
mkdir -p "$out"
py=${DSC_VENV:-$root/.venv}/bin/python
steps=${STEPS:-50}

echo "== export the example GPT-2 (examples/models/gpt2.py) with torch.export"
$py "$root/examples/export.py" gpt2 -o "$out/gpt2.pt2" --batch 8 --seq 64 \
  --set n_layer=4 --set n_embd=128 --set n_head=4
echo "== ds-import"
"$bin/ds-import" "$out/gpt2.pt2" -o "$out/gpt2.mlir" --weights-out "$out/gpt2.safetensors"
echo "== ds-compile"
"$bin/ds-compile" "$out/gpt2.mlir" -o "$out/gpt2.plan" --optimizer adamw --lr 0.003 \
  --report "$out/report.json"
echo "== tokens from examples/data/tiny.txt"
$py "$root/examples/text_to_tokens.py" "$root/examples/data/tiny.txt" -o "$out/tokens.bin"
echo "== ds-run: $steps steps"
"$bin/ds-run" "$out/gpt2.plan" --weights "$out/gpt2.safetensors" --data "$out/tokens.bin" \
  --batch 8 --steps "$steps" --dump-loss "$out/loss.jsonl" --save "$out/final.safetensors"
echo "== done: losses in $out/loss.jsonl, trained weights in $out/final.safetensors"
