"""Writes small TorchScript models that ds-import must reject (or accept
only with --input), one per mode: python bad_models.py MODE OUT.pt"""

import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import dsc_save  # noqa: E402


class Unsupported(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(4))

    def forward(self, x):
        y = torch.cumprod(x * self.w, dim=0)  # the unsupported op: this line
        return y.sum()


class Dropout(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(4))

    def forward(self, x):
        return F.alpha_dropout(x * self.w, p=0.5, training=True).sum()


class NotScalar(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(4))

    def forward(self, x):
        return x * self.w


class Plain(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(4))

    def forward(self, x):
        return (x * self.w).sum()


class ScaleGradByFreq(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(8, 4, scale_grad_by_freq=True)

    def forward(self, x):
        return self.emb(x.long()).sum()


class PaddingIdx(torch.nn.Module):
    """Accepted: `padding_idx` becomes the op's attribute (-1 is row 7)."""

    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(8, 4, padding_idx=-1)

    def forward(self, x):
        return self.emb(x.long()).sum()


class RandOut(torch.nn.Module):
    """A draw into a buffer (`out=`): the op's own result is unused, but what
    it wrote is read. Scripted: tracing would read the result instead."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(4))

    def forward(self, x):
        buf = torch.zeros(4)
        torch.rand(4, out=buf)  # the rejected line
        return (self.w * buf * x).sum()


class Argsort(torch.nn.Module):
    """argsort is PyTorch's composition of sort, which dsc does not import:
    the message names sort, the line, and the op it came from."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(4))

    def forward(self, x):
        order = torch.argsort(x * self.w)  # the rejected line
        return (self.w * order).sum()


class RandGenerator(torch.nn.Module):
    """A draw from a seeded generator: dsc cannot follow its numbers."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(4))
        self.generator = torch.Generator().manual_seed(3)

    def forward(self, x):
        noise = torch.rand(4, generator=self.generator)  # the rejected line
        return (self.w * noise * x).sum()


class NormalOfTensor(torch.nn.Module):
    """torch.normal of a tensor mean: PyTorch gives the mean no gradient."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(4))

    def forward(self, x):
        return torch.normal(x * self.w, 0.1).sum()  # the rejected line


MODES = {"unsupported": Unsupported, "dropout": Dropout,
         "not-scalar": NotScalar, "no-shapes": Plain,
         "scale-grad-by-freq": ScaleGradByFreq, "padding-idx": PaddingIdx,
         "rand-out": RandOut, "argsort": Argsort, "rand-generator": RandGenerator,
         "normal-of-tensor": NormalOfTensor}


def main(mode, out):
    model = MODES[mode]()
    x = torch.arange(4, dtype=torch.float32)
    if mode == "rand-out":
        traced = torch.jit.script(model)
    else:
        traced = torch.jit.trace(model, (x,), check_trace=False)
    if mode == "no-shapes":
        traced.save(out)  # a plain save: no input shapes recorded
    else:
        dsc_save.save(traced, out, {"x": x})


if __name__ == "__main__":
    main(*sys.argv[1:])
