"""PEFT-style LoRA fine-tuning: the base model's weights frozen
(requires_grad_(False) on every base parameter, the embedding included),
trainable low-rank adapters lora_A / lora_B on the attention's q and v
projections scaled by lora_alpha / r (lora_B initialised nonzero here so
that both get gradients), dropout p=0 on the adapter path, a trainable
classifier head and norm; SDPA with a causal mask; mean-pooled sequence
classification with cross_entropy over 3 classes. Only the adapters, the
norm and the head may change; the frozen weights must come out as they
went in."""
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, D, HEADS, R, ALPHA, CLASSES = 64, 32, 4, 4, 8, 3


class LoraLinear(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.base_layer = nn.Linear(d_in, d_out)
        self.lora_A = nn.Linear(d_in, R, bias=False)
        self.lora_B = nn.Linear(R, d_out, bias=False)
        nn.init.normal_(self.lora_B.weight, std=0.1)
        self.lora_dropout = nn.Dropout(0.0)
        self.scaling = ALPHA / R

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(D)
        self.q_proj = LoraLinear(D, D)
        self.k_proj = nn.Linear(D, D)
        self.v_proj = LoraLinear(D, D)
        self.o_proj = nn.Linear(D, D)
        self.ffn = nn.Sequential(nn.Linear(D, 2 * D), nn.SiLU(), nn.Linear(2 * D, D))

    def forward(self, x):
        b, t, _ = x.shape
        h = self.norm(x)
        q, k, v = (p(h).view(b, t, HEADS, D // HEADS).transpose(1, 2)
                   for p in (self.q_proj, self.k_proj, self.v_proj))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o_proj(a.transpose(1, 2).reshape(b, t, D))
        return x + self.ffn(x)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.layers = nn.ModuleList([Layer(), Layer()])
        self.final_norm = nn.LayerNorm(D)
        self.score = nn.Linear(D, CLASSES)
        for name, p in self.named_parameters():
            if "lora_" not in name and not name.startswith(("final_norm", "score")):
                p.requires_grad_(False)

    def forward(self, tokens, labels):
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x)
        pooled = self.final_norm(x).mean(dim=1)
        return F.cross_entropy(self.score(pooled), labels[:, 0])


def build():
    return Classifier(), torch.randint(0, VOCAB, (4, 16)), torch.randint(0, CLASSES, (4, 16))
