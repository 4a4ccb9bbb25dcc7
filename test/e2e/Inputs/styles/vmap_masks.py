"""torch.vmap in a training forward, as functorch-minded code writes it:
a document mask (packed sequences: a token sees the earlier tokens of its
own document) from a mask function of (batch, query, key) indices vmapped
over all three, as Hugging Face's masking_utils and FlexAttention's
mask_mod do, and ALiBi-style distance biases from a vmapped function of
the same document ids; a sinusoidal position table built under
torch.no_grad from a buffer. (torch.export 2.11 cannot trace a vmap that
a gradient flows through: "a fake tensor in the constant's list".) The
exporter lowers the vmaps (examples/export.py lower_vmap); the no_grad
region reads no parameter, so lowering it loses nothing, and a .detach()
of an activation stays one."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, EMBD, HEADS, LAYERS, SEQ = 64, 32, 4, 2, 12
HEAD = EMBD // HEADS


def document_mask(doc_ids):
    def allowed(b, q, k):
        return (doc_ids[b, q] == doc_ids[b, k]) & (k <= q)
    n, t = doc_ids.shape
    pairs = torch.vmap(torch.vmap(torch.vmap(allowed, (None, None, 0)), (None, 0, None)),
                       (0, None, None))
    return pairs(torch.arange(n), torch.arange(t), torch.arange(t))  # [n, t, t]


def distance_bias(doc_ids):
    """-slope * (q - k) within a document, per head: [n, h, t, t]."""
    def bias(b, q, k, slope):
        return torch.where(doc_ids[b, q] == doc_ids[b, k], -slope * (q - k).abs(), 0.0)
    n, t = doc_ids.shape
    slopes = 2.0 ** -torch.arange(1, HEADS + 1, dtype=torch.float32)
    per = torch.vmap(torch.vmap(bias, (None, None, 0, None)), (None, 0, None, None))
    per = torch.vmap(torch.vmap(per, (None, None, None, 0)), (0, None, None, None))
    return per(torch.arange(n), torch.arange(t), torch.arange(t), slopes)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(EMBD, 3 * EMBD)
        self.out = nn.Linear(EMBD, EMBD, bias=False)

    def forward(self, x, mask, bias):
        n, t, _ = x.shape
        q, k, v = self.qkv(x).view(n, t, 3, HEADS, HEAD).transpose(1, 3).unbind(2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(HEAD) + bias
        scores = scores.masked_fill(~mask[:, None], torch.finfo(scores.dtype).min)
        y = scores.softmax(-1) @ v  # [n, h, t, d]
        return self.out(y.transpose(1, 2).reshape(n, t, EMBD))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(EMBD)
        self.attn = Attention()
        self.norm2 = nn.LayerNorm(EMBD)
        self.mlp = nn.Sequential(nn.Linear(EMBD, 2 * EMBD), nn.SiLU(), nn.Linear(2 * EMBD, EMBD))

    def forward(self, x, mask, bias):
        x = x + self.attn(self.norm1(x), mask, bias)
        return x + self.mlp(self.norm2(x))


class PackedLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBD)
        self.register_buffer("inv_freq", 1.0 / 10000 ** (torch.arange(0, EMBD, 2) / EMBD),
                             persistent=False)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.head = nn.Linear(EMBD, VOCAB, bias=False)

    def forward(self, tokens, doc_ids, labels):
        t = tokens.shape[1]
        with torch.no_grad():
            angles = torch.arange(t, dtype=torch.float32)[:, None] * self.inv_freq
            positions = torch.cat([angles.sin(), angles.cos()], -1)
        x = self.embed(tokens) + positions
        # A stop-gradient the lowering keeps: only the first term trains
        # the embedding through this path.
        x = x + 0.5 * x.detach().tanh()
        mask, bias = document_mask(doc_ids), distance_bias(doc_ids)
        for block in self.blocks:
            x = block(x, mask, bias)
        logits = self.head(x)
        return F.cross_entropy(logits.view(-1, VOCAB), labels.view(-1))


def build():
    tokens = torch.randint(0, VOCAB, (2, SEQ))
    doc_ids = torch.tensor([[0] * 5 + [1] * 7, [0] * 3 + [1] * 4 + [2] * 5])
    return PackedLM(), tokens, doc_ids, torch.randint(0, VOCAB, (2, SEQ))
