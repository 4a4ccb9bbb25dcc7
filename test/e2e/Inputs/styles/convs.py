"""1-D convolutions as sequence models use them, none through dsc's examples:
an H3/Hyena-style short depthwise conv (nn.Conv1d(C, C, 3, groups=C,
padding=2) cut back to the first L outputs: causal), a wav2vec2-style
positional conv (kernel 5, padding 2, 4 groups of 8 channels, no bias, GELU,
added back), a strided and dilated grouped conv with a channel multiplier
(F.conv1d, stride 2, dilation 2, 2 groups of 16 in and 32 out) whose
halved sequence is upsampled with repeat_interleave, padding='same' with an
even kernel (PyTorch pads one more at the end) and padding='valid' on an
unbatched [C, L] input (one sequence's features mixed into a per-sequence
bias). Loss: next-token cross-entropy over tied embeddings."""
import torch, torch.nn as nn, torch.nn.functional as F

class Cfg:
    vocab_size = 96; dim = 32; num_layers = 2; seq = 16

class ShortConv(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.conv = nn.Conv1d(d, d, kernel_size=3, groups=d, padding=2)
    def forward(self, x):  # x: [B, L, D]
        L = x.shape[1]
        return self.conv(x.transpose(1, 2))[..., :L].transpose(1, 2)

class PositionalConv(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.conv = nn.Conv1d(d, d, kernel_size=5, padding=2, groups=4, bias=False)
    def forward(self, x):
        return x + F.gelu(self.conv(x.transpose(1, 2))).transpose(1, 2)

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c.dim
        self.norm = nn.LayerNorm(d)
        self.short = ShortConv(d)
        self.pos = PositionalConv(d)
        self.down = nn.Parameter(torch.randn(2 * d, d // 2, 3) * 0.2)
        self.up = nn.Linear(2 * d, d)
        self.same = nn.Parameter(torch.randn(d, 1, 4) * 0.3)
    def forward(self, x):
        h = self.short(self.norm(x)) * torch.sigmoid(x)
        h = self.pos(h)
        t = h.transpose(1, 2)
        y = F.conv1d(t, self.down, stride=2, dilation=2, groups=2, padding=2)
        y = y.repeat_interleave(2, dim=-1)[..., : t.shape[-1]]
        s = F.conv1d(t, self.same, padding="same", groups=t.shape[1])
        return x + self.up(y.transpose(1, 2)) + s.transpose(1, 2)

class ConvLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c.vocab_size, c.dim)
        self.blocks = nn.ModuleList([Block(c) for _ in range(c.num_layers)])
        self.mix = nn.Parameter(torch.randn(c.dim, c.dim, 3) * 0.1)
        self.norm = nn.LayerNorm(c.dim)
    def forward(self, tokens, labels):
        h = self.embed(tokens)
        for block in self.blocks:
            h = block(h)
        # One sequence's features, unbatched [C, L], 'valid': a bias for all.
        summary = F.conv1d(h[0].transpose(0, 1), self.mix, padding="valid")
        h = h + summary.mean(-1)
        logits = self.norm(h) @ self.embed.weight.t()
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)),
                               labels[:, 1:].reshape(-1))

def build():
    c = Cfg(); m = ConvLM(c)
    return m, torch.randint(0, 96, (2, c.seq)), torch.randint(0, 96, (2, c.seq))
