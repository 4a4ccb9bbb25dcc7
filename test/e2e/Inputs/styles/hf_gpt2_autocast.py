"""Hugging Face's GPT2LMHeadModel trained under bfloat16 autocast as its
Trainer runs it (hf_llama_autocast.py's wrapper): Conv1D's torch.addmm,
which ATen computes in float and rounds once, gelu_new's tanh, whose
backward ATen computes in float, LayerNorms whose float32 weights meet
float32 residuals, tied input and output embeddings, SDPA."""
import os
import sys

import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_llama_autocast import Autocast  # noqa: E402


def build():
    config = transformers.GPT2Config(
        vocab_size=128, n_positions=32, n_embd=32, n_layer=2, n_head=4,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        attn_implementation="sdpa")
    model = Autocast(transformers.GPT2LMHeadModel(config))
    tokens = torch.randint(0, 128, (2, 16))
    return model, tokens, tokens.clone()
