#!/usr/bin/env python3
"""Export a Hugging Face causal LM, built from a small config in code (no
downloads), for the dsc importer.

    .venv/bin/python examples/export_hf.py ARCH -o model.pt2 \\
        [--attn sdpa|eager|flex_attention] [--decompose] [--batch 2] [--seq 16] \\
        [--set key=value ...] [--seed 0] [--inputs-out batch.safetensors] \\
        [--experts batched_mm|grouped_mm]

ARCH is gpt2, llama, mistral, gptj, bloom, gemma2, phi, cohere, gpt_bigcode,
granite, olmo2, qwen3, gpt_neo (causal LMs; gpt_neo with --attn eager), mixtral, qwen2_moe,
qwen3_moe, olmoe, deepseek_v3, gpt_oss (mixtures of experts; gpt_oss with
--attn eager), mamba, jamba, lfm2, qwen3_next, falcon_h1, recurrent_gemma (hybrids with
convolutions; mamba with --attn eager), gemma3, phi3, smollm3, rwkv (--attn
eager), minimax, t5 (an encoder-decoder), bert, roberta, albert, electra,
deberta_v2, mpnet, roformer or distilbert (masked LMs).
The model is the transformers class itself (GPT2LMHeadModel, ...), in train() mode with every
dropout at 0, its forward narrowed to forward(input_ids, labels) -> loss, so
parameters keep their Hugging Face names (model.layers.0.self_attn.q_proj.
weight). A causal LM shifts the labels inside the model; -100 is ignored,
as in Hugging Face training (a masked LM's labels are -100 except at about a
quarter of the positions). --set overrides a config field (e.g. --set
sliding_window=8). --inputs-out saves "input_ids" and "labels" (int64
[batch, seq]); the labels of the last row end in -100.
"""

import argparse
import logging
import os
import sys

logging.getLogger("torch.utils.flop_counter").setLevel(logging.ERROR)

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)

import torch  # noqa: E402
import transformers  # noqa: E402

import export  # noqa: E402
import safetensors_io  # noqa: E402

transformers.logging.set_verbosity_error()

# Small configurations: a few layers, heads that sp 2 and 4 divide or not.
# SMALL_DECODER: the fields most decoders share.
SMALL_DECODER = dict(vocab_size=256, hidden_size=32, intermediate_size=64,
                     num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                     max_position_embeddings=64)
CONFIGS = {
    "gpt2": (transformers.GPT2Config, transformers.GPT2LMHeadModel, dict(
        vocab_size=256, n_positions=64, n_embd=32, n_layer=2, n_head=4,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)),
    "llama": (transformers.LlamaConfig, transformers.LlamaForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)),
    "mistral": (transformers.MistralConfig, transformers.MistralForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        sliding_window=8)),
    "gptj": (transformers.GPTJConfig, transformers.GPTJForCausalLM, dict(
        vocab_size=256, n_positions=64, n_embd=32, n_layer=2, n_head=4, rotary_dim=4,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)),
    # More dense decoders, each for an idiom the ones above lack: Gemma 2's
    # scaled embeddings, sandwich norms, tanh soft-capping (attention and
    # logits) and alternating sliding windows; Phi's partial rotary and
    # parallel attention + MLP; Cohere's interleaved rotary, bias-free
    # LayerNorm and logit scale; GPT-BigCode's multi-query attention from
    # one fused projection; Granite's embedding, residual, attention and
    # logit multipliers; OLMo 2's q/k norms over all heads and post-norms;
    # Qwen 3's per-head q/k norms; GPT-Neo's unscaled local attention.
    "gemma2": (transformers.Gemma2Config, transformers.Gemma2ForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=64,
        sliding_window=8)),
    "phi": (transformers.PhiConfig, transformers.PhiForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=64, partial_rotary_factor=0.5,
        resid_pdrop=0.0, embd_pdrop=0.0)),
    "cohere": (transformers.CohereConfig, transformers.CohereForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        logit_scale=0.5)),
    "gpt_bigcode": (transformers.GPTBigCodeConfig, transformers.GPTBigCodeForCausalLM, dict(
        vocab_size=256, n_positions=64, n_embd=32, n_layer=2, n_head=4, multi_query=True,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)),
    "granite": (transformers.GraniteConfig, transformers.GraniteForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        embedding_multiplier=2.0, residual_multiplier=0.5, attention_multiplier=0.3,
        logits_scaling=4.0)),
    "olmo2": (transformers.Olmo2Config, transformers.Olmo2ForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)),
    "qwen3": (transformers.Qwen3Config, transformers.Qwen3ForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8,
        max_position_embeddings=64)),
    "gpt_neo": (transformers.GPTNeoConfig, transformers.GPTNeoForCausalLM, dict(
        vocab_size=256, hidden_size=32, num_layers=2, num_heads=4, max_position_embeddings=64,
        attention_types=[[["global", "local"], 1]], window_size=8,
        resid_dropout=0.0, embed_dropout=0.0, attention_dropout=0.0)),
    # A mixture of experts: 4 experts, 2 per token, the router's
    # load-balancing loss added to the loss (output_router_logits). The
    # experts run as "batched_mm" (each token's experts gathered and
    # multiplied batched): the eager loop sizes each expert's batch by the
    # routing, which torch.export cannot fix.
    "mixtral": (transformers.MixtralConfig, transformers.MixtralForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        num_local_experts=4, num_experts_per_tok=2, output_router_logits=True,
        router_aux_loss_coef=0.02)),
    # More routers: Qwen2-MoE (a shared expert behind a sigmoid gate, no
    # renormalised top-k), Qwen3-MoE and OLMoE (Mixtral's router), and
    # DeepSeek-V3 (sigmoid scores, top-2 of 2 groups of 4 experts chosen by
    # their two best scores, a shared expert, the first layer dense; MLA
    # attention from low-rank q and kv).
    "qwen2_moe": (transformers.Qwen2MoeConfig, transformers.Qwen2MoeForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        moe_intermediate_size=16, shared_expert_intermediate_size=32, num_experts=4,
        num_experts_per_tok=2, output_router_logits=True)),
    "qwen3_moe": (transformers.Qwen3MoeConfig, transformers.Qwen3MoeForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=64,
        moe_intermediate_size=16, num_experts=4, num_experts_per_tok=2,
        output_router_logits=True)),
    "olmoe": (transformers.OlmoeConfig, transformers.OlmoeForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        num_experts=4, num_experts_per_tok=2, output_router_logits=True)),
    "deepseek_v3": (transformers.DeepseekV3Config, transformers.DeepseekV3ForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, head_dim=8, max_position_embeddings=64,
        moe_intermediate_size=16, n_routed_experts=8, num_experts_per_tok=2, n_group=2,
        topk_group=1, first_k_dense_replace=1, n_shared_experts=1, kv_lora_rank=16,
        q_lora_rank=16, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=8)),
    # GPT-OSS: attention sinks (a learned logit per head joins each row's
    # softmax; eager attention only), sliding and full layers alternating,
    # experts with biases and a clamped SwiGLU, top-2 of 4.
    "gpt_oss": (transformers.GptOssConfig, transformers.GptOssForCausalLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=64,
        num_local_experts=4, num_experts_per_tok=2, output_router_logits=True,
        sliding_window=8, layer_types=["sliding_attention", "full_attention"])),
    # A masked LM: bidirectional attention, labels -100 where not masked.
    "bert": (transformers.BertConfig, transformers.BertForMaskedLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=64,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)),
    # Positions from running sums: RoBERTa's from the tokens (cumsum of the
    # non-pad mask, then a gather of token types), BLOOM's ALiBi from the
    # attention mask.
    "roberta": (transformers.RobertaConfig, transformers.RobertaForMaskedLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=70, pad_token_id=1,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)),
    # More encoders: ALBERT's factorised embeddings and one layer shared by
    # all, ELECTRA's embedding projection, DeBERTa-v2's disentangled
    # attention over relative position buckets (log-spaced, signed),
    # MPNet's relative position bias, RoFormer's rotary encoder and
    # DistilBERT's own block.
    "albert": (transformers.AlbertConfig, transformers.AlbertForMaskedLM, dict(
        vocab_size=256, embedding_size=16, hidden_size=32, intermediate_size=64,
        num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=64,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)),
    "electra": (transformers.ElectraConfig, transformers.ElectraForMaskedLM, dict(
        vocab_size=256, embedding_size=16, hidden_size=32, intermediate_size=64,
        num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=64,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)),
    "deberta_v2": (transformers.DebertaV2Config, transformers.DebertaV2ForMaskedLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=64, relative_attention=True,
        position_buckets=8, pos_att_type=["p2c", "c2p"],
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)),
    "mpnet": (transformers.MPNetConfig, transformers.MPNetForMaskedLM, dict(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=70,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)),
    "roformer": (transformers.RoFormerConfig, transformers.RoFormerForMaskedLM, dict(
        vocab_size=256, embedding_size=32, hidden_size=32, intermediate_size=64,
        num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=64,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)),
    "distilbert": (transformers.DistilBertConfig, transformers.DistilBertForMaskedLM, dict(
        vocab_size=256, dim=32, hidden_dim=64, n_layers=2, n_heads=4,
        max_position_embeddings=64, dropout=0.0, attention_dropout=0.0)),
    "bloom": (transformers.BloomConfig, transformers.BloomForCausalLM, dict(
        vocab_size=256, hidden_size=32, n_layer=2, n_head=4,
        hidden_dropout=0.0, attention_dropout=0.0)),
    # More idioms (from a survey of 31 more architectures, all exact):
    # Gemma 3 (sliding and full layers, q/k norms, query_pre_attn_scalar),
    # Phi-3 (fused qkv and gate_up projections), SmolLM3 (a layer without
    # rotary), RWKV (the WKV recurrence, no attention), MiniMax (lightning
    # linear attention beside softmax attention, experts) and T5 (an
    # encoder-decoder: the decoder's inputs shifted from the labels,
    # relative position buckets, cross-attention).
    "gemma3": (transformers.Gemma3TextConfig, transformers.Gemma3ForCausalLM, dict(
        SMALL_DECODER, head_dim=8, sliding_window=8, query_pre_attn_scalar=8,
        layer_types=["sliding_attention", "full_attention"])),
    "phi3": (transformers.Phi3Config, transformers.Phi3ForCausalLM, dict(
        SMALL_DECODER, original_max_position_embeddings=64, resid_pdrop=0.0, embd_pdrop=0.0)),
    "smollm3": (transformers.SmolLM3Config, transformers.SmolLM3ForCausalLM, dict(
        SMALL_DECODER, no_rope_layers=[1, 0])),
    "rwkv": (transformers.RwkvConfig, transformers.RwkvForCausalLM, dict(
        vocab_size=256, context_length=64, hidden_size=32, num_hidden_layers=2,
        attention_hidden_size=32, intermediate_size=64)),
    "minimax": (transformers.MiniMaxConfig, transformers.MiniMaxForCausalLM, dict(
        SMALL_DECODER, head_dim=8, num_local_experts=4, num_experts_per_tok=2, block_size=8,
        output_router_logits=True, layer_types=["linear_attention", "full_attention"])),
    "t5": (transformers.T5Config, transformers.T5ForConditionalGeneration, dict(
        vocab_size=256, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2,
        num_heads=4, relative_attention_num_buckets=8, relative_attention_max_distance=16,
        dropout_rate=0.0, pad_token_id=0, decoder_start_token_id=0)),
    # Hybrids of attention with state-space or convolution layers, each
    # with a depthwise causal conv1d: Mamba (no attention), Jamba (Mamba
    # layers, attention and experts), LFM2 (short convolutions),
    # Qwen3-Next (gated delta-rule linear attention, experts) and
    # Falcon-H1 (Mamba-2 beside attention in every layer); RecurrentGemma
    # (Griffin: a real-gated linear recurrence written out[:, t] = state
    # into zeros_like of a conv's transposed output).
    "mamba": (transformers.MambaConfig, transformers.MambaForCausalLM, dict(
        vocab_size=256, hidden_size=32, state_size=8, num_hidden_layers=2, expand=2,
        conv_kernel=4, time_step_rank=4)),
    "jamba": (transformers.JambaConfig, transformers.JambaForCausalLM, dict(
        SMALL_DECODER, num_experts=4, num_experts_per_tok=2, expert_layer_period=2,
        expert_layer_offset=1, attn_layer_period=2, attn_layer_offset=1,
        use_mamba_kernels=False, mamba_d_state=8, mamba_d_conv=4, mamba_expand=2,
        mamba_dt_rank=4, output_router_logits=True)),
    "lfm2": (transformers.Lfm2Config, transformers.Lfm2ForCausalLM, dict(
        SMALL_DECODER, block_auto_adjust_ff_dim=False, layer_types=["conv", "full_attention"])),
    "qwen3_next": (transformers.Qwen3NextConfig, transformers.Qwen3NextForCausalLM, dict(
        SMALL_DECODER, head_dim=8, linear_conv_kernel_dim=4, linear_key_head_dim=8,
        linear_value_head_dim=8, linear_num_key_heads=2, linear_num_value_heads=4,
        moe_intermediate_size=16, shared_expert_intermediate_size=32, num_experts=4,
        num_experts_per_tok=2, output_router_logits=True,
        layer_types=["linear_attention", "full_attention"])),
    "recurrent_gemma": (transformers.RecurrentGemmaConfig,
                        transformers.RecurrentGemmaForCausalLM, dict(
        SMALL_DECODER, lru_width=32, attention_window_size=8, conv1d_width=4,
        block_types=["recurrent", "attention"])),
    "falcon_h1": (transformers.FalconH1Config, transformers.FalconH1ForCausalLM, dict(
        SMALL_DECODER, head_dim=8, mamba_d_ssm=32, mamba_n_heads=4, mamba_d_head=8,
        mamba_n_groups=1,
        mamba_d_state=8, mamba_d_conv=4, mamba_expand=2, mamba_chunk_size=16)),
}
MASKED_LM = {"bert", "roberta", "albert", "electra", "deberta_v2", "mpnet", "roformer",
             "distilbert"}
MOE = {"mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "deepseek_v3", "gpt_oss", "jamba",
       "qwen3_next", "minimax"}


def build(arch, attn, seed, overrides, with_mask=False, experts="batched_mm"):
    config_class, model_class, fields = CONFIGS[arch]
    fields = dict(fields, **overrides, use_cache=False, bos_token_id=0, eos_token_id=0,
                  pad_token_id=fields.get("pad_token_id"))
    config = config_class(**fields)
    torch.manual_seed(seed)
    extra = {"experts_implementation": experts} if arch in MOE else {}
    model = model_class._from_config(config, attn_implementation=attn, **extra)
    model.train()

    class LossOnly(model_class):
        """The model with forward(input_ids, labels) -> loss."""

        def forward(self, input_ids, labels):
            return super().forward(input_ids=input_ids, labels=labels).loss

    class MaskedLossOnly(model_class):
        """The model with forward(input_ids, attention_mask, labels) -> loss."""

        def forward(self, input_ids, attention_mask, labels):
            return super().forward(input_ids=input_ids, attention_mask=attention_mask,
                                   labels=labels).loss

    wrapper = MaskedLossOnly if with_mask else LossOnly
    wrapper.__name__ = model_class.__name__
    model.__class__ = wrapper
    return model, config


def parse_sets(arch, items):
    config_class, _, fields = CONFIGS[arch]
    known = config_class().to_dict()
    overrides = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or key not in known:
            export.fail(f"--set {item}: not a field of {config_class.__name__}")
        default = known[key] if known[key] is not None else fields.get(key)
        typ = type(default).__name__ if default is not None else "int"
        overrides[key] = export.parse_value(raw, typ, key)
    return overrides


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("arch", choices=sorted(CONFIGS))
    ap.add_argument("-o", "--output", required=True, help="torch.export archive (.pt2)")
    ap.add_argument("--attn", choices=("sdpa", "eager", "flex_attention"), default="sdpa",
                    help="the attention implementation (default: sdpa; flex_attention is "
                         "lowered to dense attention by the exporter: lower_flex.py)")
    ap.add_argument("--decompose", action="store_true",
                    help="save the program after run_decompositions() (core ATen IR)")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seq", type=int, default=16)
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--inputs-out", help="write the example tokens and labels as safetensors")
    ap.add_argument("--padding", choices=("left", "right"),
                    help="forward(input_ids, attention_mask, labels): the last sequence "
                         "padded by a quarter of its length on that side (labels -100 there)")
    ap.add_argument("--experts", choices=("batched_mm", "grouped_mm"), default="batched_mm",
                    help="a mixture of experts' experts_implementation (default: "
                         "batched_mm; dsc does not import grouped_mm yet)")
    args = ap.parse_args(argv)
    if args.batch < 1 or args.seq < 2:
        export.fail("--batch must be positive and --seq at least 2")

    model, config = build(args.arch, args.attn, args.seed, parse_sets(args.arch, args.sets),
                          with_mask=args.padding is not None, experts=args.experts)
    g = torch.Generator().manual_seed(args.seed + 1)
    tokens = torch.randint(0, config.vocab_size, (args.batch, args.seq), generator=g)
    labels = torch.randint(0, config.vocab_size, (args.batch, args.seq), generator=g)
    if args.arch in MASKED_LM:
        # Predict about a quarter of the positions; the rest are ignored.
        keep = torch.rand(args.batch, args.seq, generator=g) < 0.25
        keep[:, 0] = True
        labels = torch.where(keep, labels, torch.full_like(labels, -100))
    else:
        labels[-1, -3:] = -100  # ignored positions, as padding gives them
    inputs = {"input_ids": tokens, "labels": labels}
    if args.padding:
        mask = torch.ones(args.batch, args.seq, dtype=torch.long)
        pad = max(1, args.seq // 4)
        span = slice(0, pad) if args.padding == "left" else slice(args.seq - pad, args.seq)
        mask[-1, span] = 0
        labels[-1, span] = -100
        inputs = {"input_ids": tokens, "attention_mask": mask, "labels": labels}
    export.export_program(model, tuple(inputs.values()), args.output, args.decompose)
    if args.inputs_out:
        safetensors_io.save(inputs, args.inputs_out,
                            metadata={"model": "hf-" + args.arch, "seed": str(args.seed)})
    n_params = sum(p.numel() for p in model.parameters())
    print(f"exported {type(model).__name__} ({args.attn}; {n_params} params) "
          f"batch={args.batch} seq={args.seq} -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
