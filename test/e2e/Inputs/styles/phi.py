"""Phi-1/2-style: partial rotary (first half of head_dim, rotate_half on the rotary part,
pass-through concatenated back), parallel attention + MLP sharing one LayerNorm,
dense (output) projection with bias, gelu_new MLP with bias, softmax in fp32 with
scaling on q via baddbmm-free matmul and masked_fill causal mask, final LayerNorm +
lm_head with bias, loss via F.cross_entropy on logits[:, :-1] vs labels[:, 1:]."""
import math, torch, torch.nn as nn, torch.nn.functional as F

class Cfg:
    vocab_size = 128; hidden_size = 64; num_layers = 2; num_heads = 4
    partial_rotary_factor = 0.5; rope_theta = 10000.0; eps = 1e-5; max_pos = 32

class NewGELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))

class RotaryEmbedding(nn.Module):
    def __init__(self, dim, max_pos, base):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        t = torch.arange(max_pos, dtype=torch.float32)
        freqs = torch.outer(t, inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos(), persistent=False)
        self.register_buffer("sin_cached", emb.sin(), persistent=False)
    def forward(self, seq_len):
        return self.cos_cached[:seq_len], self.sin_cached[:seq_len]

def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]; x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)

class PhiAttention(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.head_dim = c.hidden_size // c.num_heads
        self.rotary_ndims = int(self.head_dim * c.partial_rotary_factor)
        self.q_proj = nn.Linear(c.hidden_size, c.hidden_size)
        self.k_proj = nn.Linear(c.hidden_size, c.hidden_size)
        self.v_proj = nn.Linear(c.hidden_size, c.hidden_size)
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.rotary_emb = RotaryEmbedding(self.rotary_ndims, c.max_pos, c.rope_theta)
        self.register_buffer("causal", torch.tril(torch.ones(c.max_pos, c.max_pos, dtype=torch.bool)).view(1, 1, c.max_pos, c.max_pos), persistent=False)
    def forward(self, x):
        b, s, _ = x.shape; H = self.c.num_heads; D = self.head_dim; r = self.rotary_ndims
        q = self.q_proj(x).view(b, s, H, D).transpose(1, 2)
        k = self.k_proj(x).view(b, s, H, D).transpose(1, 2)
        v = self.v_proj(x).view(b, s, H, D).transpose(1, 2)
        cos, sin = self.rotary_emb(s)
        q_rot, q_pass = q[..., :r], q[..., r:]
        k_rot, k_pass = k[..., :r], k[..., r:]
        q_rot = q_rot * cos + rotate_half(q_rot) * sin
        k_rot = k_rot * cos + rotate_half(k_rot) * sin
        q = torch.cat((q_rot, q_pass), dim=-1); k = torch.cat((k_rot, k_pass), dim=-1)
        attn = torch.matmul(q.to(torch.float32), k.to(torch.float32).transpose(2, 3)) / math.sqrt(D)
        attn = attn.masked_fill(~self.causal[:, :, :s, :s], float("-inf"))
        attn = F.softmax(attn, dim=-1, dtype=torch.float32).to(v.dtype)
        o = torch.matmul(attn, v).transpose(1, 2).reshape(b, s, H * D)
        return self.dense(o)

class PhiMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc1 = nn.Linear(c.hidden_size, 4 * c.hidden_size); self.fc2 = nn.Linear(4 * c.hidden_size, c.hidden_size)
        self.activation_fn = NewGELU()
    def forward(self, x):
        return self.fc2(self.activation_fn(self.fc1(x)))

class PhiDecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = nn.LayerNorm(c.hidden_size, eps=c.eps)
        self.self_attn = PhiAttention(c); self.mlp = PhiMLP(c)
        self.resid_dropout = nn.Dropout(0.0)
    def forward(self, hidden_states):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        attn_outputs = self.resid_dropout(self.self_attn(hidden_states))
        feed_forward_hidden_states = self.resid_dropout(self.mlp(hidden_states))
        return attn_outputs + feed_forward_hidden_states + residual

class Phi(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.embed_dropout = nn.Dropout(0.0)
        self.layers = nn.ModuleList([PhiDecoderLayer(c) for _ in range(c.num_layers)])
        self.final_layernorm = nn.LayerNorm(c.hidden_size, eps=c.eps)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=True)
        for m in self.modules():
            if isinstance(m, nn.LayerNorm):
                nn.init.normal_(m.weight, 1.0, 0.1); nn.init.normal_(m.bias, 0.0, 0.1)
    def forward(self, tokens, labels):
        h = self.embed_dropout(self.embed_tokens(tokens))
        for layer in self.layers: h = layer(h)
        logits = self.lm_head(self.final_layernorm(h)).float()
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1))

def build():
    c = Cfg(); m = Phi(c)
    return m, torch.randint(0, 128, (2, 16)), torch.randint(0, 128, (2, 16))
