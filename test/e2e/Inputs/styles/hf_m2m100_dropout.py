"""hf_bart_dropout.py's harness on Hugging Face's own
M2M100ForConditionalGeneration (sinusoidal positions from the token ids,
scaled embeddings, pre-norm layers), dropouts active, LayerDrop at 0."""
import os
import sys

import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_bart_dropout  # noqa: E402


def build():
    return hf_bart_dropout.build(transformers.M2M100Config, transformers.M2M100ForConditionalGeneration,
                                 **hf_bart_dropout.SEQ2SEQ)
