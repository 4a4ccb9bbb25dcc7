"""Checks ds-compile's report against the Ulysses formulas (docs/collectives.md).

The all-to-all bytes per layer and group rank r are, in elements of 4 bytes,
B the batch of one data-parallel rank and S' the sequence padded to a
multiple of sp:
  - sp divides Hq:  (2*Hq + 2*Hkv') * D * B * S'/sp, forward and backward,
    with Hkv' = Hkv, or lcm(Hkv, sp) when sp does not divide Hkv (kv heads
    repeated); 4*B*S*h/sp with full heads;
  - sp does not divide Hq: heads are padded to Hp = ceil(Hq/sp)*sp with
    zero heads that the all-to-alls do not move (unequal splits): group
    rank r holds c_r = clamp(Hq - r*Hp/sp, 0, Hp/sp) real heads after the
    move; forward (3*Hq + sp*c_r) * D * B * S'/sp (q, k, v; the output),
    backward (Hq + 3*sp*c_r) * D * B * S'/sp (the output gradient; dq, dk,
    dv).
The report's `bytes` of an all-to-all is its busiest group rank's
(`bytes_per_group_rank`, present when ranks differ).

  check_collective_bytes.py report.json --layers L --batch B --seq S
      --heads Hq --kv-heads Hkv --head-dim D --dp DP --sp SP
"""

import argparse
import json
import math
import sys


def per_rank(a):
    """Expected {phase: [elements per group rank]} for one layer."""
    sp, hq, hkv = a.sp, a.heads, a.kv_heads
    unit = a.head_dim * (a.batch // a.dp) * (-(-a.seq // sp) * sp) // sp
    if hq % sp == 0:
        hkv2 = hkv if hkv % sp == 0 else math.lcm(hkv, sp)
        each = (2 * hq + 2 * hkv2) * unit
        return {"forward": [each] * sp, "backward": [each] * sp}
    c = -(-hq // sp)
    real = [min(max(hq - r * c, 0), c) for r in range(sp)]
    return {"forward": [(3 * hq + sp * cr) * unit for cr in real],
            "backward": [(hq + 3 * sp * cr) * unit for cr in real]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("report")
    for name in ["layers", "batch", "seq", "heads", "kv-heads", "head-dim", "dp", "sp"]:
        p.add_argument("--" + name, type=int, required=True)
    a = p.parse_args()
    report = json.load(open(a.report))
    expected = per_rank(a)
    ok = True
    for phase in ("forward", "backward"):
        moves = [c for c in report["collectives"]
                 if c["kernel"] == "all_to_all" and c["phase"] == phase]
        got_max = sum(c["bytes"] for c in moves)
        got_ranks = [sum(c.get("bytes_per_group_rank", [c["bytes"]] * a.sp)[r] for c in moves)
                     for r in range(a.sp)]
        want_ranks = [a.layers * e * 4 for e in expected[phase]]
        # Every collective's busiest rank is group rank 0 (it holds the
        # first, real heads), so the sum of maxima is rank 0's total.
        want_max = want_ranks[0]
        print(f"{phase} all-to-all bytes per step: {got_max} (per group rank "
              f"{got_ranks}), formula {want_max} ({want_ranks})")
        ok = ok and got_max == want_max and got_ranks == want_ranks
    if not ok:
        sys.exit("mismatch")


if __name__ == "__main__":
    main()
