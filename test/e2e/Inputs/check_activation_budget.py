"""Checks ds-compile --offload-activations SPACE --memory-budget: given the
reports of the step with every activation in memory (resident.json) and
with every one offloaded synchronously (all.json), it compiles with a budget
just below the resident step's and checks that the plan fits, offloads some activations but
not all, and only the largest (the report's activation_offload.min_bytes is
the smallest offloaded); with a budget the resident step fits, that nothing
is offloaded; with one below the all-offloaded step, that ds-compile refuses.
Tools come from PATH.

  check_activation_budget.py model.mlir resident.json all.json OUT SPACE
"""

import json
import subprocess
import sys


def compile_with(mlir, out, space, budget):
    cmd = ["ds-compile", mlir, "-o", out + ".plan", "--report",
           out + ".json", "--kernel-threads", "1", "--overlap-transfers=false",
           "--offload-activations", space, "--memory-budget", str(budget)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    report = json.load(open(out + ".json")) if done.returncode == 0 else None
    return done, report


def main():
    mlir, resident_path, all_path, out, space = sys.argv[1:6]
    resident = json.load(open(resident_path))["memory"]["planned_bytes"]
    every = json.load(open(all_path))
    low = every["memory"]["planned_bytes"]
    count = every["offload"]["nvme_tensors"] + every["offload"]["host_tensors"]
    assert low < resident and count > 1, (low, resident, count)

    # Just below the resident step: offloading the largest activations
    # alone fits (the test model's largest class saves far more than a byte).
    budget = resident - 1
    done, report = compile_with(mlir, out + "-mid", space, budget)
    assert done.returncode == 0, done.stderr
    chosen = report["activation_offload"]
    offload = report["offload"]
    moved = offload["nvme_tensors"] + offload["host_tensors"]
    assert report["memory"]["planned_bytes"] <= budget, report["memory"]
    assert 0 < moved < count, (moved, count)
    assert 0 < chosen["size_classes_kept"] < chosen["size_classes"], chosen
    print(f"budget {budget}: {moved} of {count} activations offloaded "
          f"(at least {chosen['min_bytes']} bytes), "
          f"{report['memory']['planned_bytes']} bytes planned")

    done, report = compile_with(mlir, out + "-high", space, resident)
    assert done.returncode == 0, done.stderr
    offload = report["offload"]
    assert offload["nvme_tensors"] + offload["host_tensors"] == 0, offload

    done, _ = compile_with(mlir, out + "-low", space, low - 1)
    assert done.returncode != 0 and "with every activation offloaded" in \
        done.stderr, done.stderr
    print("budget", low - 1, "refused:", done.stderr.strip())


if __name__ == "__main__":
    main()
