"""Writes pairs of safetensors files for compare-tolerance.test:
  ok.*     rounding noise (1e-7 relative), and 1e-11 noise on a tensor that
           is zero in exact arithmetic next to gradients of size 1;
  scaled.* a small but real gradient (1e-3 of the largest) off by 2x;
  tinyscaled.* one of 1e-6 of the largest off by 2x;
  noisy.*  a real gradient off by 1e-4 relative;
  nan.*    ours NaN where PyTorch's is finite;
  bothnan.* NaN and -inf in the same places on both sides;
and losses: ok (rounding), nan and null against a number, zero (0 vs
1e-12, compared absolutely)."""

import json

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import safetensors_io  # noqa: E402

out = sys.argv[1]
g = torch.Generator().manual_seed(0)
big = torch.randn(64, generator=g)
small = torch.randn(64, generator=g) * 1e-3
zero = torch.randn(8, generator=g) * 1e-11
tiny = torch.randn(8, generator=g) * 1e-6
ref = {"big": big, "small": small, "zero": zero, "tiny": tiny}
cases = {
    # Noise of 3e-9 of the largest on the zero gradient (an OPT key bias).
    "ok": {"big": big * (1 + 1e-7), "small": small,
           "zero": torch.randn(8, generator=g) * 3e-9 * big.abs().max(), "tiny": tiny},
    "scaled": {"big": big, "small": small * 2, "zero": zero, "tiny": tiny},
    "tinyscaled": {"big": big, "small": small, "zero": zero, "tiny": tiny * 2},
    "noisy": {"big": big * (1 + 1e-4), "small": small, "zero": zero, "tiny": tiny},
    "nan": {"big": torch.cat([big[:-1], torch.tensor([float("nan")])]), "small": small,
            "zero": zero, "tiny": tiny},
}
special = torch.tensor([1.0, float("nan"), float("-inf")])
safetensors_io.save({"t": special}, f"{out}.special.ref.safetensors")
safetensors_io.save({"t": special.clone()}, f"{out}.bothnan.safetensors")
losses = {"ref": [2.0, 0.0], "ok": [2.0 * (1 + 1e-7), 1e-12], "nan": [float("nan"), 0.0],
          "null": [None, 0.0]}
for name, values in losses.items():
    with open(f"{out}.{name}.jsonl", "w") as f:
        for step, loss in enumerate(values, 1):
            f.write(json.dumps({"step": step, "loss": loss}) + "\n")
safetensors_io.save(ref, f"{out}.ref.safetensors")
for name, tensors in cases.items():
    safetensors_io.save(tensors, f"{out}.{name}.safetensors")
