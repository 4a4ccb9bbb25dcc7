"""The random draws dsc imports besides dropout, each once: stochastic
depth written the three common ways (timm's `x.new_empty(shape)
.bernoulli_(keep)`, Hugging Face's `floor_(keep + torch.rand(shape))`,
torchvision's `torch.empty(size).bernoulli_(survival)` on a tensor made
from constants), nn.Dropout2d (whole channels), torch.rand_like noise,
torch.bernoulli of computed probabilities (no gradient through them),
`torch.empty(...).uniform_(-0.5, 0.5)` noise, and normal numbers: a VAE's
reparameterisation `mu + std * torch.randn_like(std)`, torch.randn noise,
`torch.normal(0.0, 0.1, size=...)` and `x.new_empty(...).normal_(m, s)`."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def drop_path_timm(x, drop_prob):
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
    random_tensor.div_(keep_prob)
    return x * random_tensor


def drop_path_hf(input, drop_prob):
    keep_prob = 1 - drop_prob
    shape = (input.shape[0],) + (1,) * (input.ndim - 1)
    random_tensor = keep_prob + torch.rand(shape, dtype=input.dtype, device=input.device)
    random_tensor.floor_()
    return input.div(keep_prob) * random_tensor


def stochastic_depth_tv(input, p):
    size = [input.shape[0]] + [1] * (input.ndim - 1)
    noise = torch.empty(size, dtype=input.dtype, device=input.device)
    noise = noise.bernoulli_(1 - p)
    noise.div_(1 - p)
    return input * noise


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.drop2d = nn.Dropout2d(0.25)
        self.lin = nn.Linear(8, 8)
        self.head = nn.Linear(8, 5)

    def forward(self, tokens, labels):
        y = self.drop2d(self.conv(tokens.view(4, 3, 2, 4))).reshape(4, 4, 8)
        y = y + drop_path_timm(self.lin(y), 0.3)
        y = y + drop_path_hf(self.lin(y), 0.4)
        y = y + stochastic_depth_tv(self.lin(y), 0.5)
        y = y + 0.01 * torch.rand_like(y) + 0.01 * torch.bernoulli(torch.sigmoid(y))
        noise = torch.empty(4, 1, 8).uniform_(-0.5, 0.5)
        y = y * (1 + noise)
        # A VAE's reparameterisation (gradient through mean and std), a
        # diffusion model's noised input, normal noise of numbers and in place.
        mu, logvar = self.lin(y).chunk(2, dim=-1)
        std = torch.exp(0.5 * logvar)
        z = mu + std * torch.randn_like(std)
        y = y + torch.cat((z, z), dim=-1) + 0.1 * torch.randn(y.shape, dtype=y.dtype)
        y = y + torch.normal(0.0, 0.1, size=(4, 4, 1)) + y.new_empty(1, 4, 8).normal_(0.5, 0.02)
        return F.cross_entropy(self.head(y).flatten(0, 1), labels.flatten())


def build():
    torch.manual_seed(0)
    return Model(), torch.randn(4, 3, 8), torch.randint(0, 5, (4, 4))
