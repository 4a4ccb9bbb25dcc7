"""Positions and features from running sums, as real code writes them:
RoBERTa's create_position_ids_from_input_ids (cumsum of the non-pad mask,
times the mask, plus padding_idx), OPT's learned positions from the
attention mask (cumsum(mask).type_as(mask) * mask - 1, offset 2), and a
running mean over the sequence of a hidden state (h.cumsum(1) / count, a
float cumsum whose gradient is the reverse running sum). Padding
(pad_id=1) on the left of one sequence and on the right of the other."""
import torch, torch.nn as nn, torch.nn.functional as F

PAD = 1


class Cfg:
    vocab = 70; d = 32; max_pos = 40


class Model(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.word = nn.Embedding(c.vocab, c.d, padding_idx=PAD)
        self.roberta_pos = nn.Embedding(c.max_pos, c.d, padding_idx=PAD)
        self.opt_pos = nn.Embedding(c.max_pos, c.d)
        self.mix = nn.Linear(2 * c.d, c.d)
        self.head = nn.Linear(c.d, c.vocab)

    def forward(self, tokens, labels):
        mask = tokens.ne(PAD).int()
        # RoBERTa: padding_idx + 1, 2, ... for real tokens, padding_idx at pads.
        incremental = torch.cumsum(mask, dim=1).type_as(mask) * mask
        roberta_ids = incremental.long() + PAD
        # OPT: the attention mask's running count, -1 at pads, offset 2.
        attention_mask = mask.long()
        opt_ids = (torch.cumsum(attention_mask, dim=1).type_as(attention_mask) * attention_mask).long() - 1
        h = self.word(tokens) + self.roberta_pos(roberta_ids) + self.opt_pos(opt_ids + 2)
        h = torch.tanh(h)
        count = torch.arange(1, tokens.size(1) + 1, dtype=h.dtype)[None, :, None]
        running = h.cumsum(dim=1) / count
        h = self.mix(torch.cat([h, running], dim=-1))
        logits = self.head(F.gelu(h))
        return F.cross_entropy(logits.view(-1, self.c.vocab), labels.view(-1))


def build():
    c = Cfg(); m = Model(c)
    g = torch.Generator().manual_seed(7)
    tokens = torch.randint(2, c.vocab, (2, 16), generator=g)
    tokens[0, :3] = PAD; tokens[1, 12:] = PAD
    labels = torch.randint(0, c.vocab, (2, 16), generator=g)
    return m, tokens, labels
