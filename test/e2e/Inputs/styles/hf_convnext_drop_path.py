"""hf_convnext.py's ConvNextForImageClassification with drop_path_rate 0.5
in training: Hugging Face's drop_path (`keep_prob + torch.rand(shape)`,
`random_tensor.floor_()`, `input.div(keep_prob) * random_tensor`) on the
residual branch of the second stage's block (the linspace rule gives the
first 0)."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_convnext  # noqa: E402


def build():
    torch.manual_seed(0)
    return hf_convnext.ImageCls(drop_path_rate=0.5), torch.randn(4, 3, 16, 16), torch.tensor([1, 2, 0, 1])
