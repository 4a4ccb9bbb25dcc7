"""FlexAttention in a training forward, as torchtitan, gpt-fast and
attention-gym write it, with grouped-query attention (enable_gqa), three
layers of three kinds:
- "documents": packed documents (a causal mask within each document,
  from the batch's document ids, through create_block_mask with blocks of
  4 tokens: full blocks inside long documents, partial ones at their
  edges) and a learnt relative-position bias per head that the score_mod
  reads from a parameter it captures (T5 and Swin's tables);
- "window": a BlockMask built by hand from block tables
  (BlockMask.from_kv_blocks), a causal sliding window of 8 tokens (query
  block i reads key block i-1 whole, blocks i and i-2 through its
  mask_mod, and_masks), and tanh soft-capping of the scores (Gemma 2);
- "capped documents": the documents' mask, and the bias subtracted inside
  the cap, scaled by a learnt temperature per head, which ds.attention has
  no form for (its ops stay as they are);
- "alibi": no block_mask (one block of 2^30 tokens) and bidirectional
  ALiBi, each head's slope times the distance subtracted (MosaicBERT's).
PyTorch runs flex_attention's backward only on a GPU: the exporter and the
eager reference run PyTorch's dense implementation
(examples/lower_flex.py)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.attention.flex_attention import (BlockMask, and_masks, create_block_mask,
                                               flex_attention)

VOCAB, EMBD, HEADS, KV_HEADS, SEQ, BLOCK, CAP = 64, 32, 4, 2, 16, 4, 8.0
HEAD = EMBD // HEADS


def sliding_window(t):
    """Block tables of a causal window of 2 * BLOCK tokens: query block i
    reads key blocks i and i - 2 in part, i - 1 whole."""
    blocks = t // BLOCK
    i = torch.arange(blocks, dtype=torch.int32)
    unused = torch.zeros(blocks, blocks - 2, dtype=torch.int32)  # a row lists every block
    partial = torch.cat([torch.stack([i, (i - 2).clamp(min=0)], -1), unused], -1)
    partial_count = 1 + (i >= 2).to(torch.int32)
    full = torch.cat([(i - 1).clamp(min=0)[:, None], unused, unused[:, :1]], -1)
    full_count = (i >= 1).to(torch.int32)

    def causal(b, h, q_idx, kv_idx):
        return q_idx >= kv_idx

    def near(b, h, q_idx, kv_idx):
        return q_idx - kv_idx < 2 * BLOCK

    return BlockMask.from_kv_blocks(partial_count[None, None], partial[None, None],
                                    full_count[None, None], full[None, None], BLOCK_SIZE=BLOCK,
                                    mask_mod=and_masks(causal, near))


class Attention(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.wq = nn.Linear(EMBD, HEADS * HEAD, bias=False)
        self.wkv = nn.Linear(EMBD, 2 * KV_HEADS * HEAD, bias=False)
        self.wo = nn.Linear(HEADS * HEAD, EMBD, bias=False)
        self.relative = nn.Parameter(torch.randn(HEADS, 2 * SEQ - 1) * 0.5)
        self.temperature = nn.Parameter(torch.linspace(0.5, 2.0, HEADS))
        self.register_buffer("slopes", 2.0 ** -torch.arange(1.0, HEADS + 1), persistent=False)

    def forward(self, x, doc_ids):
        n, t, _ = x.shape
        q = self.wq(x).view(n, t, HEADS, HEAD).transpose(1, 2)
        k, v = self.wkv(x).view(n, t, 2, KV_HEADS, HEAD).permute(2, 0, 3, 1, 4)
        relative, temperature, slopes = self.relative, self.temperature, self.slopes

        def same_document(b, h, q_idx, kv_idx):
            return (doc_ids[b, q_idx] == doc_ids[b, kv_idx]) & (q_idx >= kv_idx)

        def relative_bias(score, b, h, q_idx, kv_idx):
            return score + relative[h, q_idx - kv_idx + SEQ - 1]

        def softcap(score, b, h, q_idx, kv_idx):
            return CAP * torch.tanh(score / CAP)

        def tempered_softcap(score, b, h, q_idx, kv_idx):
            score = (score - relative[h, q_idx - kv_idx + SEQ - 1]) * temperature[h]
            return CAP * torch.tanh(score / CAP)

        def alibi(score, b, h, q_idx, kv_idx):
            return score - slopes[h] * (q_idx - kv_idx).abs()

        if self.kind == "window":
            block_mask, score_mod = sliding_window(t), softcap
        elif self.kind == "alibi":
            block_mask, score_mod = None, alibi
        else:
            block_mask = create_block_mask(same_document, n, None, t, t, device=x.device,
                                           BLOCK_SIZE=BLOCK)
            score_mod = relative_bias if self.kind == "documents" else tempered_softcap
        y = flex_attention(q, k, v, score_mod=score_mod, block_mask=block_mask, enable_gqa=True)
        return self.wo(y.transpose(1, 2).reshape(n, t, EMBD))


class Block(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.norm1 = nn.RMSNorm(EMBD)
        self.attn = Attention(kind)
        self.norm2 = nn.RMSNorm(EMBD)
        self.w1 = nn.Linear(EMBD, 2 * EMBD, bias=False)
        self.w3 = nn.Linear(EMBD, 2 * EMBD, bias=False)
        self.w2 = nn.Linear(2 * EMBD, EMBD, bias=False)

    def forward(self, x, doc_ids):
        x = x + self.attn(self.norm1(x), doc_ids)
        h = self.norm2(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


class PackedLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBD)
        self.layers = nn.ModuleList(Block(kind) for kind in ("documents", "window", "capped documents", "alibi"))
        self.norm = nn.RMSNorm(EMBD)
        self.output = nn.Linear(EMBD, VOCAB, bias=False)

    def forward(self, tokens, doc_ids, labels):
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x, doc_ids)
        logits = self.output(self.norm(x))
        return F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=-100)


def build():
    torch.manual_seed(0)
    tokens = torch.randint(0, VOCAB, (2, SEQ))
    # Three documents in the first row, two in the second; the first
    # token of each document predicts nothing.
    doc_ids = torch.tensor([[0] * 5 + [1] * 7 + [2] * 4, [0] * 9 + [1] * 7])
    labels = tokens.roll(-1, 1).masked_fill(doc_ids != doc_ids.roll(-1, 1), -100)
    return PackedLM(), tokens, doc_ids, labels
