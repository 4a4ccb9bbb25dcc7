"""Llama-style language model in plain PyTorch (HF LlamaForCausalLM layout).

This is a fixture for the dsc importer: the exact idioms (hand-written RMSNorm
with float()/type_as casts, precomputed cos/sin buffers with rotate_half,
repeat_kv via expand+reshape, additive -inf mask buffer, softmax in float32)
are deliberate, since they determine which ops appear in the traced graph.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class LlamaConfig:
    vocab_size: int = 256
    max_seq_len: int = 64
    dim: int = 64
    n_layers: int = 2
    n_heads: int = 4
    n_kv_heads: int = 2  # < n_heads means grouped-query attention
    ffn_hidden: int = 128
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    shift_labels: bool = False  # shift labels inside the model (HF convention)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def _norm(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

    def forward(self, x):
        # Normalize in float32 and cast back, as in the reference Llama code
        # (a no-op cast for fp32 inputs, but it shows up in the graph).
        return self._norm(x.float()).type_as(x) * self.weight


def rotate_half(x):
    """Rotates half the hidden dims of the input (HF formulation)."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin):
    # cos/sin: [S, D] broadcast against [B, H, S, D].
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


def repeat_kv(x, n_rep: int):
    """[B, n_kv, S, D] -> [B, n_kv * n_rep, S, D] (HF repeat_kv)."""
    B, n_kv, S, D = x.shape
    if n_rep == 1:
        return x
    x = x[:, :, None, :, :].expand(B, n_kv, n_rep, S, D)
    return x.reshape(B, n_kv * n_rep, S, D)


class Attention(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        assert cfg.dim % cfg.n_heads == 0, "dim must be divisible by n_heads"
        assert cfg.n_heads % cfg.n_kv_heads == 0, "n_heads must be divisible by n_kv_heads"
        self.n_heads = cfg.n_heads
        self.n_kv_heads = cfg.n_kv_heads
        self.head_dim = cfg.dim // cfg.n_heads
        self.n_rep = cfg.n_heads // cfg.n_kv_heads
        self.q_proj = nn.Linear(cfg.dim, cfg.n_heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.dim, cfg.n_kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.dim, cfg.n_kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(cfg.n_heads * self.head_dim, cfg.dim, bias=False)

    def forward(self, x, cos, sin, mask):
        B, S, _ = x.shape
        q = self.q_proj(x).view(B, S, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, S, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, S, self.n_kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rotary_pos_emb(q, k, cos, sin)
        k = repeat_kv(k, self.n_rep)
        v = repeat_kv(v, self.n_rep)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
        scores = scores + mask  # additive causal mask: 0 or -inf
        scores = F.softmax(scores.float(), dim=-1).type_as(q)
        out = torch.matmul(scores, v)  # [B, H, S, D]
        out = out.transpose(1, 2).contiguous().view(B, S, -1)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.dim, cfg.ffn_hidden, bias=False)
        self.up_proj = nn.Linear(cfg.dim, cfg.ffn_hidden, bias=False)
        self.down_proj = nn.Linear(cfg.ffn_hidden, cfg.dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x


class LlamaModel(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.layers = nn.ModuleList([DecoderLayer(cfg) for _ in range(cfg.n_layers)])
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)

    def forward(self, tokens, cos, sin, mask):
        x = self.embed_tokens(tokens)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x)


class Llama(nn.Module):
    def __init__(self, cfg: LlamaConfig, seed: int = 0):
        super().__init__()
        self.config = cfg
        head_dim = cfg.dim // cfg.n_heads
        assert head_dim % 2 == 0, "head_dim must be even for rotary embeddings"
        self.model = LlamaModel(cfg)
        self.lm_head = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)

        T = cfg.max_seq_len
        # Precomputed rotary tables, HF layout: the frequencies are duplicated
        # (cat(freqs, freqs)) so they pair with rotate_half's halves.
        inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
        t = torch.arange(T).float()
        freqs = torch.outer(t, inv_freq)  # [T, head_dim/2]
        emb = torch.cat((freqs, freqs), dim=-1)  # [T, head_dim]
        self.register_buffer("cos_cached", emb.cos())
        self.register_buffer("sin_cached", emb.sin())
        # Additive causal mask: 0 on and below the diagonal, -inf above.
        self.register_buffer("mask", torch.triu(torch.full((T, T), float("-inf")), diagonal=1))
        self.init_weights(seed)

    @torch.no_grad()
    def init_weights(self, seed: int):
        # Explicit generator: deterministic and independent of the global RNG.
        g = torch.Generator().manual_seed(seed)
        for name, p in self.named_parameters():
            if name.endswith("layernorm.weight") or name == "model.norm.weight":
                p.fill_(1.0)
            elif name.endswith(".bias"):
                p.zero_()
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.02)

    def forward(self, tokens, labels):
        B, S = tokens.shape
        cos = self.cos_cached[:S]
        sin = self.sin_cached[:S]
        mask = self.mask[:S, :S]
        h = self.model(tokens, cos, sin, mask)
        logits = self.lm_head(h)
        V = logits.size(-1)
        if self.config.shift_labels:
            # Position t predicts token t+1; the last logit has no target.
            return F.cross_entropy(
                logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-100
            )
        return F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), ignore_index=-100)
