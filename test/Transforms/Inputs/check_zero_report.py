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
    # Bytes sent per rank in model-state collectives, as a multiple of data
    # parallelism's all-reduce of every gradient: ZeRO 2 sends as much
    # (reduce-scatter and all-gather, padding aside), ZeRO 3 at most 1.5
    # times (an all-gather again in the backward); stages 0 and 1 at least
    # 1 and 1.5 (a tied parameter's two partial gradients are all-reduced
    # apart).
    sent = states["collectives"]
    if n > 1:
        low, high = {0: (0.99, 2.0), 1: (1.49, 2.5), 2: (0.95, 1.05),
                     3: (1.05, 1.5)}[stage]
        ratio = sent["ratio_to_data_parallel"]
        if not low <= ratio <= high:
            print(f"sent {sent['bytes_per_rank']} bytes, {ratio:.3f} of data "
                  f"parallelism's {sent['data_parallel_bytes_per_rank']}; "
                  f"expected {low} to {high}")
            failed = True
        dp = 2 * (n - 1) / n * 4 * sum(numels)
        if abs(sent["data_parallel_bytes_per_rank"] - dp) > 1:
            print(f"data parallelism sends {dp:.0f} bytes, report says "
                  f"{sent['data_parallel_bytes_per_rank']}")
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
