"""Checks the memory section of ds-compile's report (lib/Runtime/plan/PlanMemory.cpp)
against what it must satisfy whatever the model:

  - parameters: 4 bytes per parameter (fp32, replicated on every rank);
    AdamW's state two moments per parameter and one 8-byte step count;
  - the persistent bytes, the arena and nothing else make up static_bytes;
  - the peak is the persistent bytes plus the live arena bytes at the peak
    instruction, the largest of them, never more than the arena (a placement
    holding more live bytes than its size would overlap live data), and its
    breakdown adds up to it;
  - the top tensors are live arena tensors, largest first, each with the op
    that wrote it (at or before the peak) and its source line.

    check_memory_report.py report.json --params N
"""

import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--params", type=int, required=True)
    a = ap.parse_args()
    report = json.load(open(a.report))
    m = report["memory"]
    errors = []

    def check(cond, what):
        if not cond:
            errors.append(what)

    persistent = m["persistent_bytes"]
    check(persistent["parameters"] == 4 * a.params,
          f"parameters {persistent['parameters']} != 4 * {a.params}")
    check(persistent["optimizer_state"] == 8 * a.params + 8,
          f"optimizer state {persistent['optimizer_state']} != 8 * {a.params} + 8")
    check(persistent["parameters"] == report["parameter_bytes"], "parameter_bytes")
    for kind in ("gradients", "collective_buffers", "activations"):
        check(persistent[kind] == 0, f"persistent {kind} outside the arena")
    outside = sum(persistent.values())
    check(m["static_bytes"] == outside + report["arena_bytes"],
          f"static {m['static_bytes']} != {outside} + arena {report['arena_bytes']}")

    live = m["live_arena_bytes"]
    peak = m["peak_instruction"]
    check(len(live) == report["instructions"], "one live count per instruction")
    check(live[peak] == max(live) and live.index(max(live)) == peak,
          "the peak is the first instruction with the most live bytes")
    check(max(live) <= report["arena_bytes"],
          f"{max(live)} live arena bytes in an arena of {report['arena_bytes']}")
    check(m["peak_bytes"] == outside + live[peak], "peak = persistent + live at peak")
    check(sum(m["peak_breakdown"].values()) == m["peak_bytes"],
          f"breakdown {m['peak_breakdown']} does not add up to {m['peak_bytes']}")
    check(m["peak_breakdown"]["gradients"] <= persistent["parameters"],
          "more gradient bytes than parameters")

    top = m["top_live_tensors_at_peak"]
    check(top, "no live tensors at the peak")
    check([t["bytes"] for t in top] == sorted((t["bytes"] for t in top), reverse=True),
          "top tensors not largest first")
    for t in top:
        check(t["kind"] in ("gradients", "collective_buffers", "activations"),
              f"tensor {t['tensor']} is not an arena tensor")
        check(t["written_by"] <= peak, f"tensor {t['tensor']} written after the peak")
        check(".mlir:" in t["source"], f"tensor {t['tensor']} has no source line")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)
    print(f"memory report OK: peak {m['peak_bytes']} at {peak} ({m['peak_kernel']}), "
          f"static {m['static_bytes']}")


if __name__ == "__main__":
    main()
