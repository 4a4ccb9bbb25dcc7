"""GPT-J-style language model in plain PyTorch (HF GPTJForCausalLM layout).

Imitates transformers' modeling_gptj.py (GPT-J-6B).  A fixture for the dsc
importer; these idioms are deliberate, since they decide which ops appear in
the traced graph:

- partial rotary: only the first rotary_dim of each head's head_dim channels
  are rotated (q[..., :rotary_dim] / q[..., rotary_dim:], then cat), on the
  [B, S, H, D] layout before the heads are permuted;
- interleaved rotary (rotate_every_two: x[..., ::2] / x[..., 1::2], stack,
  flatten), sin/cos gathered by position ids from one sinusoidal buffer
  cat(sin, cos) and split, then repeat_interleave'd to pair channels;
- the causal mask is applied BEFORE the scale, with a boolean tril buffer:
  w = torch.where(causal_mask, w, torch.tensor(torch.finfo(w.dtype).min)),
  then w = w / self.scale_attn (a 0-d tensor attribute, sqrt(head_dim));
- q and k are cast to float32 for the product, the weights back to v's dtype;
- one LayerNorm (ln_1) feeds attention and MLP in parallel:
  x = attn(ln_1(x)) + mlp(ln_1(x)) + x;
- gelu_new (the tanh approximation written out with torch.pow);
- q/k/v/out projections without bias; an untied lm_head WITH bias; logits
  cast to float32 before the loss.

torch.tensor(...) inside forward makes torch.jit.trace warn that the value is
a constant (it is: finfo(float32).min), and torch.split(sincos,
sincos.shape[-1] // 2) that a traced size becomes a Python int (it is
rotary_dim // 2); the class declares both warnings benign for
examples/export.py.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .common import init_weights


@dataclass
class GPTJConfig:
    vocab_size: int = 256
    n_positions: int = 64
    n_embd: int = 64
    n_layer: int = 2
    n_head: int = 4
    rotary_dim: int = 8  # < head_dim (16): partial rotary
    n_inner: int = 0  # 0: 4 * n_embd
    layer_norm_epsilon: float = 1e-5
    dropout: float = 0.0


def create_sinusoidal_positions(num_pos: int, dim: int) -> torch.Tensor:
    inv_freq = 1.0 / (10000 ** (torch.arange(0, dim, 2) / dim))
    sinusoid_inp = torch.einsum("i , j -> i j", torch.arange(num_pos, dtype=torch.float), inv_freq).float()
    return torch.cat((torch.sin(sinusoid_inp), torch.cos(sinusoid_inp)), dim=1)


def rotate_every_two(x: torch.Tensor) -> torch.Tensor:
    x1 = x[:, :, :, ::2]
    x2 = x[:, :, :, 1::2]
    x = torch.stack((-x2, x1), dim=-1)
    return x.flatten(-2)  # in einsum notation: rearrange(x, '... d j -> ... (d j)')


def apply_rotary_pos_emb(tensor: torch.Tensor, sin: torch.Tensor, cos: torch.Tensor) -> torch.Tensor:
    sin = torch.repeat_interleave(sin[:, :, None, :], 2, 3)
    cos = torch.repeat_interleave(cos[:, :, None, :], 2, 3)
    return (tensor * cos) + (rotate_every_two(tensor) * sin)


def gelu_new(input):
    """NewGELUActivation (the tanh approximation, as in the original GPT-2)."""
    return 0.5 * input * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (input + 0.044715 * torch.pow(input, 3.0))))


class GPTJAttention(nn.Module):
    def __init__(self, cfg: GPTJConfig):
        super().__init__()
        max_positions = cfg.n_positions
        self.register_buffer(
            "bias",
            torch.tril(torch.ones((max_positions, max_positions), dtype=torch.bool)).view(
                1, 1, max_positions, max_positions
            ),
            persistent=False,
        )
        self.attn_dropout = nn.Dropout(cfg.dropout)
        self.resid_dropout = nn.Dropout(cfg.dropout)

        self.embed_dim = cfg.n_embd
        self.num_attention_heads = cfg.n_head
        self.head_dim = self.embed_dim // self.num_attention_heads
        assert self.head_dim * self.num_attention_heads == self.embed_dim, "n_embd must be divisible by n_head"
        self.scale_attn = torch.sqrt(torch.tensor(self.head_dim, dtype=torch.float32)).to(torch.get_default_dtype())

        self.k_proj = nn.Linear(self.embed_dim, self.embed_dim, bias=False)
        self.v_proj = nn.Linear(self.embed_dim, self.embed_dim, bias=False)
        self.q_proj = nn.Linear(self.embed_dim, self.embed_dim, bias=False)
        self.out_proj = nn.Linear(self.embed_dim, self.embed_dim, bias=False)
        self.rotary_dim = cfg.rotary_dim
        assert 0 < self.rotary_dim <= self.head_dim and self.rotary_dim % 2 == 0, "bad rotary_dim"
        pos_embd_dim = self.rotary_dim or self.embed_dim
        self.register_buffer("embed_positions", create_sinusoidal_positions(max_positions, pos_embd_dim),
                             persistent=False)

    def _split_heads(self, tensor, num_attention_heads, attn_head_size, rotary):
        new_shape = tensor.size()[:-1] + (num_attention_heads, attn_head_size)
        tensor = tensor.view(new_shape)
        if rotary:
            return tensor
        return tensor.permute(0, 2, 1, 3)  # (batch, head, seq_length, head_features)

    def _merge_heads(self, tensor, num_attention_heads, attn_head_size):
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        new_shape = tensor.size()[:-2] + (num_attention_heads * attn_head_size,)
        return tensor.view(new_shape)

    def _attn(self, query, key, value):
        # compute causal mask from causal mask buffer
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length : key_length, :key_length]

        # Keep the attention weights computation in fp32 to avoid overflow issues
        query = query.to(torch.float32)
        key = key.to(torch.float32)

        attn_weights = torch.matmul(query, key.transpose(-1, -2))

        mask_value = torch.finfo(attn_weights.dtype).min
        # Need to be a tensor, otherwise we get error: `RuntimeError: expected scalar type float but found double`.
        attn_weights = torch.where(causal_mask, attn_weights, torch.tensor(mask_value))

        attn_weights = attn_weights / self.scale_attn

        attn_weights = F.softmax(attn_weights, dim=-1)
        attn_weights = attn_weights.to(value.dtype)
        attn_weights = self.attn_dropout(attn_weights)

        attn_output = torch.matmul(attn_weights, value)
        return attn_output

    def forward(self, hidden_states, position_ids):
        query = self.q_proj(hidden_states)
        key = self.k_proj(hidden_states)
        value = self.v_proj(hidden_states)

        query = self._split_heads(query, self.num_attention_heads, self.head_dim, True)
        key = self._split_heads(key, self.num_attention_heads, self.head_dim, True)
        value = self._split_heads(value, self.num_attention_heads, self.head_dim, False)

        embed_positions = self.embed_positions.repeat(position_ids.shape[0], 1, 1)
        repeated_position_ids = position_ids.unsqueeze(-1).repeat(1, 1, embed_positions.shape[-1])
        sincos = torch.gather(embed_positions, 1, repeated_position_ids)
        sin, cos = torch.split(sincos, sincos.shape[-1] // 2, dim=-1)

        k_rot = key[:, :, :, : self.rotary_dim]
        k_pass = key[:, :, :, self.rotary_dim :]

        q_rot = query[:, :, :, : self.rotary_dim]
        q_pass = query[:, :, :, self.rotary_dim :]

        k_rot = apply_rotary_pos_emb(k_rot, sin, cos)
        q_rot = apply_rotary_pos_emb(q_rot, sin, cos)

        key = torch.cat([k_rot, k_pass], dim=-1)
        query = torch.cat([q_rot, q_pass], dim=-1)

        key = key.permute(0, 2, 1, 3)
        query = query.permute(0, 2, 1, 3)

        attn_output = self._attn(query, key, value)
        attn_output = self._merge_heads(attn_output, self.num_attention_heads, self.head_dim)
        attn_output = self.out_proj(attn_output)
        attn_output = self.resid_dropout(attn_output)
        return attn_output


class GPTJMLP(nn.Module):
    def __init__(self, intermediate_size: int, cfg: GPTJConfig):
        super().__init__()
        embed_dim = cfg.n_embd
        self.fc_in = nn.Linear(embed_dim, intermediate_size)
        self.fc_out = nn.Linear(intermediate_size, embed_dim)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, hidden_states):
        hidden_states = self.fc_in(hidden_states)
        hidden_states = gelu_new(hidden_states)
        hidden_states = self.fc_out(hidden_states)
        hidden_states = self.dropout(hidden_states)
        return hidden_states


class GPTJBlock(nn.Module):
    def __init__(self, cfg: GPTJConfig):
        super().__init__()
        inner_dim = cfg.n_inner if cfg.n_inner else 4 * cfg.n_embd
        self.ln_1 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.attn = GPTJAttention(cfg)
        self.mlp = GPTJMLP(inner_dim, cfg)

    def forward(self, hidden_states, position_ids):
        residual = hidden_states
        hidden_states = self.ln_1(hidden_states)
        attn_output = self.attn(hidden_states, position_ids)
        feed_forward_hidden_states = self.mlp(hidden_states)
        hidden_states = attn_output + feed_forward_hidden_states + residual
        return hidden_states


class GPTJModel(nn.Module):
    def __init__(self, cfg: GPTJConfig):
        super().__init__()
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.h = nn.ModuleList([GPTJBlock(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)

    def forward(self, input_ids):
        input_shape = input_ids.size()
        position_ids = torch.arange(0, input_shape[-1], dtype=torch.long, device=input_ids.device)
        position_ids = position_ids.unsqueeze(0)
        hidden_states = self.wte(input_ids)
        hidden_states = self.drop(hidden_states)
        for block in self.h:
            hidden_states = block(hidden_states, position_ids)
        return self.ln_f(hidden_states)


class GPTJ(nn.Module):
    # Harmless trace warnings (examples/export.py): torch.tensor(finfo.min) is
    # a constant, and split's int(sincos.shape[-1] // 2) is rotary_dim // 2.
    benign_tracer_warnings = (
        ("torch.tensor results are registered as constants", r"(.*\.)?gptj$"),
        ("Converting a tensor to a Python integer", r"torch\._tensor$"),
    )

    def __init__(self, cfg: GPTJConfig, seed: int = 0):
        super().__init__()
        self.config = cfg
        self.transformer = GPTJModel(cfg)
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size)  # untied, with bias
        self.init_weights(seed)

    def init_weights(self, seed: int):
        init_weights(self, seed)

    def forward(self, tokens, labels):
        hidden_states = self.transformer(tokens)
        # make sure sampling in fp16 works correctly and
        # compute loss in fp32 to match with mesh-tf version
        lm_logits = self.lm_head(hidden_states).to(torch.float32)
        return F.cross_entropy(lm_logits.view(-1, lm_logits.size(-1)), labels.view(-1), ignore_index=-100)
