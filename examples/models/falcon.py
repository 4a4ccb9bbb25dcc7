"""Falcon-style language model in plain PyTorch (HF FalconForCausalLM layout).

Imitates transformers' modeling_falcon.py for Falcon-7B (multi_query,
parallel_attn, bias=False, rotary, one input LayerNorm), with its eager
attention path.  A fixture for the dsc importer; these idioms are deliberate,
since they decide which ops appear in the traced graph:

- multi-query attention: one fused query_key_value of width
  (H + 2) * D viewed as [B, S, H + 2, D] and split with
  fused_qkv[..., :-2, :], fused_qkv[..., [-2], :], fused_qkv[..., [-1], :]
  (list indexing: aten::index); the single k/v head reaches all query heads
  by broadcasting in the matmul (q [B, H, S, D] @ k^T [B, 1, D, S]), no
  repeat;
- with n_kv_heads > 1 the grouped layout of Falcon's new decoder
  architecture (Falcon-40B/180B, and Falcon2-11B with one input LayerNorm):
  [B, S, Hkv, H/Hkv + 2, D], q = [:, :, :, :-2], k = [:, :, :, [-2]],
  v = [:, :, :, [-1]], torch.broadcast_to(k, q.shape), flatten(2, 3);
- FalconLinear: input @ self.weight.T (no bias);
- rotary with rotate_half, cos/sin buffers indexed by position ids;
- scores: q @ k.transpose(-1, -2), then the in-place
  attention_scores /= math.sqrt(head_dim), softmax(scores + mask,
  dtype=hidden_states.dtype) with the additive causal mask built in
  forward (torch.full(finfo.min), masked_fill_ by an arange comparison,
  expanded to [B, 1, S, S]);
- parallel attention + MLP from the ONE input_layernorm output, the MLP
  output accumulated in place (mlp_output += attention_output), then
  dropout_add with the residual;
- exact GELU; lm_head tied to word_embeddings.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .common import init_weights


@dataclass
class FalconConfig:
    vocab_size: int = 256
    max_position_embeddings: int = 64
    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_kv_heads: int = 1  # 1: Falcon-7B multi-query; >1: grouped (new decoder architecture)
    layer_norm_epsilon: float = 1e-5
    rope_theta: float = 10000.0
    bias: bool = False
    hidden_dropout: float = 0.0
    attention_dropout: float = 0.0


class FalconLinear(nn.Linear):
    def forward(self, input: torch.Tensor) -> torch.Tensor:
        hidden_states = input @ self.weight.T
        if self.bias is None:
            return hidden_states
        return hidden_states + self.bias


def rotate_half(x):
    """Rotates half the hidden dims of the input."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, position_ids):
    cos = cos[position_ids].unsqueeze(1)
    sin = sin[position_ids].unsqueeze(1)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


class FalconRotaryEmbedding(nn.Module):
    def __init__(self, dim, max_position_embeddings=2048, base=10000):
        super().__init__()
        self.dim = dim
        self.max_position_embeddings = max_position_embeddings
        self.base = base
        inv_freq = 1.0 / (self.base ** (torch.arange(0, self.dim, 2).float() / self.dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self._set_cos_sin_cache(seq_len=max_position_embeddings, dtype=torch.get_default_dtype())

    def _set_cos_sin_cache(self, seq_len, dtype):
        self.max_seq_len_cached = seq_len
        t = torch.arange(self.max_seq_len_cached, dtype=self.inv_freq.dtype)
        freqs = torch.outer(t, self.inv_freq)
        # Different from paper, but it uses a different permutation in order to obtain the same calculation
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos().to(dtype), persistent=False)
        self.register_buffer("sin_cached", emb.sin().to(dtype), persistent=False)

    def forward(self, x, seq_len):
        # (HF regrows the cache past max_seq_len_cached; export.py bounds seq_len.)
        return (
            self.cos_cached[:seq_len].to(dtype=x.dtype),
            self.sin_cached[:seq_len].to(dtype=x.dtype),
        )


def _make_causal_mask(input_ids_shape, dtype, device, past_key_values_length: int = 0):
    """AttentionMaskConverter._make_causal_mask: 0 where visible, finfo.min above the diagonal."""
    bsz, tgt_len = input_ids_shape
    mask = torch.full((tgt_len, tgt_len), torch.finfo(dtype).min, device=device)
    mask_cond = torch.arange(mask.size(-1), device=device)
    mask.masked_fill_(mask_cond < (mask_cond + 1).view(mask.size(-1), 1), 0)
    mask = mask.to(dtype)
    return mask[None, None, :, :].expand(bsz, 1, tgt_len, tgt_len + past_key_values_length)


def dropout_add(x: torch.Tensor, residual: torch.Tensor, prob: float, training: bool) -> torch.Tensor:
    out = F.dropout(x, p=prob, training=training)
    out = residual + out
    return out


class FalconAttention(nn.Module):
    def __init__(self, cfg: FalconConfig):
        super().__init__()
        self.hidden_size = cfg.hidden_size
        self.num_heads = cfg.num_attention_heads
        self.head_dim = self.hidden_size // self.num_heads
        self.split_size = self.hidden_size
        self.hidden_dropout = cfg.hidden_dropout
        assert self.head_dim * self.num_heads == self.hidden_size, \
            "hidden_size must be divisible by num_attention_heads"
        assert self.head_dim % 2 == 0, "head_dim must be even for rotary embeddings"
        assert self.num_heads % cfg.num_kv_heads == 0, "num_attention_heads must be divisible by num_kv_heads"
        self.rotary_emb = FalconRotaryEmbedding(self.head_dim, cfg.max_position_embeddings, base=cfg.rope_theta)

        # Layer-wise attention scaling
        self.inv_norm_factor = 1.0 / math.sqrt(self.head_dim)
        self.beta = self.inv_norm_factor
        self.multi_query = cfg.num_kv_heads == 1
        self.new_decoder_architecture = not self.multi_query
        if self.new_decoder_architecture:
            qkv_out_dim = (cfg.num_kv_heads * 2 + cfg.num_attention_heads) * self.head_dim
        else:
            qkv_out_dim = self.hidden_size + 2 * self.head_dim
        self.query_key_value = FalconLinear(self.hidden_size, qkv_out_dim, bias=cfg.bias)
        self.dense = FalconLinear(self.hidden_size, self.hidden_size, bias=cfg.bias)
        self.attention_dropout = nn.Dropout(cfg.attention_dropout)
        self.num_kv_heads = cfg.num_kv_heads

    def _split_heads(self, fused_qkv: torch.Tensor):
        """
        Split the last dimension into (num_heads, head_dim), results share same memory storage as `fused_qkv`
        """
        if self.new_decoder_architecture:
            batch, seq_len, _ = fused_qkv.shape
            qkv = fused_qkv.view(batch, seq_len, -1, self.num_heads // self.num_kv_heads + 2, self.head_dim)
            query = qkv[:, :, :, :-2]
            key = qkv[:, :, :, [-2]]
            value = qkv[:, :, :, [-1]]
            key = torch.broadcast_to(key, query.shape)
            value = torch.broadcast_to(value, query.shape)

            query, key, value = [x.flatten(2, 3) for x in (query, key, value)]
            return query, key, value
        else:
            batch_size, seq_length, three_times_hidden_size = fused_qkv.shape
            fused_qkv = fused_qkv.view(batch_size, seq_length, self.num_heads + 2, self.head_dim)
            return fused_qkv[..., :-2, :], fused_qkv[..., [-2], :], fused_qkv[..., [-1], :]

    def forward(self, hidden_states, attention_mask, position_ids):
        fused_qkv = self.query_key_value(hidden_states)  # [batch_size, seq_length, 3 x hidden_size]
        num_kv_heads = self.num_heads if self.new_decoder_architecture else self.num_kv_heads
        # 3 x [batch_size, seq_length, num_heads, head_dim]
        (query_layer, key_layer, value_layer) = self._split_heads(fused_qkv)

        batch_size, query_length, _, _ = query_layer.shape

        query_layer = query_layer.transpose(1, 2).reshape(batch_size, self.num_heads, query_length, self.head_dim)
        key_layer = key_layer.transpose(1, 2).reshape(batch_size, num_kv_heads, query_length, self.head_dim)
        value_layer = value_layer.transpose(1, 2).reshape(batch_size, num_kv_heads, query_length, self.head_dim)

        kv_seq_len = key_layer.shape[-2]
        cos, sin = self.rotary_emb(value_layer, seq_len=kv_seq_len)
        query_layer, key_layer = apply_rotary_pos_emb(query_layer, key_layer, cos, sin, position_ids)

        attention_scores = query_layer @ key_layer.transpose(-1, -2)
        attention_scores /= math.sqrt(self.head_dim)

        attention_scores = F.softmax(attention_scores + attention_mask, dim=-1, dtype=hidden_states.dtype)
        # It is unclear why neither dropout nor head_mask is applied here (while it is with alibi).
        attn_output = attention_scores @ value_layer

        attn_output = attn_output.view(batch_size, self.num_heads, query_length, self.head_dim)
        attn_output = attn_output.permute(0, 2, 1, 3)
        attn_output = attn_output.reshape(batch_size, query_length, self.num_heads * self.head_dim)

        attn_output = self.dense(attn_output)
        return attn_output


class FalconMLP(nn.Module):
    def __init__(self, cfg: FalconConfig):
        super().__init__()
        hidden_size = cfg.hidden_size
        self.dense_h_to_4h = FalconLinear(hidden_size, 4 * hidden_size, bias=cfg.bias)
        self.act = nn.GELU()
        self.dense_4h_to_h = FalconLinear(4 * hidden_size, hidden_size, bias=cfg.bias)
        self.hidden_dropout = cfg.hidden_dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.dense_h_to_4h(x))
        x = self.dense_4h_to_h(x)
        return x


class FalconDecoderLayer(nn.Module):
    def __init__(self, cfg: FalconConfig):
        super().__init__()
        hidden_size = cfg.hidden_size
        self.num_heads = cfg.num_attention_heads
        self.self_attention = FalconAttention(cfg)
        self.mlp = FalconMLP(cfg)
        self.hidden_dropout = cfg.hidden_dropout
        self.input_layernorm = nn.LayerNorm(hidden_size, eps=cfg.layer_norm_epsilon)

    def forward(self, hidden_states, attention_mask, position_ids):
        residual = hidden_states
        attention_layernorm_out = self.input_layernorm(hidden_states)

        # Self attention.
        attention_output = self.self_attention(attention_layernorm_out, attention_mask, position_ids)

        # parallel_attn: the MLP reads the same LayerNorm output as attention.
        mlp_layernorm_out = attention_layernorm_out

        # MLP.
        mlp_output = self.mlp(mlp_layernorm_out)

        mlp_output += attention_output

        output = dropout_add(mlp_output, residual, self.hidden_dropout, training=self.training)
        return output


class FalconModel(nn.Module):
    def __init__(self, cfg: FalconConfig):
        super().__init__()
        self.embed_dim = cfg.hidden_size
        self.word_embeddings = nn.Embedding(cfg.vocab_size, self.embed_dim)
        self.h = nn.ModuleList([FalconDecoderLayer(cfg) for _ in range(cfg.num_hidden_layers)])
        self.ln_f = nn.LayerNorm(self.embed_dim, eps=cfg.layer_norm_epsilon)

    def forward(self, input_ids):
        batch_size, seq_length = input_ids.shape
        inputs_embeds = self.word_embeddings(input_ids)
        hidden_states = inputs_embeds
        past_key_values_length = 0
        position_ids = torch.arange(
            past_key_values_length, seq_length + past_key_values_length, dtype=torch.long, device=input_ids.device
        )
        position_ids = position_ids.unsqueeze(0)
        attention_mask = _make_causal_mask(
            (batch_size, seq_length), hidden_states.dtype, hidden_states.device, past_key_values_length
        )
        for block in self.h:
            hidden_states = block(hidden_states, attention_mask, position_ids)
        return self.ln_f(hidden_states)


class Falcon(nn.Module):
    def __init__(self, cfg: FalconConfig, seed: int = 0):
        super().__init__()
        self.config = cfg
        self.transformer = FalconModel(cfg)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.word_embeddings.weight  # tie_word_embeddings
        self.init_weights(seed)

    def init_weights(self, seed: int):
        init_weights(self, seed)

    def forward(self, tokens, labels):
        hidden_states = self.transformer(tokens)
        lm_logits = self.lm_head(hidden_states)
        batch_size, seq_length, vocab_size = lm_logits.shape
        return F.cross_entropy(
            lm_logits.view(batch_size * seq_length, vocab_size), labels.view(batch_size * seq_length),
            ignore_index=-100,
        )
