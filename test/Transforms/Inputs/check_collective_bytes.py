"""Checks ds-compile's report against the Ulysses formulas (docs/collectives.md):
the forward all-to-all bytes per layer and rank are (2*Hq' + 2*Hkv') * D * B * S' / sp
elements (4*B*S*h/sp with full heads), B the batch of one data-parallel rank,
S' the sequence padded to a multiple of sp, Hq' and Hkv' the head counts
after -ds-partition made them divisible by sp:
  - sp divides Hq and Hkv:         Hq' = Hq, Hkv' = Hkv;
  - sp divides Hq but not Hkv:     Hkv' = lcm(Hkv, sp) (kv heads repeated);
  - sp does not divide Hq:         Hq' = Hkv' = Hq rounded up to a multiple of sp.
The backward moves the same bytes (the output gradient in; dq, dk, dv out).

  check_collective_bytes.py report.json --layers L --batch B --seq S
      --heads Hq --kv-heads Hkv --head-dim D --dp DP --sp SP
"""

import argparse
import json
import math
import sys


def padded_heads(hq, hkv, sp):
    if hq % sp == 0:
        return hq, (hkv if hkv % sp == 0 else math.lcm(hkv, sp))
    h = -(-hq // sp) * sp
    return h, h


def main():
    p = argparse.ArgumentParser()
    p.add_argument("report")
    for name in ["layers", "batch", "seq", "heads", "kv-heads", "head-dim", "dp", "sp"]:
        p.add_argument("--" + name, type=int, required=True)
    a = p.parse_args()
    report = json.load(open(a.report))
    moved = {phase: sum(c["bytes"] for c in report["collectives"]
                        if c["kernel"] == "all_to_all" and c["phase"] == phase)
             for phase in ("forward", "backward")}
    batch = a.batch // a.dp
    seq = -(-a.seq // a.sp) * a.sp
    hq, hkv = padded_heads(a.heads, a.kv_heads, a.sp)
    per_layer = (2 * hq + 2 * hkv) * a.head_dim * batch * seq // a.sp * 4
    expected = a.layers * per_layer
    ok = True
    for phase, got in moved.items():
        print(f"{phase} all-to-all bytes per step: {got}, formula {expected}")
        ok = ok and got == expected
    if not ok:
        sys.exit("mismatch")


if __name__ == "__main__":
    main()
