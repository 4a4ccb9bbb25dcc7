"""Checks ds-compile's predicted step time and trace against each other and
against the roofline they claim to follow (dsc/Analysis/CostModel.h):

  check_step_time.py report.json trace.json [--faster-than other.json]
                     [--positive KEY...]

- every kernel's slice lasts max(flops / throughput, bytes / bandwidth),
  the throughput being matmul_flops for matrix_units kernels and
  vector_flops otherwise, with the report's hardware;
- the trace has one slice per instruction, back to back, their durations
  add up to step_seconds, and the phases' and recompute's sums match;
- the memory counter's maximum is the report's memory.peak_bytes;
- with --faster-than, this step is predicted faster than the other's;
- with --positive, those entries of "predicted" are above 0.
"""

import argparse
import json
import math
import sys


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("report")
    p.add_argument("trace")
    p.add_argument("--faster-than")
    p.add_argument("--positive", nargs="+", default=[])
    args = p.parse_args()
    report = json.load(open(args.report))
    trace = json.load(open(args.trace))["traceEvents"]
    predicted = report["predicted"]
    hw = predicted["hardware"]
    errors = []

    slices = [e for e in trace if e["ph"] == "X"]
    if len(slices) != report["instructions"]:
        errors.append(f"{len(slices)} slices for {report['instructions']} instructions")
    now, total, recompute, phases = 0.0, 0.0, 0.0, {}
    for e in slices:
        a = e["args"]
        if not close(e["ts"], now):
            errors.append(f"instruction {a['instruction']} starts at {e['ts']}, not {now}")
        now = e["ts"] + e["dur"]
        seconds = e["dur"] / 1e6
        total += seconds
        phases[a["phase"]] = phases.get(a["phase"], 0.0) + seconds
        if a.get("recompute"):
            recompute += seconds
        if a["bound"] == "link":
            continue
        rate = hw["matmul_flops"] if a.get("matrix_units") else hw["vector_flops"]
        expect = max(a.get("flops", 0) / rate, a.get("bytes", 0) / hw["memory_bandwidth"])
        if not close(seconds, expect):
            errors.append(f"instruction {a['instruction']} ({e['name']}): {seconds} s, "
                          f"roofline {expect} s")
    if not close(total, predicted["step_seconds"]):
        errors.append(f"slices add up to {total} s, step_seconds is {predicted['step_seconds']}")
    if not close(recompute, predicted["recompute_seconds"]):
        errors.append(f"recompute slices {recompute} s vs {predicted['recompute_seconds']}")
    for phase, seconds in predicted["seconds_by_phase"].items():
        if not close(phases.get(phase, 0.0), seconds):
            errors.append(f"phase {phase}: {phases.get(phase)} vs {seconds}")
    live = max(e["args"]["live bytes"] for e in trace if e["ph"] == "C")
    if live != report["memory"]["peak_bytes"]:
        errors.append(f"memory counter peaks at {live}, the report at "
                      f"{report['memory']['peak_bytes']}")
    if args.faster_than:
        other = json.load(open(args.faster_than))["predicted"]["step_seconds"]
        if not predicted["step_seconds"] < other:
            errors.append(f"{predicted['step_seconds']} s is not faster than {other} s")
    for key in args.positive:
        if not predicted[key] > 0:
            errors.append(f"{key} is {predicted[key]}, expected > 0")
    for error in errors:
        print("error:", error)
    print(f"{len(slices)} slices, {total:.6g} s predicted on {hw['name']}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
