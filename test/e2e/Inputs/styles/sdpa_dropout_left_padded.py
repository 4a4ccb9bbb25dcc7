"""A decoder on left-padded rows through F.scaled_dot_product_attention
with a boolean mask (causal and the tokens' padding mask, as Hugging
Face's sdpa_mask builds it) and dropout_p=0.1 in training
(`self.dropout if self.training else 0.0`), grouped key/value heads by
enable_gqa. The padded query rows see no key: PyTorch's math backend
(_safe_softmax) gives them zeros and no gradient, where a plain softmax
gives NaN. The loss skips the pads (ignore_index)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, D, HEADS, KV_HEADS, LAYERS, SEQ, PAD = 96, 32, 4, 2, 2, 12, 0


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.hd = D // HEADS
        self.qkv = nn.Linear(D, (HEADS + 2 * KV_HEADS) * self.hd)
        self.o = nn.Linear(D, D)
        self.dropout = 0.1

    def forward(self, x, mask):
        b, s, _ = x.shape
        q, k, v = self.qkv(x).split([HEADS * self.hd, KV_HEADS * self.hd, KV_HEADS * self.hd], -1)
        q = q.view(b, s, HEADS, self.hd).transpose(1, 2)
        k = k.view(b, s, KV_HEADS, self.hd).transpose(1, 2)
        v = v.view(b, s, KV_HEADS, self.hd).transpose(1, 2)
        o = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0,
            enable_gqa=True)
        return self.o(o.transpose(1, 2).reshape(b, s, D))


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.attn = Attention()
        self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D))

    def forward(self, x, mask):
        x = x + self.attn(self.n1(x), mask)
        return x + self.mlp(self.n2(x))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.pos = nn.Embedding(SEQ, D)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.head = nn.Linear(D, VOCAB)

    def forward(self, tokens, labels):
        b, s = tokens.shape
        keep = tokens != PAD
        causal = torch.ones(s, s, dtype=torch.bool, device=tokens.device).tril()
        mask = causal[None, None] & keep[:, None, None, :]
        x = self.embed(tokens) + self.pos(torch.arange(s, device=tokens.device))
        for layer in self.layers:
            x = layer(x, mask)
        logits = self.head(x)
        return F.cross_entropy(logits.view(-1, VOCAB), labels.masked_fill(~keep, -100).view(-1))


def build():
    tokens = torch.randint(1, VOCAB, (2, SEQ))
    tokens[0, :4] = PAD
    tokens[1, :1] = PAD
    return Decoder(), tokens, torch.randint(0, VOCAB, (2, SEQ))
