"""Megatron-LM-style GPT in plain PyTorch (legacy megatron/model/gpt_model.py).

Imitates NVIDIA Megatron-LM's legacy GPT model (megatron/model/
language_model.py, transformer.py, gpt_model.py; the 2022-23 layout) and its
pretrain_gpt.py loss, at tensor- and pipeline-parallel size 1.  A fixture
for the dsc importer; these idioms are deliberate, since they decide which
ops appear in the traced graph:

- sequence-first activations [s, b, h]: word + position embeddings are
  looked up on [b, s] and transposed to [s, b, h] right after
  (embeddings.transpose(0, 1).contiguous()); the logits stay [s, b, v], the
  labels are transposed to [s, b] and the per-token loss back to [b, s];
- the causal mask built as Megatron's get_ltor_masks_and_position_ids does:
  torch.tril(torch.ones((1, s, s))).view(1, 1, s, s) < 0.5 (boolean, True =
  masked), position ids arange(s).unsqueeze(0).expand_as(tokens);
- one fused query_key_value projection ("mixed_x_layer") [sq, b, np*3*hn]
  viewed as [sq, b, np, 3*hn] (heads outermost) and split by
  split_tensor_along_last_dim (torch.split) into q, k, v of [sq, b, np, hn];
- CoreAttention: q.reshape(sq, b*np, hn), k.view(sk, b*np, hn), the scores by
  torch.baddbmm(buffer, q.transpose(0, 1), k.transpose(0, 1).transpose(1, 2),
  beta=0.0, alpha=1/norm_factor) into a preallocated zero buffer
  [b*np, sq, sk] (Megatron takes an uninitialised one from its global memory
  buffer; with beta=0 it is not read), viewed as [b, np, sq, sk];
- FusedScaleMaskSoftmax's unfused path in fp32: optional scale (the layer
  number, with apply_query_key_layer_scaling, which also multiplies
  norm_factor), attention_mask_func = scores.masked_fill_(mask, -10000.0)
  in place, then torch.nn.Softmax(dim=-1);
- context = bmm(probs.view(b*np, sq, sk), v.view(sk, b*np, hn).transpose(0, 1)),
  viewed [b, np, sq, hn], permute(2, 0, 1, 3) -> [sq, b, np*hn];
- Column/RowParallelLinear with skip_bias_add: the dense and dense_4h_to_h
  outputs come back without their bias, which bias_dropout_add adds
  (dropout(x + bias) + residual); dense_h_to_4h's bias goes into
  bias_gelu (openai gelu, 0.79788456 * x * (1 + 0.044715 * x * x));
- pre-LayerNorm (apply_residual_connection_post_layernorm=False), a final
  LayerNorm, the output layer tied to the word embeddings
  (parallel_lm_logits: F.linear(h, word_embeddings.weight), no bias);
- vocab_parallel_cross_entropy written out per token for one partition:
  logits - max, target_mask for labels outside the vocabulary range, the
  target logit picked, log(sum(exp)) - target logit; then pretrain_gpt's
  loss_func: sum(losses * loss_mask) / loss_mask.sum(), with loss_mask =
  (labels != -100) (Megatron zeroes EOD positions the same way); the
  example inputs (example_inputs) end every odd row in up to 3 EOD tokens
  (the last id) labelled -100.

Deviations, for ops dsc does not take: torch.max(x, dim)[0] is amax (dsc
refuses max with indices); the target logit is picked with a one-hot
(labels == arange(v)) product summed over the vocabulary instead of
logits_2d[arange, target] (indexing by a computed tensor), and
predicted_logits[target_mask] = 0 is masked_fill; torch.exp(x, out=x) is
torch.exp(x); the boolean `|` of the two out-of-range tests is
(a.long() + b.long()) > 0 (dsc has no logical or).  Megatron's VocabParallelEmbedding and parallel linears are
nn.Embedding / nn.Linear subclasses here (one partition, so that
common.init_weights initialises them); all dropouts have p = 0.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .common import init_weights, right_padded


@dataclass
class MegatronConfig:
    vocab_size: int = 256  # padded_vocab_size
    hidden_size: int = 64
    num_layers: int = 2
    num_attention_heads: int = 4
    ffn_hidden_size: int = 0  # 0: 4 * hidden_size
    max_position_embeddings: int = 64
    layernorm_epsilon: float = 1e-5
    apply_query_key_layer_scaling: bool = False
    apply_residual_connection_post_layernorm: bool = False
    hidden_dropout: float = 0.0
    attention_dropout: float = 0.0


def openai_gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


def bias_gelu(bias, y):
    # megatron/model/fused_bias_gelu.py (the jit-scripted fusion, unfused here)
    x = bias + y
    return x * 0.5 * (1.0 + torch.tanh(0.79788456 * x * (1 + 0.044715 * x * x)))


def bias_dropout_add(x, bias, residual, prob, training):
    # type: (Tensor, Tensor, Tensor, float, bool) -> Tensor
    out = torch.nn.functional.dropout(x + bias, p=prob, training=training)
    out = residual + out
    return out


def split_tensor_along_last_dim(tensor, num_partitions, contiguous_split_chunks=False):
    """Split a tensor along its last dimension (megatron/core/tensor_parallel/utils.py)."""
    last_dim = tensor.dim() - 1
    last_dim_size = tensor.size()[last_dim] // num_partitions
    tensor_list = torch.split(tensor, last_dim_size, dim=last_dim)
    if contiguous_split_chunks:
        return tuple(chunk.contiguous() for chunk in tensor_list)
    return tensor_list


def attention_mask_func(attention_scores, attention_mask):
    attention_scores.masked_fill_(attention_mask, -10000.0)
    return attention_scores


class ColumnParallelLinear(nn.Linear):
    """Y = XA + b with A split by columns; one partition here.  With
    skip_bias_add the bias is returned for the caller to fuse."""

    def __init__(self, input_size, output_size, bias=True, skip_bias_add=False):
        super().__init__(input_size, output_size, bias=bias)
        self.skip_bias_add = skip_bias_add

    def forward(self, input_):
        bias = self.bias if not self.skip_bias_add else None
        output = F.linear(input_, self.weight, bias)
        output_bias = self.bias if self.skip_bias_add else None
        return output, output_bias


class RowParallelLinear(nn.Linear):
    """Y = XA + b with A split by rows; one partition here (the all-reduce
    of the partial products is the identity)."""

    def __init__(self, input_size, output_size, bias=True, skip_bias_add=False):
        super().__init__(input_size, output_size, bias=bias)
        self.skip_bias_add = skip_bias_add

    def forward(self, input_):
        output_parallel = F.linear(input_, self.weight)
        output_ = output_parallel  # reduce_from_tensor_model_parallel_region
        if not self.skip_bias_add:
            output = output_ + self.bias if self.bias is not None else output_
            output_bias = None
        else:
            output = output_
            output_bias = self.bias
        return output, output_bias


class FusedScaleMaskSoftmax(nn.Module):
    """The torch (unfused) path: fp32, optional scale, mask, softmax."""

    def __init__(self, mask_func, softmax_in_fp32, scale):
        super().__init__()
        self.mask_func = mask_func
        self.softmax_in_fp32 = softmax_in_fp32
        self.scale = scale

    def forward(self, input, mask):
        orig_dtype = input.dtype
        if self.softmax_in_fp32 and input.dtype != torch.float32:
            input = input.float()
        if self.scale is not None:
            input = input * self.scale
        mask_output = self.mask_func(input, mask) if mask is not None else input
        probs = torch.nn.Softmax(dim=-1)(mask_output)
        if probs.dtype != orig_dtype:
            probs = probs.to(orig_dtype)
        return probs


class ParallelMLP(nn.Module):
    def __init__(self, cfg: MegatronConfig):
        super().__init__()
        ffn = cfg.ffn_hidden_size or 4 * cfg.hidden_size
        self.dense_h_to_4h = ColumnParallelLinear(cfg.hidden_size, ffn, skip_bias_add=True)
        self.bias_gelu_fusion = True
        self.activation_func = openai_gelu
        self.dense_4h_to_h = RowParallelLinear(ffn, cfg.hidden_size, skip_bias_add=True)

    def forward(self, hidden_states):
        # [s, b, 4hp]
        intermediate_parallel, bias_parallel = self.dense_h_to_4h(hidden_states)
        if self.bias_gelu_fusion:
            intermediate_parallel = bias_gelu(bias_parallel, intermediate_parallel)
        else:
            intermediate_parallel = self.activation_func(intermediate_parallel + bias_parallel)
        # [s, b, h]
        output, output_bias = self.dense_4h_to_h(intermediate_parallel)
        return output, output_bias


class CoreAttention(nn.Module):
    def __init__(self, layer_number, cfg: MegatronConfig):
        super().__init__()
        self.apply_query_key_layer_scaling = cfg.apply_query_key_layer_scaling
        self.layer_number = max(1, layer_number)
        self.hidden_size_per_partition = cfg.hidden_size
        self.hidden_size_per_attention_head = cfg.hidden_size // cfg.num_attention_heads
        self.num_attention_heads_per_partition = cfg.num_attention_heads
        coeff = None
        self.norm_factor = math.sqrt(self.hidden_size_per_attention_head)
        if self.apply_query_key_layer_scaling:
            coeff = self.layer_number
            self.norm_factor *= coeff
        self.scale_mask_softmax = FusedScaleMaskSoftmax(attention_mask_func, True, coeff)
        self.attention_dropout = nn.Dropout(cfg.attention_dropout)

    def forward(self, query_layer, key_layer, value_layer, attention_mask):
        # ===================================
        # Raw attention scores. [b, np, s, s]
        # ===================================

        # [b, np, sq, sk]
        output_size = (query_layer.size(1), query_layer.size(2), query_layer.size(0), key_layer.size(0))

        # [sq, b, np, hn] -> [sq, b * np, hn]
        query_layer = query_layer.reshape(output_size[2], output_size[0] * output_size[1], -1)
        # [sk, b, np, hn] -> [sk, b * np, hn]
        key_layer = key_layer.view(output_size[3], output_size[0] * output_size[1], -1)

        # preallocting input tensor: [b * np, sq, sk]
        matmul_input_buffer = torch.zeros(
            (output_size[0] * output_size[1], output_size[2], output_size[3]),
            dtype=query_layer.dtype, device=query_layer.device)

        # Raw attention scores. [b * np, sq, sk]
        matmul_result = torch.baddbmm(
            matmul_input_buffer,
            query_layer.transpose(0, 1),  # [b * np, sq, hn]
            key_layer.transpose(0, 1).transpose(1, 2),  # [b * np, hn, sk]
            beta=0.0, alpha=(1.0 / self.norm_factor))

        # change view to [b, np, sq, sk]
        attention_scores = matmul_result.view(*output_size)

        # ===========================
        # Attention probs and dropout
        # ===========================

        # attention scores and attention mask [b, np, sq, sk]
        attention_probs = self.scale_mask_softmax(attention_scores, attention_mask)
        attention_probs = self.attention_dropout(attention_probs)

        # =========================
        # Context layer. [sq, b, hp]
        # =========================

        # [sk, b, np, hn] --> [b, np, sq, hn]
        output_size = (value_layer.size(1), value_layer.size(2), query_layer.size(0), value_layer.size(3))

        # change view [sk, b * np, hn]
        value_layer = value_layer.view(value_layer.size(0), output_size[0] * output_size[1], -1)

        # change view [b * np, sq, sk]
        attention_probs = attention_probs.view(output_size[0] * output_size[1], output_size[2], -1)

        # matmul: [b * np, sq, hn]
        context_layer = torch.bmm(attention_probs, value_layer.transpose(0, 1))

        # change view [b, np, sq, hn]
        context_layer = context_layer.view(*output_size)

        # [b, np, sq, hn] --> [sq, b, np, hn]
        context_layer = context_layer.permute(2, 0, 1, 3).contiguous()

        # [sq, b, np, hn] --> [sq, b, hp]
        new_context_layer_shape = context_layer.size()[:-2] + (self.hidden_size_per_partition,)
        context_layer = context_layer.view(*new_context_layer_shape)
        return context_layer


class ParallelAttention(nn.Module):
    def __init__(self, layer_number, cfg: MegatronConfig):
        super().__init__()
        assert cfg.hidden_size % cfg.num_attention_heads == 0, \
            "hidden_size must be divisible by num_attention_heads"
        self.hidden_size_per_attention_head = cfg.hidden_size // cfg.num_attention_heads
        self.num_attention_heads_per_partition = cfg.num_attention_heads
        self.query_key_value = ColumnParallelLinear(cfg.hidden_size, 3 * cfg.hidden_size)
        self.core_attention = CoreAttention(layer_number, cfg)
        self.dense = RowParallelLinear(cfg.hidden_size, cfg.hidden_size, skip_bias_add=True)

    def forward(self, hidden_states, attention_mask):
        # hidden_states: [sq, b, h]

        # Attention heads [sq, b, h] --> [sq, b, (np * 3 * hn)]
        mixed_x_layer, _ = self.query_key_value(hidden_states)

        # [sq, b, (np * 3 * hn)] --> [sq, b, np, 3 * hn]
        new_tensor_shape = mixed_x_layer.size()[:-1] + \
            (self.num_attention_heads_per_partition, 3 * self.hidden_size_per_attention_head)
        mixed_x_layer = mixed_x_layer.view(*new_tensor_shape)

        # [sq, b, np, 3 * hn] --> 3 [sq, b, np, hn]
        (query_layer, key_layer, value_layer) = split_tensor_along_last_dim(mixed_x_layer, 3)

        context_layer = self.core_attention(query_layer, key_layer, value_layer, attention_mask)

        # Output. [sq, b, h]
        output, bias = self.dense(context_layer)
        return output, bias


class ParallelTransformerLayer(nn.Module):
    def __init__(self, cfg: MegatronConfig, layer_number):
        super().__init__()
        self.layer_number = layer_number
        self.apply_residual_connection_post_layernorm = cfg.apply_residual_connection_post_layernorm
        self.input_layernorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layernorm_epsilon)
        self.self_attention = ParallelAttention(layer_number, cfg)
        self.hidden_dropout = cfg.hidden_dropout
        self.post_attention_layernorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layernorm_epsilon)
        self.mlp = ParallelMLP(cfg)

    def forward(self, hidden_states, attention_mask):
        # hidden_states: [s, b, h]

        # Layer norm at the beginning of the transformer layer.
        layernorm_output = self.input_layernorm(hidden_states)
        # Self attention.
        attention_output, attention_bias = self.self_attention(layernorm_output, attention_mask)

        # Residual connection.
        if self.apply_residual_connection_post_layernorm:
            residual = layernorm_output
        else:
            residual = hidden_states

        layernorm_input = bias_dropout_add(attention_output, attention_bias.expand_as(residual),
                                           residual, self.hidden_dropout, self.training)

        # Layer norm post the self attention.
        layernorm_output = self.post_attention_layernorm(layernorm_input)

        # MLP.
        mlp_output, mlp_bias = self.mlp(layernorm_output)

        # Second residual connection.
        if self.apply_residual_connection_post_layernorm:
            residual = layernorm_output
        else:
            residual = layernorm_input

        output = bias_dropout_add(mlp_output, mlp_bias.expand_as(residual), residual,
                                  self.hidden_dropout, self.training)
        return output


class ParallelTransformer(nn.Module):
    def __init__(self, cfg: MegatronConfig):
        super().__init__()
        self.layers = nn.ModuleList(
            [ParallelTransformerLayer(cfg, i + 1) for i in range(cfg.num_layers)])
        self.final_layernorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layernorm_epsilon)

    def forward(self, hidden_states, attention_mask):
        for layer in self.layers:
            hidden_states = layer(hidden_states, attention_mask)
        # Final layer norm.
        return self.final_layernorm(hidden_states)


class VocabParallelEmbedding(nn.Embedding):
    """Embedding parallelized in the vocabulary dimension; one partition."""


class Embedding(nn.Module):
    """Word and position embeddings (no token types), then [b s h] -> [s b h]."""

    def __init__(self, cfg: MegatronConfig):
        super().__init__()
        self.word_embeddings = VocabParallelEmbedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.embedding_dropout = nn.Dropout(cfg.hidden_dropout)

    def forward(self, input_ids, position_ids):
        words_embeddings = self.word_embeddings(input_ids)
        position_embeddings = self.position_embeddings(position_ids)
        embeddings = words_embeddings + position_embeddings

        # Data format change to avoid explicit tranposes : [b s h] --> [s b h].
        embeddings = embeddings.transpose(0, 1).contiguous()

        # Dropout.
        embeddings = self.embedding_dropout(embeddings)
        return embeddings


class TransformerLanguageModel(nn.Module):
    def __init__(self, cfg: MegatronConfig):
        super().__init__()
        self.embedding = Embedding(cfg)
        self.encoder = ParallelTransformer(cfg)

    def forward(self, enc_input_ids, enc_position_ids, enc_attn_mask):
        encoder_input = self.embedding(enc_input_ids, enc_position_ids)
        return self.encoder(encoder_input, enc_attn_mask)


def parallel_lm_logits(input_, word_embeddings_weight, bias=None):
    """LM logits using word embedding weights (one partition)."""
    # Matrix multiply.
    if bias is None:
        logits_parallel = F.linear(input_, word_embeddings_weight)
    else:
        logits_parallel = F.linear(input_, word_embeddings_weight, bias)
    return logits_parallel


def vocab_parallel_cross_entropy(vocab_parallel_logits, target):
    """Per-token cross entropy over [s, b, v] logits and [s, b] targets, as
    megatron/core/tensor_parallel/cross_entropy.py's forward for one
    partition (see the module docstring for the substitutions)."""
    # Maximum value along vocab dimension (all-reduced across partitions).
    logits_max = torch.amax(vocab_parallel_logits, dim=-1)
    # Subtract the maximum value.
    vocab_parallel_logits = vocab_parallel_logits - logits_max.unsqueeze(dim=-1)

    # Get the partition's vocab indices.
    partition_vocab_size = vocab_parallel_logits.size()[-1]
    vocab_start_index, vocab_end_index = 0, partition_vocab_size

    # Create a mask of valid vocab ids (1 means it needs to be masked).
    # (Megatron: (target < vocab_start_index) | (target >= vocab_end_index).)
    target_mask = ((target < vocab_start_index).long() + (target >= vocab_end_index).long()) > 0
    masked_target = target.clone() - vocab_start_index
    masked_target = masked_target.masked_fill(target_mask, 0)

    # Get predicted-logits = logits[target].
    vocab_ids = torch.arange(0, partition_vocab_size, device=target.device)
    target_one_hot = (masked_target.unsqueeze(-1) == vocab_ids).to(vocab_parallel_logits.dtype)
    predicted_logits = (vocab_parallel_logits * target_one_hot).sum(dim=-1)
    predicted_logits = predicted_logits.masked_fill(target_mask, 0.0)

    # Sum of exponential of logits along vocab dimension across all GPUs.
    exp_logits = torch.exp(vocab_parallel_logits)
    sum_exp_logits = exp_logits.sum(dim=-1)

    # Loss = log(sum(exp(logits))) - predicted-logit.
    loss = torch.log(sum_exp_logits) - predicted_logits
    return loss


class Megatron(nn.Module):
    """GPTModel (pre_process and post_process, parallel_output) plus
    pretrain_gpt.py's batch preparation and loss_func."""

    # split_tensor_along_last_dim: torch.split's size is the traced
    # mixed_x_layer.size(-1) // 3, i.e. 3 * hn // 3 = hn, a constant.
    benign_tracer_warnings = (
        ("Converting a tensor to a Python integer", r"torch\._tensor$"),
    )

    def __init__(self, cfg: MegatronConfig, seed: int = 0):
        super().__init__()
        self.config = cfg
        self.language_model = TransformerLanguageModel(cfg)
        self.init_weights(seed)

    def init_weights(self, seed: int):
        init_weights(self, seed)

    @classmethod
    def example_inputs(cls, cfg: MegatronConfig, batch: int, seq: int, generator: torch.Generator):
        """Every odd row ends in up to 3 end-of-document tokens (the last id)
        whose labels are -100, so that the loss mask has zeros."""
        return right_padded(cfg.vocab_size, cfg.vocab_size - 1, batch, seq, generator)

    def shared_embedding_or_output_weight(self):
        return self.language_model.embedding.word_embeddings.weight

    @staticmethod
    def get_ltor_masks_and_position_ids(data):
        """Left-to-right masks and position ids (megatron/utils.py, without
        document resets); the loss mask comes from the labels here."""
        micro_batch_size, seq_length = data.size()
        att_mask_batch = 1
        attention_mask = torch.tril(torch.ones(
            (att_mask_batch, seq_length, seq_length), device=data.device)).view(
                att_mask_batch, 1, seq_length, seq_length)
        position_ids = torch.arange(seq_length, dtype=torch.long, device=data.device)
        position_ids = position_ids.unsqueeze(0).expand_as(data)
        # Convert attention mask to binary:
        attention_mask = (attention_mask < 0.5)
        return attention_mask, position_ids

    def forward(self, tokens, labels):
        attention_mask, position_ids = self.get_ltor_masks_and_position_ids(tokens)
        loss_mask = (labels != -100).float()

        lm_output = self.language_model(tokens, position_ids, attention_mask)

        # post_language_model_processing
        output = parallel_lm_logits(lm_output, self.shared_embedding_or_output_weight())
        # [b s] => [s b]
        labels = labels.transpose(0, 1).contiguous()
        loss = vocab_parallel_cross_entropy(output.float(), labels)
        # [s b] => [b s]
        output_tensor = loss.transpose(0, 1).contiguous()

        # pretrain_gpt.py loss_func
        losses = output_tensor.float()
        loss_mask = loss_mask.view(-1).float()
        loss = torch.sum(losses.view(-1) * loss_mask) / loss_mask.sum()
        return loss
