"""Meta's reference LLaMA code (llama/model.py), reduced: rotary embedding
in complex numbers (freqs_cis from torch.polar, precomputed once as a plain
attribute, sliced to the tokens, reshaped for broadcast;
torch.view_as_complex of the float queries and keys paired along the last
dimension, a complex product, torch.view_as_real(...).flatten(3) and
type_as back), torch.nn.RMSNorm (as torchtitan's port has it), SwiGLU
feed-forward with a multiple_of-rounded hidden
size, grouped-query attention by repeat_kv (expand + reshape), a causal
mask from torch.full(-inf).triu(1) added to the scores, weights untied."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, H, KVH, N, L = 96, 32, 4, 2, 16, 2


def precompute_freqs_cis(dim, end, theta=10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
    t = torch.arange(end, device=freqs.device)
    freqs = torch.outer(t, freqs).float()
    return torch.polar(torch.ones_like(freqs), freqs)  # complex64


def reshape_for_broadcast(freqs_cis, x):
    ndim = x.ndim
    assert freqs_cis.shape == (x.shape[1], x.shape[-1])
    shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
    return freqs_cis.view(*shape)


def apply_rotary_emb(xq, xk, freqs_cis):
    xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
    xk_ = torch.view_as_complex(xk.float().reshape(*xk.shape[:-1], -1, 2))
    freqs_cis = reshape_for_broadcast(freqs_cis, xq_)
    xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
    xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3)
    return xq_out.type_as(xq), xk_out.type_as(xk)


def repeat_kv(x, n_rep):
    bs, slen, n_kv_heads, head_dim = x.shape
    if n_rep == 1:
        return x
    return (x[:, :, :, None, :].expand(bs, slen, n_kv_heads, n_rep, head_dim)
            .reshape(bs, slen, n_kv_heads * n_rep, head_dim))


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.head_dim = D // H
        self.wq = nn.Linear(D, H * self.head_dim, bias=False)
        self.wk = nn.Linear(D, KVH * self.head_dim, bias=False)
        self.wv = nn.Linear(D, KVH * self.head_dim, bias=False)
        self.wo = nn.Linear(H * self.head_dim, D, bias=False)

    def forward(self, x, freqs_cis, mask):
        bsz, seqlen, _ = x.shape
        xq, xk, xv = self.wq(x), self.wk(x), self.wv(x)
        xq = xq.view(bsz, seqlen, H, self.head_dim)
        xk = xk.view(bsz, seqlen, KVH, self.head_dim)
        xv = xv.view(bsz, seqlen, KVH, self.head_dim)
        xq, xk = apply_rotary_emb(xq, xk, freqs_cis=freqs_cis)
        keys = repeat_kv(xk, H // KVH)
        values = repeat_kv(xv, H // KVH)
        xq, keys, values = xq.transpose(1, 2), keys.transpose(1, 2), values.transpose(1, 2)
        scores = torch.matmul(xq, keys.transpose(2, 3)) / math.sqrt(self.head_dim)
        scores = scores + mask
        scores = F.softmax(scores.float(), dim=-1).type_as(xq)
        output = torch.matmul(scores, values)
        output = output.transpose(1, 2).contiguous().view(bsz, seqlen, -1)
        return self.wo(output)


class FeedForward(nn.Module):
    def __init__(self, dim, hidden_dim, multiple_of=16):
        super().__init__()
        hidden_dim = int(2 * hidden_dim / 3)
        hidden_dim = multiple_of * ((hidden_dim + multiple_of - 1) // multiple_of)
        self.w1 = nn.Linear(dim, hidden_dim, bias=False)
        self.w2 = nn.Linear(hidden_dim, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden_dim, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class TransformerBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()
        self.feed_forward = FeedForward(D, 4 * D)
        self.attention_norm = nn.RMSNorm(D, eps=1e-6)
        self.ffn_norm = nn.RMSNorm(D, eps=1e-6)

    def forward(self, x, freqs_cis, mask):
        h = x + self.attention(self.attention_norm(x), freqs_cis, mask)
        return h + self.feed_forward(self.ffn_norm(h))


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok_embeddings = nn.Embedding(V, D)
        self.layers = nn.ModuleList(TransformerBlock() for _ in range(L))
        self.norm = nn.RMSNorm(D, eps=1e-6)
        self.output = nn.Linear(D, V, bias=False)
        self.freqs_cis = precompute_freqs_cis(D // H, N * 2)

    def forward(self, tokens, labels, start_pos=0):
        _bsz, seqlen = tokens.shape
        h = self.tok_embeddings(tokens)
        freqs_cis = self.freqs_cis[start_pos: start_pos + seqlen]
        mask = torch.full((seqlen, seqlen), float("-inf"), device=tokens.device)
        mask = torch.triu(mask, diagonal=1)
        for layer in self.layers:
            h = layer(h, freqs_cis, mask)
        logits = self.output(self.norm(h)).float()
        return F.cross_entropy(logits.view(-1, V), labels.view(-1))


def build():
    return Transformer(), torch.randint(0, V, (2, N)), torch.randint(0, V, (2, N))
