"""Hugging Face's T5ForConditionalGeneration trained under bfloat16
autocast as its Trainer runs it (hf_llama_autocast.py's wrapper): an
encoder-decoder whose attention masks carry the trainable relative-position
bias (so PyTorch's SDPA runs its math backend), unscaled attention, RMS
layer norms in float32, _shift_right's in-place writes into the labels,
tied embeddings rescaled before the head.

transformers leaves out an all-true attention mask when it runs eagerly
but builds it while torch.export traces (masking_utils: is_tracing), so
the exported program adds the position bias over the batch ([2, 4, S, S])
where the eager model broadcasts [1, 4, S, S]: PyTorch then rounds each
batch element's bias gradient to bfloat16 before summing them in float32,
eagerly after (about half the position tables' elements a bfloat16 step
apart). The eager reference builds the masks as the export does, so that
both run the same program."""
import os
import sys

import torch
import transformers
import transformers.masking_utils as masking_utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_llama_autocast import Autocast  # noqa: E402

masking_utils._ignore_causal_mask_sdpa = lambda *args, **kwargs: False
masking_utils._ignore_bidirectional_mask_sdpa = lambda *args, **kwargs: False


def build():
    config = transformers.T5Config(
        vocab_size=128, d_model=32, d_kv=8, d_ff=64, num_layers=2,
        num_decoder_layers=2, num_heads=4, dropout_rate=0.0,
        decoder_start_token_id=0, pad_token_id=0, attn_implementation="sdpa")
    model = Autocast(transformers.T5ForConditionalGeneration(config))
    tokens = torch.randint(1, 128, (2, 16))
    return model, tokens, tokens.clone()
