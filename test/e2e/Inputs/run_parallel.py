"""Compiles a model for one rank and for each given mesh, runs each plan with
ds-run (-n ranks) on the same global batch and compares loss, gradients and
updated parameters with the one-rank run at relative 1e-5 (SGD with
momentum, two steps; or AdamW with --adamw, two steps at lr 1e-3 and eps
1e-2, where lr / eps keeps the update's magnification of a gradient's
rounding at 0.1). Tools come from PATH (lit puts the build's bin first).

With --rtol R the comparison is at R, and with --differing F at most a
fraction F of each gradient's elements may differ by more than float32
noise (compare.py): mixed precision, where a float32 value that differs in
its last bit (a sum in another order) moves its rounding to the half type
by a step.

With --fused every plan runs torch.optim's fused kernels
(--fused-optimizer); with --clip N every plan clips the gradients to the
norm N (--clip-grad-norm).

  run_parallel.py [--adamw] [--fused] [--clip N] [--rtol R] [--differing F] model.mlir weights batch outprefix "--sp 2" "--dp 2 --sp 2" ...

Each mesh is ds-compile's flags for it (--dp, --sp, --zero and e.g.
--seq-dims).
"""

import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


OPTIMIZER = ["--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9"]
ADAMW = ["--optimizer", "adamw", "--lr", "1e-3", "--eps", "1e-2"]


def train(mlir, weights, batch, prefix, mesh):
    args = mesh.split()
    ranks = math.prod(int(args[i + 1]) for i in range(len(args) - 1)
                      if args[i] in ("--dp", "--sp"))
    plan = prefix + ".plan"
    run(["ds-compile", mlir, "-o", plan] + OPTIMIZER + args)
    launch = ["-n", str(ranks)] if ranks > 1 else []
    # One thread per rank, the one-rank baseline included: with two, ATen's
    # kernels on a loaded machine have given that baseline results that
    # differ by up to 1e-5 from run to run (issue 13's note), which would
    # make the comparison measure the load instead of the partitioning.
    run(["ds-run", plan] + launch + ["--weights", weights, "--inputs", batch,
         "--threads", "1",
         "--steps", "2", "-q", "--timeout", "60", "--dump-loss", prefix + ".loss",
         "--dump-grads", prefix + ".grads", "--save", prefix + ".final"])


def main():
    global OPTIMIZER
    argv = sys.argv[1:]
    if argv and argv[0] == "--adamw":
        OPTIMIZER = ADAMW
        argv = argv[1:]
    if argv and argv[0] == "--fused":
        OPTIMIZER = OPTIMIZER + ["--fused-optimizer"]
        argv = argv[1:]
    if argv and argv[0] == "--clip":
        OPTIMIZER = OPTIMIZER + ["--clip-grad-norm", argv[1]]
        argv = argv[2:]
    rtol = "1e-5"
    if argv and argv[0] == "--rtol":
        rtol = argv[1]
        argv = argv[2:]
    differing = []
    if argv and argv[0] == "--differing":
        differing = ["--differing", argv[1]]
        argv = argv[2:]
    mlir, weights, batch, prefix = argv[:4]
    train(mlir, weights, batch, prefix + "-1", "")
    for mesh in argv[4:]:
        tag = prefix + "-" + "".join(c for c in mesh if c.isalnum())
        train(mlir, weights, batch, tag, mesh)
        run([sys.executable, os.path.join(HERE, "compare.py"), "--rtol", rtol]
            + differing + ["--losses", tag + ".loss", prefix + "-1.loss",
             "--tensors", tag + ".grads", prefix + "-1.grads",
             "--tensors", tag + ".final", prefix + "-1.final"])


if __name__ == "__main__":
    main()
