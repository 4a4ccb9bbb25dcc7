"""LitGPT-style (Lightning AI's lit-gpt): one fused qkv projection laid out
per query group, `(B, T, n_query_groups, q_per_kv + 2, head_size)`,
permuted to `(B, groups, q_per_kv + 2, T, hs)` and split `(q_per_kv, 1, 1)`
along dim 2, keys and values `expand`ed over the group's queries and
reshaped to heads; RoPE on the first `rope_n_elem` features only, from
cos/sin caches built once (`torch.outer(seq_idx, theta).repeat(1, 2)`) and
sliced to T, rotated as `cat((-x2, x1))`; scaled_dot_product_attention with
`is_causal=True` and an explicit `scale`; RMSNorm in float32
(`x * torch.rsqrt(mean(x * x) + eps)`), a LLaMA MLP (fc_1, fc_2, proj), and
the loss as its chunked_cross_entropy: logits split along the sequence,
per-chunk cross entropy with reduction='none', the sum divided by the count
of unmasked targets clamped below by 1."""
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, BLOCK, EMBD, N_HEAD, N_QUERY_GROUPS, ROPE_N_ELEM, LAYERS = 96, 16, 32, 4, 2, 4, 2
HEAD_SIZE = EMBD // N_HEAD


def build_rope_cache(seq_len, n_elem, base=10000):
    theta = 1.0 / (base ** (torch.arange(0, n_elem, 2).float() / n_elem))
    seq_idx = torch.arange(seq_len).float()
    idx_theta = torch.outer(seq_idx, theta).repeat(1, 2)
    return torch.cos(idx_theta), torch.sin(idx_theta)


def apply_rope(x, cos, sin):
    head_size = x.size(-1)
    x1 = x[..., : head_size // 2]
    x2 = x[..., head_size // 2:]
    rotated = torch.cat((-x2, x1), dim=-1)
    roped = (x * cos) + (rotated * sin)
    return roped.to(dtype=x.dtype)


class RMSNorm(nn.Module):
    def __init__(self, size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        norm_x = torch.mean(x * x, dim=-1, keepdim=True)
        x_normed = x * torch.rsqrt(norm_x + self.eps)
        return (x_normed * self.weight.float()).to(dtype=dtype)


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        shape = (N_HEAD + 2 * N_QUERY_GROUPS) * HEAD_SIZE
        self.qkv = nn.Linear(EMBD, shape, bias=True)
        self.proj = nn.Linear(HEAD_SIZE * N_HEAD, EMBD, bias=False)

    def forward(self, x, cos, sin):
        B, T, C = x.size()
        qkv = self.qkv(x)
        q_per_kv = N_HEAD // N_QUERY_GROUPS
        total_qkv = q_per_kv + 2
        qkv = qkv.view(B, T, N_QUERY_GROUPS, total_qkv, HEAD_SIZE)
        qkv = qkv.permute(0, 2, 3, 1, 4)
        q, k, v = qkv.split((q_per_kv, 1, 1), dim=2)
        if N_QUERY_GROUPS != N_HEAD:
            k = k.expand(B, N_QUERY_GROUPS, q_per_kv, T, HEAD_SIZE)
            v = v.expand(B, N_QUERY_GROUPS, q_per_kv, T, HEAD_SIZE)
        q = q.reshape(B, -1, T, HEAD_SIZE)
        k = k.reshape(B, -1, T, HEAD_SIZE)
        v = v.reshape(B, -1, T, HEAD_SIZE)
        q_roped = apply_rope(q[..., :ROPE_N_ELEM], cos, sin)
        k_roped = apply_rope(k[..., :ROPE_N_ELEM], cos, sin)
        q = torch.cat((q_roped, q[..., ROPE_N_ELEM:]), dim=-1)
        k = torch.cat((k_roped, k[..., ROPE_N_ELEM:]), dim=-1)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0,
                                           scale=1.0 / HEAD_SIZE ** 0.5, is_causal=True)
        y = y.transpose(1, 2).reshape(B, T, HEAD_SIZE * N_HEAD)
        return self.proj(y)


class LLaMAMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc_1 = nn.Linear(EMBD, 88, bias=False)
        self.fc_2 = nn.Linear(EMBD, 88, bias=False)
        self.proj = nn.Linear(88, EMBD, bias=False)

    def forward(self, x):
        return self.proj(F.silu(self.fc_1(x)) * self.fc_2(x))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm_1 = RMSNorm(EMBD)
        self.attn = CausalSelfAttention()
        self.norm_2 = RMSNorm(EMBD)
        self.mlp = LLaMAMLP()

    def forward(self, x, cos, sin):
        x = self.attn(self.norm_1(x), cos, sin) + x
        return self.mlp(self.norm_2(x)) + x


def chunked_cross_entropy(logits, targets, chunk_size=4, ignore_index=-100):
    logits = logits.reshape(-1, logits.size(-1)) if chunk_size == 0 else logits
    logit_chunks = logits.split(chunk_size, dim=1)
    target_chunks = targets.split(chunk_size, dim=1)
    loss_chunks = [
        F.cross_entropy(lc.reshape(-1, lc.size(-1)), tc.reshape(-1), ignore_index=ignore_index, reduction="none")
        for lc, tc in zip(logit_chunks, target_chunks)
    ]
    non_masked_elems = (targets != ignore_index).sum()
    return torch.cat(loss_chunks).sum() / non_masked_elems.maximum(torch.ones_like(non_masked_elems))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.lm_head = nn.Linear(EMBD, VOCAB, bias=False)
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(VOCAB, EMBD),
            h=nn.ModuleList(Block() for _ in range(LAYERS)),
            ln_f=RMSNorm(EMBD),
        ))
        cos, sin = build_rope_cache(BLOCK, ROPE_N_ELEM)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def forward(self, tokens, labels):
        T = tokens.size(1)
        cos, sin = self.cos[:T], self.sin[:T]
        x = self.transformer.wte(tokens)
        for block in self.transformer.h:
            x = block(x, cos, sin)
        logits = self.lm_head(self.transformer.ln_f(x))
        return chunked_cross_entropy(logits[..., :-1, :], labels[..., 1:])


def build():
    torch.manual_seed(0)
    labels = torch.randint(0, VOCAB, (2, BLOCK))
    labels[1, 10:] = -100
    return GPT(), torch.randint(0, VOCAB, (2, BLOCK)), labels
