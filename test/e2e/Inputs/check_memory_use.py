"""Compares what ds-run used (--memory-report) with what ds-compile planned
(--report's memory section): the bytes allocated once must be exactly the
plan's static bytes; the peak is them plus what ATen allocated outside the
arena during a step, which the plan does not yet hold (printed, bounded by
--max-outside as a fraction of the static bytes).

    check_memory_use.py memory.json report.json --max-outside F
"""

import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("used")
    ap.add_argument("report")
    ap.add_argument("--max-outside", type=float, required=True)
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
    outside = used["peak_outside_arena_bytes"] / used["static_bytes"]
    if outside > a.max_outside:
        errors.append(f"ATen allocated {outside:.1%} of the static bytes outside the arena")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)
    print(f"memory OK: static {used['static_bytes']} as planned, "
          f"+{used['peak_outside_arena_bytes']} outside the arena ({outside:.1%})")


if __name__ == "__main__":
    main()
