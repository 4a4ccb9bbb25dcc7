"""The Annotated Transformer's idioms (Harvard NLP): LayerNorm written out
with the unbiased std, `a_2 * (x - mean) / (std + eps) + b_2`; residual
SublayerConnection around pre-norm sublayers; attention through
`torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(d_k)` and
`masked_fill(mask == 0, -1e9)` with `subsequent_mask` built from
`torch.triu(torch.ones(...), diagonal=1).type(torch.uint8) == 0`; the
sinusoidal PositionalEncoding buffer; embeddings scaled by
sqrt(d_model); the Generator's log_softmax fed to nll_loss. Plus an
auxiliary term from torch.var_mean over the sequence (unbiased=False)
and a biased var over the features, as normalisation code writes them."""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, H, N = 72, 32, 4, 16


class LayerNorm(nn.Module):
    def __init__(self, features, eps=1e-6):
        super().__init__()
        self.a_2 = nn.Parameter(torch.ones(features) + 0.1 * torch.randn(features))
        self.b_2 = nn.Parameter(0.1 * torch.randn(features))
        self.eps = eps

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        std = x.std(-1, keepdim=True)
        return self.a_2 * (x - mean) / (std + self.eps) + self.b_2


class SublayerConnection(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.norm = LayerNorm(size)

    def forward(self, x, sublayer):
        return x + sublayer(self.norm(x))


def subsequent_mask(size):
    attn_shape = (1, size, size)
    mask = torch.triu(torch.ones(attn_shape), diagonal=1).type(torch.uint8)
    return mask == 0


def attention(query, key, value, mask=None):
    d_k = query.size(-1)
    scores = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(mask == 0, -1e9)
    p_attn = scores.softmax(dim=-1)
    return torch.matmul(p_attn, value), p_attn


class MultiHeadedAttention(nn.Module):
    def __init__(self, h, d_model):
        super().__init__()
        self.d_k = d_model // h
        self.h = h
        self.linears = nn.ModuleList([copy.deepcopy(nn.Linear(d_model, d_model)) for _ in range(4)])

    def forward(self, query, key, value, mask=None):
        if mask is not None:
            mask = mask.unsqueeze(1)
        nbatches = query.size(0)
        query, key, value = [
            lin(x).view(nbatches, -1, self.h, self.d_k).transpose(1, 2)
            for lin, x in zip(self.linears, (query, key, value))
        ]
        x, _ = attention(query, key, value, mask=mask)
        x = x.transpose(1, 2).contiguous().view(nbatches, -1, self.h * self.d_k)
        return self.linears[-1](x)


class DecoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn = MultiHeadedAttention(H, D)
        self.w_1, self.w_2 = nn.Linear(D, 2 * D), nn.Linear(2 * D, D)
        self.sublayer = nn.ModuleList([SublayerConnection(D) for _ in range(2)])

    def forward(self, x, tgt_mask):
        x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, tgt_mask))
        return self.sublayer[1](x, lambda x: self.w_2(self.w_1(x).relu()))


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=64):
        super().__init__()
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * -(math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, x):
        return x + self.pe[:, : x.size(1)].requires_grad_(False)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.lut = nn.Embedding(V, D)
        self.pos = PositionalEncoding(D)
        self.layers = nn.ModuleList([DecoderLayer() for _ in range(2)])
        self.norm = LayerNorm(D)
        self.proj = nn.Linear(D, V)

    def forward(self, tokens, labels):
        x = self.pos(self.lut(tokens) * math.sqrt(D))
        mask = subsequent_mask(tokens.size(-1))
        for layer in self.layers:
            x = layer(x, mask)
        x = self.norm(x)
        log_probs = F.log_softmax(self.proj(x), dim=-1)
        loss = F.nll_loss(log_probs.view(-1, V), labels.view(-1))
        seq_var, seq_mean = torch.var_mean(x, dim=1, unbiased=False)
        feature_var = x.var(dim=-1, unbiased=False)
        return loss + 0.01 * (seq_var.mean() + seq_mean.pow(2).mean() + feature_var.mean())


def build():
    return Decoder(), torch.randint(0, V, (2, N)), torch.randint(0, V, (2, N))
