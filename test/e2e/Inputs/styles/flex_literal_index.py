"""A FlexAttention score_mod that indexes a captured table with an
integer written in the code (`table[0, kv_idx]`, `table[h, 2]`), which
flex_attention turns into a 0-d tensor constant: read as an index only,
the exporter keeps it (examples/lower_flex.py _is_literal_index)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.attention.flex_attention import flex_attention

VOCAB, EMBD, HEADS, SEQ = 32, 16, 2, 8


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBD)
        self.qkv = nn.Linear(EMBD, 3 * EMBD)
        self.table = nn.Parameter(torch.randn(HEADS, SEQ))
        self.head = nn.Linear(EMBD, VOCAB)

    def forward(self, tokens, labels):
        n, t = tokens.shape
        q, k, v = self.qkv(self.embed(tokens)).view(n, t, 3, HEADS, -1).permute(2, 0, 3, 1, 4)
        table = self.table

        def key_bias(score, b, h, q_idx, kv_idx):
            return score + table[0, kv_idx] * table[h, 2]

        y = flex_attention(q, k, v, score_mod=key_bias)
        return F.cross_entropy(self.head(y.transpose(1, 2).reshape(n, t, EMBD)).flatten(0, 1),
                               labels.flatten())


def build():
    return Model(), torch.randint(0, VOCAB, (2, SEQ)), torch.randint(0, VOCAB, (2, SEQ))
