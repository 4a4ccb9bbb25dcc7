"""A FlexAttention score_mod that reads a whole row of a captured table
(each head's mean bias: `table[h].mean()`): under PyTorch's vmap that is
a reduction per element, which ds-import's run of the score_mod on the
whole grid at once cannot reproduce, so the export is refused, naming the
flex_attention call's line."""
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

    @staticmethod
    def score_mod(table):
        def head_bias(score, b, h, q_idx, kv_idx):
            return score + table[h].mean()
        return head_bias

    def forward(self, tokens, labels):
        n, t = tokens.shape
        q, k, v = self.qkv(self.embed(tokens)).view(n, t, 3, HEADS, -1).permute(2, 0, 3, 1, 4)
        y = flex_attention(q, k, v, score_mod=self.score_mod(self.table))
        return F.cross_entropy(self.head(y.transpose(1, 2).reshape(n, t, EMBD)).flatten(0, 1),
                               labels.flatten())


def build():
    return Model(), torch.randint(0, VOCAB, (2, SEQ)), torch.randint(0, VOCAB, (2, SEQ))
