"""Float16 and bfloat16 arithmetic with Python numbers the half types do
not hold. ATen's mul and div take such a number as a float and round the
float result once; its add and sub round the number to the half type
first. On the inputs (no gradient through them): GPT-2's tanh GELU
written out in bfloat16 (`0.044715 * torch.pow(x, 3.0)`,
`math.sqrt(2.0 / math.pi) * ...`), a bfloat16 scale and shift
(`* 0.2 + (-0.1)`), `0.1 - h` and `h / 0.3` in float16; on an activation,
a bfloat16 product with 0.2 whose gradient is again such a product."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def new_gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.head = nn.Linear(8, 5)

    def forward(self, tokens, labels):
        t = tokens.bfloat16()
        gate = new_gelu(t).float() + (t * 0.2 + (-0.1)).float()
        h = tokens.half()
        gate = gate + (0.1 - h).float() * (h / 0.3).float()
        y = (self.lin(tokens).bfloat16() * 0.2).float() * gate
        return F.cross_entropy(self.head(y).flatten(0, 1), labels.flatten())


def build():
    torch.manual_seed(0)
    return Model(), torch.randn(4, 4, 8), torch.randint(0, 5, (4, 4))
