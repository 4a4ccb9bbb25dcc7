"""Checks ds-compile --report's model_states against ZeRO's formula,
computed here from the weights file's shapes (AdamW, fp32): on N ranks at
stage s, parameters take 4 bytes per element, of ceil(n / N) elements per
parameter of n elements at s = 3 (n below); each trainable parameter has a
gradient and two moments of ceil(n / N) elements each at s >= 1 (n at
stage 0); the step count takes 8 bytes.

  check_zero_report.py report.json weights.safetensors model.mlir --ranks N --stage S

The parameters are the model's `ds.trainable` arguments (model.mlir); the
weights file holds buffers besides (attention masks).
"""

import argparse
import json
import re
import struct
import sys


def shapes(path, mlir):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
    names = re.findall(r'ds\.name = "([^"]+)", ds\.trainable', open(mlir).read())
    if not names:
        sys.exit(f"{mlir}: no ds.trainable arguments")
    return [header[name]["shape"] for name in names]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("weights")
    parser.add_argument("mlir")
    parser.add_argument("--ranks", type=int, required=True)
    parser.add_argument("--stage", type=int, required=True)
    args = parser.parse_args()
    n, stage = args.ranks, args.stage
    numels = []
    for shape in shapes(args.weights, args.mlir):
        count = 1
        for d in shape:
            count *= d
        numels.append(count)
    piece = sum(-(-e // n) for e in numels) if stage >= 1 else sum(numels)
    params = piece if stage >= 3 else sum(numels)
    expected = {"parameters": 4 * params, "gradients": 4 * piece,
                "optimizer_state": 8 * piece + 8}
    states = json.load(open(args.report))["model_states"]
    failed = False
    for key in ("bytes_per_rank", "formula_bytes_per_rank"):
        if states[key] != expected:
            print(f"{key}: {states[key]}, expected {expected}")
            failed = True
    if states["ranks"] != n or states["zero_stage"] != stage:
        print(f"ranks {states['ranks']} stage {states['zero_stage']}, "
              f"expected {n} and {stage}")
        failed = True
    if failed:
        sys.exit(1)
    print(f"stage {stage} on {n} ranks: {expected}")


if __name__ == "__main__":
    main()
