"""Research-code style with torch.einsum everywhere (lucidrains-like):
attention scores 'b h i d, b h j d -> b h i j' and the weighted sum
'b h i j, b h j d -> b h i d', projections against raw weight matrices
'b n d, h d -> b n h', an ellipsis '...d,de->...e' feed-forward, a
three-operand low-rank head 'bnd,dr,rv->bnv', an outer product for
learned position scales 'n,d->nd', and an implicit-output regulariser
'bnd,bnd' (the indices seen once: none, a scalar). Heads split with
view/permute, causal mask from torch.ones(...).triu(1).bool()."""
import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, H, N, R = 80, 32, 4, 16, 8


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.to_q = nn.Parameter(torch.randn(D, D) * D ** -0.5)
        self.to_kv = nn.Parameter(torch.randn(2 * D, D) * D ** -0.5)
        self.to_out = nn.Parameter(torch.randn(D, D) * D ** -0.5)
        self.scale = (D // H) ** -0.5

    def forward(self, x):
        b, n, _ = x.shape
        q = torch.einsum("b n d, h d -> b n h", x, self.to_q)
        k, v = torch.einsum("bnd,hd->bnh", x, self.to_kv).chunk(2, dim=-1)
        q, k, v = (t.view(b, n, H, D // H).permute(0, 2, 1, 3) for t in (q, k, v))
        sim = torch.einsum("b h i d, b h j d -> b h i j", q, k) * self.scale
        mask = torch.ones(n, n, dtype=torch.bool).triu(1)
        sim = sim.masked_fill(mask, -torch.finfo(sim.dtype).max)
        attn = sim.softmax(dim=-1)
        out = torch.einsum("b h i j, b h j d -> b h i d", attn, v)
        out = out.permute(0, 2, 1, 3).reshape(b, n, D)
        return torch.einsum("bnd,ed->bne", out, self.to_out)


class FeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(D, 2 * D) * D ** -0.5)
        self.w2 = nn.Parameter(torch.randn(2 * D, D) * (2 * D) ** -0.5)

    def forward(self, x):
        return torch.einsum("...d,de->...e", F.gelu(torch.einsum("...d,de->...e", x, self.w1)), self.w2)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, D)
        self.pos_gain = nn.Parameter(torch.ones(N) + 0.1 * torch.randn(N))
        self.pos_dir = nn.Parameter(torch.randn(D) * 0.1)
        self.layers = nn.ModuleList(nn.ModuleList([nn.LayerNorm(D), Attention(), nn.LayerNorm(D), FeedForward()])
                                    for _ in range(2))
        self.down = nn.Parameter(torch.randn(D, R) * D ** -0.5)
        self.up = nn.Parameter(torch.randn(R, V) * R ** -0.5)

    def forward(self, tokens, labels):
        x = self.emb(tokens) + torch.einsum("n,d->nd", self.pos_gain, self.pos_dir)
        for norm1, attn, norm2, ff in self.layers:
            x = x + attn(norm1(x))
            x = x + ff(norm2(x))
        logits = torch.einsum("bnd,dr,rv->bnv", x, self.down, self.up)
        loss = F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1))
        return loss + 1e-4 * torch.einsum("bnd,bnd", x, x) / x.numel()


def build():
    return Model(), torch.randint(0, V, (2, N)), torch.randint(0, V, (2, N))
