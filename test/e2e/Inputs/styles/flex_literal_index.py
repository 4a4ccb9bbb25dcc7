"""A FlexAttention score_mod that indexes a captured table with an
integer written in the code (`table[0, kv_idx]`, `table[h, 2]`), which
flex_attention turns into a 0-d tensor constant: read as an index only,
the exporter keeps it (examples/lower_flex.py _is_literal_index). The
model is flex_head_mean.py's with this score_mod."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flex_head_mean  # noqa: E402


class Model(flex_head_mean.Model):
    @staticmethod
    def score_mod(table):
        def key_bias(score, b, h, q_idx, kv_idx):
            return score + table[0, kv_idx] * table[h, 2]
        return key_bias


def build():
    vocab, seq = flex_head_mean.VOCAB, flex_head_mean.SEQ
    return Model(), torch.randint(0, vocab, (2, seq)), torch.randint(0, vocab, (2, seq))
