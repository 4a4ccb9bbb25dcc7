"""Qwen2/Qwen3-style: per-head q/k RMSNorm (qk-norm), bias on q/k/v only, GQA by
repeat_interleave, rotate_half RoPE with cos/sin computed in forward from positions,
SwiGLU, untied lm_head, SDPA with is_causal=True, loss on shifted logits."""
import torch, torch.nn as nn, torch.nn.functional as F

class Cfg:
    vocab_size = 128; hidden_size = 64; intermediate_size = 128; num_layers = 2
    num_heads = 4; num_kv_heads = 2; head_dim = 16; rope_theta = 1000000.0; eps = 1e-6

class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__(); self.weight = nn.Parameter(torch.ones(d)); self.variance_epsilon = eps
    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)

def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)

class Attn(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.q_proj = nn.Linear(c.hidden_size, c.num_heads * c.head_dim, bias=True)
        self.k_proj = nn.Linear(c.hidden_size, c.num_kv_heads * c.head_dim, bias=True)
        self.v_proj = nn.Linear(c.hidden_size, c.num_kv_heads * c.head_dim, bias=True)
        self.o_proj = nn.Linear(c.num_heads * c.head_dim, c.hidden_size, bias=False)
        self.q_norm = RMSNorm(c.head_dim, c.eps); self.k_norm = RMSNorm(c.head_dim, c.eps)
    def forward(self, x, cos, sin):
        c = self.c; b, s, _ = x.shape
        hidden_shape = (b, s, -1, c.head_dim)
        q = self.q_norm(self.q_proj(x).view(hidden_shape)).transpose(1, 2)
        k = self.k_norm(self.k_proj(x).view(hidden_shape)).transpose(1, 2)
        v = self.v_proj(x).view(hidden_shape).transpose(1, 2)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        q = (q * cos) + (rotate_half(q) * sin)
        k = (k * cos) + (rotate_half(k) * sin)
        rep = c.num_heads // c.num_kv_heads
        k = k.repeat_interleave(rep, dim=1); v = v.repeat_interleave(rep, dim=1)
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.o_proj(o.transpose(1, 2).reshape(b, s, -1))

class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)
        self.act_fn = nn.SiLU()
    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attn(c); self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c.hidden_size, c.eps)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.eps)
    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))

class Qwen(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(Block(c) for _ in range(c.num_layers))
        self.norm = RMSNorm(c.hidden_size, c.eps)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        for m in self.modules():
            if isinstance(m, nn.Linear) and m.bias is not None: nn.init.normal_(m.bias, std=0.1)
            if isinstance(m, RMSNorm): nn.init.normal_(m.weight, 1.0, 0.1)
    def forward(self, tokens, labels):
        b, s = tokens.shape
        x = self.embed_tokens(tokens)
        position_ids = torch.arange(s, device=tokens.device).unsqueeze(0)
        inv_freq = 1.0 / (self.c.rope_theta ** (torch.arange(0, self.c.head_dim, 2, dtype=torch.int64).to(device=x.device, dtype=torch.float) / self.c.head_dim))
        freqs = (inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1) @ position_ids[:, None, :].float()).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
        for l in self.layers: x = l(x, cos, sin)
        logits = self.lm_head(self.norm(x))
        shift_logits = logits[..., :-1, :].contiguous()
        shift_labels = labels[..., 1:].contiguous()
        return F.cross_entropy(shift_logits.view(-1, self.c.vocab_size), shift_labels.view(-1), ignore_index=-100)

def build():
    c = Cfg(); m = Qwen(c)
    return m, torch.randint(0, 128, (2, 16)), torch.randint(0, 128, (2, 16))
