"""Exports (torch.export, .pt2) a small model whose forward computes a gate
under torch.no_grad(), and writes an example batch.

    no_grad_model.py MODEL.pt2 BATCH.safetensors

Export keeps the region as a wrap_with_set_grad_enabled(False, ...) call:
the gate's parameters get no gradient (PyTorch leaves .grad None and the
optimizer skips them).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "examples"))
import safetensors_io  # noqa: E402


class GatedByNoGrad(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(16, 8)
        self.gate = torch.nn.Linear(8, 8)
        self.head = torch.nn.Linear(8, 16)

    def forward(self, tokens, labels):
        h = self.emb(tokens)
        with torch.no_grad():
            g = self.gate(h).sigmoid()
        logits = self.head(h * g)
        return torch.nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten())


def main():
    torch.manual_seed(0)
    model = GatedByNoGrad().train()
    tokens = torch.randint(0, 16, (2, 4))
    labels = torch.randint(0, 16, (2, 4))
    program = torch.export.export(model, (tokens, labels))
    if not any("wrap_with_set_grad_enabled" in str(n.target) for n in program.graph.nodes):
        sys.exit("no_grad_model.py: export kept no wrap_with_set_grad_enabled")
    torch.export.save(program, sys.argv[1])
    safetensors_io.save({"tokens": tokens, "labels": labels}, sys.argv[2])


if __name__ == "__main__":
    main()
