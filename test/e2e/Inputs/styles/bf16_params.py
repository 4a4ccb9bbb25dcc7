"""amp_decoder.py's decoder with its weights in bfloat16
(`model.to(torch.bfloat16)`, as fine-tuning scripts load a checkpoint to
save memory) and plain SGD: the autocast region casts nothing then, so
every matmul, norm, gradient and update is bfloat16, the loss float32."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from amp_decoder import V, Decoder  # noqa: E402


def build():
    tokens = torch.randint(0, V, (2, 16))
    return Decoder().to(torch.bfloat16), tokens, tokens.clone()
