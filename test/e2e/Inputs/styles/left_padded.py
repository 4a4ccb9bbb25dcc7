"""Decoder with left padding, written as Hugging Face's eager Llama path
does it: a causal mask combined with a padding mask derived from the
tokens (pad_id=0 on the left), finfo.min where masked, added to
matmul(q, k^T) * scaling; grouped key/value heads through repeat_kv
(expand + reshape); softmax in float32 then cast back; rotary embedding
with rotate_half. The padded query rows see no key at all (every score is
finfo.min): eager attention's softmax makes them uniform. The loss counts
every position, pads included, so gradients flow through those rows."""
import torch, torch.nn as nn, torch.nn.functional as F

PAD = 0


class Cfg:
    vocab = 96; d = 64; heads = 4; kv_heads = 2; layers = 2


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(h, n_rep):
    b, kv, s, d = h.shape
    if n_rep == 1:
        return h
    return h[:, :, None, :, :].expand(b, kv, n_rep, s, d).reshape(b, kv * n_rep, s, d)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c; self.hd = c.d // c.heads
        self.scaling = self.hd ** -0.5
        self.q_proj = nn.Linear(c.d, c.heads * self.hd, bias=False)
        self.k_proj = nn.Linear(c.d, c.kv_heads * self.hd, bias=False)
        self.v_proj = nn.Linear(c.d, c.kv_heads * self.hd, bias=False)
        self.o_proj = nn.Linear(c.heads * self.hd, c.d, bias=False)

    def forward(self, x, cos, sin, mask):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, -1, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, s, -1, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, s, -1, self.hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = self.c.heads // self.c.kv_heads
        k, v = repeat_kv(k, rep), repeat_kv(v, rep)
        w = torch.matmul(q, k.transpose(2, 3)) * self.scaling
        w = w + mask
        w = F.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2).reshape(b, s, -1)
        return self.o_proj(o)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n1 = nn.RMSNorm(c.d, eps=1e-6); self.n2 = nn.RMSNorm(c.d, eps=1e-6)
        self.attn = Attention(c)
        self.up = nn.Linear(c.d, 2 * c.d, bias=False); self.gate = nn.Linear(c.d, 2 * c.d, bias=False)
        self.down = nn.Linear(2 * c.d, c.d, bias=False)

    def forward(self, x, cos, sin, mask):
        x = x + self.attn(self.n1(x), cos, sin, mask)
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.embed = nn.Embedding(c.vocab, c.d)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.layers))
        self.norm = nn.RMSNorm(c.d, eps=1e-6)
        self.lm_head = nn.Linear(c.d, c.vocab, bias=False)
        hd = c.d // c.heads
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, tokens, labels):
        b, s = tokens.shape
        attention_mask = tokens.ne(PAD)
        causal = torch.ones(s, s, dtype=torch.bool, device=tokens.device).tril()
        allowed = causal[None, None] & attention_mask[:, None, None, :]
        mask = torch.zeros(b, 1, s, s).masked_fill(~allowed, torch.finfo(torch.float32).min)
        pos = torch.arange(s, device=tokens.device).float()
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        logits = self.lm_head(self.norm(x)).float()
        return F.cross_entropy(logits.view(-1, self.c.vocab), labels.view(-1))


def build():
    c = Cfg(); m = Model(c)
    g = torch.Generator().manual_seed(3)
    tokens = torch.randint(1, c.vocab, (2, 16), generator=g)
    tokens[0, :5] = PAD; tokens[1, :2] = PAD
    labels = torch.randint(0, c.vocab, (2, 16), generator=g)
    return m, tokens, labels
