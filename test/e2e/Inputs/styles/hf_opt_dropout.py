"""hf_bart_dropout.py's harness on Hugging Face's own OPTForCausalLM
(learned positions offset by 2, pre-norm decoder layers), dropouts active,
LayerDrop at 0 (`torch.rand([]) < self.layerdrop` per layer)."""
import os
import sys

import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_bart_dropout  # noqa: E402


def build():
    return hf_bart_dropout.build(
        transformers.OPTConfig, transformers.OPTForCausalLM, label_length=8, vocab_size=64,
        hidden_size=16, num_hidden_layers=2, ffn_dim=32, num_attention_heads=2,
        max_position_embeddings=32, word_embed_proj_dim=16, layerdrop=0.0,
        dropout=0.1, attention_dropout=0.1)
