"""torch.vmap beside a detach of an activation (the stop-gradient of a
target branch, as BYOL-style and value-target code writes it): lowering
the vmap for torch.export.save would turn the detach into an alias and
let the gradient through, so examples/export.py refuses the export."""
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
        target = self.proj(h).detach()
        pairwise = torch.vmap(lambda row: row @ row.T)(h)
        return F.mse_loss(h, target) + pairwise.mean() + 0 * labels.sum()


def build():
    return TargetNet(), torch.randint(0, 32, (2, 8)), torch.zeros(2, 8, dtype=torch.long)
