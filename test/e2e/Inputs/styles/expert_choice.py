"""Expert-choice routing (Zhou et al., 2022), as research code writes it: each
expert picks its top-`capacity` tokens (topk over the tokens of the
transposed router probabilities, not over the experts), a one-hot
[experts, capacity, tokens] permutation built by F.one_hot of the chosen
token indices, einsum gather of the tokens into [E, C, D] buffers, experts
as batched matmuls with per-expert biases, and the outputs scattered back
weighted by the gates with the same permutation (einsum of three
operands). Tokens no expert chose pass through the residual only. Sequences
packed into one row of tokens (flatten(0, 1)), RMSNorm, a tied head,
loss averaged over the tokens with F.cross_entropy."""
import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, H, E, HEADS = 96, 32, 64, 4, 4


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.eps, self.weight = eps, nn.Parameter(torch.ones(d))

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)


class ExpertChoiceMoE(nn.Module):
    def __init__(self, capacity_factor=2.0):
        super().__init__()
        self.capacity_factor = capacity_factor
        self.router = nn.Linear(D, E, bias=False)
        self.w1 = nn.Parameter(torch.randn(E, D, H) * D ** -0.5)
        self.b1 = nn.Parameter(torch.zeros(E, 1, H))
        self.w2 = nn.Parameter(torch.randn(E, H, D) * H ** -0.5)

    def forward(self, x):
        b, t, d = x.shape
        tokens = x.flatten(0, 1)  # [S, D]
        n = tokens.shape[0]
        capacity = int(n * self.capacity_factor / E)
        probs = self.router(tokens).softmax(dim=-1)  # [S, E]
        gates, index = torch.topk(probs.t(), capacity, dim=-1)  # [E, C]
        perm = F.one_hot(index, num_classes=n).type_as(tokens)  # [E, C, S]
        x_in = torch.einsum("ecs,sd->ecd", perm, tokens)
        h = F.silu(torch.bmm(x_in, self.w1) + self.b1)
        y = torch.bmm(h, self.w2)  # [E, C, D]
        out = torch.einsum("ecs,ec,ecd->sd", perm, gates, y)
        return out.view(b, t, d)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.n2 = RMSNorm(D), RMSNorm(D)
        self.wqkv = nn.Linear(D, 3 * D, bias=False)
        self.wo = nn.Linear(D, D, bias=False)
        self.moe = ExpertChoiceMoE()

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.wqkv(self.n1(x)).view(b, t, 3, HEADS, D // HEADS).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.wo(a.transpose(1, 2).reshape(b, t, D))
        return x + self.moe(self.n2(x))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D)
        self.blocks = nn.ModuleList([Block(), Block()])
        self.norm = RMSNorm(D)

    def forward(self, tokens, labels):
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x)
        logits = F.linear(self.norm(x), self.embed.weight)
        return F.cross_entropy(logits.flatten(0, 1), labels.flatten())


def build():
    return Model(), torch.randint(0, V, (2, 16)), torch.randint(0, V, (2, 16))
