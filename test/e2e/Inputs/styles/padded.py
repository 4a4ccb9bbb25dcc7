"""Encoder-style (bidirectional) model with right padding: float additive attention mask
built from an attention mask derived from tokens (pad_id=0), passed to
F.scaled_dot_product_attention(attn_mask=float); labels at pad positions are set to -100
(ignore_index) in forward via torch.where; label_smoothing=0.1; learned absolute
positions; pre-LN with nn.MultiheadAttention-free qkv fused projection + split."""
import torch, torch.nn as nn, torch.nn.functional as F

PAD = 0
class Cfg:
    vocab = 128; d = 64; heads = 4; layers = 2; max_pos = 32

class Block(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.ln1 = nn.LayerNorm(c.d); self.ln2 = nn.LayerNorm(c.d)
        self.qkv = nn.Linear(c.d, 3 * c.d); self.proj = nn.Linear(c.d, c.d)
        self.ff = nn.Sequential(nn.Linear(c.d, 4 * c.d), nn.GELU(), nn.Linear(4 * c.d, c.d))
    def forward(self, x, attn_bias):
        b, s, d = x.shape; H = self.c.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (t.view(b, s, H, d // H).transpose(1, 2) for t in (q, k, v))
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_bias, dropout_p=0.0)
        x = x + self.proj(o.transpose(1, 2).reshape(b, s, d))
        return x + self.ff(self.ln2(x))

class Enc(nn.Module):
    def __init__(self, c):
        super().__init__(); self.c = c
        self.tok = nn.Embedding(c.vocab, c.d, padding_idx=PAD); self.pos = nn.Embedding(c.max_pos, c.d)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.ln_f = nn.LayerNorm(c.d); self.head = nn.Linear(c.d, c.vocab)
    def forward(self, tokens, labels):
        b, s = tokens.shape
        attention_mask = (tokens != PAD).long()
        # HF _expand_mask / _prepare_4d_attention_mask
        expanded = attention_mask[:, None, None, :].expand(b, 1, s, s).to(torch.float32)
        inverted = 1.0 - expanded
        attn_bias = inverted.masked_fill(inverted.to(torch.bool), torch.finfo(torch.float32).min)
        x = self.tok(tokens) + self.pos(torch.arange(s, device=tokens.device))[None]
        for blk in self.blocks: x = blk(x, attn_bias)
        logits = self.head(self.ln_f(x))
        labels = torch.where(attention_mask.bool(), labels, torch.full_like(labels, -100))
        return F.cross_entropy(logits.view(-1, self.c.vocab), labels.view(-1), ignore_index=-100, label_smoothing=0.1)

def build():
    c = Cfg(); m = Enc(c)
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(1, 128, (2, 16), generator=g)
    tokens[0, 13:] = PAD; tokens[1, 9:] = PAD
    labels = torch.randint(0, 128, (2, 16), generator=g)
    return m, tokens, labels
