"""ZeRO stages 1, 2 and 3 on one example model (issue 15's matrix): export
it, import it and train it (AdamW, two steps) with --zero 1, 2 and 3 on
dp 2, dp 4, dp 2 x sp 2 and sp 4, each against the one-rank run at relative
1e-5 on the loss, every gradient and every updated parameter
(run_parallel.py --adamw).

  zero_matrix.py MODEL OUTDIR [--hf sdpa|eager] [--set k=v ...]
      [--batch 4] [--seq 15]

MODEL is an architecture of examples/export.py (TorchScript), or with --hf
one of examples/export_hf.py (torch.export). The default length, 15, is
divided by no mesh's sp, so every sequence-parallel run pads. Tools come
from PATH (lit puts the build's bin first).
"""

import argparse
import os
import sys

from model_matrix import EXAMPLES, HERE, run

MESHES = ["--dp 2", "--dp 4", "--dp 2 --sp 2", "--sp 4"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("out")
    p.add_argument("--hf", choices=("sdpa", "eager"),
                   help="MODEL is a Hugging Face architecture (export_hf.py) with this "
                        "attention implementation")
    p.add_argument("--set", dest="sets", action="append", default=[])
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seq", type=int, default=15)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    prefix = os.path.join(args.out, args.model)
    if args.hf:
        exporter = [os.path.join(EXAMPLES, "export_hf.py"), args.model, "--attn", args.hf]
        ext = ".pt2"
    else:
        exporter = [os.path.join(EXAMPLES, "export.py"), args.model]
        ext = ".pt"
    sets = [x for s in args.sets for x in ("--set", s)]
    run([sys.executable] + exporter + ["-o", prefix + ext, "--batch", str(args.batch),
         "--seq", str(args.seq), "--inputs-out", prefix + ".batch"] + sets)
    run(["ds-import", prefix + ext, "-o", prefix + ".mlir", "--weights-out",
         prefix + ".weights"])
    configs = [f"{mesh} --zero {stage}" for stage in (1, 2, 3) for mesh in MESHES]
    run([sys.executable, os.path.join(HERE, "run_parallel.py"), "--adamw", prefix + ".mlir",
         prefix + ".weights", prefix + ".batch", prefix] + configs)


if __name__ == "__main__":
    main()
