"""minGPT-style: the position table a raw nn.Parameter of shape
(1, block_size, n_embd) sliced to the tokens (`self.pos_emb[:, :t, :]`), a
causal mask kept as a registered lower-triangular buffer and applied with
`masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))`, attention
written out (q @ k.transpose(-2, -1) * (1.0 / math.sqrt(k.size(-1))),
softmax), one fused c_attn split into q, k, v, GELU MLP, pre-LN, a bias-free
head and the loss in forward with ignore_index=-1. The table's length is
the sequence's, so sequence parallelism splits the parameter itself."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, BLOCK, EMBD, HEADS, LAYERS = 96, 16, 32, 4, 2


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(EMBD, 3 * EMBD)
        self.c_proj = nn.Linear(EMBD, EMBD)
        self.register_buffer("bias", torch.tril(torch.ones(BLOCK, BLOCK)).view(1, 1, BLOCK, BLOCK))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(EMBD, dim=2)
        k = k.view(B, T, HEADS, C // HEADS).transpose(1, 2)
        q = q.view(B, T, HEADS, C // HEADS).transpose(1, 2)
        v = v.view(B, T, HEADS, C // HEADS).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(EMBD)
        self.attn = CausalSelfAttention()
        self.ln2 = nn.LayerNorm(EMBD)
        self.mlp = nn.Sequential(nn.Linear(EMBD, 4 * EMBD), nn.GELU(), nn.Linear(4 * EMBD, EMBD))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok_emb = nn.Embedding(VOCAB, EMBD)
        self.pos_emb = nn.Parameter(torch.randn(1, BLOCK, EMBD) * 0.1)
        self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(EMBD)
        self.head = nn.Linear(EMBD, VOCAB, bias=False)

    def forward(self, tokens, labels):  # the harness's batch names
        idx, targets = tokens, labels
        b, t = idx.size()
        x = self.tok_emb(idx) + self.pos_emb[:, :t, :]
        logits = self.head(self.ln_f(self.blocks(x)))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


def build():
    targets = torch.randint(0, VOCAB, (2, BLOCK))
    targets[0, :3] = -1
    return GPT(), torch.randint(0, VOCAB, (2, BLOCK)), targets
