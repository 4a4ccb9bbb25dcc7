"""Checks that a safetensors file written by ds-import holds every parameter
and buffer of a TorchScript model under its PyTorch name, bit for bit (a tied
weight once, under the name named_parameters gives it), and no complex buffer
(those are folded into the step and not written)."""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import safetensors_io  # noqa: E402


def main(model_path, weights_path):
    module = torch.jit.load(model_path)
    saved = safetensors_io.load(weights_path)
    expected = dict(module.named_parameters())
    expected.update({name: buffer for name, buffer in module.named_buffers() if not buffer.is_complex()})
    missing = sorted(set(expected) - set(saved))
    extra = sorted(set(saved) - set(expected))
    if missing or extra:
        sys.exit(f"missing {missing}, unexpected {extra}")
    for name, tensor in expected.items():
        got = saved[name]
        if got.dtype != tensor.dtype or got.shape != tensor.shape or not torch.equal(got, tensor):
            sys.exit(f"tensor {name} differs")
    print(f"{len(expected)} tensors match")


if __name__ == "__main__":
    main(*sys.argv[1:])
