"""torch.vmap beside a torch.no_grad() block over an activation (a target
branch that gets no gradient, as BYOL-style and value-target code writes
it): lowering the vmap for torch.export.save drops the grad-mode region
and would let the gradient through, so examples/export.py refuses the
export. (A .detach() survives the lowering: styles/vmap_masks.py.)"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class TargetNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(32, 16)
        self.proj = nn.Linear(16, 16)

    def forward(self, tokens, labels):
        h = self.embed(tokens)
        with torch.no_grad():
            target = self.proj(h)
        pairwise = torch.vmap(lambda row: row @ row.T)(h)
        return F.mse_loss(h, target) + pairwise.mean() + 0 * labels.sum()


def build():
    return TargetNet(), torch.randint(0, 32, (2, 8)), torch.zeros(2, 8, dtype=torch.long)
