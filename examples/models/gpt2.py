"""GPT-2-style language model in plain PyTorch (nanoGPT / HF GPT-2 layout).

This is a fixture for the dsc importer: the exact PyTorch idioms (fused
c_attn + split, view/transpose head layout, masked_fill with a registered
tril buffer, tied lm_head) are deliberate, since they determine which ops
appear in the traced TorchScript graph.  Do not "simplify" them.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class GPT2Config:
    vocab_size: int = 256
    n_positions: int = 64  # maximum sequence length (size of wpe and the mask)
    n_embd: int = 64
    n_layer: int = 2
    n_head: int = 4
    dropout: float = 0.0


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: GPT2Config):
        super().__init__()
        assert cfg.n_embd % cfg.n_head == 0, "n_embd must be divisible by n_head"
        self.n_head = cfg.n_head
        self.n_embd = cfg.n_embd
        # Head size as a Python int from the config.  Deriving it from
        # x.size() (as nanoGPT does) makes it a traced value, and
        # math.sqrt() on it raises a TracerWarning and bakes in a constant.
        self.head_dim = cfg.n_embd // cfg.n_head
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.attn_dropout = nn.Dropout(cfg.dropout)
        self.resid_dropout = nn.Dropout(cfg.dropout)
        T = cfg.n_positions
        # Lower-triangular 0/1 mask; a buffer, so it is a constant/attribute in
        # the traced graph rather than a parameter.
        self.register_buffer("bias", torch.tril(torch.ones(T, T)).view(1, 1, T, T))

    def forward(self, x):
        # B and S come from x.size(), so the trace records them dynamically
        # (aten::size -> prim::NumToTensor -> aten::Int feeding aten::view).
        B, S, d = x.size()
        H = self.n_head
        D = self.head_dim
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q = q.view(B, S, H, D).transpose(1, 2)  # (B, H, S, D)
        k = k.view(B, S, H, D).transpose(1, 2)
        v = v.view(B, S, H, D).transpose(1, 2)
        att = q @ k.transpose(-2, -1) * (1.0 / math.sqrt(D))
        att = att.masked_fill(self.bias[:, :, :S, :S] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        att = self.attn_dropout(att)
        y = att @ v  # (B, H, S, D)
        y = y.transpose(1, 2).contiguous().view(B, S, d)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, cfg: GPT2Config):
        super().__init__()
        self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, cfg: GPT2Config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT2(nn.Module):
    def __init__(self, cfg: GPT2Config, seed: int = 0):
        super().__init__()
        self.config = cfg
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(cfg.vocab_size, cfg.n_embd),
                wpe=nn.Embedding(cfg.n_positions, cfg.n_embd),
                drop=nn.Dropout(cfg.dropout),
                h=nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)]),
                ln_f=nn.LayerNorm(cfg.n_embd),
            )
        )
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        # Weight tying: one Parameter object shared by both modules.  It shows
        # up once in named_parameters() (as transformer.wte.weight).
        self.lm_head.weight = self.transformer.wte.weight
        self.init_weights(seed)

    @torch.no_grad()
    def init_weights(self, seed: int):
        # Explicit generator so init does not depend on (or disturb) the
        # global RNG.  Iterate named_parameters() in its fixed order; the tied
        # weight is visited once.
        g = torch.Generator().manual_seed(seed)
        ln_params = {
            n for m_name, m in self.named_modules() if isinstance(m, nn.LayerNorm)
            for n in (m_name + ".weight", m_name + ".bias")
        }
        for name, p in self.named_parameters():
            if name in ln_params:
                if name.endswith(".weight"):
                    p.fill_(1.0)
                else:
                    p.zero_()
            elif name.endswith(".bias"):
                p.zero_()
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.02)

    def forward(self, tokens, labels):
        B, S = tokens.size()
        pos = torch.arange(0, S, dtype=torch.long, device=tokens.device)
        x = self.transformer.wte(tokens) + self.transformer.wpe(pos)
        x = self.transformer.drop(x)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        logits = self.lm_head(x)
        V = logits.size(-1)
        return F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100)
