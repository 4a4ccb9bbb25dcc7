"""hf_wav2vec2.py's classifier in train() mode with SpecAugment
(mask_time_prob 0.3): Hugging Face draws the time masks with numpy.random,
which tracing would make a constant mask, the same at every step; the
exporter refuses, naming the line (modeling_wav2vec2.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_wav2vec2  # noqa: E402


def build():
    return hf_wav2vec2.build(mask_time_prob=0.3, training=True)
