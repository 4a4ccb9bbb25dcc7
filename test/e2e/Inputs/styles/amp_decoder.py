"""A Llama-style decoder trained under bfloat16 autocast, as a training
script wraps the forward (`with torch.autocast("cpu", torch.bfloat16)`), the
loss computed in float32: sft_losses.py's layers (fused qkv, SDPA causal,
SwiGLU) with Hugging Face's RMSNorm, which normalises in float32 and casts
back before the weight."""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sft_losses  # noqa: E402
from sft_losses import D, L, V  # noqa: E402


class RMSNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(D))

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)
        return self.weight * x.to(dtype)


class Layer(sft_losses.Layer):
    def __init__(self):
        super().__init__()
        self.attn_norm, self.mlp_norm = RMSNorm(), RMSNorm()


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D)
        self.layers = nn.ModuleList(Layer() for _ in range(L))
        self.norm = RMSNorm()
        self.lm_head = nn.Linear(D, V, bias=False)

    def forward(self, tokens, labels):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            x = self.embed(tokens)
            for layer in self.layers:
                x = layer(x)
            logits = self.lm_head(self.norm(x))
        return F.cross_entropy(logits.float()[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))


def build():
    tokens = torch.randint(0, V, (2, 16))
    return Decoder(), tokens, tokens.clone()
