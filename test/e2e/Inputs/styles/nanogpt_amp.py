"""nanoGPT (model.py, its flash path) trained the way its train.py does
mixed precision: `ctx = torch.amp.autocast(device_type, dtype=ptdtype)`
around `logits, loss = model(X, Y)`, here float16 (its default on GPUs
without bfloat16) with a static loss scale in place of GradScaler's; float32
weights tied between wte and lm_head, LayerNorm with biases,
scaled_dot_product_attention(is_causal=True), GELU, the loss with
ignore_index=-1. Under autocast the linears run in float16 and their
weights are cast once per use; the embeddings, LayerNorm and the loss stay
in float32 (autocast's policy)."""
import torch
import torch.nn as nn
from torch.nn import functional as F

VOCAB, BLOCK, EMBD, HEADS, LAYERS = 96, 16, 32, 4, 2
LOSS_SCALE = 1024.0


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(EMBD, 3 * EMBD)
        self.c_proj = nn.Linear(EMBD, EMBD)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(EMBD, dim=2)
        k = k.view(B, T, HEADS, C // HEADS).transpose(1, 2)
        q = q.view(B, T, HEADS, C // HEADS).transpose(1, 2)
        v = v.view(B, T, HEADS, C // HEADS).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = nn.Linear(EMBD, 4 * EMBD)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * EMBD, EMBD)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(EMBD)
        self.attn = CausalSelfAttention()
        self.ln_2 = nn.LayerNorm(EMBD)
        self.mlp = MLP()

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(VOCAB, EMBD),
            wpe=nn.Embedding(BLOCK, EMBD),
            h=nn.ModuleList([Block() for _ in range(LAYERS)]),
            ln_f=nn.LayerNorm(EMBD),
        ))
        self.lm_head = nn.Linear(EMBD, VOCAB, bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx, targets):
        t = idx.size(1)
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
                               ignore_index=-1)


class Trained(nn.Module):
    """train.py's step: the forward under autocast, the loss scaled."""

    def __init__(self):
        super().__init__()
        self.model = GPT()

    def forward(self, idx, targets):
        with torch.amp.autocast(device_type="cpu", dtype=torch.float16):
            loss = self.model(idx, targets)
        return loss * LOSS_SCALE


def build():
    idx = torch.randint(0, VOCAB, (2, BLOCK))
    targets = torch.roll(idx, -1, dims=1)
    targets[:, -1] = -1
    return Trained(), idx, targets
