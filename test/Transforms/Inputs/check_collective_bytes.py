"""Checks ds-compile's report against the Ulysses formulas (docs/collectives.md):
the forward all-to-all bytes per layer and rank are (2*Hq + 2*Hkv) * D * B * S / sp
elements (4*B*S*h/sp with full heads), B the batch of one data-parallel rank.

  check_collective_bytes.py report.json --layers L --batch B --seq S
      --heads Hq --kv-heads Hkv --head-dim D --dp DP --sp SP
"""

import argparse
import json
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("report")
    for name in ["layers", "batch", "seq", "heads", "kv-heads", "head-dim", "dp", "sp"]:
        p.add_argument("--" + name, type=int, required=True)
    a = p.parse_args()
    report = json.load(open(a.report))
    forward = sum(c["bytes"] for c in report["collectives"]
                  if c["kernel"] == "all_to_all" and c["phase"] == "forward")
    batch = a.batch // a.dp
    per_layer = (2 * a.heads + 2 * a.kv_heads) * a.head_dim * batch * a.seq // a.sp * 4
    expected = a.layers * per_layer
    print(f"forward all-to-all bytes per step: {forward}, formula {expected}")
    if forward != expected:
        sys.exit("mismatch")


if __name__ == "__main__":
    main()
