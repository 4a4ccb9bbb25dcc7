"""lucidrains-style (x-transformers, rotary-embedding-torch, PaLM-pytorch):
einops everywhere (`rearrange(t, 'b n (h d) -> b h n d', h=h)` over a
`map` of q, k, v; `repeat` of learnt null keys and values over the batch;
`rearrange(..., '... (d r) -> ... d r', r=2)` in an interleaved rotate_half),
torch.einsum with spaced index strings, scores masked with
`-torch.finfo(sim.dtype).max` (finite, not -inf) from a
`triu(j - i + 1)` mask padded with `F.pad(mask, (1, 0), value=False)` for
the null key, the max subtracted and detached before the softmax, partial
rotary (the first half of each head), token shift of half the features by
`F.pad(t, (0, 0, 1, -1))` (a negative pad), RMSNorm as
`F.normalize(x, dim=-1) * sqrt(d) * gamma`, GEGLU, and the loss with the
classes on dim 1 (`F.cross_entropy(rearrange(logits, 'b n c -> b c n'), ...)`)
over a tied embedding."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange, repeat

VOCAB, SEQ, DIM, HEADS, DIM_HEAD, DEPTH = 96, 16, 32, 4, 8, 2


class RMSNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.scale = dim ** 0.5
        self.gamma = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return F.normalize(x, dim=-1) * self.scale * self.gamma


class RotaryEmbedding(nn.Module):
    def __init__(self, dim, theta=10000):
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / (theta ** (torch.arange(0, dim, 2).float() / dim)), persistent=False)

    def forward(self, n, device):
        t = torch.arange(n, device=device).type_as(self.inv_freq)
        freqs = torch.einsum("i , j -> i j", t, self.inv_freq)
        return repeat(freqs, "... n -> ... (n r)", r=2)


def rotate_half(x):
    x = rearrange(x, "... (d r) -> ... d r", r=2)
    x1, x2 = x.unbind(dim=-1)
    x = torch.stack((-x2, x1), dim=-1)
    return rearrange(x, "... d r -> ... (d r)")


def apply_rotary_emb(freqs, t):
    rot_dim = freqs.shape[-1]
    t, t_pass = t[..., :rot_dim], t[..., rot_dim:]
    t = (t * freqs.cos()) + (rotate_half(t) * freqs.sin())
    return torch.cat((t, t_pass), dim=-1)


def shift_tokens(t):
    t, t_pass = t.chunk(2, dim=-1)
    t = F.pad(t, (0, 0, 1, -1), value=0.0)
    return torch.cat((t, t_pass), dim=-1)


class GEGLU(nn.Module):
    def forward(self, x):
        x, gate = x.chunk(2, dim=-1)
        return x * F.gelu(gate)


class Attention(nn.Module):
    def __init__(self, dim, heads, dim_head):
        super().__init__()
        inner = heads * dim_head
        self.heads = heads
        self.scale = dim_head ** -0.5
        self.norm = RMSNorm(dim)
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_kv = nn.Linear(dim, inner * 2, bias=False)
        self.null_kv = nn.Parameter(torch.randn(2, heads, 1, dim_head) * 0.5)
        self.to_out = nn.Linear(inner, dim, bias=False)

    def forward(self, x, rotary):
        b, n, h = x.shape[0], x.shape[1], self.heads
        x = self.norm(x)
        q, k, v = (self.to_q(x), *self.to_kv(x).chunk(2, dim=-1))
        q, k, v = map(lambda t: rearrange(t, "b n (h d) -> b h n d", h=h), (q, k, v))
        q, k = apply_rotary_emb(rotary, q), apply_rotary_emb(rotary, k)
        nk, nv = map(lambda t: repeat(t, "h 1 d -> b h 1 d", b=b), self.null_kv.unbind(dim=0))
        k = torch.cat((nk, k), dim=-2)
        v = torch.cat((nv, v), dim=-2)
        q = q * self.scale
        sim = torch.einsum("b h i d, b h j d -> b h i j", q, k)
        i, j = sim.shape[-2:]
        causal_mask = torch.ones((i, j - 1), device=x.device, dtype=torch.bool).triu(j - i)
        causal_mask = F.pad(causal_mask, (1, 0), value=False)
        sim = sim.masked_fill(causal_mask, -torch.finfo(sim.dtype).max)
        sim = sim - sim.amax(dim=-1, keepdim=True).detach()
        attn = sim.softmax(dim=-1)
        out = torch.einsum("b h i j, b h j d -> b h i d", attn, v)
        out = rearrange(out, "b h n d -> b n (h d)")
        return self.to_out(out)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.Sequential(RMSNorm(dim), nn.Linear(dim, dim * mult * 2), GEGLU(), nn.Linear(dim * mult, dim))

    def forward(self, x):
        return self.net(shift_tokens(x))


class TransformerLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.token_emb = nn.Embedding(VOCAB, DIM)
        self.rotary = RotaryEmbedding(DIM_HEAD // 2)
        self.layers = nn.ModuleList([
            nn.ModuleList([Attention(DIM, HEADS, DIM_HEAD), FeedForward(DIM)]) for _ in range(DEPTH)])
        self.norm = RMSNorm(DIM)

    def forward(self, tokens, labels):
        x = self.token_emb(tokens)
        rotary = self.rotary(x.shape[1], x.device)
        for attn, ff in self.layers:
            x = attn(x, rotary) + x
            x = ff(x) + x
        x = self.norm(x)
        logits = torch.einsum("b n d, c d -> b n c", x, self.token_emb.weight)
        return F.cross_entropy(rearrange(logits, "b n c -> b c n"), labels, ignore_index=0)


def build():
    torch.manual_seed(0)
    labels = torch.randint(1, VOCAB, (2, SEQ))
    labels[1, -4:] = 0
    return TransformerLM(), torch.randint(0, VOCAB, (2, SEQ)), labels
