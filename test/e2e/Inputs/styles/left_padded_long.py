"""left_padded.py's decoder (Hugging Face's eager Llama masking) at 64
tokens with 40 of one sequence's left padding: 40 query rows see no key,
more than the 16 (S * head size / Skv) that the runtime computes at once in
the composite form (Attention.cpp forEachRowBlock), so the rows run in
three blocks, the last a partial one."""
import importlib.util
import os

import torch

_spec = importlib.util.spec_from_file_location(
    "left_padded", os.path.join(os.path.dirname(__file__), "left_padded.py"))
left_padded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(left_padded)


def build():
    c = left_padded.Cfg(); c.layers = 1
    m = left_padded.Model(c)
    g = torch.Generator().manual_seed(5)
    tokens = torch.randint(1, c.vocab, (2, 64), generator=g)
    tokens[0, :40] = left_padded.PAD; tokens[1, :3] = left_padded.PAD
    labels = torch.randint(0, c.vocab, (2, 64), generator=g)
    return m, tokens, labels
