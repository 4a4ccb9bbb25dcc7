"""BLOOM-style language model in plain PyTorch (HF BloomForCausalLM layout).

Imitates transformers' modeling_bloom.py (BigScience BLOOM).  A fixture for
the dsc importer; these idioms are deliberate, since they decide which ops
appear in the traced graph:

- ALiBi instead of positions: build_alibi_tensor computes the head slopes as
  in BigScience's get_slopes (powers of 2 ** -(2 ** -(log2(n) - 3)); a head
  count that is not a power of 2 takes the odd powers of the next power's
  base for the remaining heads) times the key positions (cumsum of the
  all-ones attention mask - 1), shaped [B*H, 1, S];
- the scores by alibi.baddbmm(batch1=q, batch2=k, beta=1.0,
  alpha=inv_norm_factor) over [B*H, S, D] x [B*H, D, S], so the ALiBi bias
  is the baddbmm input;
- the causal mask as a boolean (True = masked) built from an arange
  comparison written into torch.empty, OR'ed with the expanded padding mask,
  applied with torch.masked_fill(scores, mask, finfo.min);
- one fused query_key_value viewed as [B, S, H, 3, D] and split with
  fused_qkv[..., 0, :] / [..., 1, :] / [..., 2, :];
- word_embeddings_layernorm right after the embedding;
- residuals through dropout_add; the softmax in float32 (dtype=);
- bloom_gelu_forward: the tanh approximation written out
  (x * 0.5 * (1 + tanh(0.79788456 * x * (1 + 0.044715 * x * x))));
- lm_head tied to word_embeddings (the same Parameter).

No maximum length: ALiBi has no position table.  Deviation from HF: in
training HF's BloomGelu uses a custom autograd.Function (same values, a
hand-written backward); tracing cannot keep that, so the plain forward is
used.  torch.tensor(...) in build_alibi_tensor is a true constant and the
`if src_length > 1` branch only reads a size; the class declares those trace
warnings benign for examples/export.py.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .common import init_weights


@dataclass
class BloomConfig:
    vocab_size: int = 256
    hidden_size: int = 64
    n_layer: int = 2
    n_head: int = 4  # try 6 (with hidden_size=48) for a count that is not a power of 2
    layer_norm_epsilon: float = 1e-5
    apply_residual_connection_post_layernorm: bool = False
    hidden_dropout: float = 0.0
    attention_dropout: float = 0.0


def build_alibi_tensor(attention_mask: torch.Tensor, num_heads: int, dtype: torch.dtype) -> torch.Tensor:
    """
    Link to paper: https://arxiv.org/abs/2108.12409 Alibi tensor is not causal as the original paper mentions, it
    relies on a translation invariance of softmax for quick implementation: with l being a tensor, and a fixed value
    `softmax(l+a) = softmax(l)`. Based on
    https://github.com/ofirpress/attention_with_linear_biases/blob/a35aaca144e0eb6b789dfcb46784c4b8e31b7983/fairseq/models/transformer.py#L742
    """
    batch_size, seq_length = attention_mask.shape
    closest_power_of_2 = 2 ** math.floor(math.log2(num_heads))
    base = torch.tensor(
        2 ** (-(2 ** -(math.log2(closest_power_of_2) - 3))), device=attention_mask.device, dtype=torch.float32
    )
    powers = torch.arange(1, 1 + closest_power_of_2, device=attention_mask.device, dtype=torch.int32)
    slopes = torch.pow(base, powers)

    if closest_power_of_2 != num_heads:
        extra_base = torch.tensor(
            2 ** (-(2 ** -(math.log2(2 * closest_power_of_2) - 3))), device=attention_mask.device, dtype=torch.float32
        )
        num_remaining_heads = min(closest_power_of_2, num_heads - closest_power_of_2)
        extra_powers = torch.arange(1, 1 + 2 * num_remaining_heads, 2, device=attention_mask.device, dtype=torch.int32)
        slopes = torch.cat([slopes, torch.pow(extra_base, extra_powers)], dim=0)

    # Note: alibi will added to the attention bias that will be applied to the query, key product of attention
    # => therefore alibi will have to be of shape (batch_size, num_heads, query_length, key_length)
    # => here we set (batch_size=1, num_heads=num_heads, query_length=1, key_length=max_length)
    # => the query_length dimension will then be broadcasted correctly
    # This is more or less identical to T5's relative position bias:
    # https://github.com/huggingface/transformers/blob/f681437203baa7671de3174b0fa583c349d9d5e1/src/transformers/models/t5/modeling_t5.py#L527
    arange_tensor = ((attention_mask.cumsum(dim=-1) - 1) * attention_mask)[:, None, :]
    alibi = slopes[..., None] * arange_tensor
    return alibi.reshape(batch_size * num_heads, 1, seq_length).to(dtype)


def dropout_add(x: torch.Tensor, residual: torch.Tensor, prob: float, training: bool) -> torch.Tensor:
    out = F.dropout(x, p=prob, training=training)
    out = residual + out
    return out


def bloom_gelu_forward(x: torch.Tensor) -> torch.Tensor:
    """
    Custom bias GELU function. Adapted from Megatron-DeepSpeed code. Here we use a simple implementation (inference) to
    make the model jitable.
    """
    return x * 0.5 * (1.0 + torch.tanh(0.79788456 * x * (1 + 0.044715 * x * x)))


def _make_causal_mask(input_ids_shape, device, past_key_values_length: int) -> torch.BoolTensor:
    """
    Make causal mask used for self-attention.
    """
    batch_size, target_length = input_ids_shape
    mask = torch.empty((target_length, target_length + past_key_values_length), dtype=torch.bool, device=device)
    # ONNX doesn't support `torch.Tensor.triu` properly, thus we use this workaround
    seq_ids = torch.arange(target_length, device=device)
    mask[:, past_key_values_length:] = seq_ids[:, None] < seq_ids[None, :]

    if past_key_values_length > 0:
        mask[:, :past_key_values_length] = False

    expanded_mask = mask[None, None, :, :].expand(batch_size, 1, target_length, target_length + past_key_values_length)
    return expanded_mask


def _expand_mask(mask: torch.Tensor, tgt_length: int) -> torch.BoolTensor:
    """
    Expands attention_mask from `[batch_size, src_length]` to `[batch_size, 1, tgt_length, src_length]`.
    """
    batch_size, src_length = mask.shape
    tgt_length = tgt_length if tgt_length is not None else src_length

    expanded_mask = ~(mask[:, None, None, :].to(torch.bool))
    return expanded_mask.expand(batch_size, 1, tgt_length, src_length)


class BloomGelu(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return bloom_gelu_forward(x)


class BloomAttention(nn.Module):
    def __init__(self, cfg: BloomConfig):
        super().__init__()
        self.hidden_size = cfg.hidden_size
        self.num_heads = cfg.n_head
        self.head_dim = self.hidden_size // self.num_heads
        self.split_size = self.hidden_size
        self.hidden_dropout = cfg.hidden_dropout
        assert self.head_dim * self.num_heads == self.hidden_size, "hidden_size must be divisible by n_head"

        # Layer-wise attention scaling
        self.inv_norm_factor = 1.0 / math.sqrt(self.head_dim)
        self.beta = 1.0

        self.query_key_value = nn.Linear(self.hidden_size, 3 * self.hidden_size, bias=True)
        self.dense = nn.Linear(self.hidden_size, self.hidden_size)
        self.attention_dropout = nn.Dropout(cfg.attention_dropout)

    def _split_heads(self, fused_qkv: torch.Tensor):
        """
        Split the last dimension into (num_heads, head_dim) without making any copies, results share same memory
        storage as `fused_qkv`
        """
        batch_size, seq_length, three_times_hidden_size = fused_qkv.shape
        fused_qkv = fused_qkv.view(batch_size, seq_length, self.num_heads, 3, self.head_dim)
        return fused_qkv[..., 0, :], fused_qkv[..., 1, :], fused_qkv[..., 2, :]

    def _merge_heads(self, x: torch.Tensor) -> torch.Tensor:
        """
        Merge heads together over the last dimension
        """
        # What we want to achieve is:
        # batch_size * num_heads, seq_length, head_dim -> batch_size, seq_length, num_heads * head_dim
        batch_size_and_num_heads, seq_length, _ = x.shape
        batch_size = batch_size_and_num_heads // self.num_heads

        # First view to decompose the batch size
        # batch_size * num_heads, seq_length, head_dim -> batch_size, num_heads, seq_length, head_dim
        x = x.view(batch_size, self.num_heads, seq_length, self.head_dim)

        # batch_size, num_heads, seq_length, head_dim -> batch_size, seq_length, num_heads, head_dim
        x = x.permute(0, 2, 1, 3)

        # batch_size, seq_length, num_heads, head_dim -> batch_size, seq_length, num_heads * head_dim
        return x.reshape(batch_size, seq_length, self.num_heads * self.head_dim)

    def forward(self, hidden_states, residual, alibi, attention_mask):
        fused_qkv = self.query_key_value(hidden_states)  # [batch_size, seq_length, 3 x hidden_size]

        # 3 x [batch_size, seq_length, num_heads, head_dim]
        (query_layer, key_layer, value_layer) = self._split_heads(fused_qkv)

        batch_size, q_length, _, _ = query_layer.shape

        query_layer = query_layer.transpose(1, 2).reshape(batch_size * self.num_heads, q_length, self.head_dim)
        key_layer = key_layer.permute(0, 2, 3, 1).reshape(batch_size * self.num_heads, self.head_dim, q_length)
        value_layer = value_layer.transpose(1, 2).reshape(batch_size * self.num_heads, q_length, self.head_dim)

        _, _, kv_length = key_layer.shape

        # [batch_size * num_heads, q_length, kv_length]
        # we use `torch.Tensor.baddbmm` instead of `torch.baddbmm` as the latter isn't supported by TorchScript v1.11
        matmul_result = alibi.baddbmm(
            batch1=query_layer,
            batch2=key_layer,
            beta=self.beta,
            alpha=self.inv_norm_factor,
        )

        # change view to [batch_size, num_heads, q_length, kv_length]
        attention_scores = matmul_result.view(batch_size, self.num_heads, q_length, kv_length)

        # cast attention scores to fp32, compute scaled softmax and cast back to initial dtype - [batch_size, num_heads, q_length, kv_length]
        input_dtype = attention_scores.dtype
        # `float16` has a minimum value of -65504.0, whereas `bfloat16` and `float32` have a minimum value of `-3.4e+38`
        if input_dtype == torch.float16:
            attention_scores = attention_scores.to(torch.float)
        attn_weights = torch.masked_fill(attention_scores, attention_mask, torch.finfo(attention_scores.dtype).min)
        attention_probs = F.softmax(attn_weights, dim=-1, dtype=torch.float32).to(input_dtype)

        # [batch_size, num_heads, q_length, kv_length]
        attention_probs = self.attention_dropout(attention_probs)

        # change view [batch_size x num_heads, q_length, kv_length]
        attention_probs_reshaped = attention_probs.view(batch_size * self.num_heads, q_length, kv_length)

        # matmul: [batch_size * num_heads, q_length, head_dim]
        context_layer = torch.bmm(attention_probs_reshaped, value_layer)

        # change view [batch_size, q_length, num_heads * head_dim]
        context_layer = self._merge_heads(context_layer)

        output_tensor = self.dense(context_layer)
        output_tensor = dropout_add(output_tensor, residual, self.hidden_dropout, self.training)
        return output_tensor


class BloomMLP(nn.Module):
    def __init__(self, cfg: BloomConfig):
        super().__init__()
        hidden_size = cfg.hidden_size
        self.dense_h_to_4h = nn.Linear(hidden_size, 4 * hidden_size)
        self.gelu_impl = BloomGelu()
        self.dense_4h_to_h = nn.Linear(4 * hidden_size, hidden_size)
        self.hidden_dropout = cfg.hidden_dropout

    def forward(self, hidden_states, residual):
        hidden_states = self.gelu_impl(self.dense_h_to_4h(hidden_states))
        intermediate_output = self.dense_4h_to_h(hidden_states)
        output = dropout_add(intermediate_output, residual, self.hidden_dropout, self.training)
        return output


class BloomBlock(nn.Module):
    def __init__(self, cfg: BloomConfig):
        super().__init__()
        hidden_size = cfg.hidden_size
        self.input_layernorm = nn.LayerNorm(hidden_size, eps=cfg.layer_norm_epsilon)
        self.num_heads = cfg.n_head
        self.self_attention = BloomAttention(cfg)
        self.post_attention_layernorm = nn.LayerNorm(hidden_size, eps=cfg.layer_norm_epsilon)
        self.mlp = BloomMLP(cfg)
        self.apply_residual_connection_post_layernorm = cfg.apply_residual_connection_post_layernorm

    def forward(self, hidden_states, alibi, attention_mask):
        # hidden_states: [batch_size, seq_length, hidden_size]

        # Layer norm at the beginning of the transformer layer.
        layernorm_output = self.input_layernorm(hidden_states)

        # Layer norm post the self attention.
        if self.apply_residual_connection_post_layernorm:
            residual = layernorm_output
        else:
            residual = hidden_states

        # Self attention.
        attention_output = self.self_attention(layernorm_output, residual, alibi=alibi, attention_mask=attention_mask)

        layernorm_output = self.post_attention_layernorm(attention_output)

        # Get residual
        if self.apply_residual_connection_post_layernorm:
            residual = layernorm_output
        else:
            residual = attention_output

        # MLP.
        output = self.mlp(layernorm_output, residual)
        return output


class BloomModel(nn.Module):
    def __init__(self, cfg: BloomConfig):
        super().__init__()
        self.embed_dim = cfg.hidden_size
        self.num_heads = cfg.n_head

        # Embedding + LN Embedding
        self.word_embeddings = nn.Embedding(cfg.vocab_size, self.embed_dim)
        self.word_embeddings_layernorm = nn.LayerNorm(self.embed_dim, eps=cfg.layer_norm_epsilon)

        # Transformer blocks
        self.h = nn.ModuleList([BloomBlock(cfg) for _ in range(cfg.n_layer)])

        # Final Layer Norm
        self.ln_f = nn.LayerNorm(self.embed_dim, eps=cfg.layer_norm_epsilon)

    def _prepare_attn_mask(self, attention_mask, input_shape, past_key_values_length: int):
        # create causal mask
        # [batch_size, seq_length] -> [batch_size, 1, tgt_length, src_length]
        combined_attention_mask = None
        device = attention_mask.device
        _, src_length = input_shape

        if src_length > 1:
            combined_attention_mask = _make_causal_mask(
                input_shape, device=device, past_key_values_length=past_key_values_length
            )

        # [batch_size, seq_length] -> [batch_size, 1, tgt_length, src_length]
        expanded_attn_mask = _expand_mask(attention_mask, tgt_length=src_length)
        combined_attention_mask = (
            expanded_attn_mask if combined_attention_mask is None else expanded_attn_mask | combined_attention_mask
        )

        return combined_attention_mask

    def forward(self, input_ids):
        batch_size, seq_length = input_ids.shape
        inputs_embeds = self.word_embeddings(input_ids)

        hidden_states = self.word_embeddings_layernorm(inputs_embeds)

        # Compute alibi tensor: check build_alibi_tensor documentation
        seq_length_with_past = seq_length
        past_key_values_length = 0
        attention_mask = torch.ones((batch_size, seq_length_with_past), device=hidden_states.device)

        alibi = build_alibi_tensor(attention_mask, self.num_heads, dtype=hidden_states.dtype)

        causal_mask = self._prepare_attn_mask(
            attention_mask,
            input_shape=(batch_size, seq_length),
            past_key_values_length=past_key_values_length,
        )

        for block in self.h:
            hidden_states = block(hidden_states, alibi=alibi, attention_mask=causal_mask)

        # Add last hidden state
        hidden_states = self.ln_f(hidden_states)
        return hidden_states


class Bloom(nn.Module):
    # Harmless trace warnings (examples/export.py): torch.tensor(...) of the
    # ALiBi bases are constants; _prepare_attn_mask branches on
    # src_length > 1, a size the trace fixes anyway.
    benign_tracer_warnings = (
        ("torch.tensor results are registered as constants", r"(.*\.)?bloom$"),
        ("Converting a tensor to a Python boolean", r"(.*\.)?bloom$"),
    )

    def __init__(self, cfg: BloomConfig, seed: int = 0):
        super().__init__()
        self.config = cfg
        self.transformer = BloomModel(cfg)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.word_embeddings.weight  # tied
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
