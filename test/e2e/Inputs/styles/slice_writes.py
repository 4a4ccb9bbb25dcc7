"""In-place writes into slices, as sequence-to-sequence and RWKV-style code
writes them, which a core-ATen program (run_decompositions(), also what
examples/export.py saves for a forward with an autocast region) holds in
functional form: slice_scatter, select_scatter, copy and fill.

- T5's _shift_right: decoder inputs from `new_zeros`, `shifted[..., 1:] =
  labels[..., :-1].clone()`, `shifted[..., 0] = start`, then
  `masked_fill_` of the ignored labels' -100 by the pad id;
- RWKV's token shift on activations: `xx = torch.zeros_like(x); xx[:, 1:]
  = x[:, :-1]`, mixed with x by learnt per-channel weights;
- a learnt summary token written into row 0 of a fresh buffer
  (`h[:, 0] = self.summary`, `h[:, 1:] = x`: 17 positions, odd under
  sequence parallelism), and a learnt scale on every other channel
  (`h[..., ::2] = h[..., ::2].clone() * self.even_scale`);
- `out.copy_(h)` into a buffer from `empty_like`.
Every write carries a gradient to where its values came from."""
import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, N, PAD, START = 64, 32, 16, 1, 2


class TokenShiftMix(nn.Module):
    def __init__(self):
        super().__init__()
        self.mix = nn.Parameter(torch.linspace(0.1, 0.9, D))
        self.key = nn.Linear(D, D, bias=False)

    def forward(self, x):
        xx = torch.zeros_like(x)
        xx[:, 1:] = x[:, :-1]
        return x + self.key(x * self.mix + xx * (1 - self.mix)).relu().square()


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D, padding_idx=PAD)
        self.summary = nn.Parameter(torch.randn(D) * 0.1)
        self.even_scale = nn.Parameter(torch.full((D // 2,), 1.5))
        self.blocks = nn.ModuleList(TokenShiftMix() for _ in range(2))
        self.norm = nn.LayerNorm(D)
        self.head = nn.Linear(D, V)

    def shift_right(self, labels):
        shifted = labels.new_zeros(labels.shape)
        shifted[..., 1:] = labels[..., :-1].clone()
        shifted[..., 0] = START
        shifted.masked_fill_(shifted == -100, PAD)
        return shifted

    def forward(self, tokens, labels):
        x = self.embed(self.shift_right(labels)) + self.embed(tokens)
        b, t, _ = x.shape
        h = x.new_zeros(b, t + 1, D)
        h[:, 0] = self.summary
        h[:, 1:] = x
        h[..., ::2] = h[..., ::2].clone() * self.even_scale
        for block in self.blocks:
            h = block(h)
        out = torch.empty_like(h)
        out.copy_(self.norm(h))
        logits = self.head(out[:, 1:])
        return F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), ignore_index=-100)


def build():
    g = torch.Generator().manual_seed(5)
    labels = torch.randint(3, V, (2, N), generator=g)
    labels[1, -3:] = -100
    return Model(), torch.randint(3, V, (2, N), generator=g), labels
