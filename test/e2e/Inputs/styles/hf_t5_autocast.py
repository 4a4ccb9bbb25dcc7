"""Hugging Face's T5ForConditionalGeneration trained under bfloat16
autocast as its Trainer runs it (hf_llama_autocast.py's wrapper): an
encoder-decoder whose attention masks carry the trainable relative-position
bias (so PyTorch's SDPA runs its math backend), unscaled attention, RMS
layer norms in float32, _shift_right's in-place writes into the labels,
tied embeddings rescaled before the head."""
import os
import sys

import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_llama_autocast import Autocast  # noqa: E402


def build():
    config = transformers.T5Config(
        vocab_size=128, d_model=32, d_kv=8, d_ff=64, num_layers=2,
        num_decoder_layers=2, num_heads=4, dropout_rate=0.0,
        decoder_start_token_id=0, pad_token_id=0, attn_implementation="sdpa")
    model = Autocast(transformers.T5ForConditionalGeneration(config))
    tokens = torch.randint(1, 128, (2, 16))
    return model, tokens, tokens.clone()
