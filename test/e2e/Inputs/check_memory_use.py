"""Compares what ds-run used (--memory-report) with what ds-compile planned
(--report's memory section): the bytes allocated once must be exactly the
plan's static bytes; the peak (them plus the most ATen allocated outside
the arena during a step: the kernels' temporaries) must be within
--tolerance (a fraction) of the planned bytes (static plus the largest
planned kernel workspace), and no kernel may allocate more than its
planned workspace (ds-run lists every instruction that did in
over_planned). Each kernel named by --tight must have allocated within
--tolerance of its planned workspace (not merely at most it), at every
instruction of it among the ten that allocated most.

    check_memory_use.py memory.json report.json [--tolerance 0.05]
        [--tight KERNEL...]
"""

import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("used")
    ap.add_argument("report")
    ap.add_argument("--tolerance", type=float, default=0.05)
    ap.add_argument("--tight", nargs="+", default=[])
    a = ap.parse_args()
    used = json.load(open(a.used))
    planned = json.load(open(a.report))["memory"]
    errors = []
    if used["static_bytes"] != planned["static_bytes"]:
        errors.append(f"allocated {used['static_bytes']} bytes, planned {planned['static_bytes']}")
    if used["planned_static_bytes"] != planned["static_bytes"]:
        errors.append("ds-run and ds-compile disagree on the plan's static bytes")
    if used["planned_live_peak_bytes"] != planned["peak_bytes"]:
        errors.append("ds-run and ds-compile disagree on the planned peak")
    if used["peak_bytes"] != used["static_bytes"] + used["peak_outside_arena_bytes"]:
        errors.append("peak != static + outside the arena")
    if used["planned_bytes"] != planned["planned_bytes"]:
        errors.append("ds-run and ds-compile disagree on the planned bytes")
    off = (used["peak_bytes"] - planned["planned_bytes"]) / planned["planned_bytes"]
    if abs(off) > a.tolerance:
        errors.append(f"used {used['peak_bytes']} bytes at the peak, planned "
                      f"{planned['planned_bytes']} ({off:+.2%})")
    over = {k["instruction"]: k for k in used["outside_arena_by_instruction"]
            + used["over_planned"]}
    for kernel in over.values():
        if kernel["bytes"] > kernel["planned_bytes"]:
            errors.append(f"instruction {kernel['instruction']} ({kernel['kernel']}) "
                          f"allocated {kernel['bytes']} bytes, planned {kernel['planned_bytes']}")
    for name in a.tight:
        seen = [k for k in used["outside_arena_by_instruction"] if k["kernel"] == name]
        if not seen:
            errors.append(f"no {name} among the instructions that allocated most")
        for kernel in seen:
            if kernel["bytes"] < (1 - a.tolerance) * kernel["planned_bytes"]:
                errors.append(f"instruction {kernel['instruction']} ({name}) allocated "
                              f"{kernel['bytes']} bytes, planned {kernel['planned_bytes']}")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)
    print(f"memory OK: static {used['static_bytes']} as planned, peak "
          f"{used['peak_bytes']} vs planned {planned['planned_bytes']} ({off:+.3%})")


if __name__ == "__main__":
    main()
