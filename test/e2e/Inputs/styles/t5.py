"""T5-style decoder-only LM: relative position bias (log buckets, learned per-head
embedding, computed once in layer 0 and shared by all layers), no attention scaling,
T5LayerNorm (RMS, no mean/bias, variance in fp32), gated-gelu FF (gelu_new), causal mask
added to the position bias (extended mask (1-m)*finfo.min), dropout p=0, tied embeddings
with d_model**-0.5 rescale before lm_head."""
import math, torch, torch.nn as nn, torch.nn.functional as F

class Cfg:
    vocab = 128; d_model = 32; d_kv = 8; heads = 4; d_ff = 64; layers = 2
    num_buckets = 32; max_distance = 128; eps = 1e-6

class T5LayerNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__(); self.weight = nn.Parameter(torch.ones(d)); self.variance_epsilon = eps
    def forward(self, hidden_states):
        variance = hidden_states.to(torch.float32).pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states

class Attn(nn.Module):
    def __init__(self, c, has_bias):
        super().__init__(); self.c = c; self.has_relative_attention_bias = has_bias
        inner = c.heads * c.d_kv
        self.q = nn.Linear(c.d_model, inner, bias=False); self.k = nn.Linear(c.d_model, inner, bias=False)
        self.v = nn.Linear(c.d_model, inner, bias=False); self.o = nn.Linear(inner, c.d_model, bias=False)
        if has_bias: self.relative_attention_bias = nn.Embedding(c.num_buckets, c.heads)
    @staticmethod
    def _relative_position_bucket(relative_position, bidirectional=True, num_buckets=32, max_distance=128):
        relative_buckets = 0
        if bidirectional:
            num_buckets //= 2
            relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
            relative_position = torch.abs(relative_position)
        else:
            relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
        max_exact = num_buckets // 2
        is_small = relative_position < max_exact
        relative_position_if_large = max_exact + (
            torch.log(relative_position.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)
        ).to(torch.long)
        relative_position_if_large = torch.min(relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1))
        relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
        return relative_buckets
    def compute_bias(self, q_len, k_len, device):
        context_position = torch.arange(q_len, dtype=torch.long, device=device)[:, None]
        memory_position = torch.arange(k_len, dtype=torch.long, device=device)[None, :]
        relative_position = memory_position - context_position
        bucket = self._relative_position_bucket(relative_position, bidirectional=False,
                                                num_buckets=self.c.num_buckets, max_distance=self.c.max_distance)
        values = self.relative_attention_bias(bucket)
        return values.permute([2, 0, 1]).unsqueeze(0)
    def forward(self, x, mask, position_bias=None):
        b, s, _ = x.shape; c = self.c
        shape = lambda t: t.view(b, -1, c.heads, c.d_kv).transpose(1, 2)
        q, k, v = shape(self.q(x)), shape(self.k(x)), shape(self.v(x))
        scores = torch.matmul(q, k.transpose(3, 2))
        if position_bias is None:
            position_bias = self.compute_bias(s, s, x.device)
            position_bias = position_bias + mask
        scores += position_bias
        attn_weights = F.softmax(scores.float(), dim=-1).type_as(scores)
        attn_weights = F.dropout(attn_weights, p=0.0, training=self.training)
        o = torch.matmul(attn_weights, v).transpose(1, 2).contiguous().view(b, -1, c.heads * c.d_kv)
        return self.o(o), position_bias

class FF(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wi_0 = nn.Linear(c.d_model, c.d_ff, bias=False); self.wi_1 = nn.Linear(c.d_model, c.d_ff, bias=False)
        self.wo = nn.Linear(c.d_ff, c.d_model, bias=False)
    def forward(self, x):
        return self.wo(F.gelu(self.wi_0(x), approximate="tanh") * self.wi_1(x))

class Block(nn.Module):
    def __init__(self, c, has_bias):
        super().__init__()
        self.ln0 = T5LayerNorm(c.d_model, c.eps); self.attn = Attn(c, has_bias)
        self.ln1 = T5LayerNorm(c.d_model, c.eps); self.ff = FF(c)
    def forward(self, x, mask, position_bias):
        a, position_bias = self.attn(self.ln0(x), mask, position_bias)
        x = x + a
        return x + self.ff(self.ln1(x)), position_bias

class T5LM(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.shared = nn.Embedding(c.vocab, c.d_model)
        self.block = nn.ModuleList(Block(c, i == 0) for i in range(c.layers))
        self.final_layer_norm = T5LayerNorm(c.d_model, c.eps)
        self.lm_head = nn.Linear(c.d_model, c.vocab, bias=False); self.lm_head.weight = self.shared.weight
        nn.init.normal_(self.block[0].attn.relative_attention_bias.weight, std=0.5)
    def forward(self, tokens, labels):
        b, s = tokens.shape
        causal = torch.tril(torch.ones(s, s, device=tokens.device))[None, None]
        extended = (1.0 - causal) * torch.finfo(torch.float32).min
        x = self.shared(tokens); pb = None
        for blk in self.block: x, pb = blk(x, extended, pb)
        x = self.final_layer_norm(x) * (self.c.d_model ** -0.5)
        logits = self.lm_head(x)
        loss_fct = nn.CrossEntropyLoss(ignore_index=-100)
        return loss_fct(logits.view(-1, logits.size(-1)), labels.view(-1))

def build():
    c = Cfg(); m = T5LM(c)
    labels = torch.randint(0, 128, (2, 16)); labels[:, :3] = -100
    return m, torch.randint(0, 128, (2, 16)), labels
