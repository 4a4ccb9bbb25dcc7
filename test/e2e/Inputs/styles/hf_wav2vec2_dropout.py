"""hf_wav2vec2.py's classifier in train() mode with every dropout at 0.1
and LayerDrop at 0 (each encoder layer draws `torch.rand([])` and
branches on `< layerdrop`: decided without a draw by the exporter)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_wav2vec2  # noqa: E402


def build():
    return hf_wav2vec2.build(dropout=0.1, training=True)
