"""Checks ds-compile's ZeRO-3 choices under --memory-budget (the report's
`zero3`): compiles `model.mlir` at stage 3 with no budget (prefetch 1,
nothing kept whole), with an ample one (the longest prefetch, 4, and every
parameter kept: one all-gather per parameter, fewer bytes gathered) and
with one halfway between the two plans' bytes (the most that fit: not all
kept when keeping all does not fit), and checks each plan's bytes against
its budget and the gathered bytes falling as more is kept.

  check_unshard.py model.mlir DIR -- ds-compile mesh flags...
"""

import json
import os
import subprocess
import sys


def compile_step(mlir, out, flags, budget=None):
    report = os.path.join(out, f"unshard-{budget}.json")
    cmd = ["ds-compile", mlir, "-o", os.path.join(out, "unshard.plan"),
           "--zero", "3", "--report", report] + flags
    if budget is not None:
        cmd += ["--memory-budget", str(budget)]
    subprocess.run(cmd, check=True)
    r = json.load(open(report))
    return (r["zero3"], r["memory"]["planned_bytes"],
            r["collective_bytes_per_step"]["all_gather"])


def main():
    mlir, out = sys.argv[1], sys.argv[2]
    flags = sys.argv[sys.argv.index("--") + 1:]
    none, none_bytes, none_gathered = compile_step(mlir, out, flags)
    params = none["trainable_parameters"]
    failed = []
    if none["kept_whole"] != 0 or none["prefetch"] != 1:
        failed.append(f"no budget: {none}, expected prefetch 1, none kept")
    ample = none_bytes * 2
    full, full_bytes, full_gathered = compile_step(mlir, out, flags, ample)
    if (full["kept_whole"] != params or full["prefetch"] != 4
            or full["candidates_compiled"] != 3 or not full["coalesced"]):
        failed.append(f"budget {ample}: {full}, expected prefetch 4 and all "
                      f"{params} kept after one candidate each")
    if not full_gathered < none_gathered:
        failed.append(f"keeping all gathers {full_gathered} bytes, not fewer "
                      f"than {none_gathered}")
    mid = (none_bytes + full_bytes) // 2
    half, half_bytes, half_gathered = compile_step(mlir, out, flags, mid)
    if half_bytes > mid:
        failed.append(f"budget {mid}: the plan takes {half_bytes} bytes")
    if full_bytes > mid and half["kept_whole"] >= params:
        failed.append(f"budget {mid}: all kept though that takes {full_bytes}")
    if not full_gathered <= half_gathered <= none_gathered:
        failed.append(f"budget {mid}: {half_gathered} bytes gathered, not "
                      f"between {full_gathered} and {none_gathered}")
    print(f"{params} parameters: prefetch {half['prefetch']}, none kept {none_bytes} B, gathered "
          f"{none_gathered} B; {half['kept_whole']} kept within {mid}: "
          f"{half_bytes} B, gathered {half_gathered} B; all kept "
          f"{full_bytes} B, gathered {full_gathered} B")
    if failed:
        sys.exit("\n".join(failed))


if __name__ == "__main__":
    main()
