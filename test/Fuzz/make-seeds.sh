#!/usr/bin/env bash
# Writes the fuzz targets' seed corpora (test/Fuzz/corpus/<target>/) from the
# test suite's inputs and a tiny example model compiled with the tools of
# ${DSC_BUILD_DIR:-build}. Run it again when a format changes (the lit test
# Fuzz/seeds.test fails when the plan seeds no longer load).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${DSC_BUILD_DIR:-$root/build}/bin
py=${DSC_VENV:-$root/.venv}/bin/python
corpus=$root/test/Fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in plan safetensors token-data input-spec torchscript pt2 mlir; do
  rm -rf "${corpus:?}/$t"
  mkdir -p "$corpus/$t"
done

# A GPT-2 small enough that a mutation is cheap to try.
tiny=(--set n_layer=1 --set n_embd=8 --set n_head=2 --set vocab_size=16
      --set n_positions=8 --batch 2 --seq 4)
"$py" "$root/examples/export.py" gpt2 -o "$corpus/pt2/gpt2.pt2" "${tiny[@]}"
"$py" "$root/examples/export.py" gpt2 -o "$corpus/torchscript/gpt2.pt" "${tiny[@]}"
"$bin/ds-import" "$corpus/pt2/gpt2.pt2" -o "$tmp/gpt2.mlir" \
  --weights-out "$corpus/safetensors/gpt2.safetensors"
"$bin/ds-compile" "$tmp/gpt2.mlir" -o "$corpus/plan/adamw.plan" \
  --dump-ir "$corpus/mlir/gpt2-dsrt.mlir"
"$bin/ds-compile" "$tmp/gpt2.mlir" -o "$corpus/plan/sgd-sp2.plan" \
  --optimizer sgd --sp 2
"$bin/ds-compile" "$tmp/gpt2.mlir" -o "$corpus/plan/dp2.plan" --dp 2
"$bin/ds-compile" "$tmp/gpt2.mlir" -o "$corpus/plan/offload.plan" \
  --offload-params nvme --offload-optimizer cpu
"$bin/ds-compile" "$tmp/gpt2.mlir" -o "$corpus/plan/host-updates.plan" \
  --dp 2 --zero 2 --offload-optimizer cpu --host-updates
cp "$tmp/gpt2.mlir" "$corpus/mlir/gpt2-ds.mlir"

# The dialect and pass tests, one seed per `// -----` case.
for f in "$root"/test/Dialect/*/*.mlir "$root"/test/Transforms/*.mlir \
         "$root"/test/Conversion/*.mlir; do
  awk -v out="$corpus/mlir/$(basename "$f" .mlir)" '
    /^\/\/ -----/ { n++; next }
    !/^\/\/ *(RUN|CHECK)/ { print > (out "-" n ".mlir") }' n=0 "$f"
done

# Token files: eight bytes of parameters (batch, sequence, step, type,
# vocabulary, ignore_index), then uint16 ids.
"$py" - "$corpus/token-data" <<'PY'
import struct, sys
out = sys.argv[1]
def seed(name, params, ids):
    with open(f"{out}/{name}", "wb") as f:
        f.write(bytes(params) + struct.pack(f"<{len(ids)}H", *ids))
seed("in-range", [1, 3, 0, 0, 16, 0, 0, 0], list(range(16)))
seed("out-of-range", [0, 7, 1, 1, 8, 0, 1, 0], [i % 20 for i in range(40)])
seed("narrow-type", [2, 2, 0, 3, 255, 255, 0, 0], [300, 7, 65535, 0] * 4)
seed("short", [7, 63, 0, 0, 0, 1, 0, 0], [1, 2, 3])
PY

# Input shapes, as --input and as dsc_inputs.json.
printf 'tokens=2x16xi64' > "$corpus/input-spec/flag"
printf 'x=4x8x16xf32' > "$corpus/input-spec/flag-float"
printf '%s' '{"inputs": [{"name": "tokens", "shape": [2, 16], "dtype": "I64"}, {"name": "labels", "shape": [2, 16], "dtype": "I64"}]}' \
  > "$corpus/input-spec/json"
echo "make-seeds: $(find "$corpus" -type f | wc -l) seeds in $corpus"
