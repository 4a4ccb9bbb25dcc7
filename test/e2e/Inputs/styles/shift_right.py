"""A decoder trained the way sequence-to-sequence code feeds one: the
decoder inputs are the labels shifted right behind a start token, written
functionally (torch.cat of the start column and labels[:, :-1], the -100
of ignored labels replaced by the pad id with masked_fill), learned
positions, pre-norm blocks with causal SDPA on a fused qkv projection,
GELU MLP, a final norm and a tied output layer, cross-entropy ignoring
-100; the source tokens enter as one mean-pooled context vector. At 15 tokens: sequence parallelism pads the sequence, and the shift
cuts the padding off the keys' path while the labels' gradient brings it
back to the queries'."""
import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, H, N, PAD, START = 80, 32, 4, 15, 1, 2


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.proj = nn.Linear(D, D)
        self.fc1, self.fc2 = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, H, D // H).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(a.transpose(1, 2).reshape(b, t, D))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(V, D, padding_idx=PAD)
        self.embed_positions = nn.Embedding(N, D)
        self.layers = nn.ModuleList(Block() for _ in range(2))
        self.norm = nn.LayerNorm(D)
        self.lm_head = nn.Linear(D, V, bias=False)
        self.lm_head.weight = self.embed_tokens.weight

    def forward(self, tokens, labels):
        start = torch.full_like(labels[:, :1], START)
        decoder_input_ids = torch.cat([start, labels[:, :-1]], dim=1)
        decoder_input_ids = decoder_input_ids.masked_fill(decoder_input_ids == -100, PAD)
        positions = torch.arange(decoder_input_ids.shape[1], device=labels.device)
        x = self.embed_tokens(decoder_input_ids) + self.embed_positions(positions)
        # The source sequence as one mean-pooled context vector.
        x = x + self.embed_tokens(tokens).mean(dim=1, keepdim=True)
        for layer in self.layers:
            x = layer(x)
        logits = self.lm_head(self.norm(x))
        return F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100)


def build():
    g = torch.Generator().manual_seed(3)
    labels = torch.randint(3, V, (2, N), generator=g)
    labels[1, -4:] = -100
    return Decoder(), torch.randint(3, V, (2, N), generator=g), labels
