"""Activation checkpointing and scheduling are exact: compiles a model with
ds-compile --ac none, selective, selective-comm and full, and --ac none
--schedule=false
(for each given mesh), runs each plan two AdamW steps on the same batch, and
checks that loss, gradients and updated parameters are bit-identical to
--ac none (byte-equal files: recomputation
runs the same kernels on the same values in the same order), and that the
planned peak (the report's memory.peak_bytes) with full and selective is no
higher than with none, nor none's than the unscheduled step's; with --lower-peak (for models whose peak is in the
backward pass, where activations are held) full must lower it. Tools come
from PATH.

--ac selective-comm must recompute all-to-alls exactly where the mesh has
sp and need no more memory than selective.
With --auto, also --ac auto at a --memory-budget halfway between what
full and none need (the report's activation_checkpointing.planned_bytes):
the plan must fit it, ds-run must allocate exactly the plan's static bytes
and peak within 5% of its planned bytes (--memory-report; for every policy), its predicted recompute time must be below full's, and
its results byte-identical too. Every run's ds-run --profile must time the
plan's instructions (as ds-compile --trace lists them) over its two steps;
the measured recompute time is printed, not asserted.

  run_checkpointing.py [--lower-peak] [--auto] model.mlir weights batch outprefix "" "--sp 2" ...

Each mesh is ds-compile's flags for it ("" for one rank).
"""

import filecmp
import json
import math
import subprocess
import sys


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def train(mlir, weights, batch, prefix, mesh, ac, extra=()):
    """Returns the report."""
    if ac == "unscheduled":
        ac, extra = "none", ("--schedule=false",)
    args = mesh.split() + list(extra)
    ranks = math.prod(int(args[i + 1]) for i in range(len(args) - 1)
                      if args[i] in ("--dp", "--sp"))
    run(["ds-compile", mlir, "-o", prefix + ".plan", "--report",
         prefix + ".json", "--trace", prefix + ".trace", "--ac", ac,
         "--kernel-threads", "1"] + args)
    launch = ["-n", str(ranks)] if ranks > 1 else []
    run(["ds-run", prefix + ".plan"] + launch +
        ["--weights", weights, "--inputs", batch, "--threads", "1",
         "--steps", "2", "-q", "--timeout", "60",
         "--dump-loss", prefix + ".loss", "--dump-grads", prefix + ".grads",
         "--save", prefix + ".final", "--memory-report", prefix + ".memory",
         "--profile", prefix + ".profile"])
    with open(prefix + ".json") as f:
        return json.load(f)


def recomputed_collectives(prefix):
    """The collectives the trace marks recompute."""
    with open(prefix + ".trace") as f:
        return [e["name"] for e in json.load(f)["traceEvents"]
                if e["ph"] == "X" and e["args"].get("recompute")
                and e["name"] in ("all_to_all", "all_gather")]


def measured_recompute(prefix, failures):
    """Seconds ds-run spent in the kernels the trace marks recompute (the
    mean of its steps); checks that its profile lists the plan's
    instructions in order."""
    with open(prefix + ".trace") as f:
        kernels = [e for e in json.load(f)["traceEvents"] if e["ph"] == "X"]
    with open(prefix + ".profile") as f:
        profile = json.load(f)
    timed = profile["instructions"]
    if profile["steps"] != 2 or [k["name"] for k in kernels] != \
            [t["kernel"] for t in timed] or \
            any(not (0 <= t["seconds"] < math.inf) for t in timed) or \
            not math.isclose(sum(t["seconds"] for t in timed),
                             profile["step_seconds"], rel_tol=1e-9):
        failures.append(f"{prefix}.profile does not time the plan's "
                        f"instructions over 2 steps")
        return 0.0
    return sum(t["seconds"] for k, t in zip(kernels, timed)
               if k["args"].get("recompute"))


def main():
    args = sys.argv[1:]
    lower = "--lower-peak" in args
    auto = "--auto" in args
    args = [a for a in args if a not in ("--lower-peak", "--auto")]
    mlir, weights, batch, prefix = args[:4]
    failures = []
    for mesh in args[4:]:
        tag = prefix + "-" + ("".join(c for c in mesh if c.isalnum()) or "1")
        peaks, reports, measured = {}, {}, {}
        policies = [("none", ()), ("unscheduled", ()), ("selective", ()),
                    ("selective-comm", ()), ("full", ())]
        if auto:
            policies.append(("auto", None))
        for ac, extra in policies:
            if extra is None:  # auto, halfway between full and none
                budget = (reports["none"]["activation_checkpointing"]["planned_bytes"] +
                          reports["full"]["activation_checkpointing"]["planned_bytes"]) // 2
                extra = ("--memory-budget", str(budget))
            reports[ac] = train(mlir, weights, batch, f"{tag}-{ac}", mesh, ac, extra)
            peaks[ac] = reports[ac]["memory"]["peak_bytes"]
            measured[ac] = measured_recompute(f"{tag}-{ac}", failures)
            for what in ("loss", "grads", "final"):
                if not filecmp.cmp(f"{tag}-none.{what}", f"{tag}-{ac}.{what}",
                                   shallow=False):
                    failures.append(f"mesh '{mesh}' --ac {ac}: {what} differs "
                                    f"from --ac none")
            with open(f"{tag}-{ac}.memory") as f:
                used = json.load(f)
            planned = reports[ac]["activation_checkpointing"]["planned_bytes"]
            if used["static_bytes"] != reports[ac]["memory"]["static_bytes"]:
                failures.append(f"mesh '{mesh}' --ac {ac}: ds-run allocated "
                                f"{used['static_bytes']} bytes, the plan "
                                f"{reports[ac]['memory']['static_bytes']}")
            if abs(used["peak_bytes"] - planned) > 0.05 * planned:
                failures.append(f"mesh '{mesh}' --ac {ac}: ds-run's peak "
                                f"{used['peak_bytes']} bytes is not within 5% "
                                f"of the planned {planned}")
        if auto:
            chosen = reports["auto"]["activation_checkpointing"]
            recompute = {ac: reports[ac]["predicted"]["recompute_seconds"]
                         for ac in ("auto", "full")}
            print(f"mesh '{mesh}': --ac auto within {budget} bytes: layers "
                  f"{chosen['layers']}, {chosen['planned_bytes']} bytes, "
                  f"recompute {recompute['auto']:.3g} s (full "
                  f"{recompute['full']:.3g} s)")
            if chosen["planned_bytes"] > budget:
                failures.append(f"mesh '{mesh}': --ac auto plans "
                                f"{chosen['planned_bytes']} bytes, over {budget}")
            if not recompute["auto"] < recompute["full"]:
                failures.append(f"mesh '{mesh}': --ac auto recomputes no less "
                                f"than full")
        # Reported, not asserted: times on a shared machine are noise here
        # (bench/memory.py compares them).
        print(f"mesh '{mesh}': measured recompute seconds per step " +
              ", ".join(f"{ac} {t:.3g}" for ac, t in measured.items()))
        print(f"mesh '{mesh}': planned peak bytes " +
              ", ".join(f"{ac} {peak}" for ac, peak in peaks.items()))
        # selective-comm runs the all-to-alls again instead of keeping their
        # outputs: with sp it must recompute some and need no more memory
        # than selective; without, it is selective.
        comm = {ac: recomputed_collectives(f"{tag}-{ac}")
                for ac in ("selective", "selective-comm")}
        if comm["selective"] or (bool(comm["selective-comm"]) != ("--sp" in mesh)):
            failures.append(f"mesh '{mesh}': recomputed collectives {comm}")
        if peaks["selective-comm"] > peaks["selective"]:
            failures.append(f"mesh '{mesh}': --ac selective-comm raises the "
                            f"peak ({peaks['selective-comm']} vs "
                            f"{peaks['selective']})")
        for ac in ("selective", "selective-comm", "full"):
            if peaks[ac] > peaks["none"]:
                failures.append(f"mesh '{mesh}': --ac {ac} raises the peak "
                                f"({peaks[ac]} vs {peaks['none']})")
        if peaks["none"] > peaks["unscheduled"]:
            failures.append(f"mesh '{mesh}': ds-schedule raises the peak "
                            f"({peaks['none']} vs {peaks['unscheduled']})")
        if lower and not peaks["full"] < peaks["none"]:
            failures.append(f"mesh '{mesh}': --ac full does not lower the "
                            f"peak ({peaks['full']} vs {peaks['none']})")
    for failure in failures:
        print("FAIL:", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
