"""hf_bart_dropout.py's BART with encoder LayerDrop at 0.2: each encoder
layer is skipped where `torch.rand([]) < 0.2`, control flow on a draw that
the exporter refuses, naming the line (modeling_bart.py)."""
import os
import sys

import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_bart_dropout  # noqa: E402


def build():
    return hf_bart_dropout.build(transformers.BartConfig, transformers.BartForConditionalGeneration,
                                 **dict(hf_bart_dropout.SEQ2SEQ, encoder_layerdrop=0.2))
