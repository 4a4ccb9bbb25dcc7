"""Supervised fine-tuning losses, the way SFT scripts write them by hand:
per-token cross-entropy with reduction='none' over shifted logits, the
prompt's labels -100 (zero loss there), averaged over the answer tokens
by hand (`per_token.sum() / (labels != -100).sum()`); a label-smoothed
cross-entropy with reduction='sum' over logits in PyTorch's (N, C, T)
layout, divided by the token count; and nll_loss with reduction='none'
over log_softmax whose ignore_index (0, a padding id) is a real class, its
per-token losses weighted by position before the sum. A small
Llama-style decoder (RMSNorm, SDPA causal, SwiGLU, untied head)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, H, L = 96, 32, 4, 2


class RMSNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(D))

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn_norm, self.mlp_norm = RMSNorm(), RMSNorm()
        self.qkv = nn.Linear(D, 3 * D, bias=False)
        self.o = nn.Linear(D, D, bias=False)
        self.gate, self.up = nn.Linear(D, 2 * D, bias=False), nn.Linear(D, 2 * D, bias=False)
        self.down = nn.Linear(2 * D, D, bias=False)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.attn_norm(x)).view(b, t, 3, H, D // H).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o(a.transpose(1, 2).reshape(b, t, D))
        h = self.mlp_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D)
        self.layers = nn.ModuleList(Layer() for _ in range(L))
        self.norm = RMSNorm()
        self.lm_head = nn.Linear(D, V, bias=False)

    def forward(self, tokens, labels):
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x)
        logits = self.lm_head(self.norm(x))
        shift_logits = logits[:, :-1, :].contiguous()
        shift_labels = labels[:, 1:].contiguous()
        per_token = F.cross_entropy(shift_logits.view(-1, V), shift_labels.view(-1),
                                    reduction="none")
        answer = (shift_labels != -100).sum()
        sft = per_token.sum() / answer
        smoothed = F.cross_entropy(shift_logits.transpose(1, 2), shift_labels,
                                   reduction="sum", label_smoothing=0.1) / answer
        weights = torch.linspace(0.5, 1.5, tokens.shape[1])
        nll = F.nll_loss(F.log_softmax(logits, dim=-1).view(-1, V), tokens.view(-1),
                         ignore_index=0, reduction="none")
        weighted = (nll.view(tokens.shape) * weights).sum() / tokens.numel()
        return sft + 0.5 * smoothed + 0.1 * weighted


def build():
    tokens = torch.randint(0, V, (2, 16))
    tokens[:, -3:] = 0  # padding, ignored by the nll term
    labels = tokens.clone()
    labels[0, :6] = -100  # the prompts
    labels[1, :9] = -100
    return Decoder(), tokens, labels
