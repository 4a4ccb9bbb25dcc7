"""Activation checkpointing is exact: compiles a model with ds-compile --ac
none, selective and full (for each given mesh), runs each plan two AdamW
steps on the same batch, and checks that loss, gradients and updated
parameters are bit-identical to --ac none (byte-equal files: recomputation
runs the same kernels on the same values in the same order), and that the
planned peak (the report's memory.peak_bytes) with full and selective is no
higher than with none; with --lower-peak (for models whose peak is in the
backward pass, where activations are held) full must lower it. Tools come
from PATH.

  run_checkpointing.py [--lower-peak] model.mlir weights batch outprefix "" "--sp 2" ...

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


def train(mlir, weights, batch, prefix, mesh, ac):
    args = mesh.split()
    ranks = math.prod(int(args[i + 1]) for i in range(len(args) - 1)
                      if args[i] in ("--dp", "--sp"))
    run(["ds-compile", mlir, "-o", prefix + ".plan", "--report",
         prefix + ".json", "--ac", ac] + args)
    launch = ["-n", str(ranks)] if ranks > 1 else []
    run(["ds-run", prefix + ".plan"] + launch +
        ["--weights", weights, "--inputs", batch, "--threads", "1",
         "--steps", "2", "-q", "--timeout", "60",
         "--dump-loss", prefix + ".loss", "--dump-grads", prefix + ".grads",
         "--save", prefix + ".final"])
    with open(prefix + ".json") as f:
        return json.load(f)["memory"]["peak_bytes"]


def main():
    args = sys.argv[1:]
    lower = args[0] == "--lower-peak"
    if lower:
        args = args[1:]
    mlir, weights, batch, prefix = args[:4]
    failures = []
    for mesh in args[4:]:
        tag = prefix + "-" + ("".join(c for c in mesh if c.isalnum()) or "1")
        peaks = {}
        for ac in ("none", "selective", "full"):
            peaks[ac] = train(mlir, weights, batch, f"{tag}-{ac}", mesh, ac)
            for what in ("loss", "grads", "final"):
                if not filecmp.cmp(f"{tag}-none.{what}", f"{tag}-{ac}.{what}",
                                   shallow=False):
                    failures.append(f"mesh '{mesh}' --ac {ac}: {what} differs "
                                    f"from --ac none")
        print(f"mesh '{mesh}': planned peak bytes " +
              ", ".join(f"{ac} {peak}" for ac, peak in peaks.items()))
        for ac in ("selective", "full"):
            if peaks[ac] > peaks["none"]:
                failures.append(f"mesh '{mesh}': --ac {ac} raises the peak "
                                f"({peaks[ac]} vs {peaks['none']})")
        if lower and not peaks["full"] < peaks["none"]:
            failures.append(f"mesh '{mesh}': --ac full does not lower the "
                            f"peak ({peaks['full']} vs {peaks['none']})")
    for failure in failures:
        print("FAIL:", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
