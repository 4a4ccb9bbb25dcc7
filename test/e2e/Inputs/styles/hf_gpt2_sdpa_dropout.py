"""hf_gpt2_dropout.py's GPT2LMHeadModel with its default attention, SDPA:
in training `attn_pdrop` reaches F.scaled_dot_product_attention as
dropout_p, whose math backend drops the attention probabilities;
`embd_pdrop` and `resid_pdrop` are nn.Dropout as there."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_gpt2_dropout  # noqa: E402


def build():
    return hf_gpt2_dropout.build(attn_implementation="sdpa")
