"""A decoder whose padding mask comes from the tokens, built as the
Annotated Transformer's make_std_mask builds it ((tgt != pad).unsqueeze(-2)
& subsequent_mask) and applied as MPT applies its attention mask
(scores.masked_fill(mask == 0, torch.finfo(scores.dtype).min)), with left
padding: the first query rows of a padded sequence see no key at all.
There the softmax is uniform and masked_fill gives the scores no gradient
(an additive mask would); the loss counts those rows."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, H, N, PAD = 48, 32, 4, 12, 0


def subsequent_mask(size):
    return torch.triu(torch.ones((1, size, size)), diagonal=1).type(torch.uint8) == 0


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.linears = nn.ModuleList(nn.Linear(D, D) for _ in range(4))
        self.ff = nn.Sequential(nn.Linear(D, 2 * D), nn.ReLU(), nn.Linear(2 * D, D))

    def attention(self, x, mask):
        b = x.size(0)
        q, k, v = (lin(x).view(b, -1, H, D // H).transpose(1, 2) for lin in self.linears[:3])
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(D // H)
        scores = scores.masked_fill(mask.unsqueeze(1) == 0, torch.finfo(scores.dtype).min)
        p = scores.softmax(dim=-1)
        x = torch.matmul(p, v).transpose(1, 2).contiguous().view(b, -1, D)
        return self.linears[3](x)

    def forward(self, x, mask):
        x = x + self.attention(self.norm1(x), mask)
        return x + self.ff(self.norm2(x))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D)
        self.pos = nn.Parameter(torch.randn(N, D) * 0.1)
        self.layers = nn.ModuleList(Layer() for _ in range(2))
        self.proj = nn.Linear(D, V)

    def forward(self, tokens, labels):
        mask = (tokens != PAD).unsqueeze(-2) & subsequent_mask(tokens.size(-1))
        x = self.embed(tokens) * math.sqrt(D) + self.pos
        for layer in self.layers:
            x = layer(x, mask)
        return F.cross_entropy(self.proj(x).view(-1, V), labels.view(-1))


def build():
    g = torch.Generator().manual_seed(5)
    tokens = torch.randint(1, V, (2, N), generator=g)
    tokens[1, :3] = PAD
    return Decoder(), tokens, torch.randint(1, V, (2, N), generator=g)
