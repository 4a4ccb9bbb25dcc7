"""Writes pairs of safetensors files for compare-tolerance.test:
  ok.*     rounding noise (1e-7 relative), and 1e-11 noise on a tensor that
           is zero in exact arithmetic next to gradients of size 1;
  scaled.* a small but real gradient (1e-3 of the largest) off by 2x;
  noisy.*  a real gradient off by 1e-4 relative."""

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
ref = {"big": big, "small": small, "zero": zero}
cases = {
    "ok": {"big": big * (1 + 1e-7), "small": small, "zero": torch.randn(8, generator=g) * 1e-11},
    "scaled": {"big": big, "small": small * 2, "zero": zero},
    "noisy": {"big": big * (1 + 1e-4), "small": small, "zero": zero},
}
safetensors_io.save(ref, f"{out}.ref.safetensors")
for name, tensors in cases.items():
    safetensors_io.save(tensors, f"{out}.{name}.safetensors")
