"""A LayerNorm with float32 weights over a bfloat16 activation, as BERT's
masked-LM head meets its GELU output under autocast (autocast keeps
layer_norm's parameters in float32): ATen's mixed-type kernel normalises
in float and returns bfloat16."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense, self.norm = nn.Linear(8, 8), nn.LayerNorm(8)
        self.decoder = nn.Linear(8, 16)

    def forward(self, x, labels):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            h = self.norm(F.gelu(self.dense(x)))
            logits = self.decoder(h)
        return F.cross_entropy(logits.float(), labels)


def build():
    return Head(), torch.randn(6, 8), torch.randint(0, 16, (6,))
