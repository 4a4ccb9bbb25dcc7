"""Exports (torch.export, .pt2) a model whose forward runs an op dsc does not
convert on a computed tensor: `torch.cumprod` over the hidden states; with
a second path, also one that routes tokens by one-argument torch.where
(Mixtral's experts), whose result's size the data decides.

    export_unsupported.py MODEL.pt2 [ROUTED.pt2 [TRACE.pt2]]

and with a third, one that takes a trace by einsum ('bii->b').
"""

import sys

import torch


class CumsumModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(16, 8)
        self.head = torch.nn.Linear(8, 16)

    def forward(self, tokens, labels):
        h = self.emb(tokens)
        h = torch.cumprod(h, dim=1)  # the unsupported line
        return torch.nn.functional.cross_entropy(self.head(h).flatten(0, 1), labels.flatten())


def main():
    tokens = torch.randint(0, 16, (2, 4))
    labels = torch.randint(0, 16, (2, 4))
    torch.export.save(torch.export.export(CumsumModel().train(), (tokens, labels)), sys.argv[1])
    if len(sys.argv) > 2:
        torch.export.save(torch.export.export(RoutedModel().train(), (tokens, labels)),
                          sys.argv[2])
    if len(sys.argv) > 3:
        torch.export.save(torch.export.export(TraceModel().train(), (tokens, labels)),
                          sys.argv[3])


class RoutedModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(16, 8)
        self.expert = torch.nn.Linear(8, 8)
        self.head = torch.nn.Linear(8, 16)

    def forward(self, tokens, labels):
        h = self.emb(tokens).flatten(0, 1)
        (rows,) = torch.where(tokens.flatten() % 2 == 0)  # data-dependent
        h = h.index_add(0, rows, self.expert(h[rows]))
        return torch.nn.functional.cross_entropy(self.head(h), labels.flatten())


class TraceModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(16, 4)

    def forward(self, tokens, labels):
        h = self.emb(tokens)
        gram = torch.einsum("bnd,bne->bde", h, h)
        return torch.einsum("bii->b", gram).mean()  # a trace


if __name__ == "__main__":
    main()
