"""Trains a model with --offload-optimizer nvme (or the offload the
configuration names: optimizer state or activations, cpu or nvme; the
updates on the host) and without, for each configuration given (ds-compile
flags: mesh, ZeRO stage, optimizer, --ac, offload), two steps on the same
batch, and checks that the loss, every gradient and every updated parameter
are bit-identical (compare.py --rtol 0): the swap files and host buffers
hold the very bytes the update wrote. A CONFIG may end in "| FLAGS": ds-run
flags of the offloaded run (--swap-staging). Tools come from PATH.

  run_offload.py model.mlir weights batch NVME_DIR outprefix CONFIG...
"""

import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def train(mlir, weights, batch, nvme, prefix, flags, run_flags=()):
    ranks = math.prod(int(flags[i + 1]) for i in range(len(flags) - 1)
                      if flags[i] in ("--dp", "--sp"))
    run(["ds-compile", mlir, "-o", prefix + ".plan"] + flags)
    launch = ["-n", str(ranks)] if ranks > 1 else []
    run(["ds-run", prefix + ".plan"] + launch + [
        "--weights", weights, "--inputs", batch, "--steps", "2", "-q",
        "--threads", "1", "--timeout", "60", "--nvme-path", nvme,
        "--dump-loss", prefix + ".loss", "--dump-grads", prefix + ".grads",
        "--save", prefix + ".final"] + list(run_flags))


def main():
    mlir, weights, batch, nvme, prefix = sys.argv[1:6]
    for config in sys.argv[6:]:
        compile_flags, _, run_flags = config.partition("|")
        flags = compile_flags.split()
        offloads = ("--offload-optimizer", "--offload-params",
                    "--offload-activations")
        if not any(f in flags for f in offloads):
            flags += ["--offload-optimizer", "nvme"]
        # The same step with everything in memory.
        resident = []
        for i, flag in enumerate(flags):
            if flag.startswith("--overlap-transfers") or flag in offloads or (
                    i > 0 and flags[i - 1] in offloads) or flag == "--host-updates":
                continue
            resident.append(flag)
        tag = prefix + "-" + ("".join(c for c in config if c.isalnum()) or "1")
        train(mlir, weights, batch, nvme, tag + "-resident", resident)
        train(mlir, weights, batch, nvme, tag + "-offload", flags,
              run_flags.split())
        a, b = tag + "-offload", tag + "-resident"
        run([sys.executable, os.path.join(HERE, "compare.py"), "--rtol", "0",
             "--losses", a + ".loss", b + ".loss", "--tensors", a + ".grads",
             b + ".grads", "--tensors", a + ".final", b + ".final"])


if __name__ == "__main__":
    main()
