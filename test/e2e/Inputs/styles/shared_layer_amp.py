"""One Linear applied twice inside one autocast region, a layer shared as
ALBERT and universal transformers share theirs: autocast's weight cache
casts its float32 weight to bfloat16 once per region, so the eager model
sums the two uses' gradients in bfloat16 (an exported program, which has
no cache, casts per use). The loss in float32."""
import torch
import torch.nn as nn
import torch.nn.functional as F

V, D = 96, 64


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D)
        self.shared = nn.Linear(D, D, bias=False)
        self.lm_head = nn.Linear(D, V, bias=False)

    def forward(self, tokens, labels):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            x = self.embed(tokens)
            x = x + self.shared(x)
            x = x + self.shared(F.silu(x))
            logits = self.lm_head(x)
        return F.cross_entropy(logits.float().reshape(-1, V), labels.reshape(-1))


def build():
    tokens = torch.randint(0, V, (2, 16))
    return Model(), tokens, tokens.clone()
