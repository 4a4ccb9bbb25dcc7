"""Times ds-run's training step against PyTorch eager (forward + backward +
torch.optim.AdamW) on the same model, batch and thread count, and prints the
ratio. Both run the same number of warm-up steps first; ds-run's per-step
time is the difference of two runs of different lengths, so loading the
plan and the weights is not counted.

  .venv/bin/python bench/step_time.py [--model gpt2] [--batch 8] [--seq 64]
      [--set n_layer=4 ...] [--threads 2] [--steps 20] [--build build]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples"))
import models  # noqa: E402


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def timed(cmd):
    start = time.perf_counter()
    run(cmd)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="gpt2")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--set", action="append", default=["n_layer=4", "n_embd=128"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()
    bin_dir = os.path.join(args.build, "bin")

    with tempfile.TemporaryDirectory() as d:
        pt, mlir = os.path.join(d, "m.pt2"), os.path.join(d, "m.mlir")
        weights, plan = os.path.join(d, "m.safetensors"), os.path.join(d, "m.plan")
        sets = sum((["--set", s] for s in args.set), [])
        run([sys.executable, os.path.join(ROOT, "examples", "export.py"), args.model,
             "-o", pt, "--batch", str(args.batch), "--seq", str(args.seq)] + sets)
        run([os.path.join(bin_dir, "ds-import"), pt, "-o", mlir, "--weights-out", weights])
        run([os.path.join(bin_dir, "ds-compile"), mlir, "-o", plan])
        model_cfg = dict(s.split("=") for s in args.set)
        vocab = int(model_cfg.get("vocab_size", 256))
        tokens = os.path.join(d, "tokens.bin")
        np.random.default_rng(0).integers(0, vocab, size=args.batch * (args.seq + 1) * 64,
                                          dtype=np.uint16).tofile(tokens)

        def ds_run(steps):
            return timed([os.path.join(bin_dir, "ds-run"), plan, "--weights", weights,
                          "--data", tokens, "--batch", str(args.batch), "--steps",
                          str(steps), "-q", "--threads", str(args.threads)])

        short = min(ds_run(args.warmup) for _ in range(2))
        long = min(ds_run(args.warmup + args.steps) for _ in range(2))
        ours = (long - short) / args.steps

    torch.set_num_threads(args.threads)
    overrides = {k: (float(v) if "." in v else int(v)) for k, v in
                 (s.split("=") for s in args.set)}
    model, _ = models.build(args.model, **overrides)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, foreach=False)
    vocab = model.lm_head.weight.shape[0]
    x = torch.randint(0, vocab, (args.batch, args.seq))
    y = torch.randint(0, vocab, (args.batch, args.seq))

    def eager_step():
        opt.zero_grad(set_to_none=True)
        model(x, y).backward()
        opt.step()

    for _ in range(args.warmup):
        eager_step()
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        for _ in range(args.steps):
            eager_step()
        best = min(best, (time.perf_counter() - start) / args.steps)

    print(f"model {args.model} {' '.join(args.set)} batch {args.batch} seq {args.seq} "
          f"threads {args.threads}")
    print(f"ds-run step        {ours * 1e3:8.2f} ms")
    print(f"PyTorch eager step {best * 1e3:8.2f} ms")
    print(f"ratio ds-run / eager: {ours / best:.3f} (below 1 is faster)")


if __name__ == "__main__":
    main()
