"""Gemma-2-style: sqrt(hidden)-scaled embeddings, RMSNorm (1 + weight) computed in float32,
GeGLU with gelu(tanh), pre+post norms, attention logit soft-capping, final logit
soft-capping, tied embeddings, rotate_half RoPE, GQA via repeat_kv (expand+reshape)."""
import math, torch, torch.nn as nn, torch.nn.functional as F

class Cfg:
    vocab_size = 128; hidden_size = 48; intermediate_size = 96; num_layers = 2
    num_heads = 4; num_kv_heads = 2; head_dim = 16; rope_theta = 10000.0
    attn_softcap = 50.0; final_softcap = 30.0; rms_eps = 1e-6; query_pre_attn_scalar = 16

class GemmaRMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__(); self.eps = eps; self.weight = nn.Parameter(torch.zeros(dim))
    def _norm(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
    def forward(self, x):
        output = self._norm(x.float())
        output = output * (1.0 + self.weight.float())
        return output.type_as(x)

class Rotary(nn.Module):
    def __init__(self, dim, base):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
    @torch.no_grad()
    def forward(self, x, position_ids):
        inv = self.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
        pos = position_ids[:, None, :].float()
        freqs = (inv @ pos).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)

def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]; x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)

def apply_rope(q, k, cos, sin):
    cos = cos.unsqueeze(1); sin = sin.unsqueeze(1)
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin

def repeat_kv(h, n_rep):
    b, nkv, s, d = h.shape
    if n_rep == 1: return h
    h = h[:, :, None, :, :].expand(b, nkv, n_rep, s, d)
    return h.reshape(b, nkv * n_rep, s, d)

class Attention(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.q_proj = nn.Linear(c.hidden_size, c.num_heads * c.head_dim, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, c.num_kv_heads * c.head_dim, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, c.num_kv_heads * c.head_dim, bias=False)
        self.o_proj = nn.Linear(c.num_heads * c.head_dim, c.hidden_size, bias=False)
        self.scaling = c.query_pre_attn_scalar ** -0.5
    def forward(self, x, cos, sin, mask):
        b, s, _ = x.shape; c = self.c
        q = self.q_proj(x).view(b, s, -1, c.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, -1, c.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, -1, c.head_dim).transpose(1, 2)
        q, k = apply_rope(q, k, cos, sin)
        k = repeat_kv(k, c.num_heads // c.num_kv_heads); v = repeat_kv(v, c.num_heads // c.num_kv_heads)
        w = torch.matmul(q, k.transpose(2, 3)) * self.scaling
        w = w / c.attn_softcap; w = torch.tanh(w); w = w * c.attn_softcap
        w = w + mask
        w = F.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2).contiguous().reshape(b, s, -1)
        return self.o_proj(o)

class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)
    def forward(self, x):
        return self.down_proj(F.gelu(self.gate_proj(x), approximate="tanh") * self.up_proj(x))

class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c); self.mlp = MLP(c)
        self.input_layernorm = GemmaRMSNorm(c.hidden_size, c.rms_eps)
        self.post_attention_layernorm = GemmaRMSNorm(c.hidden_size, c.rms_eps)
        self.pre_feedforward_layernorm = GemmaRMSNorm(c.hidden_size, c.rms_eps)
        self.post_feedforward_layernorm = GemmaRMSNorm(c.hidden_size, c.rms_eps)
    def forward(self, x, cos, sin, mask):
        r = x; x = self.input_layernorm(x); x = self.self_attn(x, cos, sin, mask)
        x = self.post_attention_layernorm(x); x = r + x
        r = x; x = self.pre_feedforward_layernorm(x); x = self.mlp(x)
        x = self.post_feedforward_layernorm(x); return r + x

class Gemma(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Layer(c) for _ in range(c.num_layers)])
        self.norm = GemmaRMSNorm(c.hidden_size, c.rms_eps)
        self.rotary = Rotary(c.head_dim, c.rope_theta)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        self.lm_head.weight = self.embed_tokens.weight
        for m in self.modules():
            if isinstance(m, GemmaRMSNorm): nn.init.normal_(m.weight, std=0.1)
    def forward(self, tokens, labels):
        b, s = tokens.shape
        h = self.embed_tokens(tokens)
        normalizer = torch.tensor(self.c.hidden_size ** 0.5, dtype=h.dtype)
        h = h * normalizer
        pos = torch.arange(s, device=tokens.device).unsqueeze(0).expand(b, -1)
        cos, sin = self.rotary(h, pos)
        mask = torch.full((s, s), torch.finfo(h.dtype).min, device=h.device)
        mask = torch.triu(mask, diagonal=1)[None, None]
        for layer in self.layers: h = layer(h, cos, sin, mask)
        h = self.norm(h)
        logits = self.lm_head(h)
        logits = logits / self.c.final_softcap; logits = torch.tanh(logits); logits = logits * self.c.final_softcap
        return F.cross_entropy(logits.float().view(-1, logits.size(-1)), labels.view(-1))

def build():
    c = Cfg(); m = Gemma(c)
    return m, torch.randint(0, 128, (2, 16)), torch.randint(0, 128, (2, 16))
