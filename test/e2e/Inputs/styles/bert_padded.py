"""Encoder classifier written as the original BERT code does it: the
extended attention mask (1.0 - mask[:, None, None, :]) * -10000.0 added to
scores divided by math.sqrt(head_size), nn.Softmax(dim=-1), a fused-free
query/key/value triple with transpose_for_scores, post-LN, and a mean pool
over every position (pads included) into a classification head. The
second sequence of the batch is padding only: each of its query rows sees
every key at -10000, so eager softmax makes them uniform."""
import math

import torch, torch.nn as nn, torch.nn.functional as F

PAD = 0


class Cfg:
    vocab = 80; d = 48; heads = 3; layers = 2; classes = 5; max_pos = 32


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__(); self.h = c.heads; self.hs = c.d // c.heads
        self.query = nn.Linear(c.d, c.d); self.key = nn.Linear(c.d, c.d); self.value = nn.Linear(c.d, c.d)
        self.softmax = nn.Softmax(dim=-1)

    def transpose_for_scores(self, x):
        return x.view(x.size()[:-1] + (self.h, self.hs)).permute(0, 2, 1, 3)

    def forward(self, x, ext_mask):
        q = self.transpose_for_scores(self.query(x))
        k = self.transpose_for_scores(self.key(x))
        v = self.transpose_for_scores(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.hs)
        scores = scores + ext_mask
        ctx = torch.matmul(self.softmax(scores), v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.size()[:-2] + (self.h * self.hs,))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attn = SelfAttention(c); self.out = nn.Linear(c.d, c.d); self.ln1 = nn.LayerNorm(c.d, eps=1e-12)
        self.inter = nn.Linear(c.d, 4 * c.d); self.out2 = nn.Linear(4 * c.d, c.d); self.ln2 = nn.LayerNorm(c.d, eps=1e-12)

    def forward(self, x, ext_mask):
        x = self.ln1(x + self.out(self.attn(x, ext_mask)))
        return self.ln2(x + self.out2(F.gelu(self.inter(x))))


class Model(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.word = nn.Embedding(c.vocab, c.d, padding_idx=PAD); self.pos = nn.Embedding(c.max_pos, c.d)
        self.ln = nn.LayerNorm(c.d, eps=1e-12)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.layers))
        self.classifier = nn.Linear(c.d, c.classes)

    def forward(self, tokens, labels):
        mask = (tokens != PAD).float()
        ext_mask = (1.0 - mask[:, None, None, :]) * -10000.0
        x = self.ln(self.word(tokens) + self.pos(torch.arange(tokens.size(1)))[None])
        for layer in self.layers:
            x = layer(x, ext_mask)
        return F.cross_entropy(self.classifier(x.mean(dim=1)), labels)


def build():
    c = Cfg(); m = Model(c)
    g = torch.Generator().manual_seed(5)
    tokens = torch.randint(1, c.vocab, (2, 16), generator=g)
    tokens[0, 12:] = PAD; tokens[1, :] = PAD
    labels = torch.tensor([1, 3])
    return m, tokens, labels
