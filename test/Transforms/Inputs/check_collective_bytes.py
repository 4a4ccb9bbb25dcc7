"""Checks ds-compile's report against the Ulysses formulas (docs/collectives.md).

The all-to-all bytes per layer, in elements of 4 bytes, with B the batch of
one data-parallel rank and S' the sequence padded to a multiple of sp:
  - sp divides Hq:  (2*Hq + 2*Hkv') * D * B * S'/sp on every rank, forward
    and backward, with Hkv' = Hkv, or lcm(Hkv, sp) when sp does not divide
    Hkv (kv heads repeated); 4*B*S*h/sp with full heads;
  - sp does not divide Hq: heads are padded to Hp = ceil(Hq/sp)*sp with zero
    heads that the all-to-alls do not move (unequal splits). Group rank r
    holds c_r = clamp(Hq - r*Hp/sp, 0, Hp/sp) real heads after the move; in
    units of D * B * S'/sp it
      forward  sends 3*Hq + sp*c_r   (q, k, v; the output)
               receives 3*sp*c_r + Hq
      backward sends Hq + 3*sp*c_r   (the output gradient; dq, dk, dv)
               receives sp*c_r + 3*Hq
    and a collective's `bytes` is its busiest rank's larger direction: 4*Hp
    per layer each way, as without trimming (rank 0 receives whole heads),
    while the total over the ranks drops by (Hp - Hq)/Hp.

  check_collective_bytes.py report.json --layers L --batch B --seq S
      --heads Hq --kv-heads Hkv --head-dim D --dp DP --sp SP
"""

import argparse
import json
import math
import sys


def expected(a):
    """{phase: (bytes total, [sent per group rank], [received per group rank])}
    per step, in bytes."""
    sp, hq, hkv = a.sp, a.heads, a.kv_heads
    unit = a.head_dim * (a.batch // a.dp) * (-(-a.seq // sp) * sp) // sp * 4 * a.layers
    if hq % sp == 0:
        hkv2 = hkv if hkv % sp == 0 else math.lcm(hkv, sp)
        each = (2 * hq + 2 * hkv2) * unit
        return {p: (each, [each] * sp, [each] * sp) for p in ("forward", "backward")}
    c = -(-hq // sp)
    real = [min(max(hq - r * c, 0), c) for r in range(sp)]
    hp = c * sp
    return {
        "forward": (4 * hp * unit, [(3 * hq + sp * cr) * unit for cr in real],
                    [(3 * sp * cr + hq) * unit for cr in real]),
        "backward": (4 * hp * unit, [(hq + 3 * sp * cr) * unit for cr in real],
                     [(sp * cr + 3 * hq) * unit for cr in real]),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("report")
    for name in ["layers", "batch", "seq", "heads", "kv-heads", "head-dim", "dp", "sp"]:
        p.add_argument("--" + name, type=int, required=True)
    a = p.parse_args()
    report = json.load(open(a.report))
    want = expected(a)
    ok = True
    for phase in ("forward", "backward"):
        moves = [c for c in report["collectives"]
                 if c["kernel"] == "all_to_all" and c["phase"] == phase]
        got = (sum(c["bytes"] for c in moves),
               [sum(c.get("sent_bytes_per_group_rank", [c["bytes"]] * a.sp)[r] for c in moves)
                for r in range(a.sp)],
               [sum(c.get("received_bytes_per_group_rank", [c["bytes"]] * a.sp)[r]
                    for c in moves) for r in range(a.sp)])
        print(f"{phase} all-to-all bytes per step: {got[0]}, sent per group rank "
              f"{got[1]}, received {got[2]}; formula {want[phase][0]}, "
              f"{want[phase][1]}, {want[phase][2]}")
        ok = ok and got == want[phase]
    # Phases as the IR records them (dsc::computePhases): the loss's
    # all-reduce is forward, the gradients' backward, the optimizer's phase
    # communicates nothing, and the phases follow each other in order.
    phases = [c["phase"] for c in report["collectives"]]
    reduces = [c["phase"] for c in report["collectives"] if c["kernel"] == "all_reduce"]
    order = {"forward": 0, "backward": 1, "optimizer": 2}
    in_order = all(order[x] <= order[y] for x, y in zip(phases, phases[1:]))
    print(f"all-reduce phases: {sorted(set(reduces))}; phases in order: {in_order}")
    ok = ok and in_order and "forward" in reduces and "backward" in reduces \
        and "optimizer" not in phases
    if not ok:
        sys.exit("mismatch")


if __name__ == "__main__":
    main()
