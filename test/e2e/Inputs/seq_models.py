"""Small models for the sequence-parallel edge cases the example models do
not have, traced for ds-import with their example inputs.

  seq_models.py {seq-first,mean-pool} -o model.pt --inputs-out batch.safetensors
      [--batch 2] [--seq 15]

seq-first: GPT-2 on time-major inputs (tokens and labels [seq, batch]), so
  the sequence is dimension 0 and ds-compile needs --seq-dims.
mean-pool: a loss that adds a mean over every position of a hidden state to
  the cross-entropy, so a sequence sp does not divide is padded through a
  mean (rescaled by padded/real count).
classify: a sequence classifier with labels [batch].
mask4d: attention under a boolean mask input [batch, 1, seq, seq] (causal
  and right padding, as HF's 4-d masks are given), whose dimension 1 is
  not the sequence.
"""

import argparse
import os
import sys

import torch
import torch.nn.functional as F

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples")
sys.path.insert(0, EXAMPLES)

import dsc_save  # noqa: E402
import models  # noqa: E402
import safetensors_io  # noqa: E402


class SeqFirst(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gpt, _ = models.build("gpt2", seed=0, n_layer=2)

    def forward(self, tokens, labels):
        return self.gpt(tokens.t().contiguous(), labels.t().contiguous())


class MeanPool(torch.nn.Module):
    def __init__(self, vocab=64, dim=16):
        super().__init__()
        torch.manual_seed(0)
        self.emb = torch.nn.Embedding(vocab, dim)
        self.proj = torch.nn.Linear(dim, dim)
        self.head = torch.nn.Linear(dim, vocab)

    def forward(self, tokens, labels):
        h = torch.tanh(self.proj(self.emb(tokens)))
        logits = self.head(h)
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
        return ce + 0.5 * (h * h).mean()


class Classify(torch.nn.Module):
    """A sequence classifier as Hugging Face's *ForSequenceClassification
    heads pool it: the last position's and the mean hidden state, labels
    [batch] (no sequence dimension) of 5 classes."""

    def __init__(self, vocab=64, dim=16, classes=5):
        super().__init__()
        torch.manual_seed(0)
        self.emb = torch.nn.Embedding(vocab, dim)
        self.proj = torch.nn.Linear(dim, dim)
        self.score = torch.nn.Linear(2 * dim, classes)

    def forward(self, tokens, labels):
        h = torch.tanh(self.proj(self.emb(tokens)))
        pooled = torch.cat([h[:, -1], h.mean(1)], dim=-1)
        return F.cross_entropy(self.score(pooled), labels)


class Mask4d(torch.nn.Module):
    """One attention layer through SDPA under a boolean [B, 1, S, S] mask
    given as an input."""

    def __init__(self, vocab=64, dim=16, heads=2):
        super().__init__()
        torch.manual_seed(0)
        self.heads = heads
        self.emb = torch.nn.Embedding(vocab, dim)
        self.qkv = torch.nn.Linear(dim, 3 * dim)
        self.head = torch.nn.Linear(dim, vocab)

    def forward(self, tokens, labels, mask):
        b, s = tokens.shape
        x = self.emb(tokens)
        q, k, v = (t.view(b, s, self.heads, -1).transpose(1, 2)
                   for t in self.qkv(x).chunk(3, dim=-1))
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        logits = self.head(x + o.transpose(1, 2).reshape(b, s, -1))
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", choices=["seq-first", "mean-pool", "classify", "mask4d"])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--inputs-out", required=True)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seq", type=int, default=15)
    a = ap.parse_args()
    model = {"seq-first": SeqFirst, "mean-pool": MeanPool, "classify": Classify,
             "mask4d": Mask4d}[a.model]()
    model.train()
    g = torch.Generator().manual_seed(1)
    shape = (a.seq, a.batch) if a.model == "seq-first" else (a.batch, a.seq)
    vocab = 256 if a.model == "seq-first" else 64
    tokens = torch.randint(0, vocab, shape, generator=g)
    labels = (torch.randint(0, 5, (a.batch,), generator=g) if a.model == "classify"
              else torch.randint(0, vocab, shape, generator=g))
    inputs = {"tokens": tokens, "labels": labels}
    if a.model == "mask4d":
        lengths = torch.tensor([a.seq, a.seq - 3] + [a.seq] * (a.batch - 2))[: a.batch]
        keep = torch.arange(a.seq)[None, :] < lengths[:, None]
        causal = torch.ones(a.seq, a.seq, dtype=torch.bool).tril()
        inputs["mask"] = causal[None, None] & keep[:, None, None, :]
    traced = torch.jit.trace(model, tuple(inputs.values()))
    dsc_save.save(traced, a.output, inputs)
    safetensors_io.save(inputs, a.inputs_out)


if __name__ == "__main__":
    main()
